"""Find the ``<meta>`` tags that carry AI signals in an HTML page, without building a DOM.

A SoundCloud page is mostly inline script; parsing it into a tree just to read a handful of
metas costs more than the rest of the analysis. The scan follows the HTML standard's tokenizer
(tags with quoted attributes, comments, raw text, script escapes, CDATA in SVG/MathML) and just
enough of its tree construction to know where a meta lands: in ``<head>`` or ``<body>``, inside
``<noscript>`` (read with scripting off, as html5lib and lxml do; tracked by its own start and end
tags, not by the implied end tags that can close it, so it only annotates evidence), or inside
``<template>`` (inert, not part of the document, so not reported). Uninteresting tags and text
are skipped by one regex in C; Python only sees the tags that change state.

Size: over 400 lines because it is one tokenizer: its states (raw text, script escapes, foreign
content, template and noscript depth) share one scanner object, and splitting them would spread
one state machine over several files.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from html import unescape
from html.entities import html5 as _ENTITIES

from noai_check.signals.charset import html_charset, is_ascii_compatible

__all__ = ["MetaTag", "html_charset", "iter_meta_tags"]

_WS = b"\t\n\f\r "
_POSSESSIVE = sys.version_info >= (3, 11)


def _compile(pattern: bytes) -> re.Pattern[bytes]:
    """Compile with possessive repeats where Python has them (3.11+). Every pattern here reads a
    page one way only and never fails midway, so dropping the "+" changes the speed, not the result."""
    return re.compile(pattern if _POSSESSIVE else pattern.replace(b"*+", b"*").replace(b"++", b"+"))


# A tag's attributes up to its ">" as the tokenizer reads them: a quote opens a value only right
# after "=" that follows a name, so '<div title=a"b>' ends at its first ">" and '<div x="a>b">' at
# its last; an unclosed quote runs to the end of the page.
_VALUE = rb"(?:[\t\n\f\r ]*+=[\t\n\f\r ]*+(?:\"[^\"]*+\"?|'[^']*+'?|[^\t\n\f\r >\"'][^\t\n\f\r >]*+)?)?"
_ATTRS = rb"[\t\n\f\r /]*+(?:[^\t\n\f\r />][^\t\n\f\r />=]*+" + _VALUE + rb"[\t\n\f\r /]*+)*+(?:>|\Z)"
# The same, telling a self-closing "/>" and a tag cut by the end of the page.
_ATTRS_GROUPS = (
    rb"(?:[\t\n\f\r ]++|/(?!>)|[^\t\n\f\r />][^\t\n\f\r />=]*+" + _VALUE + rb")*+(?P<sc>/?)(?:(?P<gt>>)|\Z)"
)
# "<!-->" and "<!--->" are whole (empty) comments; otherwise "-->" or "--!>" ends one.
_COMMENT = rb"<!--(?:>|->|[^-]*+(?:-(?!-!?>)[^-]*+)*+(?:--!?>|\Z))"
# "<!...>" (doctype, CDATA outside SVG/MathML), "<?...>" and "</ ...>" end at their first ">".
_BOGUS = rb"<[!?][^>]*+(?:>|\Z)|</(?:>|[^a-z>][^>]*+(?:>|\Z))"
_TOKEN = _compile(
    rb"(?P<text>[^<]++)|(?P<comment>" + _COMMENT + rb")|(?P<cdata><!\[cdata\[)|(?P<bogus>" + _BOGUS + rb")"
    rb"|<(?P<end>/?)(?P<name>[a-z][^\t\n\f\r />]*+)" + _ATTRS_GROUPS + rb"|<"
)
# Tags that change the scan's state in a body; every other tag and all text is skipped in one
# C-level match (the first-letter class lets most tags past without trying every name).
_STATEFUL = b"meta script style xmp iframe noembed noframes title textarea plaintext noscript template svg math".split()
_OTHER_INITIALS = bytes(sorted(set(b"abcdefghijklmnopqrstuvwxyz") - {name[0] for name in _STATEFUL}))
_PLAIN_TAG = (
    rb"</?(?:[" + _OTHER_INITIALS + rb"]|(?!(?:" + b"|".join(_STATEFUL) + rb")(?:[\t\n\f\r />]|\Z))[a-z])"
    rb"[^\t\n\f\r />]*+" + _ATTRS
)
# Possessive repeats only (3.11+): backtracking inside these could re-split a tag and read it wrong.
# A <meta> with neither name= nor http-equiv= (og:, itemprop) cannot carry a signal; a raw-text
# element with its text and end tag (a script with "<!--" in it is left to Python's state machine).
_NAMELESS_META = (
    rb"<meta(?=[\t\n\f\r />]|\Z)[\t\n\f\r /]*+(?:(?!(?:name|http-equiv)(?:[\t\n\f\r />=]|\Z))"
    rb"[^\t\n\f\r />][^\t\n\f\r />=]*+" + _VALUE + rb"[\t\n\f\r /]*+)*+(?:>|\Z)"
)


def _raw_element(name: bytes) -> bytes:
    escape = b"|!--" if name == b"script" else b""
    return (
        rb"<" + name + rb"(?=[\t\n\f\r />])" + _ATTRS + rb"[^<]*+(?:<(?!/" + name + rb"[\t\n\f\r />]" + escape
        + rb")[^<]*+)*+</" + name + rb"(?=[\t\n\f\r />])" + _ATTRS
    )


# A whole <svg> or <math> holding only plain foreign elements, text and comments: nothing in it is
# HTML until its end tag. An integration point, a tag that breaks out of foreign content, a nested
# <svg>/<math>, CDATA or "<!" leaves the element to Python's state machine.
_BREAKOUT = frozenset(
    b"b big blockquote body br center code dd div dl dt em embed h1 h2 h3 h4 h5 h6 head hr i img li listing "
    b"menu meta nobr ol p pre ruby s small span strong strike sub sup table tt u ul var".split()
)
_SVG_POINTS = frozenset({b"foreignobject", b"desc", b"title"})
_MATH_POINTS = frozenset({b"mi", b"mo", b"mn", b"ms", b"mtext"})
_FOREIGN_STOP = sorted(_BREAKOUT | _SVG_POINTS | _MATH_POINTS | {b"svg", b"math", b"annotation-xml", b"font"})
_OPEN_TAG_REST = rb"(?=[\t\n\f\r />])(?:[\t\n\f\r ]++|/(?!>)|[^\t\n\f\r />][^\t\n\f\r />=]*+" + _VALUE + rb")*+>"
# An integration point holding only text (an SVG <title>) is the same read as HTML or as SVG.
_TEXT_ONLY_POINTS = b"".join(
    rb"|<" + name + _OPEN_TAG_REST + rb"[^<]*+</" + name + rb"(?=[\t\n\f\r />])" + _ATTRS
    for name in (b"title", b"desc", b"mi", b"mo", b"mn", b"ms", b"mtext")
)


def _foreign_element(name: bytes) -> bytes:
    plain = rb"</?(?!(?:" + b"|".join(_FOREIGN_STOP) + rb")(?:[\t\n\f\r />]|\Z))[a-z][^\t\n\f\r />]*+" + _ATTRS
    return (
        rb"<" + name + _OPEN_TAG_REST + rb"(?:[^<]++|" + _COMMENT + _TEXT_ONLY_POINTS + rb"|" + plain + rb")*+"
        rb"</" + name + rb"(?=[\t\n\f\r />])" + _ATTRS
    )


_BODY_WHOLE = b"".join(
    alternative + b"|" for alternative in [
        _NAMELESS_META, _foreign_element(b"svg"), _foreign_element(b"math"),
        *(_raw_element(n) for n in b"script style title textarea iframe noembed noframes xmp".split()),
    ]
) if _POSSESSIVE else b""
_HEAD_WHOLE = b"".join(
    alternative + b"|" for alternative in [_NAMELESS_META, *(_raw_element(n) for n in b"script style title".split())]
) if _POSSESSIVE else b""


def _unused_meta(names: frozenset[str]) -> bytes:
    """A <meta> whose first name= is one of ``names`` (lowercase, as written) and that has no
    http-equiv=: the caller has said it will not read it, so it is skipped like text."""
    other = rb"[^\t\n\f\r />][^\t\n\f\r />=]*+" + _VALUE + rb"[\t\n\f\r /]*+"
    listed = b"|".join(re.escape(name.encode("ascii")) for name in sorted(names))
    return (
        rb"<meta(?=[\t\n\f\r />])[\t\n\f\r /]*+(?:(?!(?:name|http-equiv)(?:[\t\n\f\r />=]|\Z))" + other + rb")*+"
        rb"name[\t\n\f\r ]*+=[\t\n\f\r ]*+(?:\"(?:" + listed + rb")\"|'(?:" + listed + rb")'|(?:" + listed
        + rb")(?=[\t\n\f\r >]))[\t\n\f\r /]*+(?:(?!http-equiv(?:[\t\n\f\r />=]|\Z))" + other + rb")*+>"
    )


@lru_cache(maxsize=8)
def _skips(unused: frozenset[str]) -> tuple[re.Pattern[bytes], re.Pattern[bytes]]:
    """The body and head skipping patterns, also skipping metas named in ``unused``."""
    extra = _unused_meta(unused) + b"|" if unused and _POSSESSIVE else b""
    body = _compile(
        rb"[^<]*+(?:(?:" + _PLAIN_TAG + rb"|" + extra + _BODY_WHOLE + _COMMENT + rb"|" + _BOGUS
        + rb"|<(?![a-z!?/])|</\Z)[^<]*+)*+"
    )
    # Before the body: whitespace, comments, doctype and <link>-like tags leave the insertion mode as it is.
    head = _compile(
        rb"(?:[\t\n\f\r ]++|" + extra + _HEAD_WHOLE + _COMMENT + rb"|" + _BOGUS
        + rb"|<(?:link|base|basefont|bgsound)(?=[\t\n\f\r />]|\Z)" + _ATTRS + rb")*+"
    )
    return body, head


@lru_cache(maxsize=16)
def _signal_meta(unused: frozenset[str]) -> re.Pattern[bytes]:
    """A ``<meta`` that may become a tag with a name or http-equiv the caller reads: one that is
    neither nameless nor (with ``unused``) a meta the skipping patterns drop. Wherever such a
    ``<meta`` is in a page (a tag, a comment, a script), the tag it may be yields no MetaTag."""
    harmless = [_NAMELESS_META, _unused_meta(unused)] if unused else [_NAMELESS_META]
    # Each starts with "<": the search then looks for "<" in C before trying the rest.
    return _compile(rb"<(?=meta(?:[\t\n\f\r />]|\Z))(?!" + b"|".join(p[1:] for p in harmless) + rb")")


def _no_signal_meta(low: bytes, unused: frozenset[str]) -> bool:
    """True when every ``<meta`` in ``low`` (a lowercased page) is nameless or named in ``unused``,
    found by one search in C: most pages hold only og:, twitter: and description metas, and
    the scan would return none of their tags (nor, with ``unused``, any the caller reads)."""
    return _POSSESSIVE and _signal_meta(unused).search(low) is None  # without "*+" a pattern could backtrack


_ATTR = re.compile(
    r"""([^\t\n\f\r />][^\t\n\f\r />=]*)(?:[\t\n\f\r ]*=[\t\n\f\r ]*"""
    r"""(?:"([^"]*)"?|'([^']*)'?|([^\t\n\f\r >"'][^\t\n\f\r >]*)))?"""
)
_CHARREF = re.compile(r"&(#[xX][0-9a-fA-F]+;?|#[0-9]+;?|[A-Za-z][A-Za-z0-9]*;?)")
_RAWTEXT = frozenset({b"style", b"xmp", b"iframe", b"noembed", b"noframes"})
_RCDATA = frozenset({b"title", b"textarea"})
_HEAD_VOID = frozenset({b"base", b"basefont", b"bgsound", b"link", b"meta"})
_HEAD_ONLY = _HEAD_VOID | {b"noframes", b"script", b"style", b"template", b"title"}
_NOSCRIPT_HEAD = frozenset({b"basefont", b"bgsound", b"link", b"meta", b"noframes", b"style"})
_VOID = frozenset(b"area base basefont bgsound br col embed hr img input keygen link meta param source track wbr".split())
_ENDS: dict[bytes, re.Pattern[bytes]] = {}

