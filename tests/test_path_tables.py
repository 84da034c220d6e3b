"""The path-table helpers (platforms/base.py), built here rather than at import, so each kind of
segment test is checked by itself: an exact string, a set, a regex, a callable, and their mixes."""

from __future__ import annotations

import re

from noai_check.platforms.base import PathRule, all_of, any_of, any_segment, lower_in, none_of, path_classifier

SLUG = re.compile(r"^[a-z0-9-]+$")


def test_each_kind_of_segment_test() -> None:
    assert any_of("sets")("sets") and not any_of("sets")("Sets")
    assert any_of(frozenset({"a", "b"}))("b") and not any_of(frozenset({"a", "b"}))("c")
    assert any_of(SLUG)("my-track") and not any_of(SLUG)("My Track")
    assert any_of(lambda s: s.endswith("!"))("hey!") and not any_of(lambda s: s.endswith("!"))("hey")
    assert not any_of()("x")


def test_none_any_all_combine_several_tests() -> None:
    reserved = lower_in(frozenset({"discover", "charts"}))
    assert none_of(reserved, "you")("someone") is True
    assert none_of(reserved, "you")("Discover") is False
    assert none_of(reserved, "you")("you") is False
    assert none_of()("x") is True
    assert any_of(reserved, SLUG)("CHARTS") is True
    assert any_of(reserved, SLUG)("UPPER") is False
    assert all_of(SLUG, none_of(reserved))("track-1") is True
    assert all_of(SLUG, none_of(reserved))("charts") is False
    assert all_of(SLUG, none_of(reserved))("Track") is False
    assert all_of()("x") is True


def test_a_rule_matches_by_segment_count_prefix_path_and_query() -> None:
    exact = PathRule(("user", SLUG), "profile")
    assert exact.matches(["user", "abc"], "/user/abc", "")
    assert not exact.matches(["user"], "/user", "")
    assert not exact.matches(["user", "abc", "x"], "/user/abc/x", "")
    assert not exact.matches(["users", "abc"], "/users/abc", "")
    assert not exact.matches(["user", "ABC"], "/user/ABC", "")
    prefix = PathRule(("user",), "area", prefix=True)
    assert prefix.matches(["user", "abc", "x"], "/user/abc/x", "")
    assert not prefix.matches([], "/", "")
    guarded = PathRule((any_segment,), "watch", path=lambda p: p.startswith("/w"), query=lambda q: "v=" in q)
    assert guarded.matches(["watch"], "/watch", "v=1")
    assert not guarded.matches(["watch"], "/watch", "t=1")
    assert not guarded.matches(["other"], "/other", "v=1")


def test_a_table_takes_the_first_matching_row() -> None:
    classify = path_classifier(
        (PathRule((lower_in(frozenset({"charts"})),), "reserved", prefix=True),
         PathRule((any_segment,), "profile"),
         PathRule((any_segment, all_of(none_of("likes"), SLUG)), "track")),
        "subpage", home="home",
    )
    assert [classify(p) for p in ("/", "/charts/top", "/someone", "/someone/a-track", "/someone/likes", "/a/b/c")] == [
        "home", "reserved", "profile", "track", "subpage", "subpage"]
