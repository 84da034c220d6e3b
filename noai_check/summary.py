"""Per-platform numbers from page records, streamed: coverage per page type and counts per agent.

Only verifiable pages count towards a rate; the others are tallied by reason, never as "no tag".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .stats import wilson_interval


@dataclass
class _TypeCounts:
    pages: int = 0
    verifiable: int = 0
    noai: int = 0
    noimageai: int = 0
    agent_scoped_noai: int = 0
    tdm_reserved: int = 0

    def to_json(self) -> dict[str, Any]:
        def rate(n: int) -> float | None:
            return round(n / self.verifiable, 4) if self.verifiable else None

        interval = wilson_interval(self.noai, self.verifiable)
        return {
            "pages": self.pages,
            "verifiable": self.verifiable,
            "noai": self.noai,
            "noai_rate": rate(self.noai),
            "noai_ci95": list(interval) if interval else None,
            "noimageai": self.noimageai,
            "noimageai_rate": rate(self.noimageai),
            "agent_scoped_noai": self.agent_scoped_noai,
            "tdm_reserved": self.tdm_reserved,
        }


@dataclass
class _AgentCounts:
    verifiable_pages: int = 0
    robots_blocked: int = 0
    training: Counter[str] = field(default_factory=Counter)

    def to_json(self) -> dict[str, Any]:
        return {
            "verifiable_pages": self.verifiable_pages,
            "robots_blocked": self.robots_blocked,
            "training": dict(sorted(self.training.items())),
        }


@dataclass
class Summary:
    """Running totals; feed it records with ``add`` and read ``to_json`` at the end."""

    page_types: dict[str, _TypeCounts] = field(default_factory=dict)
    agents: dict[str, _AgentCounts] = field(default_factory=dict)
    agents_by_type: dict[str, dict[str, _AgentCounts]] = field(default_factory=dict)
    unverifiable: Counter[str] = field(default_factory=Counter)
    findings: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add(self, record: dict[str, Any]) -> None:
        page_type = record["page_type"]
        counts = self.page_types.setdefault(page_type, _TypeCounts())
        counts.pages += 1
        if not record["verifiable"]:
            self.unverifiable[_reason_kind(record.get("unverifiable_reason") or "unknown")] += 1
            return
        counts.verifiable += 1
        page = record.get("page") or {}
        counts.noai += bool(page.get("noai"))
        counts.noimageai += bool(page.get("noimageai"))
        counts.agent_scoped_noai += any("noai" in d for d in (page.get("agent_directives") or {}).values())
        counts.tdm_reserved += page.get("tdm_reservation") == 1
        by_type = self.agents_by_type.setdefault(page_type, {})
        for token, verdict in (record.get("agents") or {}).items():
            for table in (self.agents, by_type):
                agent = table.setdefault(token, _AgentCounts())
                agent.verifiable_pages += 1
                agent.robots_blocked += not verdict["robots_allowed"]
                agent.training[verdict["training"]] += 1
        for finding in record.get("findings") or []:
            self.findings[(finding["signal"], finding["source"])] += 1

    def to_json(self) -> dict[str, Any]:
        return {
            "page_types": {t: c.to_json() for t, c in sorted(self.page_types.items())},
            "agents": {t: c.to_json() for t, c in self.agents.items()},
            "agents_by_page_type": {
                page_type: {t: c.to_json() for t, c in agents.items()} for page_type, agents in sorted(self.agents_by_type.items())
            },
            "unverifiable": dict(self.unverifiable.most_common()),
            "finding_counts": [
                {"signal": signal, "source": source, "pages": n} for (signal, source), n in self.findings.most_common()
            ],
        }


def _reason_kind(reason: str) -> str:
    """Group reasons that differ only in detail: bot walls and statuses stay whole, error texts fold."""
    if reason.startswith(("bot wall", "status ", "not fetched")):
        return reason
    return reason.split(":", 1)[0]


def summarize(records: Iterable[dict[str, Any]]) -> Summary:
    summary = Summary()
    for record in records:
        summary.add(record)
    return summary
