"""timeline.py's rules one by one, each table with a case just outside the rule (from a mutation run).

Pure: Lane, summary_changes and build_timeline are fed hand-made versions; nothing is crawled.
"""

from __future__ import annotations

import pytest

from noai_check.history.timeline import (
    ALLOWED,
    BLOCKED,
    UNKNOWN,
    Lane,
    TimelineInput,
    build_timeline,
    summary_changes,
)
from noai_check.history.timeline_files import AI_TXT, ROBOTS, TDMREP, FileVersion

START, END = "2022-01-01T00:00:00Z", "2025-12-31T23:59:59Z"
T1, T2, T3 = "2023-01-01T00:00:00Z", "2023-06-01T00:00:00Z", "2024-01-01T00:00:00Z"
BEFORE1, BEFORE2 = "2019-01-01T00:00:00Z", "2020-01-01T00:00:00Z"
NO_COVER = "no archived version covers this time"


def span(start: str, to: str, state: str, reason: str) -> dict[str, str]:
    return {"from": start, "to": to, "state": state, "reason": reason}


def lane(*adds: tuple[str, str, str | None]) -> Lane:
    result = Lane()
    for when, state, reason in adds:
        result.add(when, state, reason)
    return result


@pytest.mark.parametrize(("adds", "start", "expected"), [
    pytest.param([(T1, BLOCKED, "line 2"), (T2, BLOCKED, "line 5")], T3, [span(T3, END, BLOCKED, "line 2")],
                 id="same-state-again-keeps-the-reason-it-began-with"),
    pytest.param([(T1, BLOCKED, "line 2"), (T2, ALLOWED, "line 5")], T3, [span(T3, END, ALLOWED, "line 5")],
                 id="outside:-a-new-state-brings-its-own-reason"),
    pytest.param([(T1, ALLOWED, "a"), (T1, BLOCKED, "b")], START,
                 [span(START, T1, UNKNOWN, NO_COVER), span(T1, END, BLOCKED, "b")],
                 id="same-second-the-later-wins-without-an-empty-span"),
    pytest.param([(T1, ALLOWED, "a"), (T2, BLOCKED, "b"), (T2, ALLOWED, "a2")], START,
                 [span(START, T1, UNKNOWN, NO_COVER), span(T1, END, ALLOWED, "a")],
                 id="same-second-back-to-the-state-before-continues-it"),
    pytest.param([(T1, ALLOWED, "a"), (T2, BLOCKED, "b"), (T2, ALLOWED, "a2")], T3, [span(T3, END, ALLOWED, "a")],
                 id="same-second-back-to-the-state-before-keeps-its-reason"),
    pytest.param([(T1, ALLOWED, "a"), (T2, BLOCKED, "b"), (T2, UNKNOWN, "replay failed")], START,
                 [span(START, T1, UNKNOWN, NO_COVER), span(T1, T2, ALLOWED, "a"), span(T2, END, UNKNOWN, "replay failed")],
                 id="outside:-same-second-to-a-third-state-starts-it"),
    pytest.param([(T1, ALLOWED, "a"), (END, BLOCKED, "b")], START,
                 [span(START, T1, UNKNOWN, NO_COVER), span(T1, END, ALLOWED, "a")],
                 id="a-span-beginning-at-the-end-is-outside-the-range"),
    pytest.param([(T1, ALLOWED, "a"), (T3, BLOCKED, "b")], START,
                 [span(START, T1, UNKNOWN, NO_COVER), span(T1, T3, ALLOWED, "a"), span(T3, END, BLOCKED, "b")],
                 id="outside:-a-span-beginning-just-before-the-end-is-in"),
    pytest.param([(BEFORE1, ALLOWED, "a"), (BEFORE2, BLOCKED, "b")], START, [span(START, END, BLOCKED, "b")],
                 id="only-the-last-span-before-the-start-holds-at-the-start"),
    pytest.param([(T1, ALLOWED, "a")], T1, [span(T1, END, ALLOWED, "a")],
                 id="a-span-beginning-at-the-start-holds-once"),
    pytest.param([(T1, ALLOWED, None)], START, [span(START, T1, UNKNOWN, NO_COVER), span(T1, END, ALLOWED, "")],
                 id="no-reason-is-an-empty-reason"),
])
def test_lane_intervals(adds, start, expected):
    assert lane(*adds).intervals(start, END) == expected


