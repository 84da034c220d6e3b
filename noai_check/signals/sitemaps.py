"""Read sitemaps and sitemap indexes (plain or gzip) into URLs, never trusting their size or shape."""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass, field

from lxml import etree

MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemaps.org limit for one uncompressed file


def _parser() -> etree.XMLParser:
    """A parser per call: lxml parses with the GIL released only with a parser of the thread's own
    (the spider parses sitemaps in a thread pool, so the crawl goes on meanwhile)."""
    return etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)


@dataclass
class Sitemap:
    """``kind`` is "index" (locs are sitemaps), "urlset" (locs are pages) or "invalid"."""

    kind: str
    locs: list[str] = field(default_factory=list)
    problem: str | None = None


def _gunzip(body: bytes) -> bytes:
    """Decompress at most MAX_SITEMAP_BYTES so a gzip bomb cannot exhaust memory."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    data = inflater.decompress(body, MAX_SITEMAP_BYTES + 1)
    if len(data) > MAX_SITEMAP_BYTES:
        raise ValueError(f"sitemap larger than {MAX_SITEMAP_BYTES} bytes uncompressed")
    return data


def parse_sitemap(body: bytes) -> Sitemap:
    """URLs of a sitemap or index; a malformed file gives kind "invalid" with the problem."""
    try:
        if body[:2] == b"\x1f\x8b":
            body = _gunzip(body)
    except (OSError, EOFError, ValueError, zlib.error, gzip.BadGzipFile) as error:
        return Sitemap("invalid", problem=f"bad gzip: {error}")
    if not body.strip():
        return Sitemap("invalid", problem="empty body")
    try:
        root = etree.fromstring(body, _parser())
    except etree.XMLSyntaxError as error:
        return Sitemap("invalid", problem=f"not XML: {error}")
    if root is None:
        return Sitemap("invalid", problem="not XML")
    tag = etree.QName(root).localname.lower()
    if tag not in ("sitemapindex", "urlset"):
        return Sitemap("invalid", problem=f"root element <{tag}> is neither <urlset> nor <sitemapindex>")
    locs = [
        (el.text or "").strip()
        for el in root.iter("{*}loc")
        if isinstance(el.tag, str) and (el.text or "").strip()
    ]
    return Sitemap("index" if tag == "sitemapindex" else "urlset", locs)
