"""Per-platform numbers from page records, streamed: coverage per page type and counts per agent.

Only verifiable pages count towards a rate; the others are tallied by reason, never as "no tag".

A record's ``agents`` map (165 verdicts with their reasons) is most of its bytes, and the pages
of one site mostly carry the very same map. So each distinct map is reduced once to a
``Verdicts`` value and pages are counted per (page type, origin, Verdicts); the per-agent
tables are expanded from those counts at the end. That keeps a 50,000-page report fast.
"""

from __future__ import annotations

from bisect import insort
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

from noai_check.judge.page_records import Verdicts
from noai_check.judge.stats import wilson_interval
from noai_check.signals.site_files import origin_of

_PENDING_LIMIT = 4096  # distinct (page type, origin, Verdicts) keys held before folding them in
_EXAMPLES = 5  # example URLs kept per unverifiable reason and per notable finding
_NOTABLE_SIGNALS = ("conflict", "parser-disagreement")
_NOTABLE_LIMIT = 200  # distinct notable findings kept (the rest are counted in finding_counts)
_HEADER_VALUES_LIMIT = 50  # distinct values kept per evidence header
_COUNTED_HEADERS = ("x-robots-tag", "tdm-reservation", "tdm-policy", "content-usage", "content-signal")
_LINE_AGENTS_SHOWN = 12


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
class _RobotsLine:
    """A robots.txt line that decided robots_allowed for some agent on some pages."""

    pages: int = 0  # (page, agent) pairs it decided
    blocks: bool = False
    agents: set[str] = field(default_factory=set)

    def to_json(self, line: int) -> dict[str, Any]:
        agents = sorted(self.agents, key=str.lower)
        return {
            "line": line,
            "effect": "disallow" if self.blocks else "allow",
            "decisions": self.pages,
            "agents": agents[:_LINE_AGENTS_SHOWN],
            "agents_total": len(agents),
        }


@dataclass
class _Notable:
    finding: dict[str, Any]
    pages: int = 0
    examples: list[str] = field(default_factory=list)


