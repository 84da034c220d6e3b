"""The pure archive package: CDX queries and answers, replay headers, dates and windows, the pacing policy."""

from __future__ import annotations

import json
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest

from noai_check.archive import (
    ArchiveDateError,
    ArchivePacer,
    ArchiveRefused,
    Capture,
    CdxQuery,
    Window,
    is_refusal,
    nearest_capture,
    parse_at,
    parse_cdx,
    parse_window,
    replay_url,
    unwrap_headers,
)
from noai_check.archive.replay import parse_replay_url, retry_after_seconds
from noai_check.errors import NoaiCheckError

HEADER = ["timestamp", "original", "mimetype", "statuscode", "digest", "length"]


def test_query_url_carries_every_parameter():
    query = CdxQuery("soundcloud.com", match_type="host", from_ts="20250415", to_ts="20250614",
                     filters=("statuscode:200", "mimetype:text/html"), collapse="urlkey", limit=500)
    params = parse_qs(urlsplit(query.to_url("https://web.archive.org")).query)
    assert urlsplit(query.to_url("https://web.archive.org/")).path == "/cdx/search/cdx"
    assert params["url"] == ["soundcloud.com"] and params["matchType"] == ["host"]
    assert params["output"] == ["json"] and params["fl"] == [",".join(HEADER)]
    assert params["from"] == ["20250415"] and params["to"] == ["20250614"]
    assert params["filter"] == ["statuscode:200", "mimetype:text/html"]
    assert params["collapse"] == ["urlkey"] and params["limit"] == ["500"] and params["showResumeKey"] == ["true"]
    assert "resumeKey" not in params
    assert parse_qs(urlsplit(query.next_page("k%20y").to_url("https://a")).query)["resumeKey"] == ["k%20y"]


@pytest.mark.parametrize("bad", [{"match_type": "everything"}, {"from_ts": "2025-05"}, {"to_ts": "123456789012345"}])
def test_query_rejects_bad_parameters(bad):
    with pytest.raises(ValueError):
        CdxQuery("x.org", **bad)


def test_parse_rows_by_the_header_with_revisits():
    body = json.dumps([
        ["original", "timestamp", "statuscode", "mimetype", "digest", "length"],  # any order: the header says
        ["https://x.org/robots.txt", "20240101000000", "200", "text/plain", "AAA", "300"],
        ["https://x.org/robots.txt", "20240201000000", "-", "warc/revisit", "AAA", "-"],
    ])
    page = parse_cdx(body)
    assert page.skipped == 0 and page.resume_key is None
    first, revisit = page.captures
    assert first == Capture("20240101000000", "https://x.org/robots.txt", "text/plain", 200, "AAA", 300)
    assert revisit.statuscode is None and revisit.is_revisit and not first.is_revisit


def test_parse_resume_key_after_the_empty_row():
    body = json.dumps([HEADER, ["20240101000000", "https://x.org/", "text/html", "200", "D", "1"], [], ["com,x)/ 2024"]])
    page = parse_cdx(body.encode())
    assert len(page.captures) == 1 and page.resume_key == "com,x)/ 2024"


def test_malformed_rows_are_skipped_and_counted():
    body = json.dumps([
        HEADER,
        ["20240101000000", "https://x.org/", "text/html", "200", "D", "1"],
        ["2024", "https://x.org/", "text/html", "200", "D", "1"],  # short timestamp
        ["20240101000000", "https://x.org/"],  # too few cells
        ["20240101000000", "https://x.org/", "text/html", "OK", "D", "1"],  # status not a number
        ["20240101000000", "", "text/html", "200", "D", "1"],  # no URL
        ["20240101000000", "https://x.org/", "text/html", 200, "D", "1"],  # not a string
    ])
    page = parse_cdx(body)
    assert len(page.captures) == 1 and page.skipped == 5 and len(page.problems) == 5
    assert "not 14 digits" in page.problems[0]


@pytest.mark.parametrize("body", [b"", b"  \n", b"[]"])
def test_empty_answers_have_no_captures(body):
    assert parse_cdx(body).captures == ()


@pytest.mark.parametrize("body", [b"<html>503</html>", b'{"a": 1}', b"[1, 2]", b"\xff\xfe["])
def test_a_body_that_is_not_cdx_json_is_one_value_error(body):
    with pytest.raises(ValueError, match="CDX answer"):
        parse_cdx(body)


def test_replay_url_round_trip():
    url = replay_url("http://127.0.0.1:9/", "20250515120000", "https://soundcloud.com/a?b=1")
    assert url == "http://127.0.0.1:9/web/20250515120000id_/https://soundcloud.com/a?b=1"
    assert parse_replay_url(url) == ("20250515120000", "https://soundcloud.com/a?b=1")
    assert parse_replay_url("https://soundcloud.com/a") is None
    with pytest.raises(ValueError):
        replay_url("https://web.archive.org", "2025", "https://x.org/")


