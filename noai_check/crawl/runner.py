"""Run a platform spider in this process (for `noai-check demo` and tests) and return its report path."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from noai_check.errors import NoaiCheckError


def _project_settings(overrides: dict[str, Any]) -> Any:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "noai_check.crawl.settings")
    root = Path(__file__).resolve().parents[2]
    if (root / "spiders").is_dir() and str(root) not in sys.path:
        sys.path.append(str(root))  # a checkout: spiders/ sits beside noai_check/
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    settings.setdict(overrides, priority="cmdline")
    return settings


def run_crawl(spider: str, spider_args: dict[str, str], settings: dict[str, Any]) -> Path:
    """Crawl with the project's settings plus ``settings``; block until done; return report.json's path.

    The path is the one this crawl wrote (the pipeline's NOAI_WRITTEN stat): when its report could
    not be written, a report.json left by an earlier crawl is not passed off as this one's.
    """
    from scrapy.crawler import CrawlerProcess

    from noai_check.crawl.pipelines import NOAI_WRITE_ERROR, NOAI_WRITTEN

    process = CrawlerProcess(_project_settings(settings))
    try:
        crawler = process.create_crawler(spider)
    except KeyError:
        raise NoaiCheckError(f"no spider named {spider!r}") from None
    process.crawl(crawler, **spider_args)
    process.start()
    stats = crawler.stats
    error = stats.get_value(NOAI_WRITE_ERROR) if stats is not None else None
    if error:
        raise NoaiCheckError(f"crawl of {spider}: {error}")
    written = stats.get_value(NOAI_WRITTEN) if stats is not None else None
    if not written:
        raise NoaiCheckError("the crawl wrote no report (see the log above)")
    return Path(written)
