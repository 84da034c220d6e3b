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

logger = logging.getLogger(__name__)
_LOG_EVERY_SECONDS = 10.0


class CrawlProgress:
    """Pages judged against the plan (max_pages content pages), shown while the crawl runs."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.progress: Progress | None = None
        self.task: Any = None
        self.pages = 0
        self.verifiable = 0
        self.last_log = 0.0
        self._handlers: list[tuple[logging.StreamHandler[Any], Any]] = []

    @classmethod
    def from_crawler(cls, crawler: Any) -> CrawlProgress:
        if not crawler.settings.getbool("NOAI_PROGRESS", True):
            raise NotConfigured
        ext = cls(crawler)
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        return ext

    def _plan(self) -> int:
        return int(getattr(self.crawler.spider, "max_pages", 0) or 0)

    def opened(self, spider: Any) -> None:
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

    def item_scraped(self, item: Any, spider: Any) -> None:
        if item.get("kind") != "page" or item.get("page_type") not in getattr(spider.platform, "page_types", ()):
            return
        self.pages += 1
        self.verifiable += bool(item.get("verifiable"))
        if self.progress is not None:
            self.progress.update(self.task, completed=self.pages, verifiable=self.verifiable)
        elif time.monotonic() - self.last_log >= _LOG_EVERY_SECONDS:
            self.last_log = time.monotonic()
            logger.info("progress: %d/%d content pages judged (%d verifiable)", self.pages, self._plan(), self.verifiable)

    def closed(self, spider: Any, reason: str) -> None:
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
