"""One archived version of a site file or terms page, and what it said, for the AI-policy timeline.

A version is what the archive kept of one URL at one moment: its captured status and body,
or (``body`` None) the reason it could not be read. "Could not read" is never "absent": only a
captured 404 says a file was missing then. Pure: the fetching is noai_check.crawl.timeline_fetch.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cached_property

from noai_check.history.terms_watch import compare_clauses
from noai_check.signals.aitxt import parse_ai_txt
from noai_check.signals.content_signal import combine_signals, parse_content_signal
from noai_check.signals.robots import RobotsTxt
from noai_check.signals.tdmrep import parse_tdmrep_json
from noai_check.signals.terms import Clause, extract_clauses

# The site files the timeline follows, by path; terms pages come from the platform.
ROBOTS, TDMREP, AI_TXT, LLMS_TXT = "/robots.txt", "/.well-known/tdmrep.json", "/ai.txt", "/llms.txt"
SITE_FILES = (ROBOTS, TDMREP, AI_TXT, LLMS_TXT)


def iso_from_archive(stamp: str) -> str:
    """A 14-digit archive timestamp (shorter ones padded as the archive does) in the one format.

    Sliced, not parsed with strptime: a timeline of thousands of versions asks for it often.

    >>> iso_from_archive("20230807123456"), iso_from_archive("2023")
    ('2023-08-07T12:34:56Z', '2023-01-01T00:00:00Z')
    """
    digits = (stamp + "0101000000"[max(0, len(stamp) - 4):])[:14] if len(stamp) < 14 else stamp[:14]
    if not digits.isdigit():
        raise ValueError(f"not an archive timestamp: {stamp!r}")
    moment = f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}T{digits[8:10]}:{digits[10:12]}:{digits[12:14]}Z"
    datetime(int(digits[:4]), int(digits[4:6]), int(digits[6:8]), int(digits[8:10]), int(digits[10:12]),
             int(digits[12:14]), tzinfo=timezone.utc)  # raises ValueError for month 13, hour 25, ...
    return moment


@dataclass(frozen=True)
class FileVersion:
    """One archived version: ``status`` as captured; ``body`` None when the replay could not be read."""

    path: str  # the file's key: "/robots.txt", "/terms-of-use", ...
    url: str  # the original URL
    captured_at: str  # 14 digits, as the archive names the capture
    archive_url: str
    status: int | None
    body: bytes | None
    content_type: str = ""
    error: str | None = None  # why the body could not be read
    redirected_to: str | None = None  # the URL a captured redirect led to (through the archive)

    @property
    def readable(self) -> bool:
        return self.body is not None and self.status is not None

    @cached_property
    def when(self) -> str:
        return iso_from_archive(self.captured_at)

    def sha256(self) -> str | None:
        return hashlib.sha256(self.body).hexdigest() if self.body is not None else None

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "url": self.url,
            "captured_at": self.when,
            "archive_url": self.archive_url,
            "status": self.status,
            "sha256": self.sha256(),
        }
        if self.error:
            data["error"] = self.error
        if self.redirected_to:
            data["redirected_to"] = self.redirected_to
        return data


def robots_unknown_reason(version: FileVersion, robots: RobotsTxt | None) -> str | None:
    """Why this robots.txt version says nothing we can rely on (None when it can be read).

    A capture of a 5xx or 429 (the site failing that day) is unknown, not "blocked": RFC 9309 makes a
    crawler stop, but the site stated nothing, as in live crawls.
    """
    if not version.readable or robots is None:
        return version.error or "the archived copy could not be read"
    if robots.outcome == "disallow-all":
        return f"the archived robots.txt answered {version.status}"
    return None


def content_signals(robots: RobotsTxt, tokens: list[str], groups: list[int] | None = None) -> dict[str, dict[str, bool]]:
    """Content-Signal per agent: the ``*`` group's under "*", then only the agents whose value differs.

    ``groups`` (the id of each token's ``group_identity``) saves resolving them again."""
    def signal(token: str) -> dict[str, bool]:
        lines = robots.group_lines(token, "content-signal")
        return dict(sorted(combine_signals(parse_content_signal(line.value) for line in lines).items()))

    star = signal("*")
    by_group: dict[int, dict[str, bool]] = {}
    summary = {"*": star} if star else {}
    for token, key in zip(tokens, groups or [id(robots.group_identity(token)) for token in tokens], strict=True):
        value = by_group.get(key)
        if value is None:
            value = by_group[key] = signal(token)
        if value != star:
            summary[token] = value
    return summary


def tdmrep_summary(version: FileVersion) -> object:
    """What a tdmrep.json version reserves: "absent", or its rules in order."""
    assert version.body is not None
    parsed = parse_tdmrep_json(version.body, version.status, version.content_type)
    if not parsed.present:
        return "absent"
    return [{"location": r.location, "tdm-reservation": r.reservation, "tdm-policy": r.policy} for r in parsed.rules]


def ai_txt_summary(version: FileVersion) -> object:
    """What an ai.txt version states: "absent", or its allow/disallow statements per agent."""
    assert version.body is not None
    parsed = parse_ai_txt(version.body, version.status)
    if not parsed.present:
        return "absent"
    rules = [f"{finding.agent or '*'}: {finding.value}" for finding in parsed.findings
             if finding.value.startswith(("allow ", "disallow "))]
    return rules


def terms_clauses(version: FileVersion) -> list[Clause] | None:
    """A terms version's clauses; None when it cannot be read (a failed replay, a 4xx/5xx capture)."""
    if not version.readable or version.status is None or not 200 <= version.status < 300:
        return None
    assert version.body is not None
    return extract_clauses(version.body)


def terms_entries(versions: list[FileVersion]) -> list[dict[str, object]]:
    """Per terms version: the AI clauses added and removed since the previous readable version."""
    entries: list[dict[str, object]] = []
    previous: list[Clause] | None = None
    previous_at: str | None = None
    for version in versions:
        clauses = terms_clauses(version)
        entry: dict[str, object] = {"url": version.url, "captured_at": version.when, "archive_url": version.archive_url,
                                    "compared_with": previous_at, "ai_clauses_added": [], "ai_clauses_removed": [],
                                    "ai_clauses_changed": []}
        if clauses is None:
            entry.update(status="unknown", reason=version.error or f"the archived copy answered {version.status}")
        elif previous is None:
            entry.update(status="first", ai_clauses=[c.text for c in clauses if c.ai])
        else:
            comparison = compare_clauses(previous, clauses)
            entry.update(status=comparison.status, ai_clauses_added=[c.text for c in comparison.ai_added],
                         ai_clauses_removed=[c.text for c in comparison.ai_removed],
                         ai_clauses_changed=[{"before": b.text, "after": a.text} for b, a, _ in comparison.ai_changed])
            if comparison.reason:
                entry["reason"] = comparison.reason
        if clauses:  # an empty page (a JavaScript shell) is not compared against
            previous, previous_at = clauses, version.when
        entries.append(entry)
    return entries