@dataclass
class Summary:
    """Running totals; feed it records with ``add`` and read ``to_json`` at the end."""

    page_types: dict[str, _TypeCounts] = field(default_factory=dict)
    unverifiable: Counter[str] = field(default_factory=Counter)
    unverifiable_examples: dict[str, list[str]] = field(default_factory=dict)
    findings: Counter[tuple[str, str]] = field(default_factory=Counter)
    notable: dict[tuple[Any, ...], _Notable] = field(default_factory=dict)
    header_values: dict[str, Counter[str]] = field(default_factory=dict)
    _pending: Counter[tuple[str, str, Verdicts]] = field(default_factory=Counter)
    # ((page type, origin), (token, robots_allowed, robots_line, training)) -> verifiable pages
    _rows: Counter[tuple[tuple[str, str], tuple[str, bool, int | None, str]]] = field(default_factory=Counter)

    def add(self, record: dict[str, Any], verdicts: Verdicts | None = None) -> None:
        """Count one record; ``verdicts`` is its agents map already reduced (read from the record if None)."""
        page_type = record["page_type"]
        counts = self.page_types.setdefault(page_type, _TypeCounts())
        counts.pages += 1
        if not record["verifiable"]:
            reason = _reason_kind(record.get("unverifiable_reason") or "unknown")
            self.unverifiable[reason] += 1
            _keep_example(self.unverifiable_examples.setdefault(reason, []), record["url"])
            return
        counts.verifiable += 1
        page = record.get("page") or {}
        counts.noai += bool(page.get("noai"))
        counts.noimageai += bool(page.get("noimageai"))
        counts.agent_scoped_noai += any("noai" in d for d in (page.get("agent_directives") or {}).values())
        counts.tdm_reserved += page.get("tdm_reservation") == 1
        if verdicts is None:
            verdicts = Verdicts(record.get("agents") or {})
        if verdicts.rows:
            self._pending[(page_type, _origin(record.get("final_url") or record["url"]), verdicts)] += 1
            if len(self._pending) > _PENDING_LIMIT:
                self._fold()
        for finding in record.get("findings") or ():
            self.findings[(finding["signal"], finding["source"])] += 1
            if finding["signal"] in _NOTABLE_SIGNALS:
                self._notable(finding, record["url"])
        for name in _COUNTED_HEADERS:
            for value in (record.get("headers") or {}).get(name, ()):
                seen = self.header_values.setdefault(name, Counter())
                if value in seen or len(seen) < _HEADER_VALUES_LIMIT:
                    seen[value] += 1

    def _notable(self, finding: dict[str, Any], url: str) -> None:
        key = (finding["signal"], finding["source"], finding.get("agent"), finding.get("value"))
        entry = self.notable.get(key)
        if entry is None:
            if len(self.notable) >= _NOTABLE_LIMIT:
                return
            entry = self.notable[key] = _Notable(dict(finding))
        entry.pages += 1
        _keep_example(entry.examples, url)

    def _fold(self) -> None:
        """Move the pending (page type, origin, Verdicts) counts into the row counts.

        A map seen once is counted by ``Counter.update`` over its rows, in C: pages that each
        carry a map of their own then cost little more than reading them.
        """
        for (page_type, origin, verdicts), n in self._pending.items():
            bucket = (page_type, origin)
            if n == 1:
                self._rows.update(zip(repeat(bucket), verdicts.rows))
            else:
                for row in verdicts.rows:
                    self._rows[(bucket, row)] += n
        self._pending.clear()

    def _tables(self) -> tuple[dict[str, _AgentCounts], dict[str, dict[str, _AgentCounts]], dict[str, dict[int, _RobotsLine]]]:
        """Per agent, per page type and agent, and per deciding robots.txt line, from the row counts."""
        agents: dict[str, _AgentCounts] = {}
        by_type: dict[str, dict[str, _AgentCounts]] = {}
        lines: dict[str, dict[int, _RobotsLine]] = {}
        for ((page_type, origin), (token, allowed, line, training)), n in self._rows.items():
            for table in (agents, by_type.setdefault(page_type, {})):
                agent = table.get(token)
                if agent is None:
                    agent = table[token] = _AgentCounts()
                agent.verifiable_pages += n
                if not allowed:
                    agent.robots_blocked += n
                agent.training[training] += n
            if line is not None:
                decided = lines.setdefault(origin, {}).setdefault(line, _RobotsLine())
                decided.pages += n
                decided.blocks = decided.blocks or not allowed
                decided.agents.add(token)
        return agents, by_type, lines

    def to_json(self) -> dict[str, Any]:
        self._fold()
        agents, agents_by_type, robots_lines = self._tables()
        return {
            "page_types": {t: c.to_json() for t, c in sorted(self.page_types.items())},
            "agents": {t: c.to_json() for t, c in agents.items()},
            "agents_by_page_type": {
                page_type: {t: c.to_json() for t, c in table.items()} for page_type, table in sorted(agents_by_type.items())
            },
            "unverifiable": dict(ranked(self.unverifiable)),
            "unverifiable_examples": {reason: self.unverifiable_examples[reason] for reason, _ in ranked(self.unverifiable)},
            "finding_counts": [
                {"signal": signal, "source": source, "pages": n} for (signal, source), n in ranked(self.findings)
            ],
            "notable_findings": [
                {**entry.finding, "pages": entry.pages, "examples": entry.examples}
                for _, entry in sorted(self.notable.items(), key=lambda item: (-item[1].pages, _sortable(item[0])))
            ],
            "robots_lines": {
                origin: [lines[n].to_json(n) for n in sorted(lines)] for origin, lines in sorted(robots_lines.items())
            },
            "header_values": {
                name: [{"value": v, "pages": n} for v, n in ranked(values)] for name, values in sorted(self.header_values.items())
            },
        }


# Responses arrive in a different order on every run; what the report shows must not depend on it.
def ranked(counts: Counter[Any]) -> list[tuple[Any, int]]:
    """Most frequent first, ties in key order (Counter.most_common keeps ties in arrival order)."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _sortable(key: tuple[Any, ...]) -> tuple[str, ...]:
    return tuple("" if part is None else str(part) for part in key)


def _keep_example(examples: list[str], url: str) -> None:
    """Keep the first _EXAMPLES URLs in sort order, not the first to arrive."""
    if url in examples or (len(examples) >= _EXAMPLES and url >= examples[-1]):
        return
    insort(examples, url)
    del examples[_EXAMPLES:]


def _origin(url: str) -> str:
    """origin_of without urlsplit for the usual ``scheme://host/...`` (a third of the report's time otherwise)."""
    parts = url.split("/", 3)
    if len(parts) >= 3 and parts[0].endswith(":") and parts[1] == "" and "@" not in parts[2] and "?" not in parts[2] and "#" not in parts[2]:
        return f"{parts[0]}//{parts[2]}".lower()
    return origin_of(url)


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
