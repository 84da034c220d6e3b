"""Path matching shared by robots.txt and tdmrep.json: request paths, dot segments, patterns.

Table-driven, one row per rule of RFC 9309 2.2.2 / 2.2.3 and RFC 3986 5.2.4; every row here
was written to catch a mutant of ``noai_check/_robots_pattern.py`` that the other tests missed.
"""

from __future__ import annotations

import pytest

from noai_check.signals.path_pattern import compile_pattern, request_path
from noai_check.signals.robots import parse_robots
from noai_check.signals.tdmrep import parse_tdmrep_json


def _allowed(rules: str, url: str) -> bool:
    return parse_robots(f"User-agent: *\n{rules}\n".encode()).verdict(url, "GPTBot").allowed


# What part of the input is the path + query (Google's GetPathParamsQuery cuts URLs this way).
PATH_OF = [
    ("", "/"),
    ("a", "/"),
    ("example.com", "/"),
    ("example.com/a/b", "/a/b"),
    ("example.com?q=1", "/?q=1"),
    ("example.com;p", "/;p"),
    ("?q", "/?q"),
    (";p?q", "/;p?q"),
    ("example.com#x/y", "/"),  # the "/" is inside the fragment
    ("a#b?c", "/"),
    ("https://h", "/"),
    ("https://h#/x", "/"),
    ("https://h?q#f", "/?q"),
    ("https://h;p", "/;p"),
    ("https://h:8080/a?b#c", "/a?b"),
    ("https://h/a:b//c", "/a:b//c"),
    ("1x+y://h/p", "/p"),  # not a valid scheme, still read as one (as Google does)
    ("a/b://c/d", "/b://c/d"),  # "/" before "://": no scheme, "a" is the authority
    ("a?b://c/d", "/?b://c/d"),
    ("h://x/y://z/w", "/y://z/w"),
    ("//h/a", "//h/a"),  # input starting with "/" is a path
    ("/a#b", "/a"),
    ("/a?b#c?d", "/a?b"),
]


@pytest.mark.parametrize(("url", "path"), PATH_OF)
def test_request_path_cuts_scheme_authority_and_fragment(url: str, path: str) -> None:
    assert request_path(url) == path


# RFC 3986 5.2.4 remove_dot_segments, applied to the path and never to the query.
DOT_SEGMENTS = [
    ("/a/b/c/./../../g", "/a/g"),  # the RFC's own example
    ("/a/b/..", "/a/"),
    ("/a/b/.", "/a/b/"),
    ("/a/./b", "/a/b"),
    ("/a//.", "/a//"),  # the empty segment stays; "/." ends in "/"
    ("/a//b/..", "/a//"),
    ("/a/b//..", "/a/b/"),
    ("/.", "/"),
    ("/..", "/"),
    ("/../a", "/a"),
    ("/a/../../b/", "/b/"),
    ("/x/.b/..c/...", "/x/.b/..c/..."),  # not dot segments
    ("/a/./b?q=/../c", "/a/b?q=/../c"),
    ("/a/./b?q=/../c?d", "/a/b?q=/../c?d"),  # only the first "?" starts the query
    ("/a/.%2e/b", "/b"),  # %2E is an unreserved ".", decoded first
    ("https://h/a/%2E%2e", "/"),
]


@pytest.mark.parametrize(("url", "path"), DOT_SEGMENTS)
def test_dot_segments_are_removed_as_rfc_3986_says(url: str, path: str) -> None:
    assert request_path(url) == path


@pytest.mark.parametrize(
    ("rules", "url", "allowed"),
    [
        ("Disallow: /a//", "https://example.com/a//b/..", False),  # the path is "/a//"
        ("Disallow: /a/$", "https://example.com/a//.", True),
        ("Disallow: /a//", "https://example.com/a//.", False),
        ("Disallow: /b?q=/../c", "/a/../b?q=/../c", False),
    ],
)
def test_dot_segments_decide_verdicts(rules: str, url: str, allowed: bool) -> None:
    assert _allowed(rules, url) is allowed


