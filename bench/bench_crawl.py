"""Crawl speed and memory: `scrapy crawl soundcloud` against a bare spider on the same replica pages.

Run from the checkout: ``python bench/bench_crawl.py [--pages 1000] [--skip-memory]``.

1. Speed. The replica (generated-1k: 50 profiles, 1,000 tracks) runs in its own process. The
   soundcloud spider crawls it; then a bare Scrapy spider fetches exactly the URLs the
   soundcloud spider fetched (same methods, same settings) and does nothing with them. Both
   are timed in the same run, alternating, best of N. Figure: pages/s of ours ÷ pages/s of
   the bare spider (target >= 0.9).
2. Memory. Peak RSS of `scrapy crawl soundcloud` over 1,000 pages and over 20,000 pages of
   generated-20k (target: the 20k run needs <= 1.2x the 1k run's peak; records stream to disk).
"""

from __future__ import annotations

import argparse
import json
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

BARE_SPIDER = '''
import json, sys, scrapy
from scrapy.crawler import CrawlerProcess

class Bare(scrapy.Spider):
    name = "bare"
    async def start(self):
        for method, url in json.load(open(sys.argv[1])):
            yield scrapy.Request(url, method=method, callback=self.parse, dont_filter=True,
                                 meta={"handle_httpstatus_all": True, "dont_redirect": True})
    def parse(self, response):
        pass

settings = json.loads(sys.argv[2])
settings["USER_AGENT"] = "noai-check-bench"
process = CrawlerProcess(settings)
process.crawl(Bare)
process.start()
'''


def start_replica(scenario: str) -> tuple[subprocess.Popen[str], str, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "noai_check.replica", "--scenario", scenario],
        cwd=REPO, stdout=subprocess.PIPE, text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    parts = line.replace("(", " ").replace(")", " ").split()
    return process, parts[1], parts[3]


def crawl(base: str, media: str, pages: int, out: Path) -> tuple[float, float]:
    """(wall, crawling) seconds of one `scrapy crawl soundcloud` subprocess."""
    command = [sys.executable, "-m", "scrapy", "crawl", "soundcloud", "-a", f"base_url={base}",
               "-a", f"media_hosts={media.split('://')[1]}", "-a", f"max_pages={pages}", "-a", "seed=bench"]
    for key, value in {**SETTINGS, "NOAI_REPORTS_DIR": str(out)}.items():
        command += ["-s", f"{key}={value}"]
    return _timed(command)


def _timed(command: list[str]) -> tuple[float, float]:
    """(wall seconds of the whole process, seconds Scrapy spent crawling: spider open to close)."""
    started = time.perf_counter()
    result = subprocess.run(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
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


def speed(pages: int, rounds: int) -> float:
    replica, base, media = start_replica("generated-1k")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            ours = []
            bare = []
            crawl(base, media, pages, out / "warmup")
            urls = fetched_urls(out / "warmup", base, media)
            (out / "urls.json").write_text(json.dumps(urls))
            content = sum(1 for method, _ in urls if method == "GET")
            bare_command = [sys.executable, "-c", BARE_SPIDER, str(out / "urls.json"), json.dumps(SETTINGS)]
            for round_ in range(rounds):
                ours.append(crawl(base, media, pages, out / f"ours{round_}"))
                bare.append(_timed(bare_command))
            print(f"requests per crawl: {len(urls)} ({content} GET, {len(urls) - content} HEAD), {pages} content pages")
            ours_crawl, bare_crawl = min(c for _, c in ours), min(c for _, c in bare)
            ours_wall, bare_wall = min(w for w, _ in ours), min(w for w, _ in bare)
            print(f"scrapy crawl soundcloud: {len(urls) / ours_crawl:7.1f} requests/s while crawling "
                  f"({ours_crawl:.2f} s; whole process incl. start-up and report {ours_wall:.2f} s)")
            print(f"baseline bare spider:    {len(urls) / bare_crawl:7.1f} requests/s while crawling "
                  f"({bare_crawl:.2f} s; whole process {bare_wall:.2f} s)")
            ratio = bare_crawl / ours_crawl
            print(f"ratio ours/bare while crawling: {ratio:.2f} (target >= 0.90); "
                  f"whole process: {bare_wall / ours_wall:.2f} (best of {rounds})")
            return ratio
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
    ok = speed(args.pages, args.rounds) >= 0.9
    if not args.skip_memory:
        ok = memory() <= 1.2 and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
