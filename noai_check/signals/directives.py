"""Robots directives from ``<meta name="robots">`` content and ``X-Robots-Tag`` headers.

Both carry comma lists of directives (``noai, noimageai``); the header may scope
part of a list to one crawler (``GPTBot: noai, noimageai``). Other tools get the
scope wrong by splitting on commas first; here a ``bot:`` prefix scopes every
directive after it on the same header line, until the next ``bot:`` prefix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from noai_check.signals.findings import Finding

AI_DIRECTIVES = frozenset({"noai", "noimageai"})

# Directives whose value follows a colon: "max-snippet: 20" names no crawler.
_VALUED_DIRECTIVES = frozenset(
    {"max-snippet", "max-image-preview", "max-video-preview", "unavailable_after", "unavailable-after"}
)
_BOT_PREFIX = re.compile(r"^\s*([A-Za-z0-9_.\-/]+)\s*:\s*(.*)$", re.DOTALL)
# Separators people write instead of commas ("noai noimageai", "noai;noimageai"): read, and reported.
_NON_COMMA_SEPARATOR = re.compile(r"[\s;]+")
_WEEKDAY = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun)[a-z]*$", re.IGNORECASE)


@dataclass
class Directives:
    """Directives addressed to every agent, and those scoped to one agent (lowercase token)."""

    everyone: list[str] = field(default_factory=list)
    per_agent: dict[str, list[str]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    evidence: dict[tuple[str | None, str], str] = field(default_factory=dict)

    def add(self, agent: str | None, directive: str, evidence: str) -> None:
        """Record a directive once, keeping the first tag or header line that stated it."""
        agent = None if agent is None else agent.lower()
        target = self.everyone if agent is None else self.per_agent.setdefault(agent, [])
        if directive not in target:
            target.append(directive)
            self.evidence[(agent, directive)] = evidence

    def merge(self, other: Directives) -> None:
        """Union: several tags or headers all apply (the most restrictive reading)."""
        for (agent, directive), evidence in other.evidence.items():
            self.add(agent, directive, evidence)
        self.findings.extend(other.findings)

    def ai_findings(self) -> list[Finding]:
        """One finding per noai/noimageai statement, quoting where it was said."""
        return [
            Finding(directive, "x-robots-tag" if evidence.startswith("X-Robots-Tag") else "meta", agent, directive, evidence)
            for (agent, directive), evidence in self.evidence.items()
            if directive in AI_DIRECTIVES
        ]


def _normalise(directive: str) -> str:
    """The directive's name lowercased (names are case-insensitive), its value kept as written."""
    name, sep, value = directive.strip().partition(":")
    return f"{name.strip().lower()}{sep}{value}"


def _split_items(value: str) -> list[str]:
    """Comma items, re-joining an ``unavailable_after`` date that itself holds a comma."""
    items: list[str] = []
    for raw in value.split(","):
        item = raw.strip()
        if items and items[-1].lower().startswith(("unavailable_after", "unavailable-after")):
            date = items[-1].partition(":")[2].strip()
            if _WEEKDAY.match(date):  # RFC 850 dates: "Wednesday, 25-Jun-26 15:00:00 PST"
                items[-1] = f"{items[-1]}, {item}"
                continue
        if item:
            items.append(item)
    return items


def _add_items(
    result: Directives, items: list[str], agent: str | None, source: str, evidence: str
) -> None:
    for item in items:
        parts = [part for part in _NON_COMMA_SEPARATOR.split(item) if part]
        separated = len(parts) > 1 or ";" in item
        if separated and ":" not in item and any(p.lower() in AI_DIRECTIVES for p in parts):
            separator = "semicolons" if ";" in item else "spaces"
            result.findings.append(
                Finding(
                    "non-standard-syntax",
                    source,
                    agent,
                    item,
                    f"{evidence} (directives separated by {separator}, not commas; read as {', '.join(p.lower() for p in parts)})",
                )
            )
            for part in parts:
                result.add(agent, _normalise(part), evidence)
        else:
            result.add(agent, _normalise(item), evidence)


def parse_meta_content(content: str, agent: str | None, evidence: str) -> Directives:
    """Directives of one robots meta tag; ``agent`` is None for ``name="robots"``."""
    result = Directives()
    _add_items(result, _split_items(content), agent, "meta", evidence)
    return result


def parse_x_robots_tag(value: str) -> Directives:
    """One ``X-Robots-Tag`` header line, honouring ``bot:`` scopes (Google's robots meta spec)."""
    result = Directives()
    evidence = f"X-Robots-Tag: {value}"
    agent: str | None = None
    for item in _split_items(value):
        match = _BOT_PREFIX.match(item)
        if match and match.group(1).lower() not in _VALUED_DIRECTIVES:
            agent = match.group(1).lower()
            item = match.group(2).strip()
            if not item:
                continue
        _add_items(result, [item], agent, "x-robots-tag", evidence)
    return result


def parse_x_robots_tags(values: list[str]) -> Directives:
    """Every ``X-Robots-Tag`` header of a response: each line on its own, then the union."""
    result = Directives()
    for value in values:
        result.merge(parse_x_robots_tag(value))
    return result
