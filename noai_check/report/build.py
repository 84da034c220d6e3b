"""Build report.json (and report.html) for one platform from the files a crawl left behind."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from noai_check.errors import NoaiCheckError
from noai_check.files import RUN_FILE, write_atomic
from noai_check.judge.page_records import Verdicts, iter_judged
from noai_check.judge.registry import Registry
from noai_check.platforms.base import Platform
from noai_check.report.claims import tally_claims
from noai_check.report.summary import Summary
from noai_check.signals.site_files import origin_of
from noai_check.timestamps import now

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1
PAGE_TABLE_ROWS = 500  # pages shown in report.html; pages.jsonl has them all

# Protego comparison: every registry agent on the root and one crawled page per type, per host.
_COMPARED_HOSTS = 12
_COMPARED_MAX_LINES = 2000  # larger files are left to `noai-check robots FILE` (a verdict scans every rule)


@dataclass
class Built:
    """report.json's content plus what only report.html shows (the first pages, in crawl order)."""

    report: dict[str, Any]
    page_rows: list[dict[str, Any]]
    pages_total: int


def page_row(record: dict[str, Any], verdicts: Verdicts, training_tokens: frozenset[str]) -> dict[str, Any]:
    """One row of the per-page table: what was found and how many agents it blocks or reserves."""
    page = record.get("page") or {}
    judged = [token for token, *_ in verdicts.rows if token in training_tokens]
    return {
        "url": record["url"],
        "final_url": record.get("final_url"),
        "page_type": record["page_type"],
        "status": record.get("status"),
        "verifiable": record["verifiable"],
        "unverifiable_reason": record.get("unverifiable_reason"),
        "noai": page.get("noai"),
        "noimageai": page.get("noimageai"),
        "tdm_reservation": page.get("tdm_reservation"),
        "directives": page.get("directives") or [],
        "agent_directives": page.get("agent_directives") or {},
        "content_usage": page.get("content_usage") or {},
        "x_robots_tag": (record.get("headers") or {}).get("x-robots-tag", []),
        "robots_blocked": sum(1 for row in verdicts.rows if not row[1]),
        "agents": len(verdicts.rows),
        "training_reserved": sum(1 for t in judged if t not in verdicts.not_reserved),
        "training_judged": len(judged),
        "sha256": record.get("sha256"),
    }


def _check_record(out: Path, number: int, record: dict[str, Any]) -> None:
    """A page record must at least say which page it is; a hand-edited pages.jsonl is refused in one line."""
    if not (isinstance(record.get("url"), str) and isinstance(record.get("page_type"), str)
            and isinstance(record.get("verifiable"), bool)):
        raise NoaiCheckError(f"cannot read the stored crawl in {out}: pages.jsonl record {number} is not a page record "
                             "(it needs url, page_type and verifiable)")


def build(out: Path, meta: dict[str, Any], sites: dict[str, Any], platform: Platform, registry: Registry) -> Built:
    """One streaming pass over pages.jsonl and media.jsonl: the numbers, the claims, the first rows."""
    from noai_check.judge.registry import TRAINING_PURPOSES

    summary = Summary()
    claims = tally_claims(platform.claims, registry, as_of=meta.get("as_of"))
    training = frozenset(a.token for a in registry.agents if a.purpose in TRAINING_PURPOSES)
    rows: list[dict[str, Any]] = []
    examples: dict[str, dict[str, str]] = {}  # origin -> page type -> first URL crawled there
    total = 0
    for record, verdicts in iter_judged(out / "pages.jsonl"):
        total += 1
        _check_record(out, total, record)
        url = record.get("final_url") or record["url"]
        examples.setdefault(origin_of(url), {}).setdefault(record["page_type"], url)
        summary.add(record, verdicts)
        for claim in claims:
            claim.add(record, verdicts)
        if len(rows) < PAGE_TABLE_ROWS:
            rows.append(page_row(record, verdicts, training))
    media = Summary()
    for record, verdicts in iter_judged(out / "media.jsonl"):
        media.add(record, verdicts)
    data = summary.to_json()
    media_data = media.to_json()
    purposes = {agent.token: agent.purpose for agent in registry.agents}
    for token, counts in data["agents"].items():
        counts["purpose"] = purposes.get(token, "unknown")
    lines = _merge_lines(data.pop("robots_lines"), media_data["robots_lines"])
    report = {
        "schema_version": SCHEMA_VERSION,
        **meta,
        "finished_at": meta.get("finished_at") or now(),
        "site": sites,
        "claims": [claim.to_json() for claim in claims],
        **data,
        "robots_lines": lines,
        "parser_disagreements": parser_disagreements(out, sites, examples, registry),
        "media": media_data["page_types"].get("media"),
        "media_notable_findings": media_data["notable_findings"],
        "media_unverifiable": media_data["unverifiable"],
        "pages_total": total,
        "files": {"pages": "pages.jsonl", "media": "media.jsonl", "site_files": "site/"},
    }
    return Built(report, rows, total)