# Insertion modes before the body: before <head> (incl. initial), in head, in head noscript, after head.
_BEFORE_HEAD, _IN_HEAD, _HEAD_NOSCRIPT, _AFTER_HEAD, _IN_BODY = range(5)
_HTML, _SVG, _MATH = range(3)


@dataclass(frozen=True)
class MetaTag:
    """One meta tag: lowercased attribute names, values unescaped, the tag as written, and where it is."""

    attrs: dict[str, str]
    raw: str
    in_noscript: bool
    in_body: bool = False

    @property
    def name(self) -> str:
        return self.attrs.get("name", "").strip().lower()

    @property
    def http_equiv(self) -> str:
        return self.attrs.get("http-equiv", "").strip().lower()

    @property
    def content(self) -> str:
        return self.attrs.get("content", "")

    @property
    def evidence(self) -> str:
        where = " (inside <noscript>)" if self.in_noscript else ""
        return f"{self.raw[:300]}{where}"


def _char_ref(match: re.Match[str]) -> str:
    """One character reference in an attribute value, decoded as the tokenizer does."""
    ref = match.group(1)
    if ref[0] == "#":
        return unescape(match.group(0))  # numeric: the same in attributes as in text
    if ref.endswith(";") and ref in _ENTITIES:
        return _ENTITIES[ref]
    # Legacy names without ";" ("&amp", "&copy"): the longest known prefix, unless a letter,
    # digit or "=" follows it (inside attributes that keeps "?a=1&copy=2" as written).
    for length in range(min(len(ref), 32), 1, -1):
        prefix = ref[:length]
        if prefix in _ENTITIES and not prefix.endswith(";"):
            after = ref[length:length + 1] or match.string[match.end():match.end() + 1]
            if after and (after.isascii() and after.isalnum() or after == "="):
                return match.group(0)
            return _ENTITIES[prefix] + ref[length:]
    return match.group(0)


