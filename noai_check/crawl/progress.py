"""Show a long crawl's progress: a rich bar on a terminal, a log line every few seconds elsewhere (CI)."""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call

from noai_check.crawl.config import CrawlConfig

logger = logging.getLogger(__name__)
_LOG_EVERY_SECONDS = 10.0
_TICK_SECONDS = 0.25


class CrawlProgress:
    """Pages judged against the plan (max_pages content pages), shown while the crawl runs.

    It reads the counts the RecordsPipeline keeps in the crawl's stats a few times a second,
    rather than hearing of each page: pages are not sent through Scrapy's item signals.
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.progress: Progress | None = None
        self.task: Any = None
        self.ticker: Any = None
        self.last_log = 0.0
        self._handlers: list[tuple[logging.StreamHandler[Any], Any]] = []

    @classmethod
    def from_crawler(cls, crawler: Any) -> CrawlProgress:
        if not CrawlConfig.from_settings(crawler.settings).progress:
            raise NotConfigured
        ext = cls(crawler)
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        return ext

    def _plan(self) -> int:
        return int(getattr(self.crawler.spider, "max_pages", 0) or 0)

    def counts(self) -> tuple[int, int]:
        """(content pages judged, of which verifiable), as the RecordsPipeline counted them."""
        stats = self.crawler.stats
        return int(stats.get_value("noai/content_pages", 0)), int(stats.get_value("noai/content_pages_verifiable", 0))

    def opened(self, spider: Any) -> None:
        self.ticker = create_looping_call(self.tick)
        self.ticker.start(_TICK_SECONDS, now=False)
        if not sys.stderr.isatty():
            return
        console = Console(stderr=True)
        self.progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[verifiable]} verifiable"), TimeElapsedColumn(),
            console=console, redirect_stderr=True, transient=True,
        )
        self.progress.start()
        self.task = self.progress.add_task(f"{spider.name}: content pages", total=self._plan(), verifiable=0)
        # Scrapy's log handler holds the real stderr; point it at rich's proxy so lines print above the bar.
        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.StreamHandler) and handler.stream is sys.__stderr__:
                self._handlers.append((handler, handler.stream))
                handler.setStream(sys.stderr)

    def tick(self) -> None:
        pages, verifiable = self.counts()
        if self.progress is not None:
            self.progress.update(self.task, completed=pages, verifiable=verifiable)
        elif time.monotonic() - self.last_log >= _LOG_EVERY_SECONDS:
            self.last_log = time.monotonic()
            responses = self.crawler.stats.get_value("response_received_count", 0)
            logger.info("progress: %d/%d content pages judged (%d verifiable), %d responses",
                        pages, self._plan(), verifiable, responses)

    def closed(self, spider: Any, reason: str) -> None:
        if self.ticker is not None and self.ticker.running:
            self.ticker.stop()
        if self.progress is not None:
            self.progress.stop()
            for handler, stream in self._handlers:
                handler.setStream(stream)


def print_summary(report: dict[str, Any], path: str, console: Console | None = None) -> None:
    """The end-of-crawl summary: claims, coverage per page type, and where the report is."""
    console = console or Console(stderr=True)
    claims = Table(title=f"{report['platform']}: public claims")
    for column in ("status", "claim", "pages"):
        claims.add_column(column, overflow="fold")
    for claim in report.get("claims", []):
        claims.add_row(claim["status"], escape(claim["text"]), f"{claim['pages_satisfying']}/{claim['pages_checked']}")
    coverage = Table(title="noai coverage (verifiable pages only)")
    for column in ("page type", "pages", "verifiable", "noai", "rate", "95% interval"):
        coverage.add_column(column)
    for page_type, c in report.get("page_types", {}).items():
        interval = c["noai_ci95"]
        coverage.add_row(
            page_type, str(c["pages"]), str(c["verifiable"]), str(c["noai"]),
            "-" if c["noai_rate"] is None else f"{c['noai_rate']:.0%}",
            "-" if interval is None else f"{interval[0]:.0%}–{interval[1]:.0%}",
        )
    console.print(claims)
    console.print(coverage)
    state = "complete" if report.get("complete") else f"INCOMPLETE ({report.get('finish_reason')})"
    console.print(f"report ({state}): {escape(path)}")