def _merge_lines(pages: dict[str, list[dict[str, Any]]], media: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """Deciding robots.txt lines of page and media verdicts together, per origin and line."""
    merged = {origin: {entry["line"]: dict(entry) for entry in entries} for origin, entries in pages.items()}
    for origin, entries in media.items():
        lines = merged.setdefault(origin, {})
        for entry in entries:
            known = lines.get(entry["line"])
            if known is None:
                lines[entry["line"]] = dict(entry)
            else:
                known["decisions"] += entry["decisions"]
                known["effect"] = "disallow" if "disallow" in (known["effect"], entry["effect"]) else "allow"
                known["agents"] = sorted(set(known["agents"]) | set(entry["agents"]), key=str.lower)[:12]
                known["agents_total"] = max(known["agents_total"], entry["agents_total"])
    return {origin: [lines[n] for n in sorted(lines)] for origin, lines in sorted(merged.items())}


def site_folder(out: Path, origin: str) -> Path:
    """Where the crawl stored an origin's site files (the pipeline's naming: host, ':' and '/' as '_')."""
    return out / "site" / origin.split("://", 1)[-1].replace(":", "_").replace("/", "_")


def parser_disagreements(out: Path, sites: dict[str, Any], examples: dict[str, dict[str, str]],
                         registry: Registry) -> dict[str, Any]:
    """Where protego (Scrapy's parser) reads a host's stored robots.txt otherwise than RFC 9309.

    Judged for every registry agent on the host's root and one crawled page per page type; a
    file too large to compare quickly is named, not compared.
    """
    from noai_check.signals.robots import parse_robots

    found: dict[str, Any] = {}
    for origin in list(sites)[:_COMPARED_HOSTS]:
        record = sites[origin].get("robots_txt") or {}
        status = record.get("status")
        if not isinstance(status, int) or not 200 <= status < 300:
            continue
        try:
            body = (site_folder(out, origin) / "robots.txt").read_bytes()
        except OSError:
            continue
        lines = body.count(b"\n") + 1
        if lines > _COMPARED_MAX_LINES:
            found[origin] = {"compared": False, "lines": lines, "findings": [],
                             "note": f"robots.txt has {lines:,} lines: not compared here (noai-check robots FILE does)"}
            continue
        urls = [origin + "/"] + sorted(examples.get(origin, {}).values())
        findings = parse_robots(body, status).protego_disagreements(registry.tokens(), urls)
        if findings:
            found[origin] = {"compared": True, "urls": urls, "findings": [f.to_json() for f in findings]}
    return found


def build_report(out: Path, meta: dict[str, Any], sites: dict[str, Any], platform: Platform, registry: Registry) -> dict[str, Any]:
    """report.json's content: one streaming pass over pages.jsonl and media.jsonl."""
    return build(out, meta, sites, platform, registry).report


def write_report(out: Path, meta: dict[str, Any], sites: dict[str, Any], platform: Platform, registry: Registry) -> Path:
    """Write run.json (the crawl's facts), report.json, report.html and the reports index; return report.json's path.

    Each file is replaced whole (noai_check.files) or not at all; an OSError (a full disk, a
    read-only folder) is raised to the caller, which must not present the report as written.
    """
    from noai_check.report.html import render_html
    from noai_check.report.index import write_index

    write_atomic(out / RUN_FILE, json.dumps(meta, indent=2, sort_keys=True))
    built = build(out, meta, sites, platform, registry)
    path = out / "report.json"
    write_atomic(path, json.dumps(built.report, indent=2, sort_keys=True, ensure_ascii=False))
    html = render_html(built.report, out, built.page_rows, registry, changes=_changes(out, built.report))
    write_atomic(out / "report.html", html)
    write_index(out.parent)
    return path


def _changes(out: Path, report: dict[str, Any]) -> list[dict[str, Any]]:
    """"Changes since the previous run" (noai_check.history.diff, from reports/history.sqlite); a note when unavailable."""
    try:
        from noai_check.history.diff import changes_for_report

        return changes_for_report(out.parent, out.name, report)
    except Exception as error:  # noqa: BLE001 - the report is written whatever the history holds
        return [{"kind": "note", "summary": f"Changes could not be computed: {error}"}]