def test_unwrap_headers_reads_the_originals_only():
    headers = [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Memento-Datetime", "Thu, 15 May 2025 12:00:00 GMT"),
        ("Link", '<https://web.archive.org/web/2025/x>; rel="memento"'),  # the archive's own Link
        ("X-Archive-Orig-Link", '<https://x.org/tdmrep.json>; rel="tdm-policy"'),
        ("x-archive-orig-x-robots-tag", "noai"),
        ("X-Archive-Orig-Content-Length", "123"),  # transport, not a signal
        ("X-Archive-Orig-", "nameless"),
        ("Server", "archive"),
    ]
    assert unwrap_headers(headers) == [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Link", '<https://x.org/tdmrep.json>; rel="tdm-policy"'),
        ("x-robots-tag", "noai"),
    ]


def test_refusals_are_not_captures():
    memento = [("Memento-Datetime", "Thu, 15 May 2025 12:00:00 GMT")]
    assert is_refusal(429, memento) and is_refusal(503, []) and is_refusal(503, [("memento-datetime-x", "1")])
    assert not is_refusal(503, memento) and not is_refusal(404, []) and not is_refusal(200, [])


def test_retry_after_as_seconds_or_date():
    assert retry_after_seconds("30", 0.0) == 30.0
    assert retry_after_seconds("Thu, 01 Jan 1970 00:01:40 GMT", 40.0) == 60.0
    assert retry_after_seconds(None, 0.0) is None and retry_after_seconds("later", 0.0) is None


@pytest.mark.parametrize("text, message", [
    ("2025-13-01", "YYYY-MM-DD"), ("15/05/2025", "YYYY-MM-DD"), ("2025-5-1", "YYYY-MM-DD"), ("", "YYYY-MM-DD"),
    ("2026-12-06", "in the future"),
])
def test_bad_at_is_one_line_user_error(text, message):
    with pytest.raises(ArchiveDateError, match=message) as raised:
        parse_at(text, today=date(2026, 12, 5))
    assert isinstance(raised.value, NoaiCheckError) and "\n" not in str(raised.value)


def test_at_today_is_allowed():
    assert parse_at("2026-12-05", today=date(2026, 12, 5)) == date(2026, 12, 5)


@pytest.mark.parametrize("text", ["0", "-3", "1.5", "week"])
def test_bad_window_is_one_line_user_error(text):
    with pytest.raises(ArchiveDateError, match="window"):
        parse_window(text)


def test_window_bounds_and_nearest_capture():
    window = Window(date(2025, 5, 15), 30)
    assert (window.from_ts, window.to_ts) == ("20250415000000", "20250614235959")
    caps = [Capture(ts, "u") for ts in ("20250414235959", "20250510000000", "20250520000000", "20250615000000")]
    assert nearest_capture(caps, window) == caps[2]  # 4 days 12 h after noon of at beats 5 days 12 h before
    assert nearest_capture([caps[0], caps[3]], window) is None  # both just outside: unknown, not absent
    tie = [Capture("20250516000000", "b"), Capture("20250515000000", "a")]  # both 12 h from noon: the earlier
    assert nearest_capture(tie, window) == tie[1]


def test_pacer_spaces_cdx_requests_and_limits_replays():
    pacer = ArchivePacer(cdx_delay=2.5, max_replays=2)
    assert pacer.wait_for("cdx", 100.0) == 0.0
    pacer.started("cdx", 100.0)
    assert pacer.wait_for("cdx", 103.0) > 0  # one CDX query at a time: the first is not answered yet
    pacer.finished("cdx")
    assert pacer.wait_for("cdx", 101.0) == pytest.approx(1.5)
    assert pacer.wait_for("cdx", 102.5) == 0.0
    pacer.started("replay", 100.0)
    pacer.started("replay", 100.0)
    assert pacer.wait_for("replay", 100.0) > 0  # both slots taken
    pacer.finished("replay")
    assert pacer.wait_for("replay", 100.0) == 0.0


def test_pacer_honours_retry_after_and_doubles_without_it():
    pacer = ArchivePacer(min_backoff=60.0, max_refusals=10)
    assert pacer.refused(0.0, 7.0) == 7.0
    assert pacer.wait_for("cdx", 6.9) == pytest.approx(0.1) and pacer.wait_for("replay", 7.0) == 0.0
    assert [pacer.refused(10.0, None) for _ in range(3)] == [60.0, 120.0, 240.0]
    assert pacer.wait_for("replay", 249.0) == pytest.approx(1.0)  # never sooner than the longest wait asked
    pacer.accepted()
    assert pacer.refused(300.0, None) == 60.0  # an accepted answer starts the back-off afresh


def test_pacer_gives_up_after_repeated_refusals_or_a_too_long_wait():
    pacer = ArchivePacer(max_refusals=2)
    pacer.refused(0.0, 1.0)
    pacer.refused(0.0, 1.0)
    with pytest.raises(ArchiveRefused, match="refused 3 requests in a row"):
        pacer.refused(0.0, 1.0)
    with pytest.raises(ArchiveRefused, match="wait 7200 s"):
        ArchivePacer().refused(0.0, 7200.0)


def test_pacer_pause_sleeps_for_urllib_callers():
    clock = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    pacer = ArchivePacer(cdx_delay=2.5)
    pacer.pause("cdx", lambda: clock[0], sleep)
    pacer.finished("cdx")
    pacer.pause("cdx", lambda: clock[0], sleep)
    assert slept == [2.5]
