"""Build report.json (and report.html) for one platform from the files a crawl left behind."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .claims import tally_claims
from .platforms.base import Platform
from .registry import Registry
from .summary import Summary

SCHEMA_VERSION = 1


def iter_records(path: Path) -> Iterator[dict[str, Any]]:
    """Records of a JSON-lines file, skipping a torn last line left by a hard kill."""
    if not path.exists():
        return
    with path.open(encoding="utf-8") as stream:
        for line in stream:
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                continue


def build_report(out: Path, meta: dict[str, Any], sites: dict[str, Any], platform: Platform, registry: Registry) -> dict[str, Any]:
    """report.json's content: one streaming pass over pages.jsonl and media.jsonl."""
    summary = Summary()
    claims = tally_claims(platform.claims, registry)
    for record in iter_records(out / "pages.jsonl"):
        summary.add(record)
        for claim in claims:
            claim.add(record)
    media = Summary()
    for record in iter_records(out / "media.jsonl"):
        media.add(record)
    data = summary.to_json()
    purposes = {agent.token: agent.purpose for agent in registry.agents}
    for token, counts in data["agents"].items():
        counts["purpose"] = purposes.get(token, "unknown")
    return {
        "schema_version": SCHEMA_VERSION,
        **meta,
        "finished_at": meta.get("finished_at") or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "site": sites,
        "claims": [claim.to_json() for claim in claims],
        **data,
        "media": media.to_json()["page_types"].get("media"),
        "files": {"pages": "pages.jsonl", "media": "media.jsonl", "site_files": "site/"},
    }


def write_report(out: Path, meta: dict[str, Any], sites: dict[str, Any], platform: Platform, registry: Registry) -> Path:
    """Write run.json (the crawl's facts), report.json and report.html; return report.json's path."""
    from .html_report import render_html

    (out / "run.json").write_text(json.dumps(meta, indent=2, sort_keys=True), encoding="utf-8")
    report = build_report(out, meta, sites, platform, registry)
    path = out / "report.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)
    (out / "report.html").write_text(render_html(report), encoding="utf-8")
    return path
