"""Page analysis speed: noai-check's reading of every captured page against one lxml parse of each.

Run: ``python bench/bench_page.py [--runs 7] [PAGE.html ...]``. Default: every page captured in
../shared/corpus/html (its index.tsv gives each page's URL, its .headers.json the response headers);
without the corpus the bench stops with one line and exit 2 rather than measure something else.
Target: analysing a page (robots metas, X-Robots-Tag, TDM headers and metas, Content-Usage) takes no
longer than a bare ``lxml.html.fromstring`` of the same bytes (ratio <= 1.0), over the whole corpus.
Printed: the median and spread of interleaved runs, the pages where ours costs most against lxml,
and, for information, the full per-page judgement (165 agents) the first time a page of its kind is seen.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import lxml.html

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from runs import ratio, spread

from noai_check.judge.page_judgement import analyze
from noai_check.judge.registry import load_registry, meta_crawler_names
from noai_check.signals.page import analyze_page
from noai_check.signals.response import Fetched, make_headers
from noai_check.signals.site_files import Site, build_site

CORPUS_HTML = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "html"
ROBOTS = b"User-Agent: *\nDisallow:\n\nUser-Agent: GPTBot\nUser-Agent: CCBot\nDisallow: /\n"
HTML = {"content-type": ["text/html"]}


def corpus_pages(folder: Path) -> list[tuple[str, Fetched]]:
    """Every captured page named in the corpus index, with its URL, status and headers."""
    index = folder / "index.tsv"
    if not index.is_file():
        raise SystemExit(f"bench_page: no corpus index at {index} (the shared corpus must be beside the checkout)")
    pages = []
    with index.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            path = folder / row["file"]
            captured = path.with_name(path.name.removesuffix(".html") + ".headers.json")
            headers = make_headers(json.loads(captured.read_text())["headers"]) if captured.exists() else HTML
            status = int(row["http_status"]) if row["http_status"].isdigit() else 200
            pages.append((row["file"], Fetched(row["page_url"], status, headers, path.read_bytes())))
    if not pages:
        raise SystemExit(f"bench_page: the corpus index {index} names no page")
    return pages


def given_pages(paths: list[str]) -> list[tuple[str, Fetched]]:
    return [(Path(p).name, Fetched("https://soundcloud.com/x/y", 200, HTML, Path(p).read_bytes())) for p in paths]


def per_call(function: Callable[[], object], number: int) -> float:
    """Seconds per call of ``function``, over ``number`` calls in a row."""
    started = time.perf_counter()
    for _ in range(number):
        function()
    return (time.perf_counter() - started) / number


def site_for(url: str, sites: dict[str, Site]) -> Site:
    """One site per origin, with a small robots.txt that names two AI agents."""
    parts = urllib.parse.urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    if origin not in sites:
        sites[origin] = build_site(origin, {
            "robots_txt": Fetched(origin + "/robots.txt", 200, {}, ROBOTS),
            "tdmrep_json": Fetched(origin + "/.well-known/tdmrep.json", 404),
            "ai_txt": Fetched(origin + "/ai.txt", 404),
            "llms_txt": Fetched(origin + "/llms.txt", 404),
        })
    return sites[origin]


def measure(pages: list[tuple[str, Fetched]], runs: int, number: int) -> dict[str, list[list[float]]]:
    """Seconds per page, [run][page], for lxml, ours and the full judgement; alternating page by page."""
    registry = load_registry()
    names = meta_crawler_names()
    sites: dict[str, Site] = {}
    times: dict[str, list[list[float]]] = {"lxml": [], "ours": [], "full": []}

    def judged_afresh(response: Fetched) -> None:
        site = site_for(response.url, sites)
        site.memo.pop(("judged", id(registry)), None)  # the first page of its kind in a crawl
        analyze(response, site, registry)

    for run in range(runs):
        for row in times.values():
            row.append([])
        for _, response in pages:
            contenders: list[tuple[str, Callable[[], object]]] = [
                ("lxml", lambda r=response: lxml.html.fromstring(r.body)),
                ("ours", lambda r=response: analyze_page(r, names)),
            ]
            if run % 2:  # neither always runs first on a warm cache
                contenders.reverse()
            for name, function in contenders:
                times[name][-1].append(per_call(function, number))
            times["full"][-1].append(per_call(lambda r=response: judged_afresh(r), 1))
    return times


def report(pages: list[tuple[str, Fetched]], times: dict[str, list[list[float]]]) -> float:
    totals = {name: [sum(run) for run in runs] for name, runs in times.items()}
    size = sum(len(response.body) for _, response in pages)
    print(f"pages: {len(pages)} ({size / 1e6:.1f} MB); median (min–max) of {len(totals['ours'])} interleaved runs,"
          f" ms for the whole set")
    print(f"page analysis (metas, X-Robots-Tag, TDM, Content-Usage): {spread(totals['ours'], 1e3)} ms")
    print(f"baseline lxml.html.fromstring of the same bytes:          {spread(totals['lxml'], 1e3)} ms")
    middle, paired = ratio(totals["lxml"], totals["ours"])
    ours_over_lxml = 1 / middle
    print(f"ratio ours/lxml: {ours_over_lxml:.2f} (runs {min(1 / p for p in paired):.2f}–"
          f"{max(1 / p for p in paired):.2f}; target <= 1.00)")
    per_page = [
        (statistics.median(run[i] for run in times["ours"]) / statistics.median(run[i] for run in times["lxml"]), i)
        for i in range(len(pages))
    ]
    per_page.sort(reverse=True)
    print("dearest pages against lxml: " + ", ".join(
        f"{pages[i][0]} ({len(pages[i][1].body) // 1000} KB) {r:.2f}" for r, i in per_page[:3]))
    print(f"for information, full judgement incl. {len(load_registry().agents)} agents' verdicts, first page of its "
          f"kind: {spread(totals['full'], 1e3)} ms for the whole set")
    return ours_over_lxml


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", help="HTML files to measure instead of the corpus")
    parser.add_argument("--corpus", type=Path, default=CORPUS_HTML, help="the corpus's html folder")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--number", type=int, default=5, help="calls per page and run")
    args = parser.parse_args()
    try:
        pages = given_pages(args.pages) if args.pages else corpus_pages(args.corpus)
    except SystemExit as stop:
        print(stop, file=sys.stderr)
        return 2
    return 0 if report(pages, measure(pages, args.runs, args.number)) <= 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
