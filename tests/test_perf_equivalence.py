"""Shortcuts taken for crawl speed give exactly what the plain code gives."""

from __future__ import annotations

from urllib.parse import urljoin

from hypothesis import given, settings
from hypothesis import strategies as st
from scrapy.http import Headers, HtmlResponse, Request

from noai_check.crawl.discovery import join_link, link_prefix
from noai_check.crawl.outcomes import fetched_from
from noai_check.judge.botwall import _VENDORS, bot_wall_vendor
from noai_check.signals.response import Fetched, make_headers
from noai_check.signals.site_files import in_origin, origin_of

BASES = [
    "http://h.example/a/b?q=1", "https://H.example:8443/a/b/", "http://u:p@h.example/x;p?q#f", "http://h.example",
    "https://h.example/a/../b", "ftp://h.example/a/b", "http://[::1]:8080/a",
]
HREFS = [
    "/", "/user-1/track-2", "/a/../b", "/./x", "/a/./b/../../c?x=1", "//other.example/x", "?q=2", "x", "../x", "./x",
    "http://h.example/a/./b", "HTTP://h.example/x", "https://other.example/a/../b", "/x?y", "/%2e%2e/x", "", "/a\tb",
    "/a\nb", "http://\t/x", "https:///x", "http://?q", "http:x", "https:/x", "mailto:a@b", "javascript:void(0)", "/;p", "/a//b", "http://", "https://h.example",
    "/x?", "/x?#", "/x#f", "/a;p/b", "/a/b;", "/a/.", "/a/..", "/.hidden/x", "/a/b/", "/a b ", "/caf\u00e9", "/a\rb", "/x?y=/./z", "/x?a;b", "/\t/", "/\n/x", "/\r\n/", "/\t/a/./b",
]
PIECES = ["/", "//", "http://", "https://", "\\t", "#", ".", "..", "a", "?", "=", ";", "%2e", "http:", "https:", "h.example", "\t", ":", "@",
          "\n", "\r", " ", "\u00e9", "%", "\\"]


def _same_join(base: str, href: str) -> None:
    assert join_link(base, link_prefix(base), href) == urljoin(base, href), (base, href)


def test_joined_links_equal_urljoin():
    for base in BASES:
        for href in HREFS:
            _same_join(base, href)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(BASES), st.lists(st.sampled_from(PIECES), max_size=8).map("".join))
def test_joined_links_equal_urljoin_generated(base, href):
    _same_join(base, href)


def _slow_vendor(response: Fetched) -> str | None:
    """bot_wall_vendor as it was: every vendor asked in turn."""
    cookies = " ".join(response.header_values("set-cookie")).lower()
    head = response.body[:20000].lower()
    success = response.status is not None and 200 <= response.status < 300
    for vendor in _VENDORS:
        if vendor.challenges(response, head) if success else vendor.blocks(response, cookies, head):
            return vendor.name
    return None


BODIES = [b"<html>plain page</html>", b"<title>Just a moment...</title>", b"cf-chl-x", b"px-captcha",
          b"geo.captcha-delivery.com", b"access denied reference", b"errors.edgesuite.net", b"datadome"]
HEADERS = [[], [("cf-mitigated", "challenge")], [("set-cookie", "datadome=1")], [("server", "cloudflare")],
           [("x-px-block", "1")], [("cf-mitigated", "other")]]


def test_bot_wall_shortcut_names_the_same_vendor():
    for status in (200, 204, 403, 429, 503, None):
        for body in BODIES:
            for headers in HEADERS:
                response = Fetched("https://h.example/", status, make_headers(headers), body)
                assert bot_wall_vendor(response) == _slow_vendor(response), (status, body, headers)


HEADER_SETS = [
    [],
    [(b"Content-Type", b"text/html; charset=utf-8")],
    [(b"X-Robots-Tag", b"noai"), (b"x-robots-tag", b"GPTBot: noimageai"), (b"X-ROBOTS-TAG", b"none")],
    [(b"Set-Cookie", b"a=1"), (b"Set-Cookie", b"datadome=2; Path=/"), (b"Server", b"cloudflare")],
    [(b"Content-Usage", b"train-ai=n"), (b"Link", b'<https://h.example/tdmrep.json>; rel="tdm-policy"'), (b"Empty", b"")],
    [(b"X-Latin", b"caf\xe9"), (b"Content-Signal", b"search=yes, ai-train=no")],
]


def test_fetched_headers_equal_the_folded_pairs():
    """fetched_from reads Scrapy's Headers as a dict; the headers are those make_headers folds from its items()."""
    for pairs in HEADER_SETS:
        headers = Headers()
        for name, value in pairs:
            headers.appendlist(name, value)
        response = HtmlResponse("https://h.example/a", status=200, headers=headers, body=b"<html></html>",
                                request=Request("https://h.example/a"))
        expected = make_headers([(k.decode("latin-1"), v.decode("latin-1")) for k, vs in response.headers.items() for v in vs])
        assert fetched_from(response).headers == expected, pairs
        assert sum(map(len, expected.values())) == len(pairs)


ORIGINS = ["http://h.example", "https://h.example:8443", "http://[::1]:8080", "http://127.0.0.1:41234", "http://h.example:"]
SPELLINGS = ["", "HTTP://h.example", "http://H.example", "http://h.example:80", "http://u@h.example", "http://h.example.",
             "http://h.examplex", "https://h.example", "http://\th.example", " http://h.example", "http:/h.example"]
TAILS = ["/", "/user-1/track-2", "?q", "#f", "", "/a\tb", ":80/", ".other/", "@evil/", "\\x", "/%2F", "x/"]


def test_in_origin_means_origin_of_says_so():
    checked = 0
    for origin in ORIGINS:
        for start in [origin, *SPELLINGS]:
            for tail in TAILS:
                url = start + tail
                if in_origin(url, origin):
                    assert origin_of(url) == origin, (url, origin)
                    checked += 1
    assert checked >= len(ORIGINS) * 3  # "/", "/user-1/track-2", "/a\tb" under each origin as it is spelled


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(ORIGINS), st.sampled_from(["", *SPELLINGS]), st.lists(st.sampled_from(PIECES), max_size=8).map("".join))
def test_in_origin_means_origin_of_says_so_generated(origin, start, tail):
    url = (start or origin) + tail
    if in_origin(url, origin):
        assert origin_of(url) == origin, (url, origin)
