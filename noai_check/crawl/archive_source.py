"""An archive audit (``-a at=YYYY-MM-DD [-a window=DAYS]``): the platform as the Wayback Machine kept it.

The crawl itself is the live one, on the platform's own URLs: ``ArchiveReplayMiddleware``
(archive_replay.py) turns each request into a raw ``id_`` replay of the chosen capture and each
replay back into the page's own response. This module chooses the captures:

- site files and terms pages of the platform's origin: one CDX lookup each (any status, revisits
  included), the capture nearest to ``at`` within the window. A 404 capture is "absent then"; no
  capture at all is unknown: the request fails with ``ArchiveUnavailable`` (never "absent"), and a
  robots.txt with no capture leaves every page of its origin unverifiable.
- pages: CDX over the platform's hosts within the window, only 200 HTML captures, the nearest per
  URL; they are the candidates, classified and sampled exactly like a live crawl's (links of pages
  are not followed: the archive's index is the discovery, and media is not HEADed).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from noai_check.archive import CdxQuery, Window, nearest_capture, parse_cdx
from noai_check.archive.cdx import Capture
from noai_check.archive.dates import parse_at, parse_window, stamp_iso
from noai_check.crawl.outcomes import failure_reason
from noai_check.crawl.page_judging import PRIORITY
from noai_check.errors import NoaiCheckError
from noai_check.signals.site_files import SITE_FILES

if TYPE_CHECKING:
    from noai_check.crawl.spider import PlatformSpider

UNREADABLE_STAT = "archive/unreadable"  # why the archive's index could not be read (the run is incomplete)
CDX_ROWS = 5000  # rows asked per CDX page
MAX_CDX_PAGES = 20  # pages of one host listing followed (100,000 captures) before sampling from what came


def archive_problem(at: str | None, window: str | None) -> str | None:
    """A one-line message for a bad ``at`` or ``window``, or None (also None when neither is given)."""
    if at is None:
        return "window needs at=YYYY-MM-DD (the day to audit as archived)" if window not in (None, "") else None
    try:
        parse_at(at)
        parse_window(window)
    except NoaiCheckError as error:
        return str(error)
    return None


@dataclass
class ArchiveStatus:
    """What the archive gave this run, for report.json's ``archive`` block."""

    captures_listed: int = 0
    rows_skipped: int = 0
    problems: list[str] = field(default_factory=list)
    cdx_failed: str | None = None  # the CDX could not be read: the run is incomplete


