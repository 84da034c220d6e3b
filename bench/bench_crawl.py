"""Crawl speed and memory: `scrapy crawl soundcloud` against a bare spider on the same replica pages.

Run from the checkout: ``python bench/bench_crawl.py [--pages 1000] [--skip-memory]``.

1. Speed. The replica (generated-1k: 50 profiles, 1,000 tracks) runs in its own process. The
   soundcloud spider crawls it; then a bare Scrapy spider fetches exactly the URLs the
   soundcloud spider fetched (same methods, same settings, started the same way: `scrapy
   runspider`) and does nothing with them. Both are timed in the same run, alternating, best
   of N, with bytecode cached as on a normal install. Figures: pages/s of ours ÷ pages/s of the
   bare spider, while crawling and over the whole process (target >= 0.9 for both).
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
# as `scrapy crawl soundcloud` and the same Scrapy settings (bare_settings), none of noai-check's
# spider logic, pipeline, extension or robots middleware.
BARE_SPIDER = '''
import json, scrapy

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
    from noai_check import settings as ours

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
    result = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
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
    for origin, site in json.loads((report / "sites.json").read_text()).items():
        urls += [("GET", site[key]["url"]) for key in ("robots_txt", "tdmrep_json", "ai_txt", "llms_txt")]
        urls += [("GET", url) for url in site["sitemaps"]]
    urls += [("GET", base + "/sitemaps/tracks-1.xml.gz"), ("GET", base + "/sitemaps/users-1.xml.gz")]
    for line in (report / "pages.jsonl").read_text().splitlines():
        urls.append(("GET", json.loads(line)["url"]))
    for line in (report / "media.jsonl").read_text().splitlines():
        urls.append(("HEAD", json.loads(line)["url"]))
    return urls


def speed(pages: int, rounds: int) -> tuple[float, float]:
    """(ratio while crawling, ratio of whole processes), ours over the bare spider's pages/s."""
    replica, base, media = start_replica("generated-1k")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            env = bytecode_env(out / "pycache")
            crawl(base, media, pages, out / "warmup", env)
            urls = fetched_urls(out / "warmup", base, media)
            (out / "urls.json").write_text(json.dumps(urls))
            content = sum(1 for method, _ in urls if method == "GET")
            (out / "bare").mkdir()
            (out / "bare" / "bare_spider.py").write_text(BARE_SPIDER % json.dumps(bare_settings()))
            bare_command = [sys.executable, "-m", "scrapy", "runspider", "bare_spider.py", "-a", f"urls={out / 'urls.json'}"]
            _timed(bare_command, out / "bare", env)  # warm-up: its bytecode too
            ours, bare = [], []
            for round_ in range(rounds):  # alternating, so a slow moment of the machine hits both
                ours.append(crawl(base, media, pages, out / f"ours{round_}", env))
                bare.append(_timed(bare_command, out / "bare", env))
            print(f"requests per crawl: {len(urls)} ({content} GET, {len(urls) - content} HEAD), {pages} content pages")
            ours_crawl, bare_crawl = min(c for _, c in ours), min(c for _, c in bare)
            ours_wall, bare_wall = min(w for w, _ in ours), min(w for w, _ in bare)
            print(f"scrapy crawl soundcloud: {len(urls) / ours_crawl:7.1f} requests/s while crawling "
                  f"({ours_crawl:.2f} s); {len(urls) / ours_wall:7.1f} requests/s whole process "
                  f"({ours_wall:.2f} s, start-up and report included)")
            print(f"baseline bare spider:    {len(urls) / bare_crawl:7.1f} requests/s while crawling "
                  f"({bare_crawl:.2f} s); {len(urls) / bare_wall:7.1f} requests/s whole process ({bare_wall:.2f} s)")
            crawling, whole = bare_crawl / ours_crawl, bare_wall / ours_wall
            print(f"ratio ours/bare: {crawling:.2f} while crawling, {whole:.2f} whole process "
                  f"(target >= 0.90; best of {rounds})")
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
                         "import resource,subprocess,sys;subprocess.run(sys.argv[1:],check=True,"
                         "stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL);"
                         "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)", *command]
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
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()
    ok = min(speed(args.pages, args.rounds)) >= 0.9
    if not args.skip_memory:
        ok = memory() <= 1.2 and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
