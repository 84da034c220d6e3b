"""Run a platform spider in this process (for `noai-check demo` and tests) and return its report path."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from .errors import NoaiCheckError


def _project_settings(overrides: dict[str, Any]) -> Any:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "noai_check.settings")
    root = Path(__file__).resolve().parent.parent
    if (root / "spiders").is_dir() and str(root) not in sys.path:
        sys.path.append(str(root))  # a checkout: spiders/ sits beside noai_check/
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    settings.setdict(overrides, priority="cmdline")
    return settings


def run_crawl(spider: str, spider_args: dict[str, str], settings: dict[str, Any]) -> Path:
    """Crawl with the project's settings plus ``settings``; block until done; return report.json's path."""
    from scrapy.crawler import CrawlerProcess

    process = CrawlerProcess(_project_settings(settings))
    try:
        process.crawl(spider, **spider_args)
    except KeyError:
        raise NoaiCheckError(f"no spider named {spider!r}") from None
    process.start()
    report = Path(process.settings.get("NOAI_REPORTS_DIR", "reports")) / spider / "report.json"
    if not report.exists():
        raise NoaiCheckError(f"the crawl wrote no report at {report}")
    return report
