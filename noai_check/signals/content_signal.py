"""Cloudflare Content Signals (contentsignals.org): ``Content-Signal: search=yes, ai-train=no``.

The same value form appears as a robots.txt line inside a User-agent group (the caller
scopes it to that group) and as an HTTP header. ``yes`` grants and ``no`` restricts the use
named by the key; a key that is absent neither grants nor restricts anything. Forms seen in
the wild that are not ``yes``/``no`` (``allow``/``disallow``, ``y``/``n``, other case) are
read for what they plainly say, and every such reading is listed in ``problems``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from noai_check.signals.findings import Finding

_STANDARD_VALUES = {"yes": True, "no": False}
# Plugins write these (e.g. allow/disallow in spatie laravel-markdown-response); their meaning
# is unambiguous, so they count, but never silently: each use is recorded as a problem.
_NON_STANDARD_VALUES = {"allow": True, "disallow": False, "y": True, "n": False}
_USE_KEYS = ("search", "ai-input", "ai-train")  # keys whose only values are yes / no
_KEY = re.compile(r"[a-z0-9][a-z0-9_.*-]*")
_VALUE = re.compile(r"[A-Za-z0-9_.*/:+-]+")


@dataclass(frozen=True)
class ContentSignal:
    """One Content-Signal value: yes/no per key, other values verbatim, and what was off."""

    signals: dict[str, bool]
    other: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def parse_content_signal(value: str) -> ContentSignal:
    """Read one Content-Signal value: comma-separated key=value items, keys case-insensitive."""
    signals: dict[str, bool] = {}
    other: dict[str, str] = {}
    problems: list[str] = []
    items = value.split(",")
    for raw_item in items:
        item = raw_item.strip(" \t")
        if not item:
            if value.strip(" \t"):
                problems.append("empty item (stray comma)")
            continue
        key, separator, raw_value = item.partition("=")
        key, raw_value = key.strip(" \t").lower(), raw_value.strip(" \t")
        if not separator or not _KEY.fullmatch(key) or not _VALUE.fullmatch(raw_value):
            problems.append(f"malformed item {item!r} ignored")
            continue
        _record_item(key, raw_value, signals, other, problems)
    return ContentSignal(signals, other, problems)


def _record_item(
    key: str, raw_value: str, signals: dict[str, bool], other: dict[str, str], problems: list[str]
) -> None:
    granted, problem = read_signal_value(key, raw_value)
    if problem:
        problems.append(problem)
    if key in signals or key in other:
        problems.append(f"key {key!r} given more than once: the most restrictive value is kept")
    if granted is None:
        other.setdefault(key, raw_value)
    elif key in signals:
        signals[key] = signals[key] and granted
    else:
        signals[key] = granted


def read_signal_value(key: str, raw_value: str) -> tuple[bool | None, str | None]:
    """Map a value to yes (True) / no (False) / neither (None), with a problem for odd forms."""
    lowered = raw_value.lower()
    if lowered in _STANDARD_VALUES:
        granted = _STANDARD_VALUES[lowered]
        if raw_value != lowered:
            return granted, f"value {raw_value!r} for {key} is not lowercase, read as {_yes_no(granted)}"
        return granted, None
    if lowered in _NON_STANDARD_VALUES:
        granted = _NON_STANDARD_VALUES[lowered]
        return granted, f"non-standard value {raw_value!r} for {key} read as {_yes_no(granted)}"
    if key in _USE_KEYS:
        return None, f"value {raw_value!r} for {key} is neither yes nor no: no statement"
    return None, None


def _yes_no(granted: bool) -> str:
    return "yes" if granted else "no"


def combine_signals(items: Iterable[ContentSignal]) -> dict[str, bool]:
    """Combine several Content-Signal values per key, most restrictive first: any no wins."""
    combined: dict[str, bool] = {}
    for item in items:
        for key, granted in item.signals.items():
            combined[key] = combined.get(key, True) and granted
    return combined


def content_signal_findings(
    signal: ContentSignal, *, source: str, agent: str | None, evidence: Sequence[str]
) -> list[Finding]:
    """Turn one parsed value into findings; ``evidence`` quotes the line(s) it was read from."""
    quoted = " | ".join(evidence)
    findings = [
        Finding("content-signal", source, agent, f"{key}={_yes_no(granted)}", quoted)
        for key, granted in signal.signals.items()
    ]
    findings += [
        Finding("content-signal", source, agent, f"{key}={raw_value}", quoted)
        for key, raw_value in signal.other.items()
    ]
    findings += [
        Finding("protocol-error", source, agent, f"Content-Signal: {problem}", quoted) for problem in signal.problems
    ]
    return findings
