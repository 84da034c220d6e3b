"""Crawl speed and memory: `scrapy crawl soundcloud` against a bare spider on the same replica pages.

Run from the checkout: ``python bench/bench_crawl.py [--pages 1000] [--rounds 5] [--skip-memory | --skip-speed]
[--replica-anywhere]``.

1. Speed. The replica (generated-1k: 50 profiles, 1,000 tracks) runs in its own process, on the
   last core (replica_core says why; --replica-anywhere lets the scheduler place it). The
   soundcloud spider crawls it; then a bare Scrapy spider fetches exactly the URLs the soundcloud
   spider fetched (same methods, started the same way: `scrapy runspider`) and does nothing with
   them. The baseline bare spider has noai-check's own Scrapy settings (cookies, telnet and
   LogStats off, the same timeouts...), so the difference is noai-check's per-page work alone;
   for information, a second one runs Scrapy's defaults, and ours runs once more with its pages
   judged in its own process (NOAI_JUDGE_PROCESS=off). Rounds run the four in turn (each goes
   first in turn), bytecode cached for all as on a normal install, every crawl of ours into a fresh
   reports directory. Printed: median (min–max) seconds while crawling (Scrapy's
   elapsed_time_seconds) and for the whole process; ratio = baseline's median ÷ ours (targets:
   >= 0.9 while crawling, >= 0.8 whole process).
2. Memory. Peak RSS of `scrapy crawl soundcloud` over 1,000 pages and over 20,000 pages of
   generated-20k, each crawled twice into one reports directory with the second run measured, so
   it has a previous run in its history as a weekly crawl does (target: 20k <= 1.2x the 1k peak).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from runs import ratio, rotated, spread

REPO = Path(__file__).resolve().parents[1]
SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "NOAI_PROGRESS": "False",
    "LOG_LEVEL": "INFO",  # the closing stats carry elapsed_time_seconds
    "RETRY_ENABLED": "False",
}

# Run with `scrapy runspider` from a folder outside the project: the same command-line start-up
# as `scrapy crawl soundcloud`, none of noai-check's spider logic, pipeline, extension or robots
# middleware. Its settings are filled in per run (SETTINGS, or bare_settings()).
BARE_SPIDER = '''
import json

import scrapy

class Bare(scrapy.Spider):
    name = "bare"
    custom_settings = json.loads(%r)

    async def start(self):
        for method, url in json.load(open(self.urls)):
            yield scrapy.Request(url, method=method, callback=self.parse, dont_filter=True,
                                 meta={"handle_httpstatus_all": True, "dont_redirect": True})

    def parse(self, response):
        pass
'''


# Project settings that are noai-check's own code or identity, not how Scrapy fetches.
_OURS_ONLY = {"BOT_NAME", "SPIDER_MODULES", "NEWSPIDER_MODULE", "COMMANDS_MODULE", "ITEM_PIPELINES", "ROBOTSTXT_OBEY"}


def bare_settings() -> dict[str, object]:
    """noai-check's Scrapy settings (cookies off, timeouts, size caps, disabled extensions...)
    without its own components, plus the bench's SETTINGS: the bare spider fetches the same way."""
    from noai_check.crawl import settings as ours

    shared: dict[str, object] = {
        key: getattr(ours, key) for key in dir(ours)
        if key.isupper() and not key.startswith("NOAI_") and key not in _OURS_ONLY
    }
    for key in ("EXTENSIONS", "DOWNLOADER_MIDDLEWARES"):
        shared[key] = {path: order for path, order in getattr(ours, key).items() if not path.startswith("noai_check.")}
    return {**shared, **SETTINGS}


