"""The AI-policy timeline: dated versions of a site's files turned into per-agent intervals.

Each robots.txt version is taken to hold from its capture until the next version's capture (the
last one until the end of the range): the archive keeps one row per distinct body
(``collapse=digest``), so a change happened at or before the capture that shows it. Before the
first version, or while a version could not be read (a failed replay, a captured 5xx), the state
is "unknown", never "allowed". Pure: versions in, timeline.json's data out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from noai_check.history.timeline_files import (
    AI_TXT,
    ROBOTS,
    TDMREP,
    FileVersion,
    ai_txt_summary,
    content_signals,
    robots_unknown_reason,
    tdmrep_summary,
    terms_entries,
)
from noai_check.signals.robots import RobotsTxt, parse_robots

SCHEMA_VERSION = 1
BLOCKED, ALLOWED, UNKNOWN = "blocked", "allowed", "unknown"
ROOT = "/"


@dataclass
class Lane:
    """One agent's states on one path over time: [from, state, reason], each until the next."""

    spans: list[list[str | None]] = field(default_factory=list)

    def add(self, when: str, state: str, reason: str | None) -> None:
        if self.spans and self.spans[-1][1] == state:
            return
        if self.spans and self.spans[-1][0] == when:  # two versions in the same second: the later wins
            self.spans.pop()
            if self.spans and self.spans[-1][1] == state:
                return
        self.spans.append([when, state, reason])

    def intervals(self, start: str, end: str) -> list[dict[str, str]]:
        """The spans clipped to [start, end], "unknown" before the first one; ``reason`` is why a span is
        unknown, or the robots.txt line that decided it when it began."""
        spans = [s for s in self.spans if str(s[0]) < end]
        current = [s for s in spans if str(s[0]) <= start]
        opening = current[-1] if current else [start, UNKNOWN, "no archived version covers this time"]
        moments = [(start, str(opening[1]), opening[2])] + [(str(s[0]), str(s[1]), s[2]) for s in spans if str(s[0]) > start]
        out: list[dict[str, str]] = []
        for i, (when, state, reason) in enumerate(moments):
            until = moments[i + 1][0] if i + 1 < len(moments) else end
            if out and out[-1]["state"] == state:
                out[-1]["to"] = until
            else:
                out.append({"from": when, "to": until, "state": state, "reason": reason or ""})
        return out

    def first(self, state: str, start: str, end: str) -> str | None:
        """When ``state`` first held within [start, end] (``start`` when it already held then)."""
        for interval in self.intervals(start, end):
            if interval["state"] == state:
                return interval["from"]
        return None


class RobotsTimeline:
    """robots.txt versions added in time order; per agent, a lane at the root and at each sample path."""

    def __init__(self, tokens: list[str], sample_paths: dict[str, str]) -> None:
        self.tokens = tokens
        self.paths = {ROOT: ROOT, **sample_paths}  # lane key -> path; "/" is the site root
        self.lanes = {key: {token: Lane() for token in tokens} for key in self.paths}
        self.signal_changes: list[dict[str, object]] = []
        self._signals: dict[str, dict[str, bool]] | None = None

    def add(self, version: FileVersion) -> None:
        """Judge every agent on every lane path by this version (later calls must be later versions)."""
        robots = parse_robots(version.body, version.status, content_type=version.content_type) \
            if version.readable and version.body is not None else None
        reason = robots_unknown_reason(version, robots)
        when = version.when
        if robots is None or reason is not None:
            for lanes in self.lanes.values():
                for lane in lanes.values():
                    lane.add(when, UNKNOWN, reason)
            return
        groups = [id(robots.group_identity(token)) for token in self.tokens]
        for key, path in self.paths.items():
            self._judge(robots, groups, key, path, when)
        self._note_signals(robots, version, groups)

    def _judge(self, robots: RobotsTxt, groups: list[int], key: str, path: str, when: str) -> None:
        """One path for every agent; agents that the same groups govern (``groups``, by token) are judged once."""
        by_group: dict[int, tuple[str, str | None]] = {}
        lanes = self.lanes[key]
        for token, group in zip(self.tokens, groups, strict=True):
            known = by_group.get(group)
            if known is None:
                verdict = robots.verdict(path, token)
                line = f"line {verdict.line.number}: {verdict.line.text.strip()}" if verdict.line else verdict.reason
                known = by_group[group] = (ALLOWED if verdict.allowed else BLOCKED, line)
            lanes[token].add(when, known[0], known[1])

    def _note_signals(self, robots: RobotsTxt, version: FileVersion, groups: list[int]) -> None:
        signals = content_signals(robots, self.tokens, groups)
        if self._signals is not None and signals != self._signals:
            self.signal_changes.append(_change(version, "content-signal", self._signals, signals))
        self._signals = signals


