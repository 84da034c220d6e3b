from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from noai_check.signals.content_signal import (
    ContentSignal,
    combine_signals,
    content_signal_findings,
    parse_content_signal,
)

SIGNALS = "tdm/content_signal_robots"  # in the shared corpus
_SIGNAL_LINE = re.compile(r"^\s*content-signal\s*:(.*)$", re.IGNORECASE)


@pytest.mark.parametrize(
    "value",
    [
        "search=yes, ai-train=no",
        "search=yes,ai-train=no",
        "  search = yes ,\tai-train=no  ",
        "SEARCH=yes, AI-Train=no",
    ],
)
def test_spacing_and_key_case_do_not_matter(value: str) -> None:
    assert parse_content_signal(value) == ContentSignal({"search": True, "ai-train": False})


def test_cloudflare_managed_default() -> None:
    signal = parse_content_signal("search=yes,ai-train=no,use=reference")
    assert signal.signals == {"search": True, "ai-train": False}
    assert signal.other == {"use": "reference"}
    assert signal.problems == []


def test_missing_key_is_no_statement() -> None:
    signal = parse_content_signal("search=yes")
    assert "ai-train" not in signal.signals
    assert "ai-input" not in signal.signals
    assert combine_signals([signal]).get("ai-train") is None


@pytest.mark.parametrize(
    ("value", "granted"),
    [("ai-train=disallow", False), ("ai-train=allow", True), ("ai-train=n", False), ("ai-train=y", True)],
)
def test_non_standard_values_count_but_are_flagged(value: str, granted: bool) -> None:
    signal = parse_content_signal(value)
    assert signal.signals == {"ai-train": granted}
    assert len(signal.problems) == 1
    assert signal.problems[0].startswith("non-standard value")


def test_value_case_is_read_but_flagged() -> None:
    signal = parse_content_signal("ai-train=No")
    assert signal.signals == {"ai-train": False}
    assert signal.problems == ["value 'No' for ai-train is not lowercase, read as no"]


def test_unknown_values_are_kept_verbatim_without_granting_anything() -> None:
    signal = parse_content_signal("use=Full, ai-train=maybe, ai-input=true")
    assert signal.signals == {}
    assert signal.other == {"use": "Full", "ai-train": "maybe", "ai-input": "true"}
    assert len(signal.problems) == 2  # ai-train and ai-input only take yes/no; use is not flagged


@pytest.mark.parametrize("value", ["foo", "=no", "ai-train=", "ai-train=no; search=yes", "ai train=no"])
def test_malformed_items_are_ignored_and_reported(value: str) -> None:
    signal = parse_content_signal(value)
    assert signal.signals == {}
    assert signal.other == {}
    assert signal.problems == [f"malformed item {value!r} ignored"]


def test_one_malformed_item_does_not_spoil_the_others() -> None:
    signal = parse_content_signal("search=yes, junk, ai-train=no,")
    assert signal.signals == {"search": True, "ai-train": False}
    assert signal.problems == ["malformed item 'junk' ignored", "empty item (stray comma)"]


def test_empty_value_says_nothing() -> None:
    assert parse_content_signal("") == ContentSignal({})
    assert parse_content_signal("   ") == ContentSignal({})


def test_repeated_key_keeps_most_restrictive() -> None:
    signal = parse_content_signal("ai-train=no, ai-train=yes")
    assert signal.signals == {"ai-train": False}
    assert "more than once" in signal.problems[0]


def test_combine_signals_any_no_wins() -> None:
    combined = combine_signals(
        [
            parse_content_signal("search=yes, ai-train=yes"),
            parse_content_signal("ai-train=no, ai-input=yes"),
            parse_content_signal("search=yes"),
        ]
    )
    assert combined == {"search": True, "ai-train": False, "ai-input": True}
    assert combine_signals([]) == {}


def test_findings_carry_values_problems_and_evidence() -> None:
    evidence = ["robots.txt line 3: Content-Signal: search=yes, ai-train=disallow, use=reference"]
    signal = parse_content_signal("search=yes, ai-train=disallow, use=reference")
    findings = content_signal_findings(signal, source="robots.txt", agent=None, evidence=evidence)
    assert [(f.signal, f.value) for f in findings] == [
        ("content-signal", "search=yes"),
        ("content-signal", "ai-train=no"),
        ("content-signal", "use=reference"),
        ("protocol-error", "Content-Signal: non-standard value 'disallow' for ai-train read as no"),
    ]
    assert {f.evidence for f in findings} == {evidence[0]}


@settings(deadline=None)
@given(st.text())
def test_parse_never_raises(value: str) -> None:
    signal = parse_content_signal(value)
    assert all(isinstance(granted, bool) for granted in signal.signals.values())


# --- real robots.txt files with Content-Signal lines (read in place) ---------------------


def _signal_lines(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return [match.group(1).split("#", 1)[0].strip() for line in lines if (match := _SIGNAL_LINE.match(line))]


@pytest.mark.corpus
def test_every_corpus_robots_file_parses_cleanly(corpus: Path) -> None:
    files = sorted((corpus / SIGNALS).glob("*.txt"))
    assert len(files) >= 4
    for path in files:
        values = _signal_lines(path)
        assert values, path.name
        for value in values:
            signal = parse_content_signal(value)
            assert signal.problems == [], (path.name, value)
            assert signal.signals, (path.name, value)


@pytest.mark.corpus
def test_content_signal_lines_anywhere_in_the_robots_corpus_parse_cleanly(corpus: Path) -> None:
    values = [value for path in sorted((corpus / "robots").glob("*.txt")) for value in _signal_lines(path)]
    assert values  # the academic and Cloudflare-managed captures carry them
    for value in values:
        assert parse_content_signal(value).problems == [], value


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("name", "signals", "other"),
    [
        (
            "freshersdunia.in__2026-08-04__cloudflare-managed.txt",
            {"search": True, "ai-train": False},
            {"use": "reference"},
        ),
        ("www.researchsquare.com__2026-07-13__academic.txt", {"search": True, "ai-train": False}, {"use": "reference"}),
        ("www.ebsco.com__2026-07-13__academic.txt", {"ai-train": True, "search": True, "ai-input": True}, {}),
    ],
)
def test_corpus_values(corpus: Path, name: str, signals: dict[str, bool], other: dict[str, str]) -> None:
    (value,) = _signal_lines(corpus / SIGNALS / name)
    signal = parse_content_signal(value)
    assert signal.signals == signals
    assert signal.other == other