def replica_core() -> int | None:
    """The core the replica runs on: the last one, when there are two or more (else None: anywhere).

    The replica stands in for a site on another machine. Left to the scheduler, its threads also
    run on the core of the crawl being measured and make it wait (measured: 20-30 ms of a 1 s crawl
    spent runnable but not running, against about 5 ms for the bare spider, which is not pinned and
    moves away; noai-check keeps its crawl on one core and its judging process on the last, see
    crawl/judging_process.py). Pinned, the replica leaves the other cores to each crawl alike, and
    shares its own with noai-check's judging process, whose work is thus still paid for."""
    if not hasattr(os, "sched_getaffinity"):
        return None
    cores = sorted(os.sched_getaffinity(0))
    return cores[-1] if len(cores) >= 2 else None


def start_replica(scenario: str, pinned: bool = True) -> tuple[subprocess.Popen[str], str, str]:
    core = replica_core() if pinned else None
    allowed = os.sched_getaffinity(0) if core is not None else None
    if core is not None:
        os.sched_setaffinity(0, {core})  # inherited by the replica and every thread it starts
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "noai_check.replica", "--scenario", scenario],
            cwd=REPO, stdout=subprocess.PIPE, text=True,
        )
    finally:
        if allowed is not None:
            os.sched_setaffinity(0, allowed)
    assert process.stdout is not None
    line = process.stdout.readline()
    parts = line.replace("(", " ").replace(")", " ").split()
    return process, parts[1], parts[3]


def crawl(base: str, media: str, pages: int, out: Path, env: dict[str, str] | None = None,
          judge_process: str = "auto") -> tuple[float, float]:
    """(wall, crawling) seconds of one `scrapy crawl soundcloud` subprocess."""
    command = [sys.executable, "-m", "scrapy", "crawl", "soundcloud", "-a", f"base_url={base}",
               "-a", f"media_hosts={media.split('://')[1]}", "-a", f"max_pages={pages}", "-a", "seed=bench"]
    for key, value in {**SETTINGS, "NOAI_REPORTS_DIR": str(out), "NOAI_JUDGE_PROCESS": judge_process}.items():
        command += ["-s", f"{key}={value}"]
    return _timed(command, env=env)


def bytecode_env(folder: Path) -> dict[str, str]:
    """Python as installed normally: modules byte-compiled once, then loaded from bytecode.

    With PYTHONDONTWRITEBYTECODE set (as on some CI machines) an editable checkout is compiled
    from source on every start, which a user's installation is not; the cache goes to ``folder``.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(folder)
    return env


def _timed(command: list[str], cwd: Path = REPO, env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall seconds of the whole process, seconds Scrapy spent crawling: spider open to close)."""
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            check=False)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"crawl failed:\n{result.stderr[-2000:]}")
    found = re.search(r"'elapsed_time_seconds': ([0-9.]+)", result.stderr)
    if not found:
        raise SystemExit("no elapsed_time_seconds in the crawl's stats")
    return wall, float(found.group(1))


def fetched_urls(out: Path, base: str, media: str) -> list[tuple[str, str]]:
    """Every request the soundcloud spider made, from what it wrote (pages, media, site files)."""
    report = out / "soundcloud"
    urls: list[tuple[str, str]] = []
    for site in json.loads((report / "sites.json").read_text()).values():
        urls += [("GET", site[key]["url"]) for key in ("robots_txt", "tdmrep_json", "ai_txt", "llms_txt")]
        urls += [("GET", url) for url in site["sitemaps"]]
    urls += [("GET", base + "/sitemaps/tracks-1.xml.gz"), ("GET", base + "/sitemaps/users-1.xml.gz")]
    for line in (report / "pages.jsonl").read_text().splitlines():
        urls.append(("GET", json.loads(line)["url"]))
    for line in (report / "media.jsonl").read_text().splitlines():
        urls.append(("HEAD", json.loads(line)["url"]))
    return urls


