"""Spawning's /ai.txt: robots.txt grammar over media-type patterns such as ``Disallow: *.mp3``.

ai.txt is not RFC 9309: a missing or unreadable file is simply "no statement", never a
complete disallow, so only a served (2xx) text file is read with the robots.txt engine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from noai_check.signals.findings import Finding
from noai_check.signals.robots import RobotsTxt, RobotsVerdict, _parse_document

__all__ = ["AiTxt", "parse_ai_txt"]

_SOURCE = "ai.txt"
_HTML_START = re.compile(rb"\s*(?:<!doctype\s+html|<html|<head|<body)", re.IGNORECASE)


@dataclass(frozen=True)
class AiTxt:
    """A fetched ai.txt: whether it states anything, and what it allows per URL and agent."""

    present: bool
    status: int | None
    findings: list[Finding] = field(default_factory=list)
    _robots: RobotsTxt | None = field(default=None, repr=False, compare=False)
    _absent_reason: str = field(default="ai.txt unavailable: no statement", repr=False, compare=False)

    def allows(self, url_or_path: str, agent: str = "*") -> RobotsVerdict:
        """May ``agent`` use the file at ``url_or_path``? Without a readable ai.txt: yes, no statement."""
        if self._robots is None:
            return RobotsVerdict(True, None, self._absent_reason)
        return self._robots.verdict(url_or_path, agent)


def _finding(value: str, evidence: str, agent: str | None = None) -> Finding:
    return Finding(signal=_SOURCE, source=_SOURCE, agent=agent, value=value, evidence=evidence)


# 4xx statuses that refuse us rather than say the file is missing (rate limit, auth, bot wall).
_REFUSED = frozenset({401, 403, 429})


def _absent(status: int | None) -> AiTxt:
    """404-like: not served, no statement; refused or failed: unknown, and say so."""
    if status is not None and 400 <= status < 500 and status not in _REFUSED:
        return AiTxt(False, status, [], None, f"ai.txt not served ({status}): no statement")
    detail = "unreachable" if status is None else f"answered {status}"
    finding = _finding("could not be read", f"ai.txt {detail}; ai.txt is not RFC 9309, so this is no statement")
    return AiTxt(False, status, [finding], None, "ai.txt unavailable: no statement")


def _rule_findings(robots: RobotsTxt) -> list[Finding]:
    """One finding per Allow/Disallow statement and agent it addresses (agent None for "*")."""
    findings = []
    for agents, allow, pattern, line in robots._rule_lines():
        value = f"{'allow' if allow else 'disallow'} {pattern}"
        evidence = f"ai.txt line {line.number}: {line.text.strip()}"
        for agent in agents:
            findings.append(_finding(value, evidence, None if agent == "*" else agent))
    return findings


def parse_ai_txt(body: bytes, status: int | None) -> AiTxt:
    """Read a fetched /ai.txt; never raises."""
    if status is None or not 200 <= status < 300:
        return _absent(status)
    if _HTML_START.match(body[:1024]):
        finding = _finding("html-body", f"ai.txt answered {status} with an HTML page: not an ai.txt, no statement")
        return AiTxt(False, status, [finding], None, "ai.txt is an HTML page: no statement")
    robots = _parse_document(body, status, redirects=0, error=None, content_type="", source=_SOURCE)
    return AiTxt(True, status, [*robots.findings, *_rule_findings(robots)], robots)
