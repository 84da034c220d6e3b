"""Every captured real page (../shared/corpus/html) read without error, and its robots metas read right."""

from __future__ import annotations

import csv
import json

import pytest

from noai_check.judge.registry import meta_crawler_names
from noai_check.signals.meta_tags import html_charset
from noai_check.signals.page import analyze_page
from noai_check.signals.response import Fetched, make_headers
from tests.corpus import CORPUS_DIR, corpus_or_skip
from tests.html5_reference import reference_metas, scanned_metas

CRAWLERS = meta_crawler_names()  # the meta names the judge passes to analyze_page


def _rows() -> list[dict[str, str]]:
    index = CORPUS_DIR / "html" / "index.tsv"
    if not index.exists():
        return []
    with index.open(encoding="utf-8") as stream:
        return list(csv.DictReader(stream, delimiter="\t"))


def _response(row: dict[str, str]) -> Fetched:
    html = corpus_or_skip("html", row["file"])
    headers_file = html.with_name(html.name[: -len(".html")] + ".headers.json")
    headers: dict[str, list[str]] = {}
    status = 200
    if headers_file.exists():
        captured = json.loads(headers_file.read_text(encoding="utf-8"))
        headers, status = make_headers(captured.get("headers", {})), captured.get("statusCode", 200)
    headers.setdefault("content-type", ["text/html"])
    return Fetched(row["page_url"], status, headers, html.read_bytes())


def _expected(robots_meta: str) -> tuple[set[str], dict[str, set[str]]]:
    """The index's `name=content | name=content` column, as directives for everyone and per agent."""
    everyone: set[str] = set()
    per_agent: dict[str, set[str]] = {}
    if robots_meta in ("-", ""):
        return everyone, per_agent
    for pair in robots_meta.split(" | "):
        name, _, content = pair.partition("=")
        target = everyone if name.lower() == "robots" else per_agent.setdefault(name.lower(), set())
        target.update(d.strip().lower() for d in content.split(",") if d.strip())
    return everyone, per_agent


ROWS = _rows()


@pytest.mark.corpus
@pytest.mark.parametrize("row", ROWS or [pytest.param(None, marks=pytest.mark.skip("corpus absent"))], ids=lambda r: r["file"][:60] if r else "none")
def test_captured_page_metas_match_the_index(row):
    signals = analyze_page(_response(row), CRAWLERS)
    everyone, per_agent = _expected(row["robots_meta"])
    assert set(signals.directives.everyone) == everyone
    assert {a: set(d) for a, d in signals.directives.per_agent.items()} == per_agent
    assert signals.noai == ("noai" in everyone)
    assert signals.noimageai == ("noimageai" in everyone)


@pytest.mark.corpus
@pytest.mark.parametrize("row", ROWS or [pytest.param(None, marks=pytest.mark.skip("corpus absent"))], ids=lambda r: r["file"][:60] if r else "none")
def test_captured_page_metas_equal_html5libs(row):
    """Every meta with a name or http-equiv, its content, and whether it sits in <noscript> or <body>."""
    response = _response(row)
    charset, _ = html_charset(response.body, response.header_values("content-type"))
    assert scanned_metas(response.body, charset) == reference_metas(response.body, charset)


@pytest.mark.corpus
def test_known_pages():
    rows = {r["file"]: r for r in ROWS}
    if not rows:
        pytest.skip("corpus absent")
    deviation = analyze_page(_response(rows["www.deviantart.com.art-misty-510056679__2024-06-10.html"]), CRAWLERS)
    assert deviation.noimageai and not deviation.noai  # DeviantArt's pages say noimageai; noai is on media
    track = analyze_page(_response(rows["soundcloud.com.zedsdead-zeds-dead-twin-shadow-lost-you-feat-dangelo-lacy__2024-06-10.html"]), CRAWLERS)
    assert not track.noai and not track.noimageai and track.directives.per_agent == {}
    giphy = analyze_page(_response(rows["metascraper-video__providers_giphy.com__commit2023-08-09.html"]), CRAWLERS)
    assert giphy.noai and giphy.noimageai


@pytest.mark.corpus
def test_remembered_judgements_equal_fresh_ones_on_every_captured_page():
    """All captured pages judged in turn on one site (as a crawl does) give what each gives on its own."""
    from noai_check.judge.page_judgement import analyze
    from noai_check.judge.registry import load_registry
    from noai_check.signals.site_files import SITE_FILES, build_site

    if not ROWS:
        pytest.skip("corpus absent")
    robots = corpus_or_skip("robots", "soundcloud.com__2023-11-19.txt").read_bytes()
    registry = load_registry()

    def site():  # type: ignore[no-untyped-def]
        bodies = {"robots_txt": (200, robots), "tdmrep_json": (404, b""), "ai_txt": (404, b""), "llms_txt": (404, b"")}
        return build_site("https://soundcloud.com", {
            key: Fetched("https://soundcloud.com" + path, bodies[key][0], {"content-type": ["text/plain"]}, bodies[key][1])
            for key, path in SITE_FILES.items()
        })

    shared = site()
    for row in ROWS:
        response = _response(row)
        remembered = analyze(response, shared, registry).to_json()
        assert remembered == analyze(response, site(), registry).to_json(), row["file"]
