"""Scrapy's meta-refresh redirects, without decoding and scanning every page that has none.

Scrapy's MetaRefreshMiddleware looks for ``<meta http-equiv="refresh">`` in the first 4,096
characters of every HTML page: it decodes them, finds the page's base URL and runs its tag scan, about
30 us a page, a twentieth of a fast site's whole crawl (bench/bench_crawl.py). A page can only
declare a refresh if the word ``refresh`` is in those characters, and in the encodings nearly every
page uses, an ASCII word in the text is the same bytes in the body. So the bytes rule out most
pages; any other page goes through Scrapy's own check, which decides.
"""

from __future__ import annotations

import codecs
from typing import Any

from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.http import HtmlResponse, Request, Response

SCANNED_CHARACTERS = 4096  # Scrapy's get_meta_refresh reads response.text[0:4096]
# Encodings in which each ASCII character of the text is its own single byte of the body, and each
# character takes at most 4 bytes. Others (UTF-16, UTF-7, EBCDIC, ISO-2022-JP...) are not ruled out.
_ASCII_TRANSPARENT = frozenset({"utf-8", "utf-8-sig", "ascii", "latin-1", "iso8859-15", "cp1252"})
_BOM_BYTES = 4


def may_refresh(body: bytes, encoding: str) -> bool:
    """Could the first 4,096 characters of ``body``, decoded as ``encoding``, hold a meta refresh?

    False only when they cannot: no ``refresh`` in any case in the bytes they come from (4 bytes a
    character at most, after a byte-order mark), in an encoding where ASCII text is ASCII bytes.
    """
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return True
    if name not in _ASCII_TRANSPARENT:
        return True
    return b"refresh" in body[: _BOM_BYTES + 4 * SCANNED_CHARACTERS].lower()


class QuickMetaRefreshMiddleware(MetaRefreshMiddleware):
    """Scrapy's MetaRefreshMiddleware (same settings, same redirects), skipping pages ``may_refresh``
    rules out: for those, Scrapy's check finds no refresh and returns the response as it came."""

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Request | Response:
        if isinstance(response, HtmlResponse) and not may_refresh(response.body, response.encoding):
            return response
        return super().process_response(request, response)
