"""A `scrapy crawl sites` list shared through Redis: enqueue a list file, and collect the results into the report.

The same report as a single-machine run: ``collect`` writes ``domains.jsonl`` in list order from
the results hash (one record a domain, however many workers sent one), then builds the report and
records the run in the history from that file, as the single-machine spider does when it closes.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from itertools import islice
from pathlib import Path
from typing import Any

from noai_check.crawl.shared_list import SharedList
from noai_check.crawl.sites_io import DOMAINS_FILE, open_domain_list
from noai_check.errors import NoaiCheckError
from noai_check.files import iter_records
from noai_check.history.sites import record_sites_run
from noai_check.judge.domain_list import DomainList
from noai_check.judge.registry import Registry
from noai_check.report.sites import build_sites_report
from noai_check.timestamps import now as now_iso

SKIPPED_INFO = "skipped"  # SharedList.info keys: the list reader's skipped lines, by reason;
RUN_INFO = "run"  # when the list was first enqueued, from which file, with which settings


def enqueue_file(shared: SharedList, path: str | Path, limit: int | None = None,
                 settings: dict[str, Any] | None = None) -> tuple[int, DomainList]:
    """Stream the list file (its first ``limit`` domains) into Redis; return how many were new, and the reader."""
    if shared.info(RUN_INFO) is None:
        run = {"started_at": now_iso(), "settings": {"domains": str(path), "limit": limit, **(settings or {})}}
        shared.save_info(RUN_INFO, run)
    try:
        with open_domain_list(path) as handle:
            domains = DomainList(handle)
            added = shared.enqueue(domains if limit is None else islice(domains, limit))
    except OSError as error:
        raise NoaiCheckError(f"cannot read the domain list {str(path)!r}: {error.strerror or error}") from error
    shared.save_info(SKIPPED_INFO, domains.skipped_json())
    return added, domains


def write_results(shared: SharedList, path: Path) -> int:
    """Write every result, in list order, to ``path`` as JSON lines (replaced at once: never half a file)."""
    count = 0
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            for line in shared.iter_raw_results():  # as the worker wrote it: no decoding, no re-encoding
                handle.write(line + "\n")
                count += 1
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return count


def collect(shared: SharedList, reports_dir: Path, registry: Registry) -> dict[str, Any]:
    """Write reports/sites-NAME/domains.jsonl from Redis, then its report and history run; return report.json."""
    out_dir = reports_dir / f"sites-{shared.name}"
    run = shared.info(RUN_INFO) or {}
    meta = {"started_at": run.get("started_at"), "finished_at": now_iso(), "complete": True,
            "finish_reason": "finished", "skipped_lines": shared.info(SKIPPED_INFO) or {},
            "settings": {**run.get("settings", {}), "distributed": "redis"}}
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        write_results(shared, out_dir / DOMAINS_FILE)
        report = build_sites_report(iter_records(out_dir / DOMAINS_FILE), out_dir, name=shared.name,
                                    registry=registry, meta=meta)
        record_sites_run(reports_dir, shared.name, iter_records(out_dir / DOMAINS_FILE), registry.tokens(), meta)
    except (OSError, sqlite3.Error) as error:
        raise NoaiCheckError(f"cannot write the report or history in {str(out_dir)!r}: {error}") from error
    return report
