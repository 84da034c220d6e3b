"""robots.txt records to groups (RFC 9309 2.2), and the user-agent names that select them.

The second step of noai_check.signals.robots: consecutive User-agent lines open a group, rules and
other records fill it; invalid product tokens are read as Google's parser reads them, with a finding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from noai_check.signals.findings import Finding
from noai_check.signals.path_pattern import PathPattern, compile_pattern, pattern_length
from noai_check.signals.robots_lines import (
    _FIELD_ALIASES,
    _INNER_WHITESPACE,
    _LEADING_TOKEN,
    _PRODUCT_TOKEN,
    _RULE_FIELDS,
    _WHITESPACE,
    RobotsLine,
    _canonical_field,
    _evidence,
    _finding,
    _printable,
    _quote,
    _Record,
    _split_without_colon,
    split_lines,
)


@dataclass(frozen=True)
class ExtensionLine:
    """A record inside a group that is not Allow/Disallow (Content-Usage, Content-Signal, ...)."""

    field: str  # lowercase field name
    value: str  # value with comment removed and whitespace trimmed
    line: RobotsLine


class _Rule:
    """An Allow/Disallow line; its pattern and line object are built on first use, when a verdict needs them."""

    __slots__ = ("_line", "_pattern", "allow", "length", "number", "text", "value")

    def __init__(self, allow: bool, value: str, number: int, text: str) -> None:
        self.allow = allow
        self.value = value  # the rule value as written, comment and surrounding whitespace removed
        self.number = number  # line number in the file
        self.text = text  # the line as written (printable)
        self.length = len(value) if value.isascii() else pattern_length(value)  # the sort key of a merged group
        self._pattern: PathPattern | None = None
        self._line: RobotsLine | None = None

    @property
    def pattern(self) -> PathPattern:
        if self._pattern is None:
            self._pattern = compile_pattern(self.value)
        return self._pattern

    @property
    def line(self) -> RobotsLine:
        if self._line is None:
            self._line = RobotsLine(self.number, self.text)
        return self._line


@dataclass
class _Group:
    """User-agent lines, then the rules and other records up to the next group."""

    agents: list[tuple[str, RobotsLine]] = field(default_factory=list)
    rules: list[_Rule] = field(default_factory=list)
    extensions: list[ExtensionLine] = field(default_factory=list)
    closed_by_rule: bool = False  # an Allow/Disallow was seen: the next user-agent starts a new group


# ---------------------------------------------------------------- agent names


def _agent_key(value: str) -> str:
    """Index key of a User-agent value: lowercase, inner whitespace collapsed."""
    return _INNER_WHITESPACE.sub(" ", value.lower())


def _is_global(value: str) -> bool:
    """ "*", and like Google "* anything" (a star then whitespace), names every agent."""
    return value == "*" or value.startswith("* ")  # inner ASCII whitespace is already collapsed to " "


def _google_token(value: str) -> str:
    """What Google's parser keeps of a User-agent value: the leading [a-zA-Z_-] run."""
    match = _PRODUCT_TOKEN.match(value)
    return match.group() if match else ""


def asked_agent_keys(agent: str) -> tuple[str, ...]:
    """Keys an asked agent is looked up under: its full name, and its product token.

    "GPTBot/1.0" and "Googlebot (+http://...)" are also looked up as "gptbot"/"googlebot";
    "AI2Bot" is not shortened to "ai", because its token does not end at a "/" or a space.

    >>> asked_agent_keys("GPTBot/1.0")
    ('gptbot/1.0', 'gptbot')
    >>> asked_agent_keys("AI2Bot")
    ('ai2bot',)
    """
    full = _agent_key(agent.strip())
    if not full:
        return ()
    match = _LEADING_TOKEN.match(full)
    if match and match.end() < len(full) and full[match.end()] in "/ ;(":
        return (full, match.group())
    return (full,)


def _invalid_token_finding(value: str, line: RobotsLine, source: str) -> Finding:
    google = _google_token(value)
    if _is_global(value):
        reading = "read as the global '*' group, as Google does"
    elif google:
        reading = f"matched by its full name and, as Google's parser reads it, as '{google}' (its valid start)"
    else:
        reading = f"matched only by its full name '{value}'; Google's parser matches no agent with it"
    return _finding(
        "invalid-product-token",
        f"{_evidence(line, source)} ('{value}' is not an RFC 9309 product token of a-z, A-Z, '_' and '-'; "
        f"{reading}; RFC-strict parsers ignore the line, so they may apply another group)",
        agent=value or None,
        source=source,
    )


def _google_only_key(value: str) -> str | None:
    """The key Google's parser reads an invalid User-agent value as, when that differs from the full name."""
    if _is_global(value) or _PRODUCT_TOKEN.fullmatch(value):
        return None
    google = _google_token(value).lower()
    return google if google and google != _agent_key(value) else None


def _google_reading_note(value: str, line: RobotsLine, source: str) -> str:
    """Why a group applies only because its User-agent value was read the way Google reads it."""
    return (
        f"{source} line {line.number} '{_quote(line)}' is not a valid RFC 9309 product token; it is read as "
        f"'{_google_token(value)}' as Google's parser does, while RFC-strict parsers ignore that line"
    )


# ---------------------------------------------------------------- grouping


@dataclass
class _Parsed:
    groups: list[_Group] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # every line as written (printable), for line numbers

    @cached_property
    def lines(self) -> list[RobotsLine]:
        """Every line, numbered: built only when asked (the protego explanations), not at every parse."""
        return [RobotsLine(number, text) for number, text in enumerate(self.texts, start=1)]