def speed(pages: int, rounds: int, pinned: bool = True) -> tuple[float, float]:
    """(ratio while crawling, ratio of whole processes): the baseline's seconds over ours, medians.

    The baseline is a bare Scrapy spider given noai-check's own Scrapy settings (cookies off,
    telnet and LogStats off, the same timeouts and caps): the difference from ours is only
    noai-check's per-page work. For information, a bare spider with Scrapy's defaults runs too.
    Each round runs the three once, each going first in turn; every crawl of ours writes to a
    fresh reports directory, so no run has a history or a cache from an earlier one.
    """
    replica, base, media = start_replica("generated-1k", pinned)
    core = replica_core() if pinned else None
    print(f"replica on core {core} (the crawls on the others)" if core is not None else "replica on any core")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            env = bytecode_env(out / "pycache")
            crawl(base, media, pages, out / "warmup", env)  # also byte-compiles noai-check and Scrapy
            urls = fetched_urls(out / "warmup", base, media)
            (out / "urls.json").write_text(json.dumps(urls))
            content = sum(1 for method, _ in urls if method == "GET")
            bare_commands = {}
            for name, settings in (("baseline", bare_settings()), ("defaults", SETTINGS)):
                folder = out / name
                folder.mkdir()
                (folder / "bare_spider.py").write_text(BARE_SPIDER % json.dumps(settings))
                bare_commands[name] = [sys.executable, "-m", "scrapy", "runspider", "bare_spider.py",
                                       "-a", f"urls={out / 'urls.json'}"]
                _timed(bare_commands[name], folder, env)  # warm-up: its own bytecode too
            times: dict[str, list[tuple[float, float]]] = {"ours": [], "baseline": [], "defaults": [], "one process": []}
            for round_ in range(rounds):
                for name in rotated(list(times), round_):  # a slow moment of the machine hits all four
                    if name == "ours":
                        times[name].append(crawl(base, media, pages, out / f"ours{round_}", env))
                    elif name == "one process":
                        times[name].append(crawl(base, media, pages, out / f"one{round_}", env, judge_process="off"))
                    else:
                        times[name].append(_timed(bare_commands[name], out / name, env))
            return _print_speed(times, urls, content, pages)
    finally:
        replica.terminate()
        replica.wait()


def _print_speed(times: dict[str, list[tuple[float, float]]], urls: list[tuple[str, str]], content: int,
                 pages: int) -> tuple[float, float]:
    rounds = len(times["ours"])
    print(f"requests per crawl: {len(urls)} ({content} GET, {len(urls) - content} HEAD), {pages} content pages;"
          f" median (min–max) of {rounds} interleaved rounds")
    labels = {"ours": "scrapy crawl soundcloud (pages judged in a second process: NOAI_JUDGE_PROCESS=auto)",
              "baseline": "baseline: bare spider, same settings",
              "defaults": "for information: bare spider, Scrapy defaults",
              "one process": "for information: scrapy crawl soundcloud -s NOAI_JUDGE_PROCESS=off (judged in one process)"}
    for name, runs in times.items():
        walls, crawling = [w for w, _ in runs], [c for _, c in runs]
        print(f"{labels[name]}\n    while crawling {spread(crawling)} s, {len(urls) / statistics.median(crawling):6.1f} "
              f"requests/s; whole process {spread(walls)} s (start-up and report included)")
    figures = []
    for index, (what, target) in enumerate((("while crawling", 0.9), ("whole process", 0.8))):
        middle, paired = ratio([run[1 - index] for run in times["baseline"]], [run[1 - index] for run in times["ours"]])
        print(f"ratio ours/baseline {what}: {middle:.2f} (rounds {min(paired):.2f}–{max(paired):.2f}; "
              f"target >= {target:.1f})")
        figures.append(middle)
    ours, baseline = (statistics.median(c for _, c in times[n]) for n in ("ours", "baseline"))
    print(f"noai-check's own work while crawling: {(ours - baseline) / len(urls) * 1000:.2f} ms a request against "
          f"Scrapy's {baseline / len(urls) * 1000:.2f} ms")
    defaults, _ = ratio([c for _, c in times["defaults"]], [c for _, c in times["ours"]])
    whole, _ = ratio([w for w, _ in times["defaults"]], [w for w, _ in times["ours"]])
    print(f"for information, ours/bare spider with Scrapy's defaults: {defaults:.2f} while crawling, {whole:.2f} "
          "whole process")
    alone, _ = ratio([c for _, c in times["baseline"]], [c for _, c in times["one process"]])
    alone_whole, _ = ratio([w for w, _ in times["baseline"]], [w for w, _ in times["one process"]])
    print(f"for information, judged in one process/baseline: {alone:.2f} while crawling, {alone_whole:.2f} whole process")
    return figures[0], figures[1]


