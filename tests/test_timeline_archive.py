"""`noai-check timeline` against the archive replica: real CDX listings and id_ replays on 127.0.0.1."""

from __future__ import annotations

import json
import time
from pathlib import Path

import lxml.html
import pytest

from noai_check.archive.pacing import ArchivePacer
from noai_check.cli import main
from noai_check.crawl.archive_client import ArchiveClient
from noai_check.crawl.settings import USER_AGENT
from noai_check.crawl.timeline_fetch import TimelineRequest, build_archive_timeline
from noai_check.replica.archive import Snapshot
from noai_check.replica.archive_history import TERMS_AI_CLAUSE
from tests.rawhttp import raw_server

HOST = "https://soundcloud.com"
TEXT = (("Content-Type", "text/plain"),)
END = "2026-06-30T23:59:59Z"


def run(capsys, archive_url: str, reports: Path, *extra: str) -> tuple[int, dict | None, str]:
    code = main(["timeline", "soundcloud", "--archive-url", archive_url, "--reports-dir", str(reports), "--json", *extra])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), err


def states(intervals: list[dict]) -> list[tuple[str, str]]:
    return [(i["from"][:10], i["state"]) for i in intervals]


@pytest.fixture(autouse=True)
def _no_cdx_delay(monkeypatch):
    monkeypatch.setenv("NOAI_ARCHIVE_CDX_DELAY", "0")


def test_the_soundcloud_history_as_a_timeline(archive, capsys, tmp_path):
    code, timeline, _ = run(capsys, archive.url, tmp_path, "--to", "2026-06")
    assert code == 0 and timeline["complete"] is True
    assert states(timeline["agents"]["GPTBot"]) == [
        ("2019-03-15", "allowed"), ("2023-08-22", "blocked"), ("2024-06-12", "unknown"),  # a captured 503
        ("2025-03-01", "blocked"), ("2026-01-15", "allowed")]
    assert timeline["agents"]["GPTBot"][2]["reason"] == "the archived robots.txt answered 503"
    assert states(timeline["agents"]["CCBot"])[-1] == ("2025-03-01", "allowed")
    assert timeline["first_blocked"]["GPTBot"] == "2023-08-22T10:15:00Z"
    assert timeline["first_blocked"]["ClaudeBot"] == "2025-03-01T07:00:00Z"
    assert timeline["first_blocked"]["PerplexityBot"] is None
    assert states(timeline["agents_by_page_type"]["track"]["Google-Extended"])[1] == ("2023-10-10", "blocked")
    robots = timeline["versions"]["/robots.txt"]
    assert [v["captured_at"][:10] for v in robots] == ["2019-03-15", "2023-08-22", "2023-10-10", "2024-06-12", "2025-03-01", "2026-01-15"]
    assert robots[0]["archive_url"] == f"{archive.url}/web/20190315083000id_/{HOST}/robots.txt"
    assert [v["status"] for v in timeline["versions"]["/.well-known/tdmrep.json"]] == [404]
    assert "/ai.txt" not in timeline["versions"]  # never captured: unknown, not "absent"
    added = [t for t in timeline["terms"] if t["ai_clauses_added"]]
    assert [(t["captured_at"], t["ai_clauses_added"]) for t in added] == [("2024-02-07T15:00:00Z", [f"3. {TERMS_AI_CLAUSE}"])]
    assert {agent for _, _, agent in archive.site.log} == {USER_AGENT}
    assert json.loads((tmp_path / "soundcloud" / "timeline.json").read_text()) == timeline
    html = lxml.html.fromstring((tmp_path / "soundcloud" / "timeline.html").read_text())
    assert html.xpath("//svg//line[@class='mark-added']")


