"""Domains per second of `scrapy crawl sites` against a bare Scrapy spider fetching the same URLs; memory 10k vs 100k.

1. Speed: a generated list (noai_check/replica/many.py, every shape of it: AI blocks, 503 and 404
   robots.txt, redirects to www., names that do not resolve, servers that time out) is crawled by
   `scrapy crawl sites`; then a bare Scrapy spider (`scrapy runspider`, none of noai-check's spider,
   record or report code) fetches exactly the URLs the sites spider fetched, read back from its
   domains.jsonl, with the same settings (the sites spider's broad-crawl settings, the same
   NOAI_CONNECT_TO download handler, the same resolver). Runs alternate; the figure is the median
   ratio of crawl times (Scrapy's elapsed_time_seconds: spider open to close, report included for ours).
   The issue asks for the bare spider to fetch the robots.txt and home-page URLs; it is shown too, for
   information: our crawl also fetches tdmrep.json, ai.txt and llms.txt, 2.5 requests a domain more.
2. Memory: peak RSS of `scrapy crawl sites` over 10,000 and over 100,000 domains (--memory-sizes to change,
   --skip-memory to skip).

Run: `python bench/bench_sites.py [--domains 2000] [--rounds 3] [--skip-memory]`; exit 1 when a target is missed.
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
sys.path.insert(0, str(REPO))

from bench.runs import ratio, rotated, spread

SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_TIMEOUT": "2",
    "LOG_LEVEL": "INFO",
    "TWISTED_DNS_RESOLVER": "noai_check.crawl.connect_to.NoDNSResolver",
}

BARE_SPIDER = '''
import json

import scrapy

class Bare(scrapy.Spider):
    name = "bare"
    custom_settings = json.loads(%r)

    async def start(self):
        for url in json.load(open(self.urls)):
            yield scrapy.Request(url, callback=self.parse, errback=self.failed, dont_filter=True,
                                 meta={"handle_httpstatus_all": True, "dont_redirect": True})

    def parse(self, response):
        pass

    def failed(self, failure):
        pass
'''


def bare_settings(connect_to: str) -> dict[str, object]:
    """The sites spider's settings (project + its broad-crawl custom_settings) without noai-check's own parts."""
    from noai_check.crawl import settings as project
    from noai_check.crawl.sites import BROAD_CRAWL_SETTINGS

    merged: dict[str, object] = {k: getattr(project, k) for k in dir(project) if k.isupper()}
    merged.update(BROAD_CRAWL_SETTINGS)
    for key in ("BOT_NAME", "SPIDER_MODULES", "NEWSPIDER_MODULE", "COMMANDS_MODULE", "ROBOTSTXT_OBEY", "ITEM_PIPELINES"):
        merged.pop(key, None)
    merged["DOWNLOADER_MIDDLEWARES"] = {
        path: order for path, order in project.DOWNLOADER_MIDDLEWARES.items() if not path.startswith("noai_check.")
    }
    merged["EXTENSIONS"] = {path: order for path, order in BROAD_CRAWL_SETTINGS["EXTENSIONS"].items()
                            if not path.startswith("noai_check.")}
    return {**merged, **SETTINGS, "NOAI_CONNECT_TO": connect_to}


def start_replica() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen([sys.executable, "-m", "noai_check.replica.many", "--tls"], cwd=REPO,
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    return process, line.strip().split("NOAI_CONNECT_TO=", 1)[1]


def _timed(command: list[str], cwd: Path) -> float:
    """Seconds Scrapy spent crawling (spider open to close) in one subprocess run of ``command``."""
    result = subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            check=False)
    if result.returncode != 0:
        raise SystemExit(f"crawl failed:\n{result.stderr[-2000:]}")
    found = re.search(r"'elapsed_time_seconds': ([0-9.]+)", result.stderr)
    if not found:
        raise SystemExit("no elapsed_time_seconds in the crawl's stats")
    return float(found.group(1))


def sites_command(listing: Path, reports: Path, connect_to: str) -> list[str]:
    command = [sys.executable, "-m", "scrapy", "crawl", "sites", "-a", f"domains={listing}"]
    for key, value in {**SETTINGS, "NOAI_CONNECT_TO": connect_to, "NOAI_REPORTS_DIR": str(reports)}.items():
        command += ["-s", f"{key}={value}"]
    return command


def fetched_urls(domains_jsonl: Path, *, robots_and_home_only: bool) -> list[str]:
    """Every URL the sites spider asked for, from its records (https tried first, then http on failure)."""
    urls: list[str] = []
    for line in domains_jsonl.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        domain = record["domain"]
        if record["origin"] is None:  # nothing answered: robots.txt on https (and http unless DNS failed)
            urls.append(f"https://{domain}/robots.txt")
            if "does not resolve" not in (record["unverifiable_reason"] or ""):
                urls.append(f"http://{domain}/robots.txt")
            continue
        files = record["site_files"] or {}
        keys = ("robots_txt",) if robots_and_home_only else tuple(files)
        urls += [files[key]["url"] for key in keys if files.get(key)]
        if record.get("redirect"):
            urls.append(record["redirect"]["from"])
        if record.get("home") and (record["home"].get("status") is not None or not robots_and_home_only):
            urls.append(record["home"]["url"])
    return urls


def speed(count: int, rounds: int) -> float:
    replica, connect_to = start_replica()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            listing = folder / "list.csv"
            subprocess.run([sys.executable, "-m", "noai_check.replica.many", "--list", str(count), str(listing),
                            "--no-serve"], cwd=REPO, check=True)
            ours_cmd = sites_command(listing, folder / "warm", connect_to)
            _timed(ours_cmd, REPO)  # warm-up, and the URLs the bare spider will fetch
            records = folder / "warm" / "sites-list" / "domains.jsonl"
            commands = {"ours": ours_cmd}
            for name, only in (("baseline", False), ("robots+home", True)):
                urls = folder / f"{name}.json"
                urls.write_text(json.dumps(fetched_urls(records, robots_and_home_only=only)))
                (folder / "bare_spider.py").write_text(BARE_SPIDER % json.dumps(bare_settings(connect_to)))
                commands[name] = [sys.executable, "-m", "scrapy", "runspider", str(folder / "bare_spider.py"),
                                  "-a", f"urls={urls}", "-s", "LOG_LEVEL=INFO"]
            times: dict[str, list[float]] = {name: [] for name in commands}
            for round_ in range(rounds):
                for name in rotated(list(commands), round_):
                    cwd = REPO if name == "ours" else folder
                    times[name].append(_timed(commands[name], cwd))
            requests = {name: len(json.loads((folder / f"{name}.json").read_text())) for name in ("baseline", "robots+home")}
    finally:
        replica.terminate()
        replica.wait()
    figure, paired = ratio(times["baseline"], times["ours"])
    info, _ = ratio(times["robots+home"], times["ours"])
    print(f"{count} domains, {rounds} interleaved rounds; domains/s, median (min-max):")
    print(f"  scrapy crawl sites:                     {spread([count / t for t in times['ours']], digits=0)}")
    print(f"  baseline: bare spider, same {requests['baseline']} URLs: "
          f"{spread([count / t for t in times['baseline']], digits=0)}")
    print(f"  info: bare spider, {requests['robots+home']} robots.txt+home URLs: "
          f"{spread([count / t for t in times['robots+home']], digits=0)}")
    print(f"ours / baseline: {figure:.2f} (runs: {', '.join(f'{p:.2f}' for p in paired)}); target >= 0.8")
    print(f"for information, ours / bare spider on robots.txt and home pages only: {info:.2f}")
    return figure


def _peak_rss(command: list[str]) -> int:
    """Peak RSS (KiB) of one run of ``command`` (RUSAGE_CHILDREN of a fresh interpreter)."""
    probe = [sys.executable, "-c",
             ("import resource,subprocess,sys;subprocess.run(sys.argv[1:],check=True,"
              "stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL);"
              "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"), *command]
    return int(subprocess.run(probe, cwd=REPO, capture_output=True, text=True, check=True).stdout.strip())


def memory(small: int = 10_000, large: int = 100_000) -> float:
    replica, connect_to = start_replica()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            peaks = {}
            for count in (small, large):
                listing = folder / f"list{count}.csv"
                subprocess.run([sys.executable, "-m", "noai_check.replica.many", "--list", str(count), str(listing),
                                "--no-serve"], cwd=REPO, check=True)
                started = time.perf_counter()
                peaks[count] = _peak_rss(sites_command(listing, folder / f"r{count}", connect_to))
                print(f"  {count:>7} domains: peak RSS {peaks[count] / 1024:.0f} MiB "
                      f"({time.perf_counter() - started:.0f} s, {count / (time.perf_counter() - started):.0f} domains/s)",
                      flush=True)
    finally:
        replica.terminate()
        replica.wait()
    growth = peaks[large] / peaks[small]
    print(f"peak RSS {large} / {small} domains: {growth:.2f}; target <= 1.3")
    return growth


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--domains", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--memory-sizes", default="10000,100000", help="SMALL,LARGE list sizes (default 10000,100000)")
    args = parser.parse_args()
    os.environ.pop("SCRAPY_SETTINGS_MODULE", None)
    ok = True
    if not args.skip_speed:
        ok = speed(args.domains, args.rounds) >= 0.8
    if not args.skip_memory:
        small, large = (int(n) for n in args.memory_sizes.split(","))
        ok = memory(small, large) <= 1.3 and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
