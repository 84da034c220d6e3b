"""Politeness towards the Internet Archive: its own pacing, because Scrapy's RetryMiddleware ignores Retry-After.

In an archive audit (``-a at=``), and in any spider that is not a platform's, every request to
``NOAI_ARCHIVE_URL`` waits for ``ArchivePacer`` (noai_check/archive/pacing.py): one CDX request
every ``NOAI_ARCHIVE_CDX_DELAY`` seconds, ``NOAI_ARCHIVE_REPLAYS`` replays at a time. (A live
platform crawl never asks the archive, and goes without this middleware.) A refusal
(429, or a 503 without Memento-Datetime) blocks every archive request for ``Retry-After`` (else 60 s,
doubling) and sends the request back to be asked again after that; after repeated refusals the spider
closes with reason ``archive_refused`` and one clear line in the log. The refusal is never handed to a
callback, so it is never read as the page's answer.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from twisted.internet import task

from noai_check.archive.pacing import CDX, REPLAY, ArchivePacer, ArchiveRefused
from noai_check.archive.replay import is_refusal, retry_after_seconds
from noai_check.crawl.config import CrawlConfig

logger = logging.getLogger(__name__)
KIND = "noai_archive_kind"
REFUSED_REASON = "archive_refused"


def archive_kind(url: str, archive_url: str) -> str | None:
    """ "cdx" or "replay" for a request to the archive, None for any other URL."""
    if not url.startswith(archive_url + "/"):
        return None
    path = url[len(archive_url):]
    if path.startswith("/cdx/"):
        return CDX
    return REPLAY if path.startswith("/web/") else None


def archive_failure(stats: Any) -> str | None:
    """One line when an archive audit ended without the archive's answers (refused, or its index unreadable)."""
    reason = stats.get_value("archive/gave_up") or stats.get_value("archive/unreadable")
    return f"archive: {reason}; the report is marked incomplete" if reason else None


def _headers(response: Any) -> list[tuple[str, str]]:
    return [(name.decode("latin-1"), value.decode("latin-1")) for name, values in response.headers.items() for value in values]


class ArchivePolitenessMiddleware:
    """Pace archive requests and honour its refusals (see the module docstring)."""

    def __init__(self, crawler: Any, config: CrawlConfig) -> None:
        self.crawler = crawler
        self.archive_url = config.archive_url
        self.pacer = ArchivePacer(cdx_delay=config.archive_cdx_delay, max_replays=config.archive_replays)
        self.gave_up: str | None = None
        self._closing: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> ArchivePolitenessMiddleware:
        # A platform spider says whether it audits the archive (its ``archive``, from -a at=); a live
        # crawl never asks it, and this middleware would be one more step of Scrapy's for every
        # request, a coroutine each (bench/bench_crawl.py). Any other spider keeps the pacing.
        spider = crawler.spider
        if spider is not None and hasattr(spider, "archive") and spider.archive is None:
            raise NotConfigured
        return cls(crawler, CrawlConfig.from_settings(crawler.settings))

    async def process_request(self, request: Any) -> None:
        kind = archive_kind(request.url, self.archive_url)
        if kind is None:
            return
        if self.gave_up:
            raise IgnoreRequest(self.gave_up)
        from twisted.internet import reactor  # here: importing it installs one, which is Scrapy's to choose

        while (wait := self.pacer.wait_for(kind, time.monotonic())) > 0:
            await maybe_deferred_to_future(task.deferLater(reactor, wait))
            if self.gave_up:
                raise IgnoreRequest(self.gave_up)
        self.pacer.started(kind, time.monotonic())
        request.meta[KIND] = kind
        self.crawler.stats.inc_value(f"archive/{kind}_requests")

    def process_response(self, request: Any, response: Any) -> Any:
        kind = request.meta.pop(KIND, None)
        if kind is None:
            return response
        self.pacer.finished(kind)
        if not is_refusal(response.status, _headers(response)):
            self.pacer.accepted()
            return response
        self.crawler.stats.inc_value("archive/refusals")
        retry_after = retry_after_seconds(response.headers.get(b"Retry-After", b"").decode("latin-1"), time.time())
        try:
            wait = self.pacer.refused(time.monotonic(), retry_after)
        except ArchiveRefused as refused:
            self._give_up(str(refused))
            raise IgnoreRequest(str(refused)) from None
        logger.warning("the archive refused %s (%d): waiting %.0f s before asking it again", request.url,
                       response.status, wait)
        return request.replace(dont_filter=True)

    def process_exception(self, request: Any, exception: BaseException) -> None:
        kind = request.meta.pop(KIND, None)
        if kind is not None:
            self.pacer.finished(kind)

    def _give_up(self, reason: str) -> None:
        if self.gave_up:
            return
        self.gave_up = reason
        logger.error("%s", reason)
        self.crawler.stats.set_value("archive/gave_up", reason)
        self._closing = deferred_from_coro(self.crawler.engine.close_spider_async(reason=REFUSED_REASON))