def test_each_version_is_replayed_once_and_cdx_requests_are_spaced(start_archive, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("NOAI_ARCHIVE_CDX_DELAY", "0.3")
    archive = start_archive(_five_versions())
    began = time.monotonic()
    code, timeline, _ = run(capsys, archive.url, tmp_path, "--from", "2024", "--to", "2024")
    assert code == 0 and len(timeline["versions"]["/robots.txt"]) == 5
    replays = [target for _, target, _ in archive.site.log if target.startswith("/web/")]
    assert len(replays) == len(set(replays)) == 5
    cdx = [target for _, target, _ in archive.site.log if target.startswith("/cdx/")]
    assert len(cdx) == 5  # robots.txt, tdmrep.json, ai.txt, llms.txt, the terms page
    assert time.monotonic() - began >= 4 * 0.3  # $NOAI_ARCHIVE_CDX_DELAY between them


def test_cdx_requests_wait_the_delay_replays_do_not(start_archive):
    archive = start_archive(_five_versions())
    clock, slept = [0.0], []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    client = ArchiveClient(ArchivePacer(cdx_delay=2.5), clock=lambda: clock[0], sleep=sleep)
    timeline = build_archive_timeline(_request(archive.url), client)
    assert timeline["complete"] is True and len(archive.site.log) == 5 + 5
    assert sum(slept) == pytest.approx(4 * 2.5)  # 5 CDX listings, 2.5 s apart; the 5 replays wait for nothing


def _five_versions() -> list[Snapshot]:
    return [Snapshot(f"{HOST}/robots.txt", f"2024010{d}000000", 200, TEXT, f"User-agent: GPTBot\nDisallow: /{d}\n".encode())
            for d in range(1, 6)]


def test_cdx_paging_by_resume_key_lists_every_version(start_archive, capsys, tmp_path):
    robots = [Snapshot(f"{HOST}/robots.txt", f"2024{m:02d}01000000", 200, TEXT, f"User-agent: *\nDisallow: /{m}\n".encode())
              for m in range(1, 13)]
    archive = start_archive(robots, page_size=5)
    code, timeline, _ = run(capsys, archive.url, tmp_path, "--from", "2024", "--to", "2024")
    assert code == 0 and len(timeline["versions"]["/robots.txt"]) == 12
    assert sum("resumeKey=" in target for _, target, _ in archive.site.log) == 2


def test_refusals_are_waited_out_as_retry_after_says(start_archive, tmp_path):
    robots = [Snapshot(f"{HOST}/robots.txt", f"2024010{d}000000", 200, TEXT, f"User-agent: GPTBot\nDisallow: /{d}\n".encode())
              for d in range(1, 7)]
    archive = start_archive(robots, refuse_every=3, retry_after="30")
    clock, slept = [0.0], []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    client = ArchiveClient(ArchivePacer(cdx_delay=0), clock=lambda: clock[0], sleep=sleep)
    timeline = build_archive_timeline(_request(archive.url), client, workers=1)
    assert timeline["complete"] is True and len(timeline["versions"]["/robots.txt"]) == 6
    refusals = sum(1 for _, target, _ in archive.site.log) // 3
    assert refusals >= 3 and sum(slept) >= 30 * refusals  # never asked again sooner than Retry-After


def test_an_archive_that_keeps_refusing_stops_the_run_with_its_reason(start_archive, tmp_path):
    archive = start_archive([Snapshot(f"{HOST}/robots.txt", "20240101000000", 200, TEXT, b"User-agent: *\nDisallow:\n")],
                            down=True, retry_after="")  # 503s without a usable Retry-After
    clock, slept = [0.0], []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    client = ArchiveClient(ArchivePacer(cdx_delay=0), clock=lambda: clock[0], sleep=sleep)
    timeline = build_archive_timeline(_request(archive.url), client)
    assert timeline["complete"] is False
    assert "refused 5 requests in a row" in timeline["incomplete_reason"]
    assert slept == [1.0] * (60 + 120 + 240 + 480)  # 60 s, then doubling, in 1 s steps
    assert len(archive.site.log) == 5  # and then no more asking
    assert timeline["agents"]["GPTBot"][0]["state"] == "unknown"


def _request(archive_url: str) -> TimelineRequest:
    return TimelineRequest("soundcloud", HOST, archive_url, "2024", "20261231235959", END, "2024-01-01T00:00:00Z",
                           ["GPTBot", "CCBot"], {"track": "/a/t"}, ("/terms-of-use",))


def test_a_truncated_replay_is_unknown_with_a_finding(start_archive, capsys, tmp_path):
    robots = [Snapshot(f"{HOST}/robots.txt", "20240101000000", 200, TEXT, b"User-agent: GPTBot\nDisallow: /\n"),
              Snapshot(f"{HOST}/robots.txt", "20240601000000", 200, TEXT, b"User-agent: *\nAllow: /\n" * 50, truncated=True)]
    archive = start_archive(robots)
    code, timeline, _ = run(capsys, archive.url, tmp_path, "--from", "2024", "--to", "2024")
    assert code == 0
    assert states(timeline["agents"]["GPTBot"]) == [("2024-01-01", "blocked"), ("2024-06-01", "unknown")]
    assert "cut short" in timeline["versions"]["/robots.txt"][1]["error"]
    assert any("2024-06-01" in f and "cut short" in f for f in timeline["findings"])


def test_a_captured_redirect_is_followed_through_the_archive(start_archive, capsys, tmp_path):
    robots = [Snapshot(f"{HOST}/robots.txt", "20240101000000", 301, (("Location", f"{HOST}/robots-new.txt"),), b""),
              Snapshot(f"{HOST}/robots-new.txt", "20240101000005", 200, TEXT, b"User-agent: GPTBot\nDisallow: /\n")]
    archive = start_archive(robots)
    code, timeline, _ = run(capsys, archive.url, tmp_path, "--from", "2024", "--to", "2024")
    assert code == 0 and timeline["first_blocked"]["GPTBot"] == "2024-01-01T00:00:00Z"
    assert timeline["versions"]["/robots.txt"][0]["redirected_to"] == f"{HOST}/robots-new.txt"


def test_malformed_cdx_rows_are_skipped_with_a_finding(capsys, tmp_path):
    rows = json.dumps([["timestamp", "original", "mimetype", "statuscode", "digest", "length"],
                       ["2024-01-01", f"{HOST}/robots.txt", "text/plain", "200", "X", "10"]]).encode()

    def answer(path: str) -> list[bytes]:
        body = rows if path.startswith("/cdx/") else b"no"
        return [b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % len(body), body]

    with raw_server(answer) as url:
        code, timeline, err = run(capsys, url, tmp_path, "--from", "2024", "--to", "2024")
    assert code == 0 and "Traceback" not in err
    assert timeline["versions"] == {}
    assert any("is not 14 digits (skipped)" in f for f in timeline["findings"])


def test_no_capture_in_the_range_is_a_complete_timeline_of_unknowns(archive, capsys, tmp_path):
    code, timeline, _ = run(capsys, archive.url, tmp_path, "--from", "2001", "--to", "2002")
    assert code == 0 and timeline["complete"] is True and timeline["versions"] == {}
    assert timeline["agents"]["GPTBot"] == [{"from": "2001-01-01T00:00:00Z", "to": "2002-12-31T23:59:59Z",
                                             "state": "unknown", "reason": "no archived version covers this time"}]


def test_an_unreachable_archive_is_one_line_exit_1_and_keeps_the_previous_timeline(archive, capsys, tmp_path):
    assert run(capsys, archive.url, tmp_path, "--to", "2026-06")[0] == 0
    before = (tmp_path / "soundcloud" / "timeline.json").read_bytes()
    with raw_server(lambda path: [], limit=0) as url:  # nothing listens once it is closed
        pass
    code, _, err = run(capsys, url, tmp_path)
    assert code == 1 and "Traceback" not in err  # the input was fine: the archive failed (as in `-a at=` crawls)
    assert err.strip().splitlines()[-1].startswith("error: timeline incomplete: the archive at 127.0.0.1:")
    assert "the previous" in err and (tmp_path / "soundcloud" / "timeline.json").read_bytes() == before


def test_the_timeline_relinks_the_stored_report(archive, capsys, tmp_path):
    from tests.test_report import BASE, record, report_of

    report_of(tmp_path / "soundcloud", [record(f"{BASE}/u/t")])
    assert run(capsys, archive.url, tmp_path, "--to", "2026-06")[0] == 0
    report = lxml.html.fromstring((tmp_path / "soundcloud" / "report.html").read_text())
    assert report.xpath("//nav//a[@href='timeline.html']")
    timeline = lxml.html.fromstring((tmp_path / "soundcloud" / "timeline.html").read_text())
    assert timeline.xpath("//nav//a[@href='report.html']")


def test_ctrl_c_stops_the_replays_at_once(start_archive):
    robots = [Snapshot(f"{HOST}/robots.txt", f"2024{1 + i // 28:02d}{1 + i % 28:02d}000000", 200, TEXT,
                       f"User-agent: GPTBot\nDisallow: /{i}\n".encode()) for i in range(300)]
    archive = start_archive(robots)

    def progress(line: str) -> None:
        if "250 of" in line:
            raise KeyboardInterrupt

    request = _request(archive.url)
    request.progress = progress
    with pytest.raises(KeyboardInterrupt):
        build_archive_timeline(request, ArchiveClient(ArchivePacer(cdx_delay=0)), workers=1)
    replays = [target for _, target, _ in archive.site.log if target.startswith("/web/")]
    assert 250 <= len(replays) <= 252  # the ones queued after the interrupt were never asked for


def test_any_site_by_its_base_url(start_archive, capsys, tmp_path):
    archive = start_archive([Snapshot("https://blog.example.org/robots.txt", "20240301000000", 200, TEXT,
                                      b"User-agent: CCBot\nDisallow: /\n")])
    code = main(["timeline", "site", "--base-url", "https://blog.example.org", "--archive-url", archive.url,
                 "--reports-dir", str(tmp_path), "--from", "2024", "--to", "2024"])
    assert code == 0, capsys.readouterr().err
    timeline = json.loads((tmp_path / "blog.example.org" / "timeline.json").read_text())
    assert timeline["host"] == "blog.example.org" and timeline["agents_by_page_type"] == {}
    assert states(timeline["agents"]["CCBot"]) == [("2024-01-01", "unknown"), ("2024-03-01", "blocked")]


def test_gzip_encoded_replays_and_garbage_cdx_rows(start_archive, capsys, tmp_path):
    archive = start_archive([Snapshot(f"{HOST}/robots.txt", "20240301000000", 200, TEXT, b"User-agent: GPTBot\nDisallow: /\n")],
                            gzip_replays=True, garbage_rows=True)
    code, timeline, err = run(capsys, archive.url, tmp_path, "--from", "2024", "--to", "2024")
    assert code == 0 and "Traceback" not in err
    assert timeline["first_blocked"]["GPTBot"] == "2024-03-01T00:00:00Z"
    assert len(timeline["versions"]["/robots.txt"]) == 1
    assert sum("(skipped)" in f for f in timeline["findings"]) >= 3