def memory() -> float:
    """Peak RSS of a crawl of 20,000 pages over one of 1,000, each with a previous run in its history.

    Each size crawls twice into the same reports directory and the second crawl is measured: it
    finds the first in history.sqlite and compares against it at close, as a weekly crawl does.
    """
    results = {}
    with tempfile.TemporaryDirectory() as cache:
        env = bytecode_env(Path(cache))  # warmed by each size's first run
        for pages in (1000, 20000):
            results[pages] = _memory_with_history(pages, env)
    ratio_ = results[20000] / results[1000]
    print(f"memory ratio 20k/1k, each with a previous run in the history: {ratio_:.2f} (target <= 1.20)")
    return ratio_


def _memory_with_history(pages: int, env: dict[str, str]) -> int:
    """Peak RSS (KiB) of the second of two crawls of ``pages`` pages into one reports directory."""
    replica, base, media = start_replica("generated-1k" if pages <= 1000 else "generated-20k")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            command = [sys.executable, "-m", "scrapy", "crawl", "soundcloud", "-a", f"base_url={base}",
                       "-a", f"media_hosts={media.split('://')[1]}", "-a", f"max_pages={pages}", "-a", "seed=bench"]
            for key, value in {**SETTINGS, "NOAI_REPORTS_DIR": tmp, "NOAI_MAX_MEDIA": "0"}.items():
                command += ["-s", f"{key}={value}"]
            rss = []
            for _ in range(2):  # the first run is the history of the second
                started = time.perf_counter()
                rss.append(_peak_rss(command, env))
                print(f"peak RSS, {pages:>6} pages, run {len(rss)}: {rss[-1] / 1024:7.1f} MiB "
                      f"({time.perf_counter() - started:.1f} s)", flush=True)
            recorded = _history_runs(Path(tmp) / "history.sqlite")
            if recorded != 2:
                raise SystemExit(f"expected 2 runs in the history of the {pages}-page crawl, found {recorded}")
            return rss[1]
    finally:
        replica.terminate()
        replica.wait()


def _peak_rss(command: list[str], env: dict[str, str]) -> int:
    """Peak RSS (KiB) of one run of ``command``, in a fresh interpreter: RUSAGE_CHILDREN keeps the max over all children."""
    probe = [sys.executable, "-c",
             ("import resource,subprocess,sys;subprocess.run(sys.argv[1:],check=True,"
              "stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL);"
              "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"), *command]
    return int(subprocess.run(probe, cwd=REPO, env=env, capture_output=True, text=True, check=True).stdout.strip())


def _history_runs(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as database:
        return int(database.execute("SELECT count(*) FROM runs").fetchone()[0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    skip = parser.add_mutually_exclusive_group()
    skip.add_argument("--skip-memory", action="store_true")
    skip.add_argument("--skip-speed", action="store_true", help="only the memory measurement")
    parser.add_argument("--replica-anywhere", action="store_true",
                        help="let the scheduler place the replica on any core, the crawls' included (replica_core)")
    args = parser.parse_args()
    ok = True
    if not args.skip_speed:
        crawling, whole = speed(args.pages, args.rounds, pinned=not args.replica_anywhere)
        ok = crawling >= 0.9 and whole >= 0.8
    if not args.skip_memory:
        ok = memory() <= 1.2 and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
