"""A page (or media file, or terms page) fetched or failed, turned into its record and evidence.

A page is judged only against its own origin's site files; one that redirected to an origin whose
files were never read cannot be judged, and says so.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from noai_check.crawl.outcomes import failed_fetch, fetched_from
from noai_check.crawl.records import judged_item
from noai_check.judge.botwall import unverifiable_reason
from noai_check.signals.response import Fetched
from noai_check.signals.site_files import Site, origin_of
from noai_check.timestamps import now as now_iso

if TYPE_CHECKING:
    from noai_check.crawl.spider import PlatformSpider

# Scrapy's request priorities: site files before discovery before the sample's pages.
PRIORITY = {"robots_txt": 100, "site_file": 90, "sitemap": 80, "seed": 70, "page": 0, "media": -10}
_ERROR_STATUSES = range(400, 600)  # immutable: one object for every request, O(1) "in"


class PageJudging:
    """Requests pages and judges what comes back, for every AI agent of the registry."""

    def __init__(self, spider: PlatformSpider) -> None:
        self.spider = spider

    def request(self, url: str, page_type: str, referer: str | None, priority: int = 0) -> scrapy.Request:
        # dont_filter: the sample is deduplicated by Sample.seen; Scrapy's filter would drop a
        # redirect loop's second hop silently, and a page must never vanish without a record.
        return scrapy.Request(
            url,
            callback=self.spider.parse_page,
            errback=self.spider.page_failed,
            priority=priority,
            dont_filter=True,
            meta={"noai_page_type": page_type, "handle_httpstatus_list": _ERROR_STATUSES},
            headers={"Referer": referer} if referer else None,
        )

    def parse(self, response: Response) -> Iterator[Any]:
        spider = self.spider
        page_type = response.meta["noai_page_type"]
        # The URL asked for, not where redirects landed (that is final_url).
        asked = (response.meta.get("redirect_urls") or [response.request.url if response.request else response.url])[0]
        fetched = fetched_from(response, asked)
        reason = self._redirected_away(response, fetched) or unverifiable_reason(fetched)
        readable = reason is None and hasattr(response, "text")
        live = spider.archive is None  # an archive audit samples from the archive's index, and HEADs no media
        follow = live and readable and page_type in spider.platform.follow_links_from
        links = spider.discovery.content_links(response) if follow else []
        media = spider.media.found(response) if live and readable and page_type != "media" else []
        spider.frontier.journal(fetched.url, [url for url, _ in links], media)
        site, reason = self._judged_against(fetched, reason)
        if reason is None and spider.rendering.wanted(page_type):
            yield spider.rendering.request(self.judged(fetched, page_type, reason, site), response.url, page_type)  # it writes the record
        else:
            yield from self._record(fetched, page_type, reason, site)
        yield from spider.probing.after_page(fetched, page_type, readable)
        for url, link_type in links:
            spider.discovery.add_typed(url, link_type)
        yield from spider.media.queue(media, response.url)
        yield from spider.frontier.release(1)

    def scheduled(self, outputs: Iterable[Any]) -> list[Any] | None:
        """Give the requests a page led to straight to Scrapy's scheduler; return the rest (items).

        Scrapy runs a callback's output through the spider middlewares as an async iteration: about
        0.1 ms a page, a tenth of fetching it (bench/bench_crawl.py). None of them is needed here:
        they add no Referer and drop no long URL (settings.py), and depth is never limited.
        """
        engine = self.spider.crawler.engine
        assert engine is not None
        items = []
        for output in outputs:
            if isinstance(output, scrapy.Request):
                engine.crawl(output)
            else:
                items.append(output)
        return items or None

    def _redirected_away(self, response: Response, fetched: Fetched) -> str | None:
        """Why a page that landed on another origin, whose site files are unread, cannot be judged."""
        landed = origin_of(response.url)
        if landed == origin_of(fetched.url) or self.spider.site(landed) is not None:
            return None
        other = "host" if urlsplit(landed).netloc != urlsplit(fetched.url).netloc.lower() else "origin"
        if response.meta.get("noai_seed"):
            self.spider.logger.error(
                "%s redirects to another %s (%s); noai-check audits only the %s it was given: give it that URL",
                fetched.url, other, response.url, other,
            )
        return f"redirected to another {other}: {landed}"

    def failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request  # type: ignore[attr-defined]
        fetched = failed_fetch(failure)
        site, reason = self._judged_against(fetched, fetched.error)
        yield from self._record(fetched, request.meta.get("noai_page_type", "other"), reason, site)
        yield from self.spider.frontier.release(1)

    def _record(self, fetched: Fetched, page_type: str, reason: str | None, site: Site | None) -> list[dict[str, Any]]:
        """Judge and write a page: in the judging process when there is one, else here."""
        records = self.spider.frontier.pipeline()
        if records is None or not records.judges_elsewhere:
            return self.emit(self.judged(fetched, page_type, reason, site))
        origin = origin_of(fetched.final_url or fetched.url)
        files = self.spider.state["site_files"].get(origin) if site is not None else None  # what ``site`` was read from
        records.judge_later(fetched, page_type, reason, origin, files, now_iso(), self._extra(fetched))
        return []

    def emit(self, item: dict[str, Any]) -> list[dict[str, Any]]:
        """Write a page's record at once through the RecordsPipeline (skipping Scrapy's item path,
        which costs as much as fetching the page); without that pipeline, hand Scrapy the item."""
        item.pop("_page", None)
        records = self.spider.frontier.pipeline()
        if records is None:
            return [item]
        records.write_judged(item["_kind"], item["record"], item["evidence"])
        return []

    def _judged_against(self, fetched: Fetched, reason: str | None) -> tuple[Site | None, str | None]:
        """The site files a page is judged against, and why it cannot be judged (None: it can)."""
        spider = self.spider
        site = spider.site(origin_of(fetched.final_url or fetched.url))
        if spider.state.get("fatal"):
            reason, site = spider.state["fatal"], None
        if site is None:
            reason = reason or "site files of this host were not read"
        return site, reason

    def _extra(self, fetched: Fetched) -> dict[str, Any]:
        """Fields of the record beyond the judgement: an archive audit's capture."""
        return self.spider.archive.record_fields(fetched.url) if self.spider.archive is not None else {}

    def judged(self, fetched: Fetched, page_type: str, reason: str | None, site: Site | None) -> dict[str, Any]:
        """The item for one page or media response, judged here: its record and its evidence."""
        return judged_item(fetched, page_type, reason, site, self.spider.registry, now_iso(), self._extra(fetched))

    # -- terms of service (watched for silent changes) -----------------------------------------

    def parse_terms(self, response: Response) -> Iterator[dict[str, Any]]:
        fetched = fetched_from(response, response.request.url if response.request else None)
        reason = unverifiable_reason(fetched)
        yield self._terms_item(fetched, reason, response.text if reason is None and hasattr(response, "text") else None)

    def terms_failed(self, failure: Failure) -> Iterator[dict[str, Any]]:
        fetched = failed_fetch(failure)
        yield self._terms_item(fetched, fetched.error, None)

    def _terms_item(self, fetched: Fetched, reason: str | None, html: str | None) -> dict[str, Any]:
        """A terms page as fetched; one that failed is "unknown", never "every clause removed"."""
        return {"_kind": "terms", "record": {
            "url": fetched.url, "final_url": fetched.final_url or fetched.url, "status": fetched.status,
            "verifiable": reason is None and html is not None, "unverifiable_reason": reason,
            "sha256": hashlib.sha256(fetched.body).hexdigest() if fetched.status is not None else None,
            "fetched_at": now_iso(), "html": html,
            **(self.spider.archive.record_fields(fetched.url) if self.spider.archive is not None else {}),
        }}