class ArchiveSource:
    """The captures an archive audit reads, and which URL was replayed from where."""

    def __init__(self, spider: PlatformSpider, at: date, window_days: int) -> None:
        self.spider = spider
        self.window = Window(at, window_days)
        self.captures: dict[str, Capture] = {}  # URL as the crawl asks it -> chosen capture
        self.missing: set[str] = set()  # looked up, nothing in the window: unknown
        self.replayed: dict[str, tuple[str, str]] = {}  # URL -> (archived_at 14 digits, replay URL)
        self.asked: dict[str, tuple[str, str]] = {}  # URL -> the replay asked for (a failed one has no other)
        self.status = ArchiveStatus()
        self._lookups = 0

    @classmethod
    def from_args(cls, spider: PlatformSpider, at: str | None, window: str | None) -> ArchiveSource | None:
        if at is None:
            return None
        return cls(spider, parse_at(at), parse_window(window))

    @property
    def archive_url(self) -> str:
        return str(self.spider.config.archive_url)

    def describe(self) -> str:
        """``±30 days of 2025-05-15``: how far the captures may be."""
        return f"±{self.window.days} days of {self.window.at.isoformat()}"

    def no_capture(self, url: str) -> str:
        return f"no archive capture of {url} within {self.describe()}: unknown"

    def report_meta(self) -> dict[str, Any]:
        return {
            "url": self.archive_url, "window_days": self.window.days,
            "from": stamp_iso(self.window.from_ts), "to": stamp_iso(self.window.to_ts),
            "captures_listed": self.status.captures_listed, "rows_skipped": self.status.rows_skipped,
            "problems": self.status.problems[:20], "cdx_failed": self.status.cdx_failed,
            "replayed": {url: {"archived_at": ts, "archive_url": replay} for url, (ts, replay) in sorted(self.replayed.items())},
        }

    def record_fields(self, url: str) -> dict[str, str | None]:
        """``archived_at`` (14 digits) and ``archive_url`` of a page's record: the replay it was read from."""
        archived_at, archive_url = self.replayed.get(url) or self.asked.get(url) or (None, None)
        return {"archived_at": archived_at, "archive_url": archive_url}

    # -- the first requests: one CDX lookup per site file and terms page ------------------

    def start_requests(self) -> Iterator[scrapy.Request]:
        spider = self.spider
        urls = [spider.origin + path for path in SITE_FILES.values()]
        urls += [spider.base_url + path for path in spider.platform.terms_paths]
        self._lookups = len(urls)
        for url in urls:
            query = CdxQuery(url, from_ts=self.window.from_ts, to_ts=self.window.to_ts, limit=CDX_ROWS)
            yield self._cdx_request(query, self.parse_lookup, {"noai_lookup": url}, PRIORITY["robots_txt"])

    def _cdx_request(self, query: CdxQuery, callback: Any, meta: dict[str, Any], priority: int) -> scrapy.Request:
        return scrapy.Request(
            query.to_url(self.archive_url), callback=callback, errback=self.cdx_failed, priority=priority,
            dont_filter=True, meta={**meta, "noai_cdx_query": query, "dont_redirect": True},
        )

    def _read(self, response: Response) -> tuple[list[Capture] | None, str | None]:
        """The captures of a CDX answer and its resume key; None (and the run marked incomplete) when unreadable."""
        if response.status != 200:
            self._fail(f"the archive's CDX answered {response.status} for {response.url}")
            return None, None
        try:
            page = parse_cdx(response.body)
        except ValueError as error:
            self._fail(f"{error} ({response.url})")
            return None, None
        self.status.rows_skipped += page.skipped
        self.status.problems += list(page.problems)
        if page.skipped:
            self.spider.logger.warning("archive: %d malformed CDX rows skipped (%s)", page.skipped, page.problems[0])
        return list(page.captures), page.resume_key

    def parse_lookup(self, response: Response) -> Iterator[scrapy.Request]:
        url = response.meta["noai_lookup"]
        captures, _ = self._read(response)
        capture = nearest_capture(captures or [], self.window)
        if capture is None:
            self.missing.add(url)
        else:
            self.captures[url] = capture
        yield from self._lookup_done()

    def _lookup_done(self) -> Iterator[scrapy.Request]:
        self._lookups -= 1
        if self._lookups == 0:
            yield from self.spider.site_files.requests(self.spider.origin, ("robots_txt",))

    def cdx_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        meta = failure.request.meta  # type: ignore[attr-defined]
        self._fail(f"the archive's CDX could not be read: {failure_reason(failure)}")
        if "noai_lookup" in meta:
            self.missing.add(meta["noai_lookup"])
            yield from self._lookup_done()

    def _fail(self, reason: str) -> None:
        self.spider.logger.error("archive: %s", reason)
        if self.status.cdx_failed is None:
            self.status.cdx_failed = reason
            self.spider.crawler.stats.set_value(UNREADABLE_STAT, reason)

    # -- discovery: the 200 HTML captures of the platform's hosts in the window ---------------

    def discovery_requests(self) -> Iterator[scrapy.Request]:
        hosts = [urlsplit(self.spider.base_url).netloc, *self.spider.content_hosts]
        for host in dict.fromkeys(hosts):
            query = CdxQuery(host, match_type="host", from_ts=self.window.from_ts, to_ts=self.window.to_ts,
                             filters=("statuscode:200", "mimetype:text/html"), limit=CDX_ROWS)
            yield self._cdx_request(query, self.parse_listing, {"noai_cdx_pages": 1, "noai_nearest": {}}, PRIORITY["sitemap"])

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        captures, resume_key = self._read(response)
        if captures is None:
            return
        nearest: dict[str, Capture] = response.meta["noai_nearest"]
        for capture in captures:
            url = self.spider.platform.canonicalize(capture.original)
            best = nearest.get(url)
            if self.window.contains(capture.timestamp) and (
                best is None or self.window.distance(capture.timestamp) < self.window.distance(best.timestamp)
            ):
                nearest[url] = capture
        pages = response.meta["noai_cdx_pages"]
        if resume_key and pages < MAX_CDX_PAGES:
            query = response.meta["noai_cdx_query"].next_page(resume_key)
            yield self._cdx_request(query, self.parse_listing, {"noai_cdx_pages": pages + 1, "noai_nearest": nearest},
                                    PRIORITY["sitemap"])
            return
        if resume_key:
            self.spider.logger.warning("archive: host listing cut after %d CDX pages; sampling from those", pages)
        self.status.captures_listed += len(nearest)
        for url, capture in sorted(nearest.items()):
            self.captures.setdefault(url, capture)
            self.spider.discovery.add_candidate(url, "archive")
