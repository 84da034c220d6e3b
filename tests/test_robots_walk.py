"""Large groups are walked through buckets (rules by the first two characters of their fixed head) and
their walks are cached: both are shortcuts, so every verdict must equal the plain walk of every rule."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from noai_check.signals import robots_walk
from noai_check.signals.robots import parse_robots

# Path pieces that make rules share, split and miss heads: one- and two-character heads, wildcards
# before and after the second character, anchors, escapes and the root.
PIECES = ["/", "/a", "/ab", "/abc", "/b", "/ba", "/a/", "*", "$", "x", "%2F", "%7E", "?q=", ".html", "é", "-"]
rule_text = st.lists(st.sampled_from(PIECES), min_size=1, max_size=4).map("".join)
rules = st.lists(st.tuples(st.booleans(), rule_text), min_size=robots_walk._BUCKETS_FROM, max_size=90)
paths = st.lists(st.lists(st.sampled_from(PIECES), min_size=0, max_size=5).map(lambda p: "/" + "".join(p)),
                 min_size=1, max_size=25)


def _robots(group: list[tuple[bool, str]]) -> bytes:
    lines = ["User-agent: *"] + [f"{'Allow' if allow else 'Disallow'}: {text}" for allow, text in group]
    return ("\n".join(lines) + "\n").encode()


def _verdicts(body: bytes, urls: list[str]) -> list[tuple[bool, int | None, str]]:
    parsed = parse_robots(body, 200)
    out = []
    for url in urls:
        verdict = parsed.verdict("https://h.test" + url, "GPTBot")
        out.append((verdict.allowed, verdict.line.number if verdict.line else None, verdict.reason))
    return out


@settings(max_examples=150, deadline=None)
@given(rules, paths)
def test_bucketed_and_cached_walks_give_the_plain_walks_verdicts(group: list[tuple[bool, str]], urls: list[str]) -> None:
    body = _robots(group)
    shortcut = _verdicts(body, urls + urls)  # asked twice: the second answer may come from the walk cache
    with pytest.MonkeyPatch.context() as plain:
        plain.setattr(robots_walk, "_BUCKETS_FROM", 10**9)
        plain.setattr(robots_walk, "_WALK_CACHE_FROM", 10**9)
        assert _verdicts(body, urls + urls) == shortcut


def test_a_large_group_names_the_deciding_line_and_its_kind() -> None:
    group = [(False, f"/x{i}/") for i in range(40)] + [(True, "/ab"), (False, "/a")]
    assert _verdicts(_robots(group), ["/abc", "/a1", "/x7/p", "/zzz"]) == [
        (True, 42, "allowed by robots.txt line 42 'Allow: /ab' in the group for *"),
        (False, 43, "disallowed by robots.txt line 43 'Disallow: /a' in the group for *"),
        (False, 9, "disallowed by robots.txt line 9 'Disallow: /x7/' in the group for *"),
        (True, None, "no rule matches: allowed (group for *)"),
    ]


def test_a_url_no_rule_matches_still_says_the_group_was_read_as_google_reads_it() -> None:
    parsed = parse_robots(b"User-agent: GPTBot/1.0\nDisallow: /private/\n", 200)
    verdict = parsed.verdict("https://h.test/public", "GPTBot")
    assert verdict.allowed and verdict.line is None
    assert verdict.reason == (
        "no rule matches: allowed (group for GPTBot/1.0; robots.txt line 1 'User-agent: GPTBot/1.0' is not a valid "
        "RFC 9309 product token; it is read as 'GPTBot' as Google's parser does, while RFC-strict parsers ignore "
        "that line)"
    )
