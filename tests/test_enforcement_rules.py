"""Table tests of the declared-vs-enforced rules (noai_check/judge/enforcement.py): buckets, same page, verdicts."""

from __future__ import annotations

import pytest

from noai_check.judge import enforcement as e
from noai_check.judge.enforcement import View, classify, declared_from, same_page, verdict, view_of
from noai_check.signals.response import Fetched

URL = "https://example.com/a/track"
WORDS = "the harbour is a song about boats and the sea written in the winter of twenty twenty"


def page(title: str = "The Harbour", text: str = WORDS, extra: str = "") -> bytes:
    return (f"<html><head><title>{title}</title><script>var t = 1;</script></head>"
            f"<body><p>{text}</p>{extra}</body></html>").encode()


def fetched(body: bytes = b"", status: int | None = 200, final: str = URL, error: str | None = None,
            headers: dict[str, list[str]] | None = None) -> Fetched:
    return Fetched(URL, status, headers or {}, body, error=error, final_url=final)


BASE = view_of(fetched(page()))


@pytest.mark.parametrize(("probe", "bucket"), [
    (fetched(page()), "served"),  # same bytes
    (fetched(page(extra="<!-- token 1234 -->")), "served"),  # same text, other bytes
    (fetched(page(extra="<script>var csrf = 'x';</script><style>p{}</style>")), "served"),
    (fetched(page(text=WORDS + " today")), "served"),  # one word more: most shingles shared
    (fetched(page(title="Nothing here", text="nothing here")), "served-different"),  # a stub
    (fetched(page(title="Login", text=WORDS)), "served-different"),  # same text, other title
    (fetched(page(text="a completely different page about mountains and the snow on them in spring")),
     "served-different"),  # same title, other text
    (fetched(b"", status=204), "served-different"),
    (fetched(page(), status=401), "blocked"),
    (fetched(page(), status=403), "blocked"),
    (fetched(page(), status=451), "blocked"),
    (fetched(page(), status=402), "paywall"),
    (fetched(page(), status=429), "rate-limited"),
    (fetched(page(), status=500), "error"),
    (fetched(page(), status=503), "error"),
    (fetched(page(), status=404), "error"),
    (fetched(page(), status=299), "served"),
    (fetched(page(), status=300), "error"),
    (fetched(page(), status=199), "error"),
    (fetched(page(), final="https://example.com/login"), "redirected"),
    (fetched(page(), final="https://other.example/a/track"), "redirected"),
    (fetched(page(), status=403, final="https://example.com/login"), "blocked"),  # the status decides first
    (fetched(status=None, error="could not fetch x: [Errno 111] Connection refused"), "blocked"),
    (fetched(status=None, error="could not fetch x: [Errno 104] Connection reset by peer"), "error"),
    (fetched(status=None, error="could not fetch x: no complete answer within 20 s (--timeout)"), "error"),
    (fetched(status=None, error=None), "error"),
    (fetched(b"<title>Just a moment...</title>", status=403, headers={"cf-mitigated": ["challenge"]}), "challenge"),
    (fetched(b"<html><title>Just a moment...</title></html>", status=200), "challenge"),
    (fetched(b"<html>px-captcha</html>", status=429, headers={"x-px-block": ["1"]}), "challenge"),
])
def test_bucket_of_one_probe(probe: Fetched, bucket: str) -> None:
    assert classify(BASE, view_of(probe)) == bucket


@pytest.mark.parametrize("baseline", [
    fetched(status=None, error="timeout"),
    fetched(page(), status=403),
    fetched(page(), status=500),
    fetched(page(), status=199),
    fetched(page(), status=300),
    fetched(b"<html><title>Just a moment...</title></html>", status=200),  # the browser got a challenge
])
@pytest.mark.parametrize("probe", [fetched(page(), status=403), fetched(page()),
                                   fetched(status=None, error="Connection refused")])
def test_a_probe_whose_baseline_failed_is_unknown_never_blocked(baseline: Fetched, probe: Fetched) -> None:
    assert classify(view_of(baseline), view_of(probe)) == "unknown"


def test_baseline_readable_bounds() -> None:
    assert e.baseline_readable(view_of(fetched(page(), status=200)))
    assert e.baseline_readable(view_of(fetched(page(), status=299)))
    assert not e.baseline_readable(view_of(fetched(page(), status=300)))


def test_view_reads_title_text_and_hash() -> None:
    view = view_of(fetched(page(title="A &amp;  B\n")))
    assert view.title == "A & B"
    assert view.status == 200 and view.final_url == URL and view.error is None and view.wall is None
    assert len(view.sha256) == 64
    assert "the harbour is a song" in view.shingles
    assert not any("var" in s for s in view.shingles)  # scripts are not visible text
    assert view_of(Fetched(URL, 200, {}, b"")).final_url == URL  # no final_url: the URL asked for
    assert view_of(fetched(b"<html></html>")).title == ""


