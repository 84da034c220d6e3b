"""robots.txt read to RFC 9309, keeping every deciding line as evidence.

The verdicts here are what an RFC 9309 crawler must do. Where Google's parser or protego
read a file differently, that is recorded (findings, ``protego_disagreements``) instead of
being silently followed, because researchers publish these verdicts.

Three steps, one module each: robots_lines (bytes to records), robots_groups (records to groups),
and this one (the fetch outcome, then per-agent group selection and first-match verdicts), with
robots_walk compiling one agent's merged group for the first-match walk; robots_protego explains
where Scrapy's parser disagrees.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from noai_check.signals.findings import Finding
from noai_check.signals.path_pattern import PathPattern, compile_pattern, request_path
from noai_check.signals.robots_groups import (
    ExtensionLine,
    _agent_key,
    _google_only_key,
    _google_reading_note,
    _Group,
    _is_global,
    _parse_text,
    _Parsed,
    asked_agent_keys,
)
from noai_check.signals.robots_lines import MAX_PARSED_BYTES, RobotsLine, _decode, _finding, _read_record
from noai_check.signals.robots_protego import protego_disagreements
from noai_check.signals.robots_walk import RobotsVerdict, _compile_groups, _first_match, _Resolved, _Walk

__all__ = [
    "MAX_PARSED_BYTES",
    "ExtensionLine",
    "RobotsLine",
    "RobotsTxt",
    "RobotsVerdict",
    "asked_agent_keys",
    "parse_robots",
]

# RFC 9309 2.3.1.2: at least five consecutive redirects are followed; more means "unavailable".
MAX_REDIRECTS = 5
_HTML_START = re.compile(rb"\s*(?:<!doctype\s+html|<html|<head|<body|<!--|<\?xml)", re.IGNORECASE)



# ---------------------------------------------------------------- fetch outcome


@dataclass(frozen=True)
class _Outcome:
    kind: str  # "parsed" | "allow-all" | "disallow-all"
    reason: str
    findings: tuple[Finding, ...] = ()


def _fetch_outcome(status: int | None, redirects: int, error: str | None, body: bytes, source: str) -> _Outcome:
    """RFC 9309 2.3.1: what the fetch result alone says, before any line is read."""
    if redirects > MAX_REDIRECTS:
        # 2.3.1.2: more than five redirects MAY be taken as "unavailable", and 2.3.1.3 lets
        # crawlers access anything when unavailable (Google treats it as a 404 too).
        reason = f"{source} needed {redirects} redirects (more than {MAX_REDIRECTS}): unavailable, allow all (RFC 9309 2.3.1.2)"
        return _Outcome("allow-all", reason, (_finding("too-many-redirects", reason, source=source),))
    if status is None:
        detail = f" ({error})" if error else ""
        reason = f"{source} unreachable{detail}: complete disallow (RFC 9309 2.3.1.4)"
        return _Outcome("disallow-all", reason, (_finding("unreachable", reason, source=source),))
    if 200 <= status < 300:
        return _Outcome("parsed", "")
    if 300 <= status < 400:
        reason = f"{source} answered {status} and the redirect was not followed: unreachable, complete disallow"
        return _Outcome(
            "disallow-all", reason, (_finding(f"unfollowed-redirect status {status}", reason, source=source),)
        )
    if status == 429:
        reason = f"{source} answered 429 (too many requests): complete disallow, as Google treats 429 like 5xx"
        return _Outcome("disallow-all", reason, (_finding("status 429", reason, source=source),))
    if status in (401, 403):
        kind = "an HTML page" if _HTML_START.match(body[:1024]) else f"{len(body)} bytes"
        reason = f"{source} answered {status}: allow all (RFC 9309 2.3.1.3)"
        return _Outcome(
            "allow-all",
            reason,
            (
                _finding(
                    f"bot-wall status {status}: 4xx read as allow-all (could be a bot wall)",
                    f"{source} answered {status} with {kind}; RFC 9309 reads any 4xx as allow all, but a bot wall "
                    "(captcha, anti-bot service) may hide the real file",
                    source=source,
                ),
            ),
        )
    if 400 <= status < 500:
        return _Outcome("allow-all", f"{source} answered {status}: allow all (RFC 9309 2.3.1.3)")
    if 500 <= status < 600:
        reason = f"{source} answered {status}: complete disallow (RFC 9309 2.3.1.4)"
        return _Outcome("disallow-all", reason, (_finding(f"status {status}", reason, source=source),))
    reason = f"{source} answered the unknown status {status}: unreachable, complete disallow"
    return _Outcome("disallow-all", reason, (_finding(f"status {status}", reason, source=source),))


def _body_findings(body: bytes, content_type: str, source: str) -> list[Finding]:
    """Problems of a 2xx body that do not change how it is parsed."""
    findings = []
    if _HTML_START.match(body[:1024]):
        findings.append(
            _finding(
                "html-body",
                f"{source} answered 2xx with an HTML page "
                f"(content-type {content_type or 'not given'}); its lines are parsed "
                "as robots.txt, which usually yields no rules",
                source=source,
            )
        )
    elif content_type and not content_type.lower().startswith("text/plain"):
        findings.append(_finding("not-text-plain", f"{source} served as {content_type}, not text/plain", source=source))
    return findings


# ---------------------------------------------------------------- the file


class RobotsTxt:
    """A fetched robots.txt: the fetch outcome, its groups, and fast per-agent verdicts."""

    outcome: str
    status: int | None
    findings: list[Finding]
    sitemaps: list[str]

    def __init__(
        self,
        outcome: _Outcome,
        status: int | None,
        parsed: _Parsed,
        *,
        findings: Sequence[Finding] = (),
        raw_text: str = "",
        parsed_text: str = "",
        source: str = "robots.txt",
    ) -> None:
        self.outcome = outcome.kind
        self.status = status
        self.findings = [*findings, *outcome.findings, *parsed.findings]
        self.sitemaps = list(parsed.sitemaps)
        self._source = source
        self._parsed = parsed
        self._raw_text = raw_text  # how Scrapy hands the body to protego
        self._parsed_text = parsed_text
        self._index, self._global_groups = _index_groups(parsed.groups)
        self._resolved: dict[str, _Resolved] = {}
        # (groups, label, Google-reading notes) -> compiled: agents sharing the same groups compile once
        self._compiled: dict[tuple[tuple[int, ...], str | None, tuple[tuple[int, tuple[str, str]], ...]], _Resolved] = {}
        self._walks: dict[tuple[str, ...], _Walk] = {}  # rule values in walk order -> the compiled walk
        self._walked: dict[tuple[int, str], int] = {}  # (walk, path) -> place of the first matching rule
        # The last URL asked, its path (once needed), its verdicts per merged group and the place each
        # walk found (see verdict)
        self._memo_url: str | None = None
        self._memo_path: str | None = None
        self._memo: dict[_Resolved, RobotsVerdict] = {}
        self._memo_places: dict[_Walk, int] = {}
        self._memo_plain = False
        self._fixed: RobotsVerdict | None = None
        if outcome.kind != "parsed":
            self._fixed = RobotsVerdict(outcome.kind == "allow-all", None, outcome.reason)
        self._always_allowed = RobotsVerdict(True, None, f"/{source} is always allowed (RFC 9309 2.2.2)")

    def verdict(self, url: str, agent: str) -> RobotsVerdict:
        """May ``agent`` fetch ``url`` (full URL or path + query)? First match of pre-sorted rules wins.

        A page is judged for every agent in a row (judge_page), so the last URL's verdicts are kept per
        merged group: agents that share a group get the same verdict object, computed once.
        """
        if self._fixed is not None:
            # a URL with neither "%" nor "robots.txt" in it is no spelling of /robots.txt
            if ("%" in url or "robots.txt" in url) and request_path(url) == "/robots.txt" and self._source == "robots.txt":
                return self._always_allowed
            return self._fixed
        resolved = self._resolved.get(agent) or self._resolve(agent)
        if url != self._memo_url:
            self._memo_url, self._memo, self._memo_places, self._memo_path = url, {}, {}, None
            # no spelling of this URL is /robots.txt, which is always allowed
            self._memo_plain = "%" not in url and "robots.txt" not in url
        if resolved.blanket is not None and self._memo_plain:
            return resolved.blanket
        known = self._memo.get(resolved)
        if known is None:
            known = self._memo[resolved] = self._decide(url, resolved)
        return known

    def _decide(self, url: str, resolved: _Resolved) -> RobotsVerdict:
        """The verdict of one merged group for ``url`` (the last URL asked: its path is computed once)."""
        path = self._memo_path
        if path is None:
            path = self._memo_path = request_path(url)
        if path == "/robots.txt" and self._source == "robots.txt":
            return self._always_allowed
        walk = resolved.walk
        place = self._memo_places.get(walk)  # groups whose rules read the same walk once per page
        if place is None:
            place = self._memo_places[walk] = _first_match(walk, path, self._walked)
        return resolved.verdict_at(place)

    def group_identity(self, agent: str) -> object:
        """An opaque value equal for agents that the same (merged) groups govern: they get equal verdicts."""
        if self._fixed is not None:
            return self._fixed
        return self._resolved.get(agent) or self._resolve(agent)

    def group_lines(self, agent: str, field: str) -> list[ExtensionLine]:
        """Extension lines (e.g. "content-signal") of the merged group that applies to ``agent``."""
        wanted = field.strip().lower()
        resolved = self._resolved.get(agent) or self._resolve(agent)
        lines = [line for group in resolved.groups for line in group.extensions if line.field == wanted]
        return sorted(lines, key=lambda line: line.line.number)

    def content_usage_lines(self, url: str, agent: str) -> list[ExtensionLine]:
        """aipref Content-Usage lines for this URL: all lines tied for the longest matching path.

        None apply under a disallowed path (the rule only covers crawlable paths); the
        caller combines the returned preferences most-restrictive.
        """
        if not self.verdict(url, agent).allowed:
            return []
        path = request_path(url)
        best = -1
        chosen: list[ExtensionLine] = []
        for line in self.group_lines(agent, "content-usage"):
            pattern, preference = _split_content_usage(line.value)
            length = 0 if pattern is None else pattern.length
            if pattern is not None and not pattern.matches(path):
                continue
            if length > best:
                best, chosen = length, []
            if length == best:
                chosen.append(ExtensionLine(line.field, preference, line.line))
        return chosen

    def agents_named(self) -> list[str]:
        """Every user-agent value named in the file, as written, first occurrence first."""
        seen: dict[str, None] = {}
        for group in self._parsed.groups:
            for value, _line in group.agents:
                seen.setdefault(value, None)
        return list(seen)

    def protego_disagreements(self, agents: Iterable[str], urls: Iterable[str]) -> list[Finding]:
        """Where protego (Scrapy's parser) reaches another verdict, and which RFC 9309 rule explains it."""
        if self.outcome != "parsed":
            return []  # protego has no notion of fetch status, so there is nothing to compare
        return protego_disagreements(self, list(agents), list(urls))

    def _rule_lines(self) -> list[tuple[tuple[str, ...], bool, str, RobotsLine]]:
        """(agents as written, is Allow, pattern as written, line) for every rule, in file order."""
        found = []
        for group in self._parsed.groups:
            agents = tuple(dict.fromkeys(value for value, _line in group.agents))
            for rule in group.rules:
                record = _read_record(rule.line)
                found.append((agents, rule.allow, record.value if record else rule.pattern.text, rule.line))
        return sorted(found, key=lambda item: item[3].number)

    def _resolve(self, agent: str) -> _Resolved:
        """Find, merge and compile the groups for one asked agent; cached per agent string."""
        groups, label, notes = self._groups_for(agent)
        shared_key = (tuple(id(group) for group in groups), label, tuple(sorted(notes.items())))
        resolved = self._compiled.get(shared_key) if groups else None
        if resolved is None:
            resolved = _compile_groups(groups, label, agent, self._source, notes, self._walks)
            if groups:
                self._compiled[shared_key] = resolved
        if len(self._resolved) < 4096:
            self._resolved[agent] = resolved
        return resolved

    def _groups_for(self, agent: str) -> tuple[tuple[_Group, ...], str | None, dict[int, tuple[str, str]]]:
        """Groups naming the agent (merged, RFC 9309 2.2.1); else the "*" groups; else none.

        The third value maps the place (in the returned groups) of each group named only by
        Google's reading of an invalid User-agent value to that value and a note for the verdict's reason.
        """
        found: dict[int, _IndexEntry] = {}
        for key in asked_agent_keys(agent):
            for entry in self._index.get(key, ()):
                known = found.get(entry[0])
                if known is None or (known[3] and not entry[3]):
                    found[entry[0]] = entry
        if found:
            ordered = [found[position] for position in sorted(found)]
            notes = {
                place: (entry[2][0], _google_reading_note(*entry[2], self._source))
                for place, entry in enumerate(ordered)
                if entry[3]
            }
            label = next((entry for entry in ordered if not entry[3]), ordered[0])[2][0]
            return tuple(entry[1] for entry in ordered), label, notes
        if self._global_groups:
            return self._global_groups, "*", {}
        return (), None, {}


# An index entry: (position of the group, group, user-agent line that names the key, True when
# only Google's reading of an invalid value names it: "GPTBot/1.0" read as "GPTBot").
_IndexEntry = tuple[int, _Group, tuple[str, RobotsLine], bool]


def _index_groups(groups: list[_Group]) -> tuple[dict[str, list[_IndexEntry]], tuple[_Group, ...]]:
    """agent key -> [index entry], plus the "*" groups in file order.

    An invalid value is indexed under its full name and under what Google's parser keeps of
    it ("GPTBot/1.0" also as "gptbot"); a group named validly too is indexed as valid.
    """
    index: dict[str, list[_IndexEntry]] = {}
    global_groups: list[_Group] = []
    for position, group in enumerate(groups):
        for agent in group.agents:
            value = agent[0]
            if _is_global(value):
                if not global_groups or global_groups[-1] is not group:
                    global_groups.append(group)
            elif value:
                _add_entry(index, _agent_key(value), (position, group, agent, False))
                google = _google_only_key(value)
                if google is not None:
                    _add_entry(index, google, (position, group, agent, True))
    return index, tuple(global_groups)


def _add_entry(index: dict[str, list[_IndexEntry]], key: str, entry: _IndexEntry) -> None:
    entries = index.setdefault(key, [])
    if not entries or entries[-1][1] is not entry[1]:
        entries.append(entry)
    elif entries[-1][3] and not entry[3]:
        entries[-1] = entry  # the group also names the key validly: no Google-only reading


def _split_content_usage(value: str) -> tuple[PathPattern | None, str]:
    """aipref: "[path-pattern SP] usage-pref"; a value starting with "/" has its path up to the first SP/HTAB."""
    if not value.startswith("/"):
        return None, value
    end = next((index for index, char in enumerate(value) if char in " \t"), len(value))
    return compile_pattern(value[:end]), value[end:].strip(" \t")


def parse_robots(
    body: bytes, status: int | None = 200, *, redirects: int = 0, error: str | None = None, content_type: str = ""
) -> RobotsTxt:
    """Read a fetched robots.txt; never raises, whatever the bytes or status."""
    return _parse_document(
        body, status, redirects=redirects, error=error, content_type=content_type, source="robots.txt"
    )


def _parse_document(
    body: bytes, status: int | None, *, redirects: int, error: str | None, content_type: str, source: str
) -> RobotsTxt:
    """parse_robots for any file in robots.txt grammar (ai.txt reuses it under its own name)."""
    outcome = _fetch_outcome(status, redirects, error, body, source)
    if outcome.kind != "parsed":
        return RobotsTxt(outcome, status, _Parsed(), source=source)
    findings = _body_findings(body, content_type, source)
    if error:
        findings.append(
            _finding("fetch-error", f"{source} answered {status} but the fetch reported: {error}", source=source)
        )
    text, decode_findings = _decode(body, source)
    parsed = _parse_text(text, source)
    raw_text = body.decode("utf-8", "ignore")  # Scrapy's decoding: BOM kept, no size cap
    return RobotsTxt(
        outcome,
        status,
        parsed,
        findings=[*findings, *decode_findings],
        raw_text=raw_text,
        parsed_text=text,
        source=source,
    )
