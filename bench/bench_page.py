"""Page analysis speed: noai-check's reading of one page against one lxml parse of the same page.

Run: ``python bench/bench_page.py [PAGE.html]``. Default page: the captured SoundCloud track page in
../shared/corpus/html (a replica page is used when the corpus is absent). Target: analysing a page
(robots metas, X-Robots-Tag, TDM headers and metas, Content-Usage) takes no longer than a bare
``lxml.html.fromstring`` of it (ratio <= 1.0). Also printed: the full per-page judgement (165 agents).
"""

from __future__ import annotations

import json
import sys
import timeit
from pathlib import Path

import lxml.html

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from noai_check.judge.page_judgement import analyze
from noai_check.judge.registry import load_registry, meta_crawler_names
from noai_check.signals.page import analyze_page
from noai_check.signals.response import Fetched, make_headers
from noai_check.signals.site_files import build_site

CAPTURE = (
    Path(__file__).resolve().parents[2] / "shared" / "corpus" / "html"
    / "soundcloud.com.zedsdead-zeds-dead-twin-shadow-lost-you-feat-dangelo-lacy__2024-06-10"
)
ROBOTS = b"User-Agent: *\nDisallow:\n\nUser-Agent: GPTBot\nUser-Agent: CCBot\nDisallow: /\n"


def load_page(argument: str | None) -> tuple[str, Fetched]:
    if argument:
        path = Path(argument)
        return path.name, Fetched("https://soundcloud.com/x/y", 200, {"content-type": ["text/html"]}, path.read_bytes())
    if CAPTURE.with_name(CAPTURE.name + ".html").exists():
        body = CAPTURE.with_name(CAPTURE.name + ".html").read_bytes()
        headers = json.loads(CAPTURE.with_name(CAPTURE.name + ".headers.json").read_text())["headers"]
        return "captured SoundCloud track page (2024-06-10)", Fetched(
            "https://soundcloud.com/zedsdead/lost-you", 200, make_headers(headers), body
        )
    from noai_check.crawl.fetch_one import fetch
    from noai_check.replica import start_replica

    with start_replica() as replica:
        return "replica SoundCloud track page", fetch(replica.base_url + "/lofi-harbor/low-tide")


def best(statement, number: int) -> float:  # type: ignore[no-untyped-def]
    return min(timeit.repeat(statement, number=number, repeat=7)) / number


def main() -> int:
    name, response = load_page(sys.argv[1] if len(sys.argv) > 1 else None)
    origin = "https://soundcloud.com"
    site = build_site(origin, {
        "robots_txt": Fetched(origin + "/robots.txt", 200, {}, ROBOTS),
        "tdmrep_json": Fetched(origin + "/.well-known/tdmrep.json", 404),
        "ai_txt": Fetched(origin + "/ai.txt", 404),
        "llms_txt": Fetched(origin + "/llms.txt", 404),
    })
    registry = load_registry()
    number = 200
    baseline = best(lambda: lxml.html.fromstring(response.body), number)
    ours = best(lambda: analyze_page(response, meta_crawler_names()), number)
    full = best(lambda: analyze(response, site, registry), number)

    def judged_afresh() -> None:
        site.memo.pop(("judged", id(registry)), None)  # the first page of its kind in a crawl
        analyze(response, site, registry)

    afresh = best(judged_afresh, number)
    print(f"page: {name}, {len(response.body):,} bytes")
    print(f"page analysis (metas, X-Robots-Tag, TDM, Content-Usage): {ours * 1e3:.3f} ms")
    print(f"baseline lxml.html.fromstring of the same page:           {baseline * 1e3:.3f} ms")
    print(f"ratio ours/lxml: {ours / baseline:.2f} (target <= 1.00)")
    print(f"full judgement incl. {len(registry.agents)} agents' verdicts: {afresh * 1e3:.3f} ms the first time; "
          f"{full * 1e3:.3f} ms for a page with the same signals and robots.txt outcomes (remembered)")
    return 0 if ours <= baseline else 1


if __name__ == "__main__":
    sys.exit(main())
