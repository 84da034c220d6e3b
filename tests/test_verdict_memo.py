"""judge_page remembers judgements per site: a remembered one must equal judging the page afresh.

The memo key is what a verdict reads (the page's signals, and the site's files at this URL);
if it missed something, two pages that differ in it would share a judgement. These tests build
sites and pages that vary in every signal and compare a memoized run with a fresh one.
"""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from noai_check.crawl.records import encode_record, page_record
from noai_check.judge.page_judgement import analyze
from noai_check.judge.registry import load_registry
from noai_check.signals.response import Fetched, make_headers
from noai_check.signals.site_files import SITE_FILES, Site, build_site

ORIGIN = "https://memo.test"
ROBOTS = b"""User-agent: *
Disallow: /private/
Content-Signal: search=yes, ai-train=no

User-agent: GPTBot
User-agent: CCBot
Disallow: /tracks/
Allow: /tracks/open

User-agent: ClaudeBot
Content-Usage: train-ai=n
Content-Usage: /tracks/ train-ai=y
Disallow: /nothing-here

User-agent: bingbot
Disallow: /b/
"""
TDMREP = json.dumps([
    {"location": "/tracks/open*", "tdm-reservation": 0}, {"location": "/tracks/*", "tdm-reservation": 1},
    {"location": "/free/*", "tdm-reservation": 0},
])
# /a and /free/1 differ only in tdmrep.json; /tracks/x and /tracks/open in robots.txt and tdmrep.json.
PATHS = ["/", "/a", "/free/1", "/tracks/x", "/tracks/open", "/tracks/open/1", "/private/p", "/b/1", "/nothing-here"]
METAS = [
    "", '<meta name="robots" content="noai">', '<meta name="robots" content="noimageai, noindex">',
    '<meta name="GPTBot" content="noai">', '<meta name="bingbot" content="noarchive">',
    '<meta name="tdm-reservation" content="1">', '<meta name="tdm-reservation" content="0">',
]
HEADERS = [
    {}, {"x-robots-tag": "noai"}, {"x-robots-tag": "CCBot: noai, noimageai"}, {"tdm-reservation": "0"},
    {"content-usage": "train-ai=y"}, {"content-usage": "train-ai=n"}, {"content-signal": "ai-train=yes"},
    {"x-robots-tag": "max-snippet: 20"},
]


def make_site(llms: bool = False) -> Site:
    bodies = {"robots_txt": ROBOTS, "tdmrep_json": TDMREP.encode(), "ai_txt": b"", "llms_txt": b"# site\n" if llms else b""}
    fetched = {
        key: Fetched(ORIGIN + path, 200 if bodies[key] else 404,
                     make_headers({"content-type": "application/json" if key == "tdmrep_json" else "text/plain"}), bodies[key])
        for key, path in SITE_FILES.items()
    }
    return build_site(ORIGIN, fetched)


def make_page(path: str, meta: str, headers: dict[str, str], status: int = 200) -> Fetched:
    body = f"<html><head><title>t</title>{meta}</head><body>x</body></html>".encode()
    return Fetched(ORIGIN + path, status, make_headers({"content-type": "text/html", **headers}), body)


def judged_json(page: Fetched, site: Site) -> dict[str, object]:
    analysis = analyze(page, site, REGISTRY, page_readable=page.status == 200)
    return json.loads(json.dumps(analysis.to_json(), sort_keys=True))


REGISTRY = load_registry()
pages = st.tuples(
    st.sampled_from(PATHS), st.sampled_from(METAS), st.sampled_from(HEADERS), st.sampled_from([200, 200, 200, 503])
)


@settings(max_examples=60, deadline=None)
@given(st.lists(pages, min_size=2, max_size=12), st.booleans())
def test_a_remembered_judgement_equals_a_fresh_one(sequence: list[tuple[str, str, dict[str, str], int]], llms: bool) -> None:
    shared = make_site(llms)
    for path, meta, headers, status in sequence:
        page = make_page(path, meta, headers, status)
        assert judged_json(page, shared) == judged_json(page, make_site(llms)), (path, meta, headers, status)


def test_pages_with_the_same_signals_and_outcomes_share_one_agents_map() -> None:
    site = make_site()
    first = analyze(make_page("/a", "", {}), site, REGISTRY)
    second = analyze(make_page("/other", "", {}), site, REGISTRY)
    assert second.agents is first.agents
    # A different robots outcome for some agents (Disallow: /tracks/ for GPTBot) is a different judgement.
    tracks = analyze(make_page("/tracks/x", "", {}), site, REGISTRY)
    assert tracks.agents is not first.agents
    assert tracks.agents["GPTBot"].robots_allowed is False and first.agents["GPTBot"].robots_allowed is True
    # So is a page with its own tag.
    tagged = analyze(make_page("/a", '<meta name="robots" content="noai">', {}), site, REGISTRY)
    assert tagged.agents is not first.agents
    assert tagged.agents["AI2Bot"].images == "reserved" and first.agents["AI2Bot"].images == "none"


def test_a_shared_agents_map_encodes_to_the_same_bytes_as_json_dumps() -> None:
    site = make_site()
    lines = []
    for path in ("/a", "/c", "/tracks/x", "/a"):
        page = make_page(path, "", {})
        record = page_record(url=page.url, page_type="track", response=page, analysis=analyze(page, site, REGISTRY),
                             unverifiable_reason=None, fetched_at="2026-11-26T00:00:00Z")
        line = encode_record(record)
        assert line == json.dumps(record, ensure_ascii=False, sort_keys=True)
        lines.append(line)
    assert lines[0] != lines[1]  # the url differs
    assert lines[0] == lines[3]
