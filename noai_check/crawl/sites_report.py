"""The end of a `scrapy crawl sites` run: report.json, report.html and domains.csv from domains.jsonl."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from noai_check.crawl.pipelines import NOAI_WRITE_ERROR
from noai_check.crawl.sites_io import DOMAINS_FILE
from noai_check.errors import NoaiCheckError
from noai_check.files import iter_records
from noai_check.history.sites import SITES_HISTORY_FILE, record_sites_run
from noai_check.report.sites import build_sites_report

if TYPE_CHECKING:
    from noai_check.crawl.sites import DomainListSpider

logger = logging.getLogger(__name__)
_SHOWN_SETTINGS = ("CONCURRENT_REQUESTS", "CONCURRENT_REQUESTS_PER_DOMAIN", "DOWNLOAD_TIMEOUT", "DOWNLOAD_DELAY",
                   "AUTOTHROTTLE_ENABLED", "ROBOTSTXT_OBEY", "NOAI_CONNECT_TO")


def recorded_domains(out_dir: Path) -> frozenset[str]:
    """Domains already in ``out_dir/domains.jsonl`` (a torn last line is not one)."""
    return frozenset(str(r.get("domain")) for r in iter_records(out_dir / DOMAINS_FILE) if isinstance(r, dict))


def run_meta(spider: DomainListSpider, reason: str, finished_at: str) -> dict[str, Any]:
    settings = spider.crawler.settings
    shown = {key.lower(): settings.get(key) for key in _SHOWN_SETTINGS}
    return {
        "started_at": spider.started_at, "finished_at": finished_at, "complete": reason == "finished",
        "finish_reason": reason, "skipped_lines": spider.source.skipped(),
        "settings": {"domains": str(spider.domains_file), "limit": spider.limit, "pages": spider.pages, **shown},
    }


def write_sites_outputs(spider: DomainListSpider, reason: str, *, finished_at: str) -> None:
    """Build the list's report from every record written; a failure to write is logged, one line."""
    out = spider.out_dir
    meta = run_meta(spider, reason, finished_at)
    try:
        report = build_sites_report(
            iter_records(out / DOMAINS_FILE), out, name=spider.list_name, registry=spider.registry, meta=meta,
        )
        run_id = record_sites_run(
            out.parent, spider.list_name, iter_records(out / DOMAINS_FILE), spider.registry.tokens(), meta
        )
    except (OSError, NoaiCheckError, sqlite3.Error) as error:
        spider.crawler.stats.set_value(NOAI_WRITE_ERROR, f"cannot write the report or history in {out}: {error}")
        logger.error("cannot write the report or history in %s: %s", out, error)
        return
    logger.info("noai-check history: recorded run %s of list %s in %s", run_id, spider.list_name, SITES_HISTORY_FILE)
    skipped = sum(int(s["count"]) for s in report["skipped_lines"].values())
    logger.info(
        "sites %s: %d domains, %d readable, %d lines skipped; report: %s", spider.list_name, report["domains"],
        report["readable"], skipped, out / "report.html",
    )