def _change(version: FileVersion, what: str, before: object, after: object) -> dict[str, object]:
    return {"file": version.path, "what": what, "url": version.url, "captured_at": version.when,
            "archive_url": version.archive_url, "before": before, "after": after}


def summary_changes(versions: Iterable[FileVersion], what: str) -> list[dict[str, object]]:
    """Where tdmrep.json or ai.txt said something new; unreadable versions are skipped (they are listed
    with their error among the versions), so a failed replay never reads as a change."""
    summarise = tdmrep_summary if what == "tdmrep" else ai_txt_summary
    changes: list[dict[str, object]] = []
    previous: object = None
    for version in versions:
        if not version.readable or (version.status is not None and version.status >= 500):
            continue
        current = summarise(version)
        if previous is not None and current != previous:
            changes.append(_change(version, what, previous, current))
        previous = current
    return changes


@dataclass
class TimelineInput:
    """What a timeline is made of: the range, the agents, the sample paths and every version by file."""

    platform: str
    host: str
    start: str  # the one timestamp format
    end: str
    tokens: list[str]
    sample_paths: dict[str, str]
    versions: dict[str, list[FileVersion]]  # file path -> versions in capture order
    terms_paths: tuple[str, ...] = ()


def build_timeline(data: TimelineInput, robots: RobotsTimeline | None = None) -> dict[str, object]:
    """timeline.json's content. ``robots`` is a timeline already fed (streamed) with the robots.txt versions."""
    if robots is None:
        robots = RobotsTimeline(data.tokens, data.sample_paths)
        for version in sorted(data.versions.get(ROBOTS, []), key=lambda v: v.captured_at):
            robots.add(version)
    root = robots.lanes[ROOT]
    agents = {token: root[token].intervals(data.start, data.end) for token in data.tokens}
    by_type = {key: {token: lanes[token].intervals(data.start, data.end) for token in data.tokens}
               for key, lanes in robots.lanes.items() if key != ROOT}
    terms = [entry for path in data.terms_paths for entry in terms_entries(data.versions.get(path, []))]
    changes = [*robots.signal_changes, *summary_changes(data.versions.get(TDMREP, []), "tdmrep"),
               *summary_changes(data.versions.get(AI_TXT, []), "ai.txt")]
    return {
        "schema_version": SCHEMA_VERSION,
        "platform": data.platform,
        "host": data.host,
        "from": data.start,
        "to": data.end,
        "versions": {path: [v.to_json() for v in versions] for path, versions in data.versions.items()},
        "sample_paths": dict(data.sample_paths),
        "agents": agents,
        "agents_by_page_type": by_type,
        "first_blocked": {token: _first_blocked(robots, token, data.start, data.end) for token in data.tokens},
        "changes": sorted(changes, key=lambda c: str(c["captured_at"])),
        "terms": terms,
    }


def _first_blocked(robots: RobotsTimeline, token: str, start: str, end: str) -> str | None:
    """The first moment robots.txt blocked ``token`` at the root or at any page type's sample path."""
    moments = [lanes[token].first(BLOCKED, start, end) for lanes in robots.lanes.values()]
    found = [m for m in moments if m is not None]
    return min(found) if found else None
