"""robots.txt bytes to numbered lines and ``field: value`` records (RFC 9309 2.2, with Google's leniencies).

The first step of noai_check.signals.robots: decoding (BOM, the 500 KiB cap, undecodable bytes) and
reading each line, before any grouping or matching.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from noai_check.signals.findings import Finding

# RFC 9309 2.5: crawlers must parse at least 500 KiB; we parse exactly that much.
MAX_PARSED_BYTES = 512_000

_BOM = b"\xef\xbb\xbf"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# What str.splitlines ends lines at beyond CR, LF and CRLF: a text with none of them is split by it.
_OTHER_BREAKS = "\v\f\x1c\x1d\x1e\x85\u2028\u2029"
# Only ASCII whitespace counts: U+FEFF or U+00A0 in a field name make the line unreadable.
_WHITESPACE = " \t\v\f"
_PRODUCT_TOKEN = re.compile(r"[A-Za-z_-]+")
_LEADING_TOKEN = re.compile(r"[a-z_-]+")
_INNER_WHITESPACE = re.compile(r"[ \t\v\f]+")

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


@dataclass(frozen=True)
class RobotsLine:
    """A line of the file kept as evidence, so every verdict can be re-checked by hand."""

    number: int  # 1-based line number in the file
    text: str  # the line as written (stripped of EOL)


@dataclass(frozen=True)
class _Record:
    """One readable ``field: value`` line."""

    field: str  # canonical lowercase field name
    value: str
    line: RobotsLine
    colon_missing: bool = False


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
    last_break = max(head.rfind(b"\n"), head.rfind(b"\r"))  # -1 when the head has no line break
    return head[: last_break + 1], True


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


def split_lines(text: str) -> list[str]:
    """Lines ended by CR, LF or CRLF, as ``_LINE_BREAK.split``: the last line is "" after a final break.

    str.splitlines is several times faster than the regex on a 500 KiB file, and gives the same
    lines when the text holds none of the other breaks it knows (then the regex is used).
    """
    if any(char in text for char in _OTHER_BREAKS):
        return _LINE_BREAK.split(text)
    lines = text.splitlines()
    if not text or text[-1] in "\r\n":
        lines.append("")
    return lines



def _canonical_field(name: str) -> str:
    name = name.strip(_WHITESPACE).lower()
    known = _FIELD_ALIASES.get(name)  # the usual spellings need no whitespace collapsing
    if known is not None:
        return known
    name = _INNER_WHITESPACE.sub(" ", name)
    return _FIELD_ALIASES.get(name, name)


def _split_without_colon(content: str) -> tuple[str, str] | None:
    """Read "Disallow /x" (no colon) as Google and protego do, for the standard fields only."""
    if content[0] not in "uUaAdDsS":  # no spelling of those fields starts otherwise: skip the splitting
        return None
    words = _INNER_WHITESPACE.split(content, maxsplit=2)
    if len(words) >= 3 and _canonical_field(" ".join(words[:2])) == "user-agent":
        return "user-agent", words[2]
    parts = _INNER_WHITESPACE.split(content, maxsplit=1)
    if len(parts) == 2 and _canonical_field(parts[0]) in ("user-agent", "allow", "disallow", "sitemap"):
        return _canonical_field(parts[0]), parts[1]
    return None


def _read_fields(text: str) -> tuple[str, str, bool] | None:
    """(field, value, colon missing) of a line's text: "#" starts a comment, field names are case-insensitive."""
    content = text.partition("#")[0].strip(_WHITESPACE)
    if not content:
        return None
    name, colon, value = content.partition(":")
    if colon:
        return _canonical_field(name), value.strip(_WHITESPACE), False
    split = _split_without_colon(content)
    if split is None:
        return None
    return split[0], split[1].strip(_WHITESPACE), True


def _read_record(line: RobotsLine) -> _Record | None:
    """One line to a record: "#" starts a comment, field names are case-insensitive."""
    fields = _read_fields(line.text)
    return None if fields is None else _Record(fields[0], fields[1], line, fields[2])
