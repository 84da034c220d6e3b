"""Where protego (Scrapy's robots.txt parser) reads a file differently from RFC 9309, and why.

Kept apart from noai_check.signals.robots: the verdicts never depend on it; it only explains, for the
report, each disagreement by re-running protego on a file with one suspected cause removed.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from protego import Protego

from noai_check.signals.findings import Finding
from noai_check.signals.path_pattern import compile_pattern, request_path
from noai_check.signals.robots_groups import _agent_key
from noai_check.signals.robots_lines import (
    _LINE_BREAK,
    MAX_PARSED_BYTES,
    RobotsLine,
    _printable,
    _quote,
    _read_record,
)

if TYPE_CHECKING:
    from noai_check.signals.robots import RobotsTxt, RobotsVerdict

# Fields that protego treats as site-wide: it does not split a group at them.
_PROTEGO_SITE_WIDE = frozenset({"sitemap", "sitemaps", "site-map", "host"})

_PROTEGO_BASE = "http://example.invalid"


def _absolute_url(url: str) -> str:
    """protego needs a full URL; a bare path gets a placeholder host."""
    return url if "://" in url else _PROTEGO_BASE + (url if url.startswith("/") else "/" + url)


def _protego_allows(text: str, url: str, agent: str) -> bool:
    return bool(Protego.parse(text).can_fetch(url, agent))


def protego_disagreements(robots: RobotsTxt, agents: list[str], urls: list[str]) -> list[Finding]:
    parser = Protego.parse(robots._raw_text)
    findings = []
    for agent in agents:
        for url in urls:
            ours = robots.verdict(url, agent)
            absolute = _absolute_url(url)
            theirs = bool(parser.can_fetch(absolute, agent))
            if ours.allowed == theirs:
                continue
            value = f"rfc9309={'allowed' if ours.allowed else 'blocked'} protego={'allowed' if theirs else 'blocked'}"
            evidence = _explain_protego(robots, parser, agent, url, absolute, ours)
            findings.append(Finding("parser-disagreement", robots._source, agent, value, evidence))
    return findings


def _explain_protego(
    robots: RobotsTxt, parser: Protego, agent: str, url: str, absolute: str, ours: RobotsVerdict
) -> str:
    """Name the protego deviation behind one disagreement; each cause is checked, never guessed."""
    explainers = (
        _protego_bom,
        _protego_size,
        _protego_undecodable,
        _protego_agent,
        _protego_split,
        _protego_index_html,
        _protego_url_rule,
        _protego_escapes,
    )
    for explain in explainers:
        reason = explain(robots, parser, agent, url, absolute, ours)
        if reason:
            return reason
    return f"protego reads this file differently (cause not identified); RFC 9309 reading: {ours.reason}"


def _protego_bom(
    robots: RobotsTxt, parser: Protego, agent: str, url: str, absolute: str, ours: RobotsVerdict
) -> str | None:
    text = robots._raw_text
    if text.startswith("\ufeff") and _protego_allows(text[1:], absolute, agent) == ours.allowed:
        first = robots._parsed.lines[0] if robots._parsed.lines else RobotsLine(1, "")
        return f"BOM: protego does not strip the UTF-8 byte order mark, so it cannot read line 1 '{_quote(first)}'"
    return None


def _protego_size(
    robots: RobotsTxt, parser: Protego, agent: str, url: str, absolute: str, ours: RobotsVerdict
) -> str | None:
    capped = any(finding.value.startswith("over-500KiB") for finding in robots.findings)
    if capped and _protego_allows(robots._parsed_text, absolute, agent) == ours.allowed:
        return f"protego also obeys lines after the first {MAX_PARSED_BYTES} bytes, which RFC 9309 2.5 lets a parser ignore"
    return None


def _protego_undecodable(
    robots: RobotsTxt, parser: Protego, agent: str, url: str, absolute: str, ours: RobotsVerdict
) -> str | None:
    bad = next((finding for finding in robots.findings if finding.value == "non-utf8"), None)
    if bad is None or _protego_allows(_printable(robots._parsed_text), absolute, agent) != ours.allowed:
        return None
    where = re.search(r"first bad byte at offset \d+", bad.evidence)
    return (
        "non-UTF-8: Scrapy drops undecodable bytes before protego sees the file"
        f"{f' ({where.group()})' if where else ''}, so protego reads different lines"
    )


def _protego_agent(
    robots: RobotsTxt, parser: Protego, agent: str, url: str, absolute: str, ours: RobotsVerdict
) -> str | None:
    try:  # protego has no public way to ask which group it picked
        rule_set = parser._get_matching_rule_set(agent)
    except AttributeError:
        return None
    theirs = getattr(rule_set, "user_agent", None) if rule_set is not None else None
    resolved = robots._resolved.get(agent) or robots._resolve(agent)
    our_keys = {_agent_key(value) for group in resolved.groups for value, _line in group.agents}
    if resolved.label == "*":
        our_keys = {"*"}
    if theirs not in our_keys and resolved.google_readings:
        value = resolved.google_readings[0]
        applied = f"the group for '{theirs}'" if theirs is not None else "no group"
        return (
            f"protego does not read 'User-agent: {value}' as {agent} and applies {applied}; '{value}' is not "
            "an RFC 9309 product token, read here as Google's parser reads it (RFC-strict parsers ignore it)"
        )
    if theirs is not None and theirs not in our_keys:
        asked = agent.strip().lower()
        if theirs != asked and theirs in asked:
            return (
                f"protego matches user-agent names by substring ('{theirs}' hits {agent}); "
                "RFC 9309 2.2.1 matches the whole product token"
            )
        padded = [value for value in robots.agents_named() if value.strip().lower() == theirs]
        if padded:
            return (
                f"protego trims the non-ASCII whitespace in 'User-agent: {padded[0]}' and reads it as "
                f"'{theirs}'; RFC 9309 allows only space and tab around a value"
            )
        starred = [
            value for value in robots.agents_named() if "*" in value and value.replace("*", "").lower() == theirs
        ]
        if starred:
            return (
                f"protego removes '*' from 'User-agent: {starred[0]}' and reads it as '{theirs}'; "
                "RFC 9309 user-agent values have no wildcards"
            )
        return (
            f"protego applies the group for '{theirs}' to {agent}; RFC 9309 2.2.1 applies {_group_name(resolved.label)}"
        )
    if theirs is None and resolved.label not in (None, "*"):
        return f"protego applies no group to {agent}; RFC 9309 2.2.1 applies the group for {resolved.label}"
    return None


def _group_name(label: str | None) -> str:
    return "no group" if label is None else f"the group for {label}"


def _lines_inside_agent_runs(robots: RobotsTxt) -> list[RobotsLine]:
    """Records between two User-agent lines of one group, at which protego starts a new group."""
    inside: list[RobotsLine] = []
    for group in robots._parsed.groups:
        if len(group.agents) < 2:
            continue
        first, last = group.agents[0][1].number, group.agents[-1][1].number
        for line in robots._parsed.lines[first : last - 1]:
            record = _read_record(line)
            if record is not None and record.field != "user-agent" and record.field not in _PROTEGO_SITE_WIDE:
                inside.append(line)
    return inside


def _protego_split(
    robots: RobotsTxt, parser: Protego, agent: str, url: str, absolute: str, ours: RobotsVerdict
) -> str | None:
    inside = _lines_inside_agent_runs(robots)
    if not inside:
        return None
    blanked = {line.number for line in inside}
    lines = _LINE_BREAK.split(robots._raw_text)
    text = "\n".join("" if number in blanked else line for number, line in enumerate(lines, start=1))
    if _protego_allows(text, absolute, agent) != ours.allowed:
        return None
    return (
        f"protego splits the group at an unknown line (line {inside[0].number}: '{_quote(inside[0])}'); "
        "RFC 9309 2.2 says other records must not end a group"
    )


def _protego_index_html(
    robots: RobotsTxt, parser: Protego, agent: str, url: str, absolute: str, ours: RobotsVerdict
) -> str | None:
    path = request_path(url)
    if ours.allowed or not path.endswith("/"):
        return None
    resolved = robots._resolved.get(agent) or robots._resolve(agent)
    for group in resolved.groups:
        for rule in group.rules:
            if rule.allow and rule.pattern.text == path + "index.html":
                return (
                    f"protego reads '{_quote(rule.line)}' (line {rule.line.number}) as also allowing '{path}', "
                    "a Google-only rule that RFC 9309 does not have"
                )
    return None


def _protego_url_rule(
    robots: RobotsTxt, parser: Protego, agent: str, url: str, absolute: str, ours: RobotsVerdict
) -> str | None:
    path = request_path(url)
    resolved = robots._resolved.get(agent) or robots._resolve(agent)
    for group in resolved.groups:
        for rule in group.rules:
            if rule.pattern.text.startswith(("http://", "https://")) and compile_pattern(
                "/" + rule.pattern.text
            ).matches(path):
                return (
                    f"protego reads '{_quote(rule.line)}' (line {rule.line.number}) as the path "
                    f"'/{rule.pattern.text}'; RFC 9309 patterns start with '/' or '*', so it matches nothing"
                )
    return None


def _protego_escapes(
    robots: RobotsTxt, parser: Protego, agent: str, url: str, absolute: str, ours: RobotsVerdict
) -> str | None:
    lines = _LINE_BREAK.split(robots._raw_text)
    changed = False
    for group in robots._parsed.groups:
        for rule in group.rules:
            written = _read_record(rule.line)
            if written is not None and written.value != rule.pattern.text:
                lines[rule.line.number - 1] = f"{'Allow' if rule.allow else 'Disallow'}: {rule.pattern.text}"
                changed = True
    normalized_url = _PROTEGO_BASE + request_path(url)
    if not changed and normalized_url == absolute:
        return None
    if _protego_allows("\n".join(lines), normalized_url, agent) != ours.allowed:
        return None
    return (
        "percent-encoding: protego normalizes escapes differently from RFC 9309 2.2.2 "
        "(decode unreserved characters only, keep %2F, encode non-ASCII as UTF-8)"
    )
