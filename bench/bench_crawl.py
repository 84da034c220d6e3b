"""Crawl speed and memory: `scrapy crawl soundcloud` against a bare spider on the same replica pages.

Run from the checkout: ``python bench/bench_crawl.py [--pages 1000] [--skip-memory]``.

1. Speed. The replica (generated-1k: 50 profiles, 1,000 tracks) runs in its own process. The
   soundcloud spider crawls it; then a bare Scrapy spider fetches exactly the URLs the
   soundcloud spider fetched (same methods, the run's settings, started the same way: `scrapy
   runspider`) and does nothing with them. All are timed in the same run, alternating, best
   of N, with bytecode cached as on a normal install. Figures: pages/s of ours ÷ pages/s of the
   bare spider, while crawling and over the whole process (target >= 0.9 for both). For
   information, a second bare spider also gets noai-check's own Scrapy settings (cookies off,
   CONCURRENT_ITEMS...): against it, the difference is noai-check's per-page work alone.
2. Memory. Peak RSS of `scrapy crawl soundcloud` over 1,000 pages and over 20,000 pages of
   generated-20k (target: the 20k run needs <= 1.2x the 1k run's peak; records stream to disk).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def start_replica(scenario: str) -> tuple[subprocess.Popen[str], str, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "noai_check.replica", "--scenario", scenario],
        cwd=REPO, stdout=subprocess.PIPE, text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    parts = line.replace("(", " ").replace(")", " ").split()
    return process, parts[1], parts[3]


def crawl(base: str, media: str, pages: int, out: Path, env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall, crawling) seconds of one `scrapy crawl soundcloud` subprocess."""
    command = [sys.executable, "-m", "scrapy", "crawl", "soundcloud", "-a", f"base_url={base}",
               "-a", f"media_hosts={media.split('://')[1]}", "-a", f"max_pages={pages}", "-a", "seed=bench"]
    for key, value in {**SETTINGS, "NOAI_REPORTS_DIR": str(out)}.items():
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


def speed(pages: int, rounds: int) -> tuple[float, float]:
    """(ratio while crawling, ratio of whole processes): ours over the bare spider's pages/s.

    Two bare spiders run beside ours: the baseline, a bare Scrapy spider with Scrapy's defaults
    and the run's settings (what a plain Scrapy project fetching these pages would do), and, for
    information, one given noai-check's own Scrapy settings too, whose difference from ours is
    only noai-check's per-page work.
    """
    replica, base, media = start_replica("generated-1k")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            env = bytecode_env(out / "pycache")
            crawl(base, media, pages, out / "warmup", env)
            urls = fetched_urls(out / "warmup", base, media)
            (out / "urls.json").write_text(json.dumps(urls))
            content = sum(1 for method, _ in urls if method == "GET")
            bare_commands = {}
            for name, settings in (("bare", SETTINGS), ("tuned", bare_settings())):
                folder = out / name
                folder.mkdir()
                (folder / "bare_spider.py").write_text(BARE_SPIDER % json.dumps(settings))
                bare_commands[name] = [sys.executable, "-m", "scrapy", "runspider", "bare_spider.py",
                                       "-a", f"urls={out / 'urls.json'}"]
                _timed(bare_commands[name], folder, env)  # warm-up: its bytecode too
            times: dict[str, list[tuple[float, float]]] = {"ours": [], "bare": [], "tuned": []}
            for round_ in range(rounds):  # alternating, so a slow moment of the machine hits all three
                times["ours"].append(crawl(base, media, pages, out / f"ours{round_}", env))
                for name, command in bare_commands.items():
                    times[name].append(_timed(command, out / name, env))
            best = {name: (min(w for w, _ in runs), min(c for _, c in runs)) for name, runs in times.items()}
            print(f"requests per crawl: {len(urls)} ({content} GET, {len(urls) - content} HEAD), {pages} content pages;"
                  f" best of {rounds}")
            labels = {"ours": "scrapy crawl soundcloud", "bare": "baseline: bare spider",
                      "tuned": "bare spider, our settings"}
            for name, (wall, crawling) in best.items():
                print(f"{labels[name]:26} {len(urls) / crawling:6.1f} requests/s while crawling ({crawling:.2f} s), "
                      f"{len(urls) / wall:6.1f} whole process ({wall:.2f} s, start-up and report included)")
            crawling = best["bare"][1] / best["ours"][1]
            whole = best["bare"][0] / best["ours"][0]
            print(f"ratio ours/baseline: {crawling:.2f} while crawling, {whole:.2f} whole process (target >= 0.90)")
            per_page = (best["ours"][1] - best["tuned"][1]) / len(urls) * 1000
            print(f"for information, ours/bare spider with our settings: {best['tuned'][1] / best['ours'][1]:.2f} while "
                  f"crawling, {best['tuned'][0] / best['ours'][0]:.2f} whole process: noai-check's own work is "
                  f"{per_page:.2f} ms a page against Scrapy's {best['tuned'][1] / len(urls) * 1000:.2f} ms")
            return crawling, whole
    finally:
        replica.terminate()
        replica.wait()


def memory() -> float:
    results = {}
    for scenario, pages in (("generated-1k", 1000), ("generated-20k", 20000)):
        replica, base, media = start_replica(scenario)
        try:
            with tempfile.TemporaryDirectory() as tmp:
                command = [sys.executable, "-m", "scrapy", "crawl", "soundcloud", "-a", f"base_url={base}",
                           "-a", f"media_hosts={media.split('://')[1]}", "-a", f"max_pages={pages}", "-a", "seed=bench"]
                for key, value in {**SETTINGS, "NOAI_REPORTS_DIR": tmp, "NOAI_MAX_MEDIA": "0"}.items():
                    command += ["-s", f"{key}={value}"]
                started = time.perf_counter()
                # A fresh interpreter per measurement: RUSAGE_CHILDREN keeps the max over all children.
                probe = [sys.executable, "-c",
                         ("import resource,subprocess,sys;subprocess.run(sys.argv[1:],check=True,"
                          "stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL);"
                          "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"), *command]
                rss = int(subprocess.run(probe, cwd=REPO, capture_output=True, text=True, check=True).stdout.strip())
                results[pages] = rss
                print(f"peak RSS, {pages:>6} pages: {rss / 1024:7.1f} MiB ({time.perf_counter() - started:.1f} s)")
        finally:
            replica.terminate()
            replica.wait()
    ratio = results[20000] / results[1000]
    print(f"memory ratio 20k/1k: {ratio:.2f} (target <= 1.20)")
    return ratio


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()
    ok = min(speed(args.pages, args.rounds)) >= 0.9
    if not args.skip_memory:
        ok = memory() <= 1.2 and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