def _attributes(text: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for name, double, single, bare in _ATTR.findall(text):  # a missing value and "" read the same
        key = name.lower()
        if key in attrs:  # HTML keeps the first of duplicate attributes
            continue
        value = double or single or bare
        if "&" in value:
            value = _CHARREF.sub(_char_ref, value)
        if "\r" in value:  # the input stream turns CR LF and CR into LF
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        if "\0" in key or "\0" in value:
            key, value = key.replace("\0", "\ufffd"), value.replace("\0", "\ufffd")
            if key in attrs:
                continue
        attrs[key] = value
    return attrs


def _end_tag(name: bytes) -> re.Pattern[bytes]:
    """The end tag that closes a raw-text element: ``</name`` then whitespace, ``/`` or ``>``."""
    pattern = _ENDS.get(name)
    if pattern is None:
        pattern = _ENDS[name] = re.compile(rb"</" + re.escape(name) + rb"[\t\n\f\r />]")
    return pattern


_SCRIPT_DATA = re.compile(rb"</script[\t\n\f\r />]|<!--")
_SCRIPT_ESCAPED = re.compile(rb"-->|</script[\t\n\f\r />]|<script[\t\n\f\r />]")
_SCRIPT_DOUBLE = re.compile(rb"-->|</script[\t\n\f\r />]")


def _script_end(low: bytes, pos: int) -> int:
    """Where a script's text ends, following the ``<!--`` escape states (``<!--<script>`` hides ``</script>``)."""
    state = 0  # script data, escaped, double escaped
    while True:
        found = (_SCRIPT_DATA, _SCRIPT_ESCAPED, _SCRIPT_DOUBLE)[state].search(low, pos)
        if found is None:
            return len(low)
        token = found.group()
        if token == b"<!--":
            state, pos = 1, found.start() + 2  # "<!-->" leaves the escape at once
        elif token == b"-->":
            state, pos = 0, found.end()
        elif token.startswith(b"</"):
            if state != 2:
                return found.start()
            state, pos = 1, found.end()
        else:
            state, pos = 2, found.end()


def _raw_end(low: bytes, pos: int, name: bytes) -> int:
    """Where the text of a raw-text or RCDATA element ends (its end tag, or the end of the page)."""
    if name == b"script":
        return _script_end(low, pos)
    if name == b"plaintext":
        return len(low)
    found = _end_tag(name).search(low, pos)
    return found.start() if found else len(low)


class _Scan:
    """The scan's state: where it is in the page, the insertion mode, and the open elements that matter."""

    def __init__(self, raw: bytes, encoding: str, unused: frozenset[str] = frozenset()) -> None:
        self.raw, self.encoding = raw, encoding
        self.skip, self.head_skip = _skips(unused)
        self.low = raw.lower()
        self.mode = _BEFORE_HEAD
        self.noscript = 0
        self.template = 0
        self.frameset = False  # a <frameset> page has no body: the parser drops every later meta
        self.foreign: list[tuple[bytes, int]] = []  # elements open inside <svg>/<math>
        self.tags: list[MetaTag] = []

    def meta(self, start: int, end: int, attrs_start: int, in_body: bool) -> None:
        if self.template or self.frameset:
            return
        attrs_low = self.low[attrs_start:end]
        if b"name" not in attrs_low and b"http-equiv" not in attrs_low:
            return  # og:/twitter: properties cannot carry a signal
        attrs = _attributes(self.raw[attrs_start:end].decode(self.encoding, "replace"))
        if "name" in attrs or "http-equiv" in attrs:
            raw = self.raw[start:end].decode(self.encoding, "replace")
            self.tags.append(MetaTag(attrs, raw, self.noscript > 0 or self.mode == _HEAD_NOSCRIPT, in_body))

    def run(self) -> list[MetaTag]:
        low, size = self.low, len(self.low)
        pos = 3 if low.startswith(b"\xef\xbb\xbf") else 0  # the byte-order mark is not text
        while pos < size:
            if not self.foreign:
                if self.mode == _IN_BODY or self.template:
                    pos = self.skip.match(low, pos).end()  # type: ignore[union-attr]  # always matches
                elif self.mode != _HEAD_NOSCRIPT:
                    pos = self.head_skip.match(low, pos).end()  # type: ignore[union-attr]
                if pos >= size:
                    break
            token = _TOKEN.match(low, pos)
            assert token is not None  # "<" alone is the last alternative
            if token.group("name") == b"meta" and token.group("gt") and not token.group("end") and not self.foreign:
                # The common case, kept short: a meta leaves every mode as it is (before <head> it opens one).
                if self.mode == _BEFORE_HEAD:
                    self.mode = _IN_HEAD
                pos = token.end()
                self.meta(token.start(), pos, token.end("name"), self.mode == _IN_BODY)
                continue
            pos = self.token(token)
        return self.tags

    def token(self, token: re.Match[bytes]) -> int:
        """Act on one token; return where the scan goes on."""
        end = token.end()
        name = token.group("name")
        if name is None:
            kind = token.lastgroup
            if kind == "cdata":
                return self.cdata(token.start(), end)
            # Text ends the head ("<" alone and a NUL too, as in the standard); whitespace does not.
            if kind in (None, "text") and self.mode != _IN_BODY and not self.template and token.group().strip(_WS):
                self.mode = _IN_BODY
            return end
        if token.group("gt") is None:
            return len(self.low)  # a tag cut by the end of the page is dropped
        if token.group("end"):
            self.end_tag(name)
            return end
        if self.foreign and self.in_foreign(token, name):
            return end
        return self.start_tag(token, name)

    def cdata(self, start: int, end: int) -> int:
        """``<![CDATA[``: text up to ``]]>`` inside SVG/MathML, a comment up to ``>`` in HTML."""
        if self.foreign and self.foreign[-1][1] != _HTML and self.raw[start + 2 : end] == b"[CDATA[":
            close = self.low.find(b"]]>", end)
            return len(self.low) if close < 0 else close + 3
        close = self.low.find(b">", start)
        return len(self.low) if close < 0 else close + 1

    def in_foreign(self, token: re.Match[bytes], name: bytes) -> bool:
        """A start tag inside SVG/MathML: True when it stays a foreign element (not HTML)."""
        top, space = self.foreign[-1]
        if space == _HTML or (space == _SVG and top in _SVG_POINTS) or (space == _MATH and top in _MATH_POINTS):
            return False  # HTML (integration point): the tag is read as HTML
        breakout = name in _BREAKOUT or (
            name == b"font" and re.search(rb"[\t\n\f\r /](?:color|face|size)[\t\n\f\r /=>]", token.group()) is not None
        )
        if breakout:
            while self.foreign and self.foreign[-1][1] != _HTML and not self.at_integration_point():
                self.foreign.pop()
            return False
        if not token.group("sc"):  # not self-closing
            self.foreign.append((name, space))
        return True

    def at_integration_point(self) -> bool:
        top, space = self.foreign[-1]
        return (space == _SVG and top in _SVG_POINTS) or (space == _MATH and top in _MATH_POINTS)

    def start_tag(self, token: re.Match[bytes], name: bytes) -> int:
        end = token.end()
        if self.mode != _IN_BODY and not self.template:
            if not self.head_start_tag(name):
                self.mode = _IN_BODY
                self.frameset = name == b"frameset"
            elif name in (b"html", b"head"):
                return end
        if name == b"meta":
            self.meta(token.start(), end, token.end("name"), self.mode == _IN_BODY)
        elif name == b"script" or name in _RAWTEXT or name in _RCDATA or name == b"plaintext":
            return _raw_end(self.low, end, name)
        elif name == b"noscript":
            if self.mode != _HEAD_NOSCRIPT:
                self.noscript += not self.foreign
        elif name == b"template":
            self.template += not self.foreign
        elif name in (b"svg", b"math"):
            if not token.group("sc"):
                self.foreign.append((name, _SVG if name == b"svg" else _MATH))
        elif self.foreign and name not in _VOID and name not in (b"html", b"head", b"body"):
            self.foreign.append((name, _HTML))
        return end

    def head_start_tag(self, name: bytes) -> bool:
        """Apply a start tag to the modes before the body; False when it starts the body."""
        mode = self.mode
        if mode == _HEAD_NOSCRIPT:
            if name in _NOSCRIPT_HEAD or name in (b"html", b"head", b"noscript"):
                return True
            self.mode = mode = _IN_HEAD  # anything else closes the <noscript>, then is read in head
        if name == b"html":
            return True
        if mode == _BEFORE_HEAD:
            self.mode = mode = _IN_HEAD
            if name == b"head":
                return True
        if mode == _IN_HEAD:
            if name == b"noscript":
                self.mode = _HEAD_NOSCRIPT
                return True
            if name in _HEAD_ONLY or name == b"head":
                return True
            self.mode = mode = _AFTER_HEAD
        return name in _HEAD_ONLY or name == b"head"  # after </head> these still go into the head

    def foreign_end_tag(self, name: bytes) -> None:
        """An end tag inside SVG/MathML: closes the nearest foreign element of that name, or an HTML
        element short of an integration point; otherwise it is ignored."""
        stack = self.foreign
        index = len(stack) - 1
        while index >= 0 and stack[index][1] != _HTML:
            if stack[index][0] == name:
                del stack[index:]
                return
            index -= 1
        for index in range(len(stack) - 1, -1, -1):
            element, space = stack[index]
            if space == _HTML and element == name:
                del stack[index:]
                return
            if space != _HTML and element in (_SVG_POINTS if space == _SVG else _MATH_POINTS):
                return

    def end_tag(self, name: bytes) -> None:
        if self.foreign:
            self.foreign_end_tag(name)
            return
        if name == b"template" and self.template:
            self.template -= 1
            return
        if self.template:
            return
        if self.mode == _IN_BODY:
            if name == b"noscript" and self.noscript:
                self.noscript -= 1
        elif self.mode == _HEAD_NOSCRIPT:
            if name == b"noscript":
                self.mode = _IN_HEAD
            elif name == b"br":
                self.mode = _IN_BODY
        elif name in (b"body", b"html", b"br"):
            self.mode = _IN_BODY
        elif name == b"head" and self.mode in (_BEFORE_HEAD, _IN_HEAD):
            self.mode = _AFTER_HEAD


def iter_meta_tags(
    document: str | bytes, encoding: str = "utf-8", unused_names: frozenset[str] = frozenset()
) -> list[MetaTag]:
    """Every ``<meta>`` with a name or http-equiv that a browser's parser would create, in order.

    Metas in comments, attribute values, raw text and ``<template>`` are not tags. An unclosed
    comment or raw-text element runs to the end of the document, as in a browser. Bytes are
    scanned as they are when ``encoding`` keeps ASCII in place (nearly every page); UTF-16 is
    re-encoded first. Metas named in ``unused_names`` (lowercase, without http-equiv) may be left
    out: the caller will not read them, and skipping them in C is faster.
    """
    if isinstance(document, str):
        raw, encoding = document.encode("utf-8", "surrogatepass"), "utf-8"
    elif not is_ascii_compatible(encoding):
        raw, encoding = document.decode(encoding, "replace").encode("utf-8", "surrogatepass"), "utf-8"
    else:
        raw = document
    scan = _Scan(raw, encoding, unused_names)
    return [] if _no_signal_meta(scan.low, unused_names) else scan.run()
