"""The report of a domain list (`scrapy crawl sites`): report.json, report.html and domains.csv.

Built from any iterable of domains.jsonl records in one pass (counts only; the CSV is written row by
row), so 100,000 domains need no more memory than 1,000, and the same function serves a single
machine's ``domains.jsonl`` and a distributed crawl's collected records.

Shares are over the domains where the question could be answered: "blocks GPTBot at the root" over
domains whose robots.txt was read (2xx, or a 4xx meaning "no rules"); "reserves training" over
domains where the agent's training verdict is known. Each share has its Wilson 95% interval.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from noai_check.files import write_atomic
from noai_check.judge.domain_record import expand_agents
from noai_check.judge.registry import Registry
from noai_check.judge.stats import wilson_interval

SCHEMA_VERSION = 1
RANK_BUCKETS = ((1_000, "top 1k"), (10_000, "top 10k"), (100_000, "top 100k"))
REST = "rest"
UNRANKED = "unranked"
SIGNALS = ("content_signal", "tdmrep", "ai_txt", "llms_txt", "home_noai", "home_noimageai", "cdn_managed_robots")
_CSV_FIXED = (
    "domain", "rank", "origin", "status", "unverifiable_reason", "robots_status", "home_status", "redirect_to",
    "content_signal", "tdmrep_reservation", "ai_txt", "llms_txt", "home_noai", "home_noimageai", "cdn_managed_robots",
)


def rank_bucket(rank: int | None) -> str:
    """'top 1k', 'top 10k', 'top 100k', 'rest', or 'unranked' for a list without ranks."""
    if rank is None:
        return UNRANKED
    for limit, label in RANK_BUCKETS:
        if rank <= limit:
            return label
    return REST


def reason_class(reason: str | None) -> str:
    """An unverifiable reason without its host names, so reasons can be counted.

    >>> reason_class("https: timeout: took longer than 15 s; http: host does not resolve: a.example")
    'host does not resolve'
    """
    text = (reason or "unknown").lower()
    for needle, label in (
        ("does not resolve", "host does not resolve"), ("bot wall", "bot wall"), ("timeout", "timeout"),
        ("ssl", "tls error"), ("tls", "tls error"), ("refused", "connection refused"),
        ("too many redirects", "too many redirects"), ("answered 5", "robots.txt 5xx"), ("answered 429", "rate limited"),
        ("answered 40", "robots.txt refused (401/403)"),
    ):
        if needle in text:
            return label
    return text.split(":", 1)[0][:60]


def share(n: int, of: int) -> dict[str, Any]:
    interval = wilson_interval(n, of)
    return {"n": n, "of": of, "rate": round(n / of, 4) if of else None, "ci95": list(interval) if interval else None}


@dataclass
class _Tally:
    """Counts over domains, for one group (all, or one rank bucket)."""

    domains: int = 0
    readable: int = 0
    robots_readable: int = 0
    blocked: Counter[str] = field(default_factory=Counter)
    training_known: Counter[str] = field(default_factory=Counter)
    reserved: Counter[str] = field(default_factory=Counter)
    purpose_blocked: Counter[str] = field(default_factory=Counter)
    purpose_reserved: Counter[str] = field(default_factory=Counter)
    signals: Counter[str] = field(default_factory=Counter)

    def add(self, record: Mapping[str, Any], agents: Mapping[str, Mapping[str, object]], purposes: Mapping[str, str]) -> None:
        self.domains += 1
        if record.get("status") != "ok":
            return
        self.readable += 1
        robots_ok = bool(record.get("robots_readable"))
        self.robots_readable += robots_ok
        blocked_purposes: set[str] = set()
        reserved_purposes: set[str] = set()
        for token, verdict in agents.items():
            if robots_ok and verdict.get("robots_allowed") is False:
                self.blocked[token] += 1
                blocked_purposes.add(purposes[token])
            if verdict.get("training") not in (None, "unknown"):
                self.training_known[token] += 1
                if verdict.get("training") == "reserved":
                    self.reserved[token] += 1
                    reserved_purposes.add(purposes[token])
        self.purpose_blocked.update(blocked_purposes)
        self.purpose_reserved.update(reserved_purposes)
        self.signals.update(name for name, present in signal_flags(record).items() if present)

    def agents_json(self, registry: Registry) -> dict[str, Any]:
        return {
            agent.token: {
                "purpose": agent.purpose,
                "blocked_at_root": share(self.blocked[agent.token], self.robots_readable),
                "training_reserved": share(self.reserved[agent.token], self.training_known[agent.token]),
            }
            for agent in registry
        }

    def summary_json(self) -> dict[str, Any]:
        return {"domains": self.domains, "readable": self.readable, "robots_readable": self.robots_readable}


def signal_flags(record: Mapping[str, Any]) -> dict[str, bool]:
    """Which signal types a readable domain shows."""
    s = record.get("signals") or {}
    return {
        "content_signal": bool(s.get("content_signal")),
        "tdmrep": bool((s.get("tdmrep") or {}).get("present")),
        "ai_txt": bool((s.get("ai_txt") or {}).get("present")),
        "llms_txt": bool((s.get("llms_txt") or {}).get("present")),
        "home_noai": bool(s.get("home_noai")),
        "home_noimageai": bool(s.get("home_noimageai")),
        "cdn_managed_robots": any(f.get("signal") == "cdn-managed-robots" for f in record.get("findings") or []),
    }


def agent_cell(verdict: Mapping[str, object] | None, robots_ok: bool) -> str:
    """One CSV cell per agent: blocked (robots.txt disallows / at the root), else its training verdict."""
    if not verdict:
        return "unknown"
    if robots_ok and verdict.get("robots_allowed") is False:
        return "blocked"
    training = str(verdict.get("training") or "unknown")
    return "allowed" if training == "none" else training


def csv_row(record: Mapping[str, Any], agents: Mapping[str, Mapping[str, object]], tokens: list[str]) -> list[object]:
    s = record.get("signals") or {}
    files = record.get("site_files") or {}
    flags = signal_flags(record)
    robots_ok = bool(record.get("robots_readable"))
    cells: list[object] = [
        record.get("domain"), record.get("rank"), record.get("origin"), record.get("status"),
        record.get("unverifiable_reason"), (files.get("robots_txt") or {}).get("status"),
        (record.get("home") or {}).get("status"), (record.get("redirect") or {}).get("to"),
        ";".join(f"{k}={'yes' if v else 'no'}" for k, v in sorted((s.get("content_signal") or {}).items())),
        (s.get("tdmrep") or {}).get("reservation_at_root"), flags["ai_txt"], flags["llms_txt"],
        s.get("home_noai"), s.get("home_noimageai"), flags["cdn_managed_robots"],
    ]
    cells += [agent_cell(agents.get(token), robots_ok) if record.get("status") == "ok" else "unknown" for token in tokens]
    return ["" if c is None else str(c).lower() if isinstance(c, bool) else c for c in cells]


def build_sites_report(
    records: Iterable[Mapping[str, Any]], out_dir: Path, *, name: str, registry: Registry,
    meta: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Write report.json, domains.csv and report.html into ``out_dir`` from the records; return report.json.

    ``meta`` adds run facts (started_at, finished_at, complete, finish_reason, settings, skipped_lines).
    A domain recorded twice (a result that arrived twice) is counted once: the first record stands.
    """
    tokens = registry.tokens()
    purposes = {agent.token: agent.purpose for agent in registry}
    total, buckets = _Tally(), {label: _Tally() for label in [*(b for _, b in RANK_BUCKETS), REST, UNRANKED]}
    unverifiable: Counter[str] = Counter()
    seen: set[bytes] = set()
    out_dir.mkdir(parents=True, exist_ok=True)
    partial = out_dir / "domains.csv.partial"
    with partial.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow([*_CSV_FIXED, *tokens])
        for record in records:
            digest = hashlib.blake2b(str(record.get("domain")).encode(), digest_size=8).digest()
            if digest in seen:
                continue
            seen.add(digest)
            agents = _add(record, tokens, purposes, total, buckets, unverifiable)
            writer.writerow(csv_row(record, agents, tokens))
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(partial, out_dir / "domains.csv")
    report = _report_json(name, total, buckets, unverifiable, registry, meta or {})
    write_atomic(out_dir / "report.json", json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    from noai_check.report.sites_html import render_sites_html

    write_atomic(out_dir / "report.html", render_sites_html(report))
    return report


def _add(
    record: Mapping[str, Any], tokens: list[str], purposes: Mapping[str, str], total: _Tally,
    buckets: dict[str, _Tally], unverifiable: Counter[str],
) -> dict[str, dict[str, object]]:
    agents = expand_agents(record.get("agents") or {}, tokens) if record.get("agents") else {}
    total.add(record, agents, purposes)
    bucket = record.get("rank")
    buckets[rank_bucket(bucket if isinstance(bucket, int) else None)].add(record, agents, purposes)
    if record.get("status") != "ok":
        unverifiable[reason_class(record.get("unverifiable_reason"))] += 1
    return agents


def _report_json(
    name: str, total: _Tally, buckets: dict[str, _Tally], unverifiable: Counter[str], registry: Registry,
    meta: Mapping[str, Any],
) -> dict[str, Any]:
    by_purpose = {
        purpose: {
            "agents": len(agents),
            "blocks_any": share(total.purpose_blocked[purpose], total.robots_readable),
            "reserves_any": share(total.purpose_reserved[purpose], total.readable),
        }
        for purpose, agents in registry.by_purpose().items()
    }
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "sites",
        "list": name,
        **{key: meta.get(key) for key in ("started_at", "finished_at", "complete", "finish_reason")},
        "settings": dict(meta.get("settings") or {}),
        "skipped_lines": dict(meta.get("skipped_lines") or {}),
        **total.summary_json(),
        "unverifiable": dict(sorted(unverifiable.items(), key=lambda kv: (-kv[1], kv[0]))),
        "agents": total.agents_json(registry),
        "by_purpose": by_purpose,
        "by_rank": {
            label: {**tally.summary_json(), "agents": tally.agents_json(registry)}
            for label, tally in buckets.items() if tally.domains
        },
        "signals": {name: share(total.signals[name], total.readable) for name in SIGNALS},
    }
