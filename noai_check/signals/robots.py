"""robots.txt read to RFC 9309, keeping every deciding line as evidence.

The verdicts here are what an RFC 9309 crawler must do. Where Google's parser or protego
read a file differently, that is recorded (findings, ``protego_disagreements``) instead of
being silently followed, because researchers publish these verdicts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from protego import Protego

from noai_check.signals.findings import Finding
from noai_check.signals.path_pattern import PathPattern, compile_pattern, request_path

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["ExtensionLine", "RobotsLine", "RobotsTxt", "RobotsVerdict", "parse_robots"]

# RFC 9309 2.5: crawlers must parse at least 500 KiB; we parse exactly that much.
MAX_PARSED_BYTES = 512_000
# RFC 9309 2.3.1.2: at least five consecutive redirects are followed; more means "unavailable".
MAX_REDIRECTS = 5

_BOM = b"\xef\xbb\xbf"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_LAST_LINE_BREAK = re.compile(rb"[\r\n][^\r\n]*\Z")
# Only ASCII whitespace counts: U+FEFF or U+00A0 in a field name make the line unreadable.
_WHITESPACE = " \t\v\f"
_PRODUCT_TOKEN = re.compile(r"[A-Za-z_-]+")
_LEADING_TOKEN = re.compile(r"[a-z_-]+")
_INNER_WHITESPACE = re.compile(r"[ \t\v\f]+")
_HTML_START = re.compile(rb"\s*(?:<!doctype\s+html|<html|<head|<body|<!--|<\?xml)", re.IGNORECASE)

# Field spellings accepted as the standard field (Google's and protego's common typos).
_FIELD_ALIASES = {
    "user-agent": "user-agent",
    "useragent": "user-agent",
    "user agent": "user-agent",
    "allow": "allow",
    "disallow": "disallow",
    "dissallow": "disallow",
    "dissalow": "disallow",
    "disalow": "disallow",
    "diasllow": "disallow",
    "disallaw": "disallow",
    "sitemap": "sitemap",
    "sitemaps": "sitemap",
    "site-map": "sitemap",
}
_RULE_FIELDS = frozenset({"allow", "disallow"})
# Fields that protego treats as site-wide: it does not split a group at them.
_PROTEGO_SITE_WIDE = frozenset({"sitemap", "sitemaps", "site-map", "host"})


@dataclass(frozen=True)
class RobotsLine:
    """A line of the file kept as evidence, so every verdict can be re-checked by hand."""

    number: int  # 1-based line number in the file
    text: str  # the line as written (stripped of EOL)


@dataclass(frozen=True)
class RobotsVerdict:
    """Whether an agent may fetch a URL, with the deciding line and a one-sentence reason."""

    allowed: bool
    line: RobotsLine | None  # the deciding rule; None when no rule matched or for allow-all/disallow-all
    reason: str


@dataclass(frozen=True)
class ExtensionLine:
    """A record inside a group that is not Allow/Disallow (Content-Usage, Content-Signal, ...)."""

    field: str  # lowercase field name
    value: str  # value with comment removed and whitespace trimmed
    line: RobotsLine


@dataclass(frozen=True)
class _Record:
    """One readable ``field: value`` line."""

    field: str  # canonical lowercase field name
    value: str
    line: RobotsLine
    colon_missing: bool = False


@dataclass(frozen=True)
class _Rule:
    allow: bool
    pattern: PathPattern
    line: RobotsLine


@dataclass
class _Group:
    """User-agent lines, then the rules and other records up to the next group."""

    agents: list[tuple[str, RobotsLine]] = field(default_factory=list)
    rules: list[_Rule] = field(default_factory=list)
    extensions: list[ExtensionLine] = field(default_factory=list)
    closed_by_rule: bool = False  # an Allow/Disallow was seen: the next user-agent starts a new group


@dataclass(frozen=True)
class _Resolved:
    """The merged group that applies to one asked agent, compiled for a first-match loop."""

    label: str | None  # user-agent value as written, "*", or None when no group applies
    rules: tuple[tuple[str, Callable[[str], object] | None, RobotsVerdict], ...]
    no_match: RobotsVerdict
    groups: tuple[_Group, ...]
    google_readings: tuple[str, ...] = ()  # invalid user-agent values that name the agent only as Google reads them


def _finding(value: str, evidence: str, agent: str | None = None, source: str = "robots.txt") -> Finding:
    return Finding(signal=source, source=source, agent=agent, value=value, evidence=evidence)


def _quote(line: RobotsLine) -> str:
    return line.text.strip(_WHITESPACE)


def _evidence(line: RobotsLine, source: str) -> str:
    return f"{source} line {line.number}: {_quote(line)}"


# ---------------------------------------------------------------- decoding


def _strip_bom(body: bytes) -> tuple[bytes, bytes]:
    """Drop a UTF-8 BOM, or a cut-off start of one, as Google's parser does; return what was dropped."""
    for size in (3, 2, 1):
        if len(body) >= size and body[:size] == _BOM[:size]:
            return body[size:], body[:size]
    return body, b""