def test_an_unreadable_first_version_extends_the_opening_unknown_to_the_next_version():
    intervals = lane((T1, UNKNOWN, "replay failed"), (T2, ALLOWED, "a")).intervals(START, END)
    assert [(i["from"], i["to"], i["state"]) for i in intervals] == [(START, T2, UNKNOWN), (T2, END, ALLOWED)]
    assert set(intervals[0]) == {"from", "to", "state", "reason"}


def test_a_lane_first_holds_a_state_from_its_first_real_span():
    same_second = lane((T1, ALLOWED, "a"), (T1, BLOCKED, "b"))
    assert same_second.first(ALLOWED, START, END) is None  # the earlier version of that second never held
    assert same_second.first(BLOCKED, START, END) == T1


TDM_ON = b'[{"location": "/", "tdm-reservation": 1}]'
RESERVED = [{"location": "/", "tdm-reservation": 1, "tdm-policy": None}]


def version(stamp: str, body: bytes | None, status: int | None = 200, path: str = TDMREP,
            content_type: str = "application/json", error: str | None = None) -> FileVersion:
    url = "https://example.com" + path
    return FileVersion(path, url, stamp, f"https://web.archive.org/web/{stamp}id_/{url}", status, body, content_type, error)


@pytest.mark.parametrize(("middle", "expected"), [
    pytest.param(version("20230601000000", b"oops", 500), [], id="a-captured-500-is-skipped"),
    pytest.param(version("20230601000000", b"oops", 503), [], id="a-captured-503-is-skipped"),
    pytest.param(version("20230601000000", None, None, error="replay failed"), [], id="a-failed-replay-is-skipped"),
    pytest.param(version("20230601000000", b"gone", 404), [("2023-06-01", RESERVED, "absent"), ("2024-01-01", "absent", RESERVED)],
                 id="outside:-a-captured-404-is-absent-so-two-changes"),
])
def test_summary_changes_skip_what_could_not_be_read(middle, expected):
    versions = [version("20230101000000", TDM_ON), middle, version("20240101000000", TDM_ON)]
    changes = summary_changes(versions, "tdmrep")
    assert [(str(c["captured_at"])[:10], c["before"], c["after"]) for c in changes] == expected


def test_a_change_after_an_unreadable_version_is_still_listed_with_its_file_and_archive_copy():
    versions = [version("20230101000000", TDM_ON), version("20230601000000", None, None, error="replay failed"),
                version("20240101000000", b"gone", 404)]
    assert summary_changes(versions, "tdmrep") == [{
        "file": TDMREP, "what": "tdmrep", "url": "https://example.com" + TDMREP, "captured_at": "2024-01-01T00:00:00Z",
        "archive_url": "https://web.archive.org/web/20240101000000id_/https://example.com" + TDMREP,
        "before": RESERVED, "after": "absent"}]


def build(*versions: FileVersion, terms: tuple[str, ...] = ()) -> dict[str, object]:
    by_file: dict[str, list[FileVersion]] = {}
    for v in versions:
        by_file.setdefault(v.path, []).append(v)
    return build_timeline(TimelineInput("someplatform", "example.com", START, END, ["GPTBot"], {}, by_file, terms))


def test_the_timeline_names_its_schema_platform_host_and_range():
    result = build()
    assert {key: result[key] for key in ("schema_version", "platform", "host", "from", "to")} == {
        "schema_version": 1, "platform": "someplatform", "host": "example.com", "from": START, "to": END}


def test_a_terms_path_with_no_archived_version_gives_no_entry():
    assert build(terms=("/terms",))["terms"] == []


def test_changes_are_in_capture_order_across_files():
    signal = b"User-agent: *\nContent-Signal: ai-train=no\nAllow: /\n"
    result = build(
        version("20220101000000", b"User-agent: *\nAllow: /\n", path=ROBOTS, content_type="text/plain"),
        version("20240101000000", signal, path=ROBOTS, content_type="text/plain"),
        version("20220101000000", b"User-agent: *\nDisallow: *.mp3\n", path=AI_TXT, content_type="text/plain"),
        version("20230101000000", b"User-agent: *\nAllow: *.mp3\n", path=AI_TXT, content_type="text/plain"),
    )
    changes = result["changes"]
    assert isinstance(changes, list)
    assert [(c["what"], c["captured_at"]) for c in changes] == [("ai.txt", T1), ("content-signal", T3)]
