"""Where candidate pages come from: robots.txt's sitemaps, the platform's seed pages, pages named by
argument (profiles, a site's URL), terms pages, and the links of pages judged.

A sitemap over 8 KiB is read in a thread (a 50 MB one takes seconds), one at a time; only pure work
happens there, the crawl's state is changed back on the reactor.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import DeferredLock
from twisted.internet.threads import deferToThread
from twisted.python.failure import Failure

from noai_check.crawl.outcomes import failure_reason
from noai_check.crawl.page_judging import PRIORITY
from noai_check.crawl.sitemaps import Sitemap, parse_sitemap
from noai_check.signals.robots import RobotsTxt
from noai_check.signals.site_files import origin_of

if TYPE_CHECKING:
    from noai_check.crawl.spider import PlatformSpider

_HREF = re.compile(r"""<a\b[^>]*?\bhref\s*=\s*["']([^"'#]+)""", re.IGNORECASE)
_URL_CONTROLS = frozenset("\t\r\n")  # removed from anywhere in a URL by urlsplit
# What urljoin would change in a path from the root: dot segments ("/." also catches "/.x", which
# it keeps: a miss only costs the full join), params, a fragment, an empty query, the controls.
_NEEDS_JOINING = re.compile(r"/\.|[;#\t\r\n]|\?$")
_CLASSIFIED_LIMIT = 4096  # URLs whose page type is remembered (a profile's links repeat on every page of it)
# A sitemap this small (a thousand or two URLs gzipped) is read on the crawl's thread, in about 12 ms
# per thousand URLs: sent to a thread, it waited for the crawl's thread to let go of the GIL as long again.
READ_AT_ONCE_BYTES = 8 * 1024


@lru_cache(maxsize=4096)
def _joined(prefix: str, href: str) -> str:
    return urljoin(prefix, href)


def join_link(base: str, prefix: str | None, href: str) -> str:
    """``urljoin(base, href)``; ``prefix`` is base's ``scheme://netloc`` for an http(s) base, else None.

    An href from the root ("/path") or an absolute one with a host depends only on the base's
    scheme and host, so its result is remembered by (prefix, href): a profile page links the same
    tracks as the last one. A plain path from the root (no dot segment, no ``;``, fragment, empty
    query or character urljoin removes) is ``prefix + href``, as urljoin would make it. An href with
    a tab or line break is joined in full: urljoin removes them first, and what is left may take the
    base's path ("/\t/" becomes "//", "http://\t/x" an absolute URL without a host).
    """
    if prefix is not None:
        if href[:1] == "/" and href[1:2] != "/":
            if _NEEDS_JOINING.search(href) is None:
                return prefix + href
            if not _URL_CONTROLS.intersection(href):
                return _joined(prefix, href)
        else:
            after = 7 if href[:7] == "http://" else 8 if href[:8] == "https://" else 0
            if after and href[after:after + 1] not in ("", "/", "?", "#") and not _URL_CONTROLS.intersection(href):
                return _joined(prefix, href)
    return urljoin(base, href)


def link_prefix(base: str) -> str | None:
    """The ``prefix`` of join_link for ``base``."""
    parts = urlsplit(base)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") else None

Ranked = dict[str, list[tuple[str, str]]]  # page type -> [(rank, canonical URL)]


class Discovery:
    """Finds candidates and hands them to the spider's Sample."""

    def __init__(self, spider: PlatformSpider) -> None:
        self.spider = spider
        self._types: dict[str, str | None] = {}  # URL -> its page type (platform.classify is pure)
        # One large sitemap read at a time: each holds its parsed tree and its ranked URLs until it
        # is done (about 10 MB for 10,000 URLs), and two at once were the crawl's peak of memory.
        self._reading = DeferredLock()

    def release(self) -> None:
        """The crawl is over: the remembered page types are not needed any more."""
        self._types = {}

    # -- candidates ----------------------------------------------------------------------

    def content_type(self, url: str, source: str) -> str | None:
        """The URL's content page type, or None (counted as ignored)."""
        spider = self.spider
        known = self._types
        if url in known:
            page_type = known[url]
        else:
            page_type = spider.platform.classify(url, spider.base_url, spider.content_hosts)
            if len(known) >= _CLASSIFIED_LIMIT:
                known.clear()
            known[url] = page_type
        if page_type is None:
            spider.crawler.stats.inc_value(f"noai/ignored_offsite/{source}")
            return None
        if page_type not in spider.platform.page_types:
            spider.crawler.stats.inc_value(f"noai/ignored_{page_type}")
            return None
        return page_type

    def add_candidate(self, url: str, source: str) -> None:
        page_type = self.content_type(url, source)
        if page_type is not None:
            self.add_typed(url, page_type)

    def add_typed(self, url: str, page_type: str) -> None:
        self.spider.sample.add(self.spider.platform.canonicalize(url), page_type)

    def content_links(self, response: Response) -> list[tuple[str, str]]:
        """(URL, page type) of the page's links to content pages (the rest are counted and dropped)."""
        links = []
        base = response.url
        prefix = link_prefix(base)
        for href in _HREF.findall(response.text):
            url = join_link(base, prefix, href.strip())
            page_type = self.content_type(url, "links")
            if page_type is not None:
                links.append((url, page_type))
        return links

    # -- the first requests, once the base origin's site files are read ------------------

    def requests(self) -> Iterator[scrapy.Request]:
        spider = self.spider
        if spider.archive is not None:  # an archive audit: the archive's index of the hosts, terms, profiles named
            yield from spider.archive.discovery_requests()
            yield from self._terms_requests()
            yield from self._profile_requests()
            return
        for path in spider.platform.seed_paths:  # its sitemaps were asked for with robots.txt (sitemap_requests)
            yield from self._seed(spider.base_url + path, "other")
        for url in spider.seed_urls:  # asked for by name: always fetched, as its own page type
            page_type = spider.platform.classify(url, spider.base_url, spider.content_hosts) or "other"
            if page_type in spider.platform.page_types:
                url = spider.platform.canonicalize(url)
                spider.sample.schedule(url, page_type)
            else:
                page_type = "other"
            yield from self._seed(url, page_type)
        yield from self._terms_requests()
        yield from self._profile_requests()

    def sitemap_requests(self, robots: RobotsTxt) -> Iterator[scrapy.Request]:
        """The base origin's sitemaps its robots.txt names, asked for as soon as robots.txt is read:
        the first wave waits for every sitemap, and need not wait for the other site files too."""
        for sitemap in robots.sitemaps:
            if origin_of(sitemap) == self.spider.origin:
                yield self.sitemap_request(sitemap)
            else:
                self.spider.logger.info("sitemap on another host, not followed: %s", sitemap)

    def _profile_requests(self) -> Iterator[scrapy.Request]:
        spider = self.spider
        for user in spider.profiles:
            where = spider.platform.profile_url
            url = where(spider.base_url, user) if where else spider.base_url + spider.platform.profile_path(user)
            url = spider.platform.canonicalize(url)
            spider.sample.schedule(url, spider.platform.profile_type)
            request = spider.judging.request(url, spider.platform.profile_type, None, priority=PRIORITY["seed"])
            yield from spider.frontier.fetch(request)

    def _seed(self, url: str, page_type: str) -> Iterator[scrapy.Request]:
        request = self.spider.judging.request(url, page_type, None, priority=PRIORITY["seed"])
        request.meta["noai_seed"] = True
        yield from self.spider.frontier.fetch(request)

    def _terms_requests(self) -> Iterator[scrapy.Request]:
        spider = self.spider
        for path in spider.platform.terms_paths:
            if spider.frontier.is_recorded("terms", spider.base_url + path):
                continue
            yield scrapy.Request(
                spider.base_url + path, callback=spider.parse_terms, errback=spider.terms_failed,
                priority=PRIORITY["seed"], meta={"handle_httpstatus_list": list(range(400, 600))},
            )

    # -- sitemaps ------------------------------------------------------------------------

    def sitemap_request(self, url: str) -> scrapy.Request:
        return scrapy.Request(
            url, callback=self.spider.parse_sitemap, errback=self.spider.discovery_failed, priority=PRIORITY["sitemap"]
        )

    async def parse_sitemap(self, response: Response) -> list[scrapy.Request]:
        """Read a sitemap in a thread unless it is small: a 50 MB one takes seconds, and the crawl must
        not stall meanwhile (a stalled reactor times out the downloads in flight). Scrapy holds the
        crawl's idle until this returns, so the first wave still waits for every sitemap: the sample
        depends on the URLs found, never on how fast they were parsed."""
        spider = self.spider
        if len(response.body) <= READ_AT_ONCE_BYTES:
            sitemap, kept, ignored = self.read_sitemap(response.body)
        else:
            read = self._reading.run(deferToThread, self.read_sitemap, response.body)
            sitemap, kept, ignored = await maybe_deferred_to_future(read)
        spider.crawler.stats.inc_value("noai/sitemaps")
        if sitemap.kind == "invalid":
            spider.crawler.stats.inc_value("noai/sitemaps_invalid")
            spider.logger.warning("sitemap %s unreadable: %s", response.url, sitemap.problem)
            return []
        if sitemap.kind == "index":
            children = sorted((loc for loc in sitemap.locs if origin_of(loc) == spider.origin), key=spider.sample.rank)
            return [self.sitemap_request(loc) for loc in children[: spider.config.max_sitemaps]]
        for stat, count in ignored.items():
            spider.crawler.stats.inc_value(stat, count)
        for page_type, ranked in kept.items():
            spider.sample.add_ranked(page_type, ranked)
        return []

    def read_sitemap(self, body: bytes) -> tuple[Sitemap, Ranked, dict[str, int]]:
        """(the sitemap, its lowest-ranked candidates per page type, counts of ignored URLs); in a thread.

        Only pure work here (parsing, classifying, hashing): the crawl's state is changed by the caller."""
        platform, sample = self.spider.platform, self.spider.sample
        sitemap = parse_sitemap(body)
        found: dict[str, dict[str, str]] = {}  # page type -> {url: rank}
        ignored: dict[str, int] = {}
        if sitemap.kind != "urlset":
            return sitemap, {}, ignored
        for loc in sitemap.locs:
            page_type = platform.classify(loc, self.spider.base_url, self.spider.content_hosts)
            if page_type is None or page_type not in platform.page_types:
                stat = "noai/ignored_offsite/sitemap" if page_type is None else f"noai/ignored_{page_type}"
                ignored[stat] = ignored.get(stat, 0) + 1
                continue
            url = platform.canonicalize(loc)
            found.setdefault(page_type, {})[url] = sample.rank(url)
        return sitemap, sample.lowest(found), ignored

    def failed(self, failure: Failure) -> None:
        self.spider.crawler.stats.inc_value("noai/discovery_failed")
        self.spider.logger.warning("could not fetch %s: %s", failure.request.url, failure_reason(failure))  # type: ignore[attr-defined]


