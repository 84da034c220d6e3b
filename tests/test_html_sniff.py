"""The one HTML sniffer (issue 11), pinned for each caller: pages read for metas, site files read as files."""

from __future__ import annotations

import pytest

from noai_check.signals.html_sniff import looks_like_html
from noai_check.signals.llmstxt import parse_llms_txt
from noai_check.signals.page import analyze_page
from noai_check.signals.response import Fetched
from noai_check.signals.tdmrep import parse_tdmrep_json

# What both callers agree on: no HTML Content-Type, so the body decides.
SNIFFED = [
    ("<!-- x --><!doctype html><p>", True),
    ("<HTML>", True),
    ("  <!-- c --><html>", True),
    ("<!-- generated --><html><!-- x --></html>", True),
    ("<!----><html>", True),
    ("<!---->" * 5000 + "<html>", True),
    ("\ufeff  <!DOCTYPE html><html>", True),
    ("<title>Not found</title>", True),
    ("<!-- unclosed <html>", False),
    ("<div>oops</div>", False),
    ("# Title\n<html> in prose", False),
    ('[{"location": "/"}]', False),
    ("User-agent: *", False),
]


@pytest.mark.parametrize(("text", "html"), SNIFFED)
@pytest.mark.parametrize("trust", [False, True])
def test_without_an_html_type_the_body_decides(text: str, html: bool, trust: bool) -> None:
    assert looks_like_html(text, "", trust_content_type=trust) is html
    assert looks_like_html(text.encode("utf-8"), "text/plain", trust_content_type=trust) is html


def test_pathological_comments_stay_fast() -> None:
    assert not looks_like_html("<!---->" * 200_000 + "x")  # a regex would backtrack here


@pytest.mark.parametrize(
    ("text", "content_type", "html"),
    [
        (" \n<div>oops</div>", "text/html", True),
        ("<div>oops</div>", "text/html; charset=utf-8; q=1", True),
        ("<p>soft 404</p>", "application/xhtml+xml", True),
        ('[{"location": "/"}]', "text/html", False),
        ("User-agent: *", "text/html", False),
    ],
)
def test_site_files_trust_the_body_over_an_html_type(text: str, content_type: str, html: bool) -> None:
    """tdmrep.json / llms.txt: a file mislabelled text/html is still the file; a '<' body is the HTML page."""
    assert looks_like_html(text, content_type) is html


@pytest.mark.parametrize("content_type", ["text/html", "text/html; charset=utf-8", "TEXT/HTML", "application/xhtml+xml"])
def test_pages_trust_an_html_type(content_type: str) -> None:
    """A page its server calls HTML is parsed as HTML, as a browser would, so a later robots meta counts."""
    assert looks_like_html(b"User-agent: *", content_type, trust_content_type=True)
    assert looks_like_html(b"Hello <meta name=robots content=noai>", content_type, trust_content_type=True)


def _fetched(body: bytes, content_type: str) -> Fetched:
    return Fetched(url="https://example.org/p", status=200, headers={"content-type": [content_type]}, body=body)


def test_page_caller_reads_metas_of_a_text_html_page_that_opens_with_text() -> None:
    page = analyze_page(_fetched(b"Hello <meta name=robots content=noai>", "text/html"), crawler_names=())
    assert page.is_html


def test_page_caller_sniffs_a_page_without_a_type() -> None:
    assert analyze_page(_fetched(b"<!-- cached --><html><head>", ""), crawler_names=()).is_html
    assert not analyze_page(_fetched(b'{"json": true}', ""), crawler_names=()).is_html


def test_site_file_callers_refuse_an_html_page_and_keep_a_mislabelled_file() -> None:
    assert not parse_tdmrep_json(b"<!doctype html><p>Not found</p>", 200, "text/plain").present
    assert parse_tdmrep_json(b'[{"location": "/", "tdm-reservation": 1}]', 200, "text/html").present
    assert not parse_llms_txt(b"<div>app shell</div>", 200, "text/html").present
    assert parse_llms_txt(b"# Site\n\n> About\n", 200, "text/html").present
