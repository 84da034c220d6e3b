"""Helpers for tests that crawl a replica for real: the command line, the records, the expectations."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from noai_check.replica import Replica

REPO = Path(__file__).resolve().parents[1]
# Replica runs: no politeness delay; a short timeout so the scenario's 20 s page times out.
FAST = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_TIMEOUT": "5",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "NOAI_PROGRESS": "False",
    "LOG_LEVEL": "INFO",
}


def spider_args(replica: Replica, **extra: str) -> dict[str, str]:
    return {"base_url": replica.base_url, "media_hosts": replica.media_url.split("://", 1)[1], "seed": "7", **extra}


def scrapy_crawl(
    replica: Replica, reports: Path, *, spider: str = "soundcloud", settings: dict[str, str] | None = None,
    timeout: float = 120, **args: str,
) -> subprocess.CompletedProcess[str]:
    """`scrapy crawl` in a subprocess, exactly as a user runs it from the checkout."""
    command = [sys.executable, "-m", "scrapy", "crawl", spider]
    for key, value in spider_args(replica, **args).items():
        command += ["-a", f"{key}={value}"]
    for key, value in {**FAST, "NOAI_REPORTS_DIR": str(reports), **(settings or {})}.items():
        command += ["-s", f"{key}={value}"]
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=timeout, env=env, check=False)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The records of a JSON-lines file; a record's ``agents_ref`` is replaced by its map from
    verdicts.jsonl (a missing one fails the test), so assertions read ``record["agents"]``."""
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if any("agents_ref" in r for r in records):
        maps = {e["ref"]: e["agents"] for e in read_jsonl(path.parent / "verdicts.jsonl")}
        for record in records:
            if "agents_ref" in record:
                record["agents"] = maps[record.pop("agents_ref")]
    return records


def records_by_url(out: Path) -> dict[str, dict[str, Any]]:
    """Every page and media record of a crawl, by URL; a URL recorded twice fails the test."""
    records = read_jsonl(out / "pages.jsonl") + read_jsonl(out / "media.jsonl")
    urls = [r["url"] for r in records]
    doubled = sorted({u for u in urls if urls.count(u) > 1})
    assert not doubled, f"pages recorded twice: {doubled}"
    return {r["url"]: r for r in records}


def mismatches(record: dict[str, Any], expect: Any) -> list[str]:
    """How a record differs from the scenario's hand-written expectation (empty: it matches)."""
    problems: list[str] = []
    if record["page_type"] != expect.page_type:
        problems.append(f"page_type {record['page_type']} != {expect.page_type}")
    if record["verifiable"] != expect.verifiable:
        problems.append(f"verifiable {record['verifiable']} != {expect.verifiable} ({record['unverifiable_reason']})")
        return problems
    if not expect.verifiable:
        if expect.unverifiable_reason_contains.lower() not in (record["unverifiable_reason"] or "").lower():
            problems.append(f"reason {record['unverifiable_reason']!r} lacks {expect.unverifiable_reason_contains!r}")
        return problems
    page = record["page"]
    for key in ("noai", "noimageai", "tdm_reservation", "agent_directives", "content_usage"):
        if page[key] != getattr(expect, key):
            problems.append(f"{key} {page[key]!r} != {getattr(expect, key)!r}")
    return problems