# Octets a URI cannot hold raw, and text that is no UTF-8 at all.
ESCAPED = [
    ("/é", "/%C3%A9"),
    ("/Ā", "/%C4%80"),
    ("/\udcff", "/%FF"),  # a raw octet kept by surrogateescape decoding
    ("/\ud800x", "/%3Fx"),  # a lone surrogate no decoder produced: it cannot be an octet, written "?"
]


@pytest.mark.parametrize(("url", "path"), ESCAPED)
def test_request_path_escapes_non_ascii_as_utf8(url: str, path: str) -> None:
    assert request_path(url) == path


def test_a_lone_surrogate_in_a_tdmrep_location_is_read_not_raised() -> None:
    parsed = parse_tdmrep_json(b'[{"location": "/\\ud800", "tdm-reservation": 1}]', 200)
    assert parsed.present and parsed.rules[0].pattern is not None
    assert parsed.rules[0].pattern.text == "/%3F"
    assert parsed.match("/x") is None


# compile_pattern: the normalized text as compared, and Google's length (octets as written,
# a non-ASCII octet counted as its three-octet escape).
PATTERNS = [
    ("/a", "/a", 2),
    ("/a$", "/a$", 3),
    ("/a$b", "/a%24b", 4),
    ("/a$b$", "/a%24b$", 5),
    ("/%7Eu*$", "/~u*$", 7),
    ("/*a*b*c", "/*a*b*c", 7),
    ("/é", "/%C3%A9", 7),
    ("/Ā", "/%C4%80", 7),  # U+0100 is C4 80: an octet of exactly 0x80 counts as three too
    ("/\udcff", "/%FF", 4),
]


@pytest.mark.parametrize(("raw", "text", "length"), PATTERNS)
def test_compiled_pattern_text_and_length(raw: str, text: str, length: int) -> None:
    pattern = compile_pattern(raw)
    assert (pattern.text, pattern.length) == (text, length)


@pytest.mark.parametrize(
    ("rules", "url", "allowed"),
    [
        # "/Ā" is 7 octets long for Google, so it beats the 6-octet "/%C4*".
        ("Allow: /Ā\nDisallow: /%C4*", "/Āb", True),
        ("Allow: /é\nDisallow: /%C3*", "/éb", True),
        ("Allow: /a$\nDisallow: /a", "/a", True),
        ("Allow: /a$\nDisallow: /a", "/ab", False),
    ],
)
def test_pattern_length_decides_the_longest_match(rules: str, url: str, allowed: bool) -> None:
    assert _allowed(rules, url) is allowed


# Wildcards: every "*" piece is looked for in order, left to right.
WILDCARDS = [
    ("/x*a*b*c", "/xaabbc", True),
    ("/x*a*b*c", "/x-a-b-c-", True),
    ("/x*a*b*c", "/xcba", False),
    ("/x*a*b*c$", "/x-a-b-c-", False),
    ("/x*a*b*c$", "/x-a-b-cc", True),
    ("*a", "/ba", True),
    ("*a$", "/ab", False),
    ("/a*", "/a", True),
    ("/a**b", "/ab", True),
    ("/a*$", "/a/any", True),
    ("/a$", "/a", True),
    ("/a$", "/ab", False),
    ("/a", "/ab", True),
    ("/a", "/b", False),
    # each piece at its leftmost place: a later occurrence would leave no room for the next piece
    ("/a*b*c", "/a-b-c-b", True),
    # a piece found at the very start of the path (the pattern opens with "*")
    ("*/private", "/private", True),
    ("*/private$", "/private", True),
    # an anchored last piece may start right where the previous piece ended, but never overlap it
    ("/a*b$", "/ab", True),
    ("/ab*b$", "/ab", False),
    ("/ab*b$", "/abb", True),
]


@pytest.mark.parametrize(("raw", "path", "matches"), WILDCARDS)
def test_pattern_matching(raw: str, path: str, matches: bool) -> None:
    assert compile_pattern(raw).matches(request_path(path)) is matches
