"""robots.txt path patterns: RFC 9309 percent-normalization, request paths and wildcard matching.

Both sides of a comparison go through :func:`normalize_escapes`, so ``/caf%C3%A9``,
``/café`` and ``/caf%c3%a9`` are one path, while ``%2F`` stays an escaped octet. In a
pattern ``*`` is the wildcard and a final ``$`` the anchor; a ``*`` or ``$`` in the URL is
compared as ``%2A`` / ``%24`` (RFC 9309 2.2.3), the way a pattern spells those octets.
tdmrep.json locations are matched by this same code (TDMRep reuses robots.txt path rules).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

# RFC 3986 section 2.3: escapes of these octets are decoded before comparison (RFC 9309 2.2.2).
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
# Characters a URI cannot hold raw (RFC 3986 2): non-ASCII, controls, space and the "unsafe"
# punctuation; HTTP clients send them escaped, so "/a b" is compared as "/a%20b".
_MUST_ESCAPE_RUN = re.compile(r'[^\x21-\x7e]+|["<>\\^`{|}]+')
# Text made only of characters that need no escaping and no escape decoding: left as it is.
_ALREADY_NORMAL = re.compile(r"[!#$&-;=?-\[\]_a-z~]*")
_STAR_RUN = re.compile(r"\*+")
# Scheme, authority, then path + params + query up to the fragment, as Google's matcher cuts a URL:
# "://" ends a scheme only if no "/", ";" or "?" comes before it, and the authority runs to the
# first "/", ";", "?" or "#". Input starting with "/" has neither, so "//a" stays the path "//a".
_URL_PATH = re.compile(r"(?:[^/?;]*://)?[^/?;#]*([/?;][^#]*)?")
# Fast path: a URL or path whose path + query needs no normalization at all (no escape, and
# no "*" or "$", which the URL side spells %2A / %24).
_CLEAN_URL = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.-]*://[^/?;#]*)?(/[!&-)+-;=?-\[\]_a-z~]*)(?:#.*)?", re.DOTALL)
# RFC 9309 2.2.3: "*" and "$" in a URL are the octets a pattern writes as %2A and %24.
_URL_SPECIALS = str.maketrans({"*": "%2A", "$": "%24"})


def _utf8(text: str) -> bytes:
    """Encode text to UTF-8, giving raw bytes back for undecodable input kept as surrogates."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that no decoder produced: cannot be a real octet
        return text.encode("utf-8", "replace")


def _percent_encode_run(match: re.Match[str]) -> str:
    return "".join(f"%{octet:02X}" for octet in _utf8(match.group()))


def _normalize_escape(match: re.Match[str]) -> str:
    char = chr(int(match.group(1), 16))
    return char if char in _UNRESERVED else "%" + match.group(1).upper()


def normalize_escapes(text: str) -> str:
    """Put a path or pattern in the one form RFC 9309 2.2.2 compares.

    Non-ASCII characters become UTF-8 escapes (so do space, controls and ``"<>\\^`{|}``,
    which a URI cannot hold raw), escapes of unreserved characters are decoded, every
    other escape is upper-cased; ``%2F`` therefore stays ``%2F``.

    >>> normalize_escapes("/foo/bar/%62%61%7A/ツ?q=%2f&t=a b")
    '/foo/bar/baz/%E3%83%84?q=%2F&t=a%20b'
    """
    if _ALREADY_NORMAL.fullmatch(text):
        return text
    text = _MUST_ESCAPE_RUN.sub(_percent_encode_run, text)
    return _ESCAPE.sub(_normalize_escape, text)


def _path_params_query(url: str) -> str:
    """Cut scheme, authority and fragment off a URL, keeping path, params and query.

    Input starting with "/" is a path (so "//a" stays "//a"). Other input without a scheme is
    read the way Google's matcher reads it: text up to the first "/", ";" or "?" is an
    authority, so "example.com/a" gives "/a" and "a" gives "/".
    """
    path = _URL_PATH.match(url).group(1)  # type: ignore[union-attr]  # every part is optional
    if not path:
        return "/"
    return path if path.startswith("/") else "/" + path