def _cap(body: bytes) -> tuple[bytes, bool]:
    """Keep the first 500 KiB, ending at the last complete line so no rule is cut in half."""
    if len(body) <= MAX_PARSED_BYTES:
        return body, False
    head = body[:MAX_PARSED_BYTES]
    last_break = _LAST_LINE_BREAK.search(head)
    return (head[: last_break.start() + 1] if last_break else b""), True


def _decode(body: bytes, source: str) -> tuple[str, list[Finding]]:
    """Bytes to text: BOM stripped, 500 KiB cap, undecodable bytes kept as raw octets."""
    findings: list[Finding] = []
    body, bom = _strip_bom(body)
    if bom:
        kind = "a UTF-8 byte order mark" if bom == _BOM else f"a cut-off byte order mark ({bom!r})"
        findings.append(
            _finding(
                "bom",
                f"{source} starts with {kind}; stripped as Google does (RFC 9309 is "
                "silent; protego inside Scrapy keeps it and cannot read line 1)",
                source=source,
            )
        )
    body, was_cut = _cap(body)
    if was_cut:
        findings.append(
            _finding(
                "over-500KiB (rest ignored)",
                f"{source} is larger than {MAX_PARSED_BYTES} bytes; parsed up to the last "
                f"complete line before that limit ({len(body)} bytes), as RFC 9309 2.5 allows",
                source=source,
            )
        )
    try:
        return body.decode("utf-8"), findings
    except UnicodeDecodeError as error:
        findings.append(
            _finding(
                "non-utf8",
                f"{source} is not valid UTF-8 (first bad byte at offset "
                f"{error.start}); bytes kept as raw octets for matching",
                source=source,
            )
        )
        # surrogateescape keeps raw octets so "Disallow: /caf\xe9" still matches "/caf%E9".
        return body.decode("utf-8", "surrogateescape"), findings


def _printable(text: str) -> str:
    """Evidence text: undecodable octets shown as U+FFFD instead of lone surrogates."""
    if text.isascii():
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


# ---------------------------------------------------------------- line reading


def _canonical_field(name: str) -> str:
    name = _INNER_WHITESPACE.sub(" ", name.strip(_WHITESPACE).lower())
    return _FIELD_ALIASES.get(name, name)


def _split_without_colon(content: str) -> tuple[str, str] | None:
    """Read "Disallow /x" (no colon) as Google and protego do, for the standard fields only."""
    words = _INNER_WHITESPACE.split(content, maxsplit=2)
    if len(words) >= 3 and _canonical_field(" ".join(words[:2])) == "user-agent":
        return "user-agent", words[2]
    parts = _INNER_WHITESPACE.split(content, maxsplit=1)
    if len(parts) == 2 and _canonical_field(parts[0]) in ("user-agent", "allow", "disallow", "sitemap"):
        return _canonical_field(parts[0]), parts[1]
    return None


def _read_record(line: RobotsLine) -> _Record | None:
    """One line to a record: "#" starts a comment, field names are case-insensitive."""
    content = line.text.partition("#")[0].strip(_WHITESPACE)
    if not content:
        return None
    name, colon, value = content.partition(":")
    if colon:
        return _Record(_canonical_field(name), value.strip(_WHITESPACE), line)
    split = _split_without_colon(content)
    if split is None:
        return None
    return _Record(split[0], split[1].strip(_WHITESPACE), line, colon_missing=True)


def _records(text: str) -> Iterable[_Record | RobotsLine]:
    """Every line: a record when readable, else the bare line (kept for line numbering)."""
    for number, raw in enumerate(_LINE_BREAK.split(text), start=1):
        line = RobotsLine(number, _printable(raw))
        record = _read_record(RobotsLine(number, raw))
        if record is None:
            yield line
        else:
            yield _Record(record.field, record.value, line, record.colon_missing)


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
    lines: list[RobotsLine] = field(default_factory=list)