def test_bytes_that_are_not_utf8_are_read_not_raised() -> None:
    view = view_of(fetched(b"<title>Caf\xe9 \xff</title><p>na\xefve text</p>"))
    assert view.title == "Caf\ufffd \ufffd"
    assert e.visible_words(b"<p>na\xefve</p>") == ["na", "ve"]


def test_a_status_none_response_has_no_wall() -> None:
    assert view_of(fetched(status=None, error="refused")).wall is None


def test_visible_words_drop_markup_and_fold_case() -> None:
    body = b"<p>One <b>TWO</b></p><!-- three --><style>four</style><template>five</template><noscript>six</noscript> &amp;seven"
    assert e.visible_words(body) == ["one", "two", "seven"]


@pytest.mark.parametrize(("words", "size", "expected"), [
    ([], 5, frozenset()),
    (["a", "b"], 5, frozenset({"a b"})),
    (["a", "b", "c", "d", "e"], 5, frozenset({"a b c d e"})),
    (["a", "b", "c", "d", "e", "f"], 5, frozenset({"a b c d e", "b c d e f"})),
    (["a", "b", "c"], 2, frozenset({"a b", "b c"})),
])
def test_shingles(words: list[str], size: int, expected: frozenset[str]) -> None:
    assert e.shingles(words, size) == expected


def test_shingles_default_is_five_words() -> None:
    assert e.shingles(list("abcdef")) == frozenset({"a b c d e", "b c d e f"})


@pytest.mark.parametrize(("a", "b", "expected"), [
    (frozenset(), frozenset(), 1.0),
    (frozenset({"x"}), frozenset(), 0.0),
    (frozenset({"x", "y"}), frozenset({"y", "z"}), 1 / 3),
    (frozenset({"x"}), frozenset({"x"}), 1.0),
])
def test_jaccard(a: frozenset[str], b: frozenset[str], expected: float) -> None:
    assert e.jaccard(a, b) == pytest.approx(expected)


def _view(sha: str, title: str, shingles: set[str]) -> View:
    return View(200, URL, sha, title, frozenset(shingles))


@pytest.mark.parametrize(("a", "b", "same"), [
    (_view("1", "", set()), _view("1", "x", {"q"}), True),  # same hash decides
    (_view("1", "T", set("abcd")), _view("2", "T", set("abcd")), True),
    (_view("1", "T", set("abcde")), _view("2", "T", set("abcd")), True),  # exactly 0.8
    (_view("1", "T", set("abcd")), _view("2", "T", set("abc")), False),  # 0.75
    (_view("1", "", set("abcd")), _view("2", "", set("abcd")), False),  # no title: hash only
    (_view("1", "T", set("abcd")), _view("2", "U", set("abcd")), False),
])
def test_same_page(a: View, b: View, same: bool) -> None:
    assert same_page(a, b) is same
    assert e.SAME_PAGE_JACCARD == 0.8 and e.SHINGLE_WORDS == 5


@pytest.mark.parametrize(("declared", "buckets", "expected"), [
    (True, ["blocked"], "enforced"),
    (True, ["challenge", "paywall"], "enforced"),
    (True, ["served-different"], "enforced"),
    (True, ["blocked", "rate-limited", "error", "redirected", "unknown"], "enforced"),  # neutral ones ignored
    (True, ["served"], "declared-only"),
    (True, ["served", "served"], "declared-only"),
    (False, ["served"], "not-declared"),
    (False, ["blocked"], "blocked-undeclared"),
    (False, ["challenge", "blocked"], "blocked-undeclared"),
    (True, ["served", "blocked"], "inconsistent"),
    (False, ["blocked", "served"], "inconsistent"),
    (True, [], "unknown"),
    (True, ["unknown", "error", "rate-limited", "redirected"], "unknown"),
    (None, ["blocked"], "unknown"),
    (None, ["served"], "unknown"),
])
def test_verdict(declared: bool | None, buckets: list[str], expected: str) -> None:
    assert verdict(declared, buckets) == expected


def test_verdict_reads_any_iterable_once() -> None:
    assert verdict(True, iter(["blocked", "served"])) == "inconsistent"


@pytest.mark.parametrize(("robots_allowed", "training", "expected"), [
    (False, "none", True),
    (True, "reserved", True),
    (None, "reserved", True),
    (False, None, True),
    (True, "none", False),
    (True, "granted", False),
    (True, "unknown", False),
    (True, None, False),
    (None, "none", False),
    (None, "unknown", None),
    (None, None, None),
])
def test_declared_from(robots_allowed: bool | None, training: str | None, expected: bool | None) -> None:
    assert declared_from(robots_allowed, training) is expected


def test_bucket_and_verdict_names() -> None:
    assert set(e.WITHHELD) | set(e.NEUTRAL) | {"served"} == set(e.BUCKETS)
    assert e.VERDICTS == ("enforced", "declared-only", "not-declared", "blocked-undeclared", "inconsistent", "unknown")
    assert e.LABEL == "user agent spoofed for measurement"