class _GroupBuilder:
    """Collects groups: consecutive User-agent lines, then rules; other records never split a group."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.parsed = _Parsed()
        self.current: _Group | None = None
        self.orphans: list[RobotsLine] = []

    def add(self, item: _Record) -> None:
        """Any record; _parse_text adds the usual Allow/Disallow lines itself, without building a record."""
        if item.colon_missing:
            self.parsed.findings.append(
                _finding(
                    "missing-colon",
                    f"{_evidence(item.line, self.source)} (no ':' after the field name; read like "
                    "Google and protego do, RFC-strict parsers ignore the line)",
                    source=self.source,
                )
            )
        if item.field == "user-agent":
            self._add_agent(item)
        elif item.field == "sitemap":
            if item.value:
                self.parsed.sitemaps.append(_printable(item.value))
        elif self.current is None:
            if item.field in _RULE_FIELDS or item.field.startswith("content-"):
                self.orphans.append(item.line)
        elif item.field in _RULE_FIELDS:
            self._add_rule(item)
        else:
            self.current.extensions.append(ExtensionLine(item.field, _printable(item.value), item.line))

    def _add_agent(self, item: _Record) -> None:
        if self.current is None or self.current.closed_by_rule:
            self.current = _Group()
            self.parsed.groups.append(self.current)
        else:
            self._note_content_usage_before(item)
        value = _INNER_WHITESPACE.sub(" ", _printable(item.value))
        self.current.agents.append((value, item.line))
        if value != "*" and not _PRODUCT_TOKEN.fullmatch(value):
            self.parsed.findings.append(_invalid_token_finding(value, item.line, self.source))

    def _note_content_usage_before(self, item: _Record) -> None:
        """Record a Content-Usage line inside a user-agent run: parsers disagree on where that group ends."""
        # aipref extends RFC 9309 with "rule =/ content-usage", so an aipref-aware parser ends the
        # user-agent run at it; RFC 9309 (other records) and Google keep one group, and so do we.
        assert self.current is not None
        last_agent = self.current.agents[-1][1].number
        between = [
            line for line in self.current.extensions if line.field == "content-usage" and line.line.number > last_agent
        ]
        if between:
            self.parsed.findings.append(
                _finding(
                    "content-usage-between-user-agents",
                    f"{_evidence(between[0].line, self.source)} (between user-agent lines {last_agent} and "
                    f"{item.line.number}: read as one group like RFC 9309 and Google; aipref's grammar makes "
                    "Content-Usage a rule, so an aipref-aware parser would start a new group here)",
                    source=self.source,
                )
            )

    def _add_rule(self, item: _Record) -> None:
        assert self.current is not None
        self.current.closed_by_rule = True
        if not item.value:  # an empty Allow/Disallow matches nothing (RFC 9309 2.2.2)
            return
        if not item.value.startswith(("/", "*")):
            self.parsed.findings.append(
                _finding(
                    "pattern-not-a-path",
                    f"{_evidence(item.line, self.source)} (the value does not start with '/' "
                    "or '*', so it matches no path, as in Google's parser)",
                    source=self.source,
                )
            )
        self.current.rules.append(_Rule(item.field == "allow", item.value, item.line.number, item.line.text))

    def finish(self) -> _Parsed:
        if self.orphans:
            first = self.orphans[0]
            self.parsed.findings.append(
                _finding(
                    "rules-before-first-group",
                    f"{_evidence(first, self.source)} ({len(self.orphans)} rule line(s) before the first User-agent "
                    "line are ignored, RFC 9309 2.2)",
                    source=self.source,
                )
            )
        return self.parsed


def _parse_text(text: str, source: str) -> _Parsed:
    """Every line kept (for line numbering); records grouped. The loop is the cold path of a file's first verdict."""
    builder = _GroupBuilder(source)
    texts = builder.parsed.texts
    for number, raw in enumerate(split_lines(text), start=1):
        printable = raw if raw.isascii() else _printable(raw)
        texts.append(printable)
        content = raw.partition("#")[0].strip(_WHITESPACE)
        name, colon, value = content.partition(":")
        if colon:  # _read_fields inlined for the usual "field: value" line
            field = _FIELD_ALIASES.get(name.strip(_WHITESPACE).lower()) or _canonical_field(name)
            value, colon_missing = value.strip(_WHITESPACE), False
        else:  # _read_fields inlined: "Disallow /x" without a colon (most such lines are no record at all)
            split = _split_without_colon(content) if content else None
            if split is None:
                continue
            field, value, colon_missing = split[0], split[1].strip(_WHITESPACE), True
        current = builder.current
        if current is not None and field in _RULE_FIELDS and not colon_missing and value.startswith(("/", "*")):
            current.closed_by_rule = True  # the same as _add_rule for a well-formed rule in a group
            current.rules.append(_Rule(field == "allow", value, number, printable))
        elif current is not None or colon_missing or field in _BEFORE_ANY_GROUP or field.startswith("content-"):
            builder.add(_Record(field, value, RobotsLine(number, printable), colon_missing))
        # else: a record before any group that add() would ignore (an HTML page's "style: ..." line)
    return builder.finish()


# Fields that add() reads before the first group: the rest wait for a group to belong to.
_BEFORE_ANY_GROUP = _RULE_FIELDS | {"user-agent", "sitemap"}
