"""QuickMetaRefreshMiddleware answers as Scrapy's MetaRefreshMiddleware does, page for page.

Each case builds the same response twice and hands it to both middlewares: the same response
back, or a redirect to the same URL. The pages are the ones where a byte test could go wrong: the
refresh at the edge of Scrapy's 4,096 characters in multi-byte text, encodings whose ASCII is not
ASCII bytes, a refresh Scrapy ignores (noscript, too long a delay), and the captured platform pages.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import scrapy
from scrapy.crawler import AsyncCrawlerRunner
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.http import HtmlResponse, Request, Response
from scrapy.utils.defer import deferred_f_from_coro_f
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from noai_check.crawl.meta_refresh import QuickMetaRefreshMiddleware, may_refresh
from tests.corpus import corpus_or_skip
from tests.rawhttp import raw_server, response

URL = "https://example.test/a/page"
REFRESH = '<meta http-equiv="refresh" content="0; url=/moved">'


def _page(head: str = "", before: str = "") -> str:
    return f"<!DOCTYPE html><html><head>{before}{head}<title>t</title></head><body>x</body></html>"


CASES: dict[str, tuple[str, str]] = {  # name -> (text, encoding)
    "no refresh": (_page(), "utf-8"),
    "refresh": (_page(REFRESH), "utf-8"),
    "upper case": (_page('<META HTTP-EQUIV="REFRESH" CONTENT="0;URL=/moved">'), "utf-8"),
    "mixed case": (_page('<meta http-equiv="ReFrEsH" content="1; url=/moved">'), "utf-8"),
    "refresh in noscript (Scrapy ignores it)": (_page(f"<noscript>{REFRESH}</noscript>"), "utf-8"),
    "delay over METAREFRESH_MAXDELAY": (_page('<meta http-equiv="refresh" content="500; url=/moved">'), "utf-8"),
    "the word in the text only": (_page(before="<!-- refresh the page -->"), "utf-8"),
    "after 4,096 ASCII characters": (_page(REFRESH, before="a" * 4100), "utf-8"),
    # 3 bytes a character: inside Scrapy's 4,096 characters, beyond 4,096 bytes
    "after 3,000 euro signs": (_page(REFRESH, before="\u20ac" * 3000), "utf-8"),
    # 4 bytes a character: the refresh ends near character 4,090, byte 16,300
    "after 4,000 four-byte characters": (_page(REFRESH, before="\U0001d11e" * 4000), "utf-8"),
    "after 4,100 four-byte characters": (_page(REFRESH, before="\U0001d11e" * 4100), "utf-8"),
    "utf-8 with a byte-order mark": ("\ufeff" + _page(REFRESH, before="\U0001d11e" * 4000), "utf-8"),
    "utf-16": (_page(REFRESH), "utf-16"),
    "utf-16 without refresh": (_page(), "utf-16"),
    "ebcdic (cp500)": (_page(REFRESH), "cp500"),
    "latin-1": (_page(REFRESH, before="caf\u00e9 " * 50), "latin-1"),
    "windows-1252": (_page(REFRESH, before="\u2019" * 50), "cp1252"),
    "shift_jis": (_page(REFRESH, before="\u65e5\u672c" * 1500), "shift_jis"),
}


def _response(body: bytes, charset: str | None) -> HtmlResponse:
    headers = {"Content-Type": f"text/html; charset={charset}" if charset else "text/html"}
    return HtmlResponse(URL, body=body, headers=headers, request=Request(URL))


def _outcome(middleware: MetaRefreshMiddleware, response: Response) -> str:
    result = middleware.process_response(Request(URL), response)
    if isinstance(result, Request):
        return f"redirect to {result.url}"
    assert result is response
    return "kept"


@pytest.fixture(scope="module")
def middlewares() -> tuple[MetaRefreshMiddleware, QuickMetaRefreshMiddleware]:
    crawler = get_crawler()
    return MetaRefreshMiddleware.from_crawler(crawler), QuickMetaRefreshMiddleware.from_crawler(crawler)


@pytest.mark.parametrize("name", list(CASES))
def test_same_answer_as_scrapy(middlewares, name):
    text, encoding = CASES[name]
    scrapy_s, ours = middlewares
    body = text.encode(encoding)
    expected = _outcome(scrapy_s, _response(body, encoding))
    assert _outcome(ours, _response(body, encoding)) == expected


def test_the_cases_cover_both_answers(middlewares):
    """The table above is only worth something if Scrapy follows some of its pages and keeps others."""
    scrapy_s, _ = middlewares
    answers = {name: _outcome(scrapy_s, _response(text.encode(enc), enc)) for name, (text, enc) in CASES.items()}
    followed = {name for name, answer in answers.items() if answer != "kept"}
    assert {"refresh", "after 3,000 euro signs", "after 4,000 four-byte characters", "utf-16", "ebcdic (cp500)",
            "utf-8 with a byte-order mark", "shift_jis"} <= followed
    assert not followed & {"no refresh", "after 4,096 ASCII characters", "after 4,100 four-byte characters",
                           "refresh in noscript (Scrapy ignores it)", "delay over METAREFRESH_MAXDELAY"}


def test_a_page_without_a_declared_charset(middlewares):
    scrapy_s, ours = middlewares
    for text in (_page(REFRESH), _page()):
        body = text.encode("utf-8")
        assert _outcome(ours, _response(body, None)) == _outcome(scrapy_s, _response(body, None))


def test_may_refresh_rules_out_only_what_it_can():
    assert may_refresh(_page(REFRESH).encode(), "utf-8") is True
    assert may_refresh(_page().encode(), "utf-8") is False
    assert may_refresh(_page().encode("utf-16"), "utf-16") is True  # not ASCII bytes: Scrapy decides
    assert may_refresh(_page().encode(), "no-such-encoding") is True


def test_same_answer_as_scrapy_on_every_captured_page(middlewares):
    scrapy_s, ours = middlewares
    pages = sorted(corpus_or_skip("html").glob("*.html"))
    assert len(pages) > 50
    for path in pages:
        body = Path(path).read_bytes()
        assert _outcome(ours, _response(body, None)) == _outcome(scrapy_s, _response(body, None)), path.name


def _refreshing_site(path: str) -> list[bytes]:
    html = [("Content-Type", "text/html; charset=utf-8")]
    if path == "/start":
        return [response(headers=html, body=_page(REFRESH.replace("/moved", "/landed")).encode())]
    if path == "/landed":
        return [response(headers=html, body=_page().encode())]
    return [response("404 Not Found")]


class _Recorder(scrapy.Spider):
    """Notes where each answer came from (``seen`` is given to the crawl)."""

    name = "recorder"

    def parse(self, response: Response) -> None:
        self.seen.append((response.url, response.meta.get("redirect_reasons")))


@deferred_f_from_coro_f
async def test_a_crawl_with_noai_check_s_settings_follows_a_meta_refresh():
    settings = get_project_settings()
    settings.setdict({"ITEM_PIPELINES": {}, "ROBOTSTXT_OBEY": False, "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "LOG_LEVEL": "ERROR"},
                     priority="cmdline")
    crawler = AsyncCrawlerRunner(settings).create_crawler(_Recorder)
    with raw_server(_refreshing_site) as base:
        await crawler.crawl_async(start_urls=[base + "/start"], seen=[])
    middlewares = [type(mw).__name__ for mw in crawler.engine.downloader.middleware.middlewares]
    assert "QuickMetaRefreshMiddleware" in middlewares and "MetaRefreshMiddleware" not in middlewares
    assert crawler.spider.seen == [(base + "/landed", ["meta refresh"])]
