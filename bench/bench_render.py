"""Rendering speed and memory, and a `render=never` crawl against the code before rendering existed.

Run from the checkout: ``python bench/bench_render.py [--pages 500] [--small 50] [--rounds 3]``.

The replica (generated-1k, SoundCloud pages) runs in its own process; media HEADs are off
(NOAI_MAX_MEDIA=0) so every request is a page.

1. `render=never` is no slower than before: the same `scrapy crawl soundcloud` of ``--pages`` pages,
   run from this checkout and from the commit before rendering (``--baseline``, default
   ``main``'s commit where this branch started, extracted with `git archive` into a temporary
   folder), in interleaved rounds (each goes first in turn). Printed: median (min–max) seconds while
   crawling, and baseline ÷ ours (target >= 0.95, i.e. not slower beyond noise).
2. `render=all`: every one of ``--pages`` pages rendered in Chromium, beside the raw-only crawl of
   the same pages as its baseline. Printed: pages/s while crawling, and the peak memory of the crawl
   process and all its children (Chromium, Playwright's driver) together, sampled every 100 ms, as
   PSS (proportional set size: memory Chromium's processes share is counted once, not once each).
3. Memory growth: the same render crawl of ``--small`` pages; target: peak at ``--pages`` <= 1.3x
   the peak at ``--small`` (no growth per page).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from runs import ratio, rotated, spread

REPO = Path(__file__).resolve().parents[1]
SETTINGS = {
    "DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False", "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16", "NOAI_PROGRESS": "False", "LOG_LEVEL": "INFO",
    "RETRY_ENABLED": "False", "NOAI_MAX_MEDIA": "0",
}


def start_replica(scenario: str) -> tuple[subprocess.Popen[str], str, str]:
    process = subprocess.Popen([sys.executable, "-m", "noai_check.replica", "--scenario", scenario],
                               cwd=REPO, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    parts = process.stdout.readline().replace("(", " ").replace(")", " ").split()
    return process, parts[1], parts[3]


def _tree_rss(process: psutil.Process) -> int:
    """Memory of the process and all its children: PSS, so pages Chromium's processes share count once
    (a plain RSS sum counts them once per process and would report several times the real figure)."""
    total = 0
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    for member in members:
        try:
            total += member.memory_full_info().pss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total


def crawl(checkout: Path, base: str, media: str, pages: int, out: Path, render: str) -> tuple[float, int, int]:
    """(seconds crawling, peak RSS of the process tree in bytes, pages rendered) of one `scrapy crawl soundcloud`."""
    command = [sys.executable, "-m", "scrapy", "crawl", "soundcloud", "-a", f"base_url={base}",
               "-a", f"media_hosts={media.split('://')[1]}", "-a", f"max_pages={pages}", "-a", "seed=bench"]
    if render != "never":
        command += ["-a", f"render={render}"]
    for key, value in {**SETTINGS, "NOAI_REPORTS_DIR": str(out)}.items():
        command += ["-s", f"{key}={value}"]
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    with tempfile.TemporaryFile("w+") as log:
        child = subprocess.Popen(command, cwd=checkout, env=env, stdout=subprocess.DEVNULL, stderr=log, text=True)
        watched, peak = psutil.Process(child.pid), 0
        while child.poll() is None:
            peak = max(peak, _tree_rss(watched))
            time.sleep(0.1)
        log.seek(0)
        stderr = log.read()
    if child.returncode != 0:
        raise SystemExit(f"crawl failed:\n{stderr[-2000:]}")
    elapsed = re.search(r"'elapsed_time_seconds': ([0-9.]+)", stderr)
    rendered = re.search(r"'noai/rendered': ([0-9]+)", stderr)
    if not elapsed:
        raise SystemExit("no elapsed_time_seconds in the crawl's stats")
    return float(elapsed.group(1)), peak, int(rendered.group(1)) if rendered else 0


def extract(commit: str, folder: Path) -> Path:
    """The checkout at ``commit`` (git archive: the repository itself is only read)."""
    folder.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", commit], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder


def never_speed(base: str, media: str, pages: int, rounds: int, before: Path, work: Path) -> None:
    times: dict[str, list[float]] = {"ours": [], "before": []}
    for round_ in range(rounds):
        for name in rotated(list(times), round_):
            checkout = REPO if name == "ours" else before
            seconds, _, _ = crawl(checkout, base, media, pages, work / f"{name}-{round_}", "never")
            times[name].append(seconds)
    overall, paired = ratio(times["before"], times["ours"])
    print(f"render=never, {pages} pages, {rounds} interleaved rounds (seconds crawling, median (min-max)):")
    print(f"  ours (this checkout)      {spread(times['ours'])}")
    print(f"  before (no rendering)     {spread(times['before'])}")
    print(f"  before / ours             {overall:.2f} (per round {', '.join(f'{r:.2f}' for r in paired)}; target >= 0.95)")


def render_figures(base: str, media: str, pages: int, small: int, rounds: int, work: Path) -> None:
    runs: dict[str, list[tuple[float, int, int]]] = {"raw": [], "render": [], "render-small": []}
    for round_ in range(rounds):
        for name in rotated(list(runs), round_):
            count = small if name == "render-small" else pages
            render = "never" if name == "raw" else "all"
            runs[name].append(crawl(REPO, base, media, count, work / f"{name}-{round_}", render))
    print(f"\nrender=all vs raw only, {rounds} interleaved rounds (median (min-max)):")
    for name, label in (("raw", f"raw only, {pages} pages"), ("render", f"render=all, {pages} pages"),
                        ("render-small", f"render=all, {small} pages")):
        count = small if name == "render-small" else pages
        rate = [count / seconds for seconds, _, _ in runs[name]]
        peak = [rss / 2**20 for _, rss, _ in runs[name]]
        rendered = sorted({n for _, _, n in runs[name]})
        print(f"  {label:<26} {spread(rate)} pages/s   peak PSS (crawl + Chromium) {spread(peak, digits=0)} MiB"
              f"   rendered {rendered}")
    big = sorted(rss for _, rss, _ in runs["render"])[len(runs["render"]) // 2]
    little = sorted(rss for _, rss, _ in runs["render-small"])[len(runs["render-small"]) // 2]
    print(f"  peak PSS at {pages} / at {small} rendered pages: {big / little:.2f} (target <= 1.3)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--small", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", default=None, help="commit before rendering (default: merge-base with main)")
    parser.add_argument("--skip-never", action="store_true", help="skip the render=never speed comparison")
    parser.add_argument("--skip-render", action="store_true", help="skip the render=all figures")
    args = parser.parse_args()
    baseline = args.baseline or subprocess.run(["git", "-C", str(REPO), "merge-base", "HEAD", "main"],
                                               capture_output=True, text=True, check=True).stdout.strip()
    replica, base, media = start_replica("generated-1k")
    try:
        with tempfile.TemporaryDirectory() as temp:
            work = Path(temp)
            if not args.skip_never:
                before = extract(baseline, work / "before")
                never_speed(base, media, args.pages, args.rounds, before, work)
            if not args.skip_render:
                render_figures(base, media, args.pages, args.small, args.rounds, work)
    finally:
        replica.terminate()
        replica.wait()


if __name__ == "__main__":
    main()