class _GroupBuilder:
    """Collects groups: consecutive User-agent lines, then rules; other records never split a group."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.parsed = _Parsed()
        self.current: _Group | None = None
        self.orphans: list[RobotsLine] = []

    def add(self, item: _Record | RobotsLine) -> None:
        if isinstance(item, RobotsLine):
            self.parsed.lines.append(item)
            return
        self.parsed.lines.append(item.line)
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
        self.current.rules.append(_Rule(item.field == "allow", compile_pattern(item.value), item.line))

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
    builder = _GroupBuilder(source)
    for item in _records(text):
        builder.add(item)
    return builder.finish()


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
        self._compiled: dict[tuple[tuple[int, ...], str | None], _Resolved] = {}  # same groups, one compile
        self._walked: dict[tuple[int, str], RobotsVerdict] = {}  # (compiled group, path) -> verdict
        self._fixed: RobotsVerdict | None = None
        if outcome.kind != "parsed":
            self._fixed = RobotsVerdict(outcome.kind == "allow-all", None, outcome.reason)
        self._always_allowed = RobotsVerdict(True, None, f"/{source} is always allowed (RFC 9309 2.2.2)")

    def verdict(self, url: str, agent: str) -> RobotsVerdict:
        """May ``agent`` fetch ``url`` (full URL or path + query)? First match of pre-sorted rules wins."""
        path = request_path(url)
        if path == "/robots.txt" and self._source == "robots.txt":
            return self._always_allowed
        if self._fixed is not None:
            return self._fixed
        resolved = self._resolved.get(agent) or self._resolve(agent)
        # Agents that fall back to the same groups share one compiled group, so one page's
        # verdict is computed once for all of them (a 20,000-rule file costs ms per walk).
        key = (id(resolved), path)
        known = self._walked.get(key)
        if known is not None:
            return known
        verdict = resolved.no_match
        for prefix, test, rule_verdict in resolved.rules:
            if test is None:
                if path.startswith(prefix):
                    verdict = rule_verdict
                    break
            elif test(path):
                verdict = rule_verdict
                break
        if len(self._walked) >= 2048:
            self._walked.clear()
        self._walked[key] = verdict
        return verdict

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
        return _protego_disagreements(self, list(agents), list(urls))

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
            resolved = _compile_groups(groups, label, agent, self._source, notes)
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


def _compile_groups(
    groups: tuple[_Group, ...],
    label: str | None,
    agent: str,
    source: str,
    notes: dict[int, tuple[str, str]] | None = None,
) -> _Resolved:
    """Merge rules, sort longest first (Allow first on ties), and pre-build every verdict.

    ``notes`` (see ``_groups_for``) are added to the reason of every rule of a group that only
    Google's reading of an invalid User-agent value applies, and to the no-match reason.
    """
    if label is None:
        no_match = RobotsVerdict(
            True, None, f"no rule matches: allowed (no group names {agent!r} and there is no * group)"
        )
        return _Resolved(None, (), no_match, ())
    notes = notes or {}
    groups_notes = {id(group): notes[place][1] if place in notes else None for place, group in enumerate(groups)}
    rules = sorted(
        ((rule, groups_notes[id(group)]) for group in groups for rule in group.rules),
        key=lambda item: (-item[0].pattern.length, not item[0].allow, item[0].line.number),
    )
    compiled = tuple(
        (
            rule.pattern.prefix,
            rule.pattern.test,
            RobotsVerdict(
                rule.allow,
                rule.line,
                f"{'allowed' if rule.allow else 'disallowed'} by {source} line {rule.line.number} "
                f"'{_quote(rule.line)}' in the group for {label}"
                + (f" (this rule's group applies because {note})" if note else ""),
            ),
        )
        for rule, note in rules
    )
    every_note = "; ".join(dict.fromkeys(note for note in groups_notes.values() if note))
    no_match = RobotsVerdict(
        True, None, f"no rule matches: allowed (group for {label}{f'; {every_note}' if every_note else ''})"
    )
    readings = tuple(value for value, _note in notes.values())
    return _Resolved(label, compiled, no_match, groups, readings)


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


# ---------------------------------------------------------------- protego comparison

_PROTEGO_BASE = "http://example.invalid"


def _absolute_url(url: str) -> str:
    """protego needs a full URL; a bare path gets a placeholder host."""
    return url if "://" in url else _PROTEGO_BASE + (url if url.startswith("/") else "/" + url)


def _protego_allows(text: str, url: str, agent: str) -> bool:
    return bool(Protego.parse(text).can_fetch(url, agent))


def _protego_disagreements(robots: RobotsTxt, agents: list[str], urls: list[str]) -> list[Finding]:
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