def _remove_dot_segments(path: str) -> str:
    """Resolve "." and ".." segments of the path (not the query), as RFC 3986 5.2.4 and HTTP clients do.

    >>> _remove_dot_segments("/a/./b/../c/.well-known?x=/./")
    '/a/c/.well-known?x=/./'
    """
    path, question, query = path.partition("?")
    segments = path.split("/")[1:]
    kept: list[str] = []
    for segment in segments:
        if segment == "..":
            if kept:
                kept.pop()
        elif segment != ".":
            kept.append(segment)
    if segments[-1] in (".", ".."):  # a path starts with "/": there is always a segment
        kept.append("")  # "/a/b/.." is "/a/", and "/a//." is "/a//": the last segment is empty
    return "/" + "/".join(kept) + question + query


# A crawl asks about each URL a few times in a row (per agent class, and for its own agent), then
# never again: a small cache gets those hits, and a 20,000-page crawl's memory stays flat.
@lru_cache(maxsize=4096)
def request_path(url: str) -> str:
    """The normalized path + query that rules are matched against; "" or a bare host gives "/".

    >>> request_path("https://example.com/a/../price-$5*?q=%7e#top")
    '/price-%245%2A?q=~'
    """
    clean = _CLEAN_URL.fullmatch(url)
    if clean is not None and "/." not in clean.group(1):
        return clean.group(1)
    path = normalize_escapes(_path_params_query(url))
    if "/." in path.partition("?")[0]:
        path = _remove_dot_segments(path)
    if "*" in path or "$" in path:
        path = path.translate(_URL_SPECIALS)
    return path


@dataclass(frozen=True)
class PathPattern:
    """One compiled Allow/Disallow/Content-Usage path, ready for a fast first-match loop."""

    text: str  # normalized, as compared; a trailing "$" anchors, any other "$" is written %24
    length: int  # octets of the pattern as written (Google's measure): the longest match wins (RFC 9309 2.2.2)
    prefix: str  # the normalized body; a plain-prefix pattern (test None) is str.startswith(prefix)
    test: Callable[[str], object] | None  # set for "$" or "*" patterns; None means prefix test

    def matches(self, path: str) -> bool:
        """Whether this pattern matches a path already passed through request_path."""
        if self.test is None:
            return path.startswith(self.prefix)
        return bool(self.test(path))


def _wildcard_test(pattern: str, anchored: bool) -> Callable[[str], bool]:
    """Matcher for a "*" pattern: each piece found at its leftmost place after the previous one.

    Committing to the leftmost occurrence is always a correct choice for "*" globbing, so
    matching stays linear in the path for any number of stars (no ReDoS from hostile files);
    built with no regex compilation, because a file's first verdict may need thousands of them.
    """
    first, *middle, last = _STAR_RUN.split(pattern)
    pieces = tuple(piece for piece in middle if piece)
    if not anchored and last:
        pieces += (last,)
    start = len(first)

    def test(path: str) -> bool:
        if not path.startswith(first):
            return False
        position = start
        for piece in pieces:
            found = path.find(piece, position)
            if found < 0:
                return False
            position = found + len(piece)
        return not anchored or (len(path) - len(last) >= position and path.endswith(last))

    return test


def pattern_length(raw: str) -> int:
    """Octets of a rule value as Google's parser measures them, for "the longest match wins".

    The value as written, except that a non-ASCII octet counts as its three-octet escape
    (Google escapes those before measuring); escapes are not decoded first, so ``/%7E``
    is three octets longer than ``/~``.

    >>> pattern_length("/%7Eu*$"), pattern_length("/é")
    (7, 7)
    """
    if raw.isascii():
        return len(raw)
    octets = _utf8(raw)
    return len(octets) + 2 * sum(1 for octet in octets if octet >= 0x80)


def plain_prefix(raw: str) -> str | None:
    """The rule value itself when it is a plain prefix already in normal form (no "*", "$" or escape), else None.

    Exactly ``compile_pattern(raw).prefix`` for such values, with ``test`` None: the usual rule
    needs no PathPattern to be walked.
    """
    if "*" in raw or "$" in raw or not _ALREADY_NORMAL.fullmatch(raw):
        return None
    return raw


def compile_pattern(raw: str) -> PathPattern:
    """Compile a rule value (already stripped of comments and whitespace).

    "*" is the wildcard and a final "$" the anchor; any other "$" is a literal octet,
    compared as %24 like a "$" in the URL.
    """
    anchored = raw.endswith("$")
    body = normalize_escapes(raw[:-1] if anchored else raw)
    if "$" in body:
        body = body.replace("$", "%24")
    text = body + "$" if anchored else body
    test: Callable[[str], object] | None = None
    if "*" in body:
        test = _wildcard_test(body, anchored)
    elif anchored:
        test = body.__eq__
    return PathPattern(text, pattern_length(raw), body, test)
