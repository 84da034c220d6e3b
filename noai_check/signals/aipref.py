"""IETF aipref ``Content-Usage``: an RFC 9651 Dictionary mapping usage categories to y / n.

Read to draft-ietf-aipref-vocab (-05 to -07) and draft-ietf-aipref-attach: the value is
parsed as a Structured Field Dictionary; a category counts only when its value is the Token
``y`` or ``n`` (parameters ignored); any other value, a missing key, or a failed parse leaves
it *unknown*. Keys outside the vocabulary are ignored, but reported, never mapped. The
vocabulary sets no default, so unknown is never turned into allow or disallow here.

The RFC 9651 parser is ``structured_fields`` (why ours and not a library's: its docstring).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from noai_check.signals.findings import Finding
from noai_check.signals.structured_fields import (
    BareItem,
    Date,
    DisplayString,
    InnerList,
    Item,
    Member,
    StructuredFieldError,
    Token,
    combine_field_lines,
    parse_dictionary,
)

__all__ = [
    "VOCABULARY", "BareItem", "Date", "DisplayString", "InnerList", "Item", "Member", "Pref", "StructuredFieldError",
    "Token", "UsageStatement", "combine_field_lines", "combine_usage", "content_usage_findings", "describe_member",
    "parse_content_usage", "parse_content_usage_lines", "parse_dictionary",
]

Pref = Literal["y", "n"]

# vocab-05..07: nesting and the older labels (ai, genai, tdm, train-genai, ai-use, bots, ...)
# are gone; keys like those are reported in ``unknown_keys`` and never mapped onto these.
VOCABULARY: tuple[str, ...] = ("train-ai", "search")


# --- aipref: from Dictionary to preferences -------------------------------------------


@dataclass(frozen=True)
class UsageStatement:
    """One statement of preference: y / n per category; everything else stays unknown.

    ``error`` set means the Dictionary did not parse, so every category is unknown.
    ``unknown_values`` maps a vocabulary key whose value is not the Token y or n (a String
    "n", a bare key, an inner list ...) to a description of that value, for reporting.
    """

    prefs: dict[str, Pref]
    error: str | None = None
    unknown_keys: list[str] = field(default_factory=list)
    unknown_values: dict[str, str] = field(default_factory=dict)


def parse_content_usage(value: str) -> UsageStatement:
    """Read one Content-Usage value (a header value or a robots.txt usage-pref) per the vocabulary."""
    try:
        members = parse_dictionary(value)
    except StructuredFieldError as exc:
        return UsageStatement(prefs={}, error=str(exc))
    prefs: dict[str, Pref] = {}
    unknown_values: dict[str, str] = {}
    for key in VOCABULARY:
        if key not in members:
            continue
        pref = _token_pref(members[key])
        if pref is None:
            unknown_values[key] = describe_member(members[key])
        else:
            prefs[key] = pref
    unknown_keys = [key for key in members if key not in VOCABULARY]
    return UsageStatement(prefs, None, unknown_keys, unknown_values)


def parse_content_usage_lines(lines: Sequence[str]) -> UsageStatement:
    """Read several Content-Usage header lines as the one field value HTTP makes of them."""
    return parse_content_usage(combine_field_lines(lines))


def _token_pref(member: Member) -> Pref | None:
    if isinstance(member, Item) and isinstance(member.value, Token):
        if member.value.value == "y":
            return "y"
        if member.value.value == "n":
            return "n"
    return None


def describe_member(member: Member) -> str:
    """Name a Dictionary value's type and content, to say why it is not a y / n preference."""
    if isinstance(member, InnerList):
        return f"Inner List of {len(member.items)} item(s)"
    value = member.value
    if isinstance(value, bool):
        return "Boolean true (a bare key or ?1)" if value else "Boolean false"
    if isinstance(value, Token):
        return f"Token {value.value}"
    if isinstance(value, DisplayString):
        return f"Display String {value.value!r}"
    if isinstance(value, Date):
        return f"Date @{value.seconds}"
    if isinstance(value, str):
        return f'String "{value}"'
    if isinstance(value, bytes):
        return f"Byte Sequence of {len(value)} byte(s)"
    if isinstance(value, Decimal):
        return f"Decimal {value}"
    return f"Integer {value}"


def combine_usage(statements: Iterable[UsageStatement]) -> dict[str, Pref]:
    """Combine statements per category, most restrictive first: any n -> n, else any y -> y."""
    combined: dict[str, Pref] = {}
    for statement in statements:
        for category, pref in statement.prefs.items():
            if pref == "n" or category not in combined:
                combined[category] = pref
    return combined


def content_usage_findings(
    statement: UsageStatement, *, source: str, agent: str | None, evidence: Sequence[str]
) -> list[Finding]:
    """Turn one statement into findings; ``evidence`` quotes the line(s) it was read from."""
    quoted = " | ".join(evidence)
    if statement.error is not None:
        value = f"Content-Usage does not parse as an RFC 9651 Dictionary ({statement.error}): all preferences unknown"
        return [Finding("protocol-error", source, agent, value, quoted)]
    findings = [
        Finding("content-usage", source, agent, f"{category}={pref}", quoted)
        for category, pref in statement.prefs.items()
    ]
    for category, described in statement.unknown_values.items():
        value = f"Content-Usage {category} is {described}, not the Token y or n: unknown"
        findings.append(Finding("note", source, agent, value, quoted))
    for key in statement.unknown_keys:
        value = f"Content-Usage key '{key}' is not in the vocabulary ({', '.join(VOCABULARY)}): ignored"
        findings.append(Finding("note", source, agent, value, quoted))
    return findings
