"""Benchmark: `noai-check timeline` over 2,000 distinct robots.txt versions, beside `noai-check robots` on the same files.

Run ``python bench/bench_timeline.py [--runs N] [--versions N]``. The archive replica serves N (default
2,000) distinct robots.txt versions of a SoundCloud-like site (an AI-crawler group added or dropped,
a path rule changed, from 2019 on), with the politeness delays off (NOAI_ARCHIVE_CDX_DELAY=0).

- ours: the whole `noai-check timeline soundcloud` command, in-process: the CDX listings, one replay per
  version over HTTP, parsing, the verdicts of every registry agent at the root and at each page type's
  sample path, Content-Signal per agent, timeline.json and timeline.html written.
- baseline: the same versions, saved as files, each judged offline as `noai-check robots FILE --url / --url
  <each sample path>` does (``robots_report``: parse, verdicts for every registry agent and URL, Content-Signal,
  Content-Usage, protego comparison), without printing. Printing its JSON is not counted, which favours it.
- strict: only what both must do, read each file, parse it, one verdict per (agent, URL): no protego
  comparison, no Content-Signal/Content-Usage. The target is checked against this one, the harder.

Every figure is the median of N interleaved runs (each goes first in turn) with the spread. Target: ours
within 1.5x of the strict baseline. Exits 1 when missed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.runs import ratio, rotated, spread
from noai_check.cli import main
from noai_check.judge.registry import load_registry
from noai_check.judge.robots_file import robots_report
from noai_check.platforms.sample_paths import sample_paths
from noai_check.replica.archive import Snapshot
from noai_check.replica.archive_server import start_archive_replica
from noai_check.signals.robots import parse_robots

TARGET = 1.5  # ours / baseline, at most
HOST = "https://soundcloud.com"
AI_AGENTS = ["GPTBot", "CCBot", "ClaudeBot", "Google-Extended", "anthropic-ai", "Bytespider", "PerplexityBot",
             "Applebot-Extended", "meta-externalagent", "Amazonbot", "cohere-ai", "Diffbot", "omgili", "ImagesiftBot"]
BASE = """User-agent: *
Disallow: /search
Disallow: /you/
Disallow: /settings
Disallow: /*/likes
Disallow: /*/reposts
Disallow: /*/followers
Disallow: /*/following
Disallow: /*/comments
Allow: /discover/sets/

User-agent: Googlebot
Disallow: /search
Disallow: /you/

Sitemap: https://soundcloud.com/sitemap.txt
"""


def versions(count: int, seed: int = 13) -> list[bytes]:
    """``count`` distinct, realistic robots.txt bodies: each a small edit of the one before."""
    rng = random.Random(seed)
    blocked: set[str] = set()
    bodies: list[bytes] = []
    for i in range(count):
        agent = rng.choice(AI_AGENTS)
        blocked.symmetric_difference_update({agent})
        groups = "".join(f"\nUser-agent: {a}\nDisallow: /\n" for a in sorted(blocked))
        signal = "Content-Signal: search=yes, ai-train=no\n" if i % 3 == 0 else ""
        bodies.append(f"# version {i}\n{BASE}{signal}Disallow: /private-{i % 97}/\n{groups}".encode())
    return bodies


def snapshots(bodies: list[bytes]) -> list[Snapshot]:
    start = time.mktime((2019, 1, 1, 0, 0, 0, 0, 0, 0))
    step = (time.mktime((2026, 6, 1, 0, 0, 0, 0, 0, 0)) - start) / len(bodies)
    stamps = [time.strftime("%Y%m%d%H%M%S", time.gmtime(start + i * step)) for i in range(len(bodies))]
    return [Snapshot(f"{HOST}/robots.txt", stamp, 200, (("Content-Type", "text/plain"),), body)
            for stamp, body in zip(stamps, bodies, strict=True)]


def run_ours(archive_url: str, reports: Path) -> float:
    began = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = main(["timeline", "soundcloud", "--archive-url", archive_url, "--reports-dir", str(reports), "--to", "2026-06"])
    took = time.perf_counter() - began
    if code != 0:
        raise SystemExit(f"noai-check timeline exited {code}")
    return took


def run_baseline(files: list[Path], urls: list[str]) -> float:
    registry = load_registry()
    began = time.perf_counter()
    for path in files:
        robots_report(path.read_bytes(), 200, urls, registry)
    return time.perf_counter() - began


def run_strict(files: list[Path], urls: list[str]) -> float:
    tokens = load_registry().tokens()
    began = time.perf_counter()
    for path in files:
        robots = parse_robots(path.read_bytes(), 200)
        for token in tokens:
            for url in urls:
                robots.verdict(url, token)
    return time.perf_counter() - began


def main_bench() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--versions", type=int, default=2000)
    args = parser.parse_args()
    os.environ["NOAI_ARCHIVE_CDX_DELAY"] = "0"
    bodies = versions(args.versions)
    urls = ["/", *sample_paths("soundcloud").values()]
    with tempfile.TemporaryDirectory() as tmp, start_archive_replica(snapshots(bodies)) as archive:
        files = []
        for i, body in enumerate(bodies):
            files.append(Path(tmp) / f"robots-{i:05d}.txt")
            files[-1].write_bytes(body)
        contenders = {"ours": lambda: run_ours(archive.url, Path(tmp) / "reports"),
                      "baseline": lambda: run_baseline(files, urls), "strict": lambda: run_strict(files, urls)}
        times: dict[str, list[float]] = {name: [] for name in contenders}
        for round_ in range(args.runs):
            for name in rotated(list(contenders), round_):
                times[name].append(contenders[name]())
        requests = len(archive.site.log) // args.runs
    agents = len(load_registry())
    overall, paired = ratio(times["strict"], times["ours"])  # strict / ours, overall and run by run
    ours_over_base = 1 / overall
    print(f"{args.versions} distinct robots.txt versions, {agents} registry agents, {len(urls)} paths each "
          f"({', '.join(urls)}); median (min-max) of {args.runs} interleaved runs")
    print(f"  noai-check timeline (archive replica, {requests} requests, delays off): {spread(times['ours'])} s")
    print(f"  noai-check robots on the same files offline (robots_report, no printing): {spread(times['baseline'])} s")
    print(f"  parse + one verdict per (agent, URL) only, same files offline (strict): {spread(times['strict'])} s")
    print(f"  ours / robots command: {statistics.median(times['ours']) / statistics.median(times['baseline']):.2f}x")
    print(f"  ours / strict: {ours_over_base:.2f}x (run by run {min(1 / p for p in paired):.2f}-{max(1 / p for p in paired):.2f}); "
          f"target at most {TARGET}x: {'met' if ours_over_base <= TARGET else 'MISSED'}")
    return 0 if ours_over_base <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main_bench())
