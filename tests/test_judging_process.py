"""Pages judged in a second process (NOAI_JUDGE_PROCESS): the same files, and no page lost or half-written
when either process dies."""

from __future__ import annotations

import dataclasses
import gzip
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from noai_check.crawl.judging_process import JudgingProcess
from noai_check.crawl.judging_worker import fetched_fields, frame, read_message
from noai_check.crawl.record_writer import hold_folder
from noai_check.judge.registry import shipped_registry
from noai_check.replica import start_replica
from noai_check.signals.response import Fetched, make_headers
from tests.crawling import FAST, REPO, scrapy_crawl, spider_args

_PID = re.compile(r"pages are judged in a second process \(pid (\d+)\)")


def _without_time(line: str) -> dict[str, object]:
    record: dict[str, object] = json.loads(line)
    record.pop("fetched_at")
    return record


def _evidence(out: Path) -> list[str]:
    """The evidence lines, sorted, without the Date header (the one thing that differs between two crawls)."""
    with gzip.open(out / "evidence" / "responses.jsonl.gz", "rt", encoding="utf-8") as stream:
        records = [json.loads(line) for line in stream]
    for record in records:
        assert record["headers"].pop("date", None) is not None or record["status"] is None
    return sorted(json.dumps(record, sort_keys=True) for record in records)


def _files(out: Path) -> dict[str, list[object]]:
    """Each output file's lines, sorted (pages arrive in a different order from run to run)."""
    files: dict[str, list[object]] = {}
    for name in ("pages.jsonl", "media.jsonl"):
        lines = (out / name).read_text(encoding="utf-8").splitlines()
        files[name] = sorted((_without_time(line) for line in lines), key=lambda r: json.dumps(r, sort_keys=True))
    files["verdicts.jsonl"] = sorted((out / "verdicts.jsonl").read_text(encoding="utf-8").splitlines())
    files["evidence"] = list(_evidence(out))
    return files


def _consistent(out: Path) -> int:
    """Every page line is whole and its verdict map was written; the number of page lines."""
    refs = {json.loads(line)["ref"] for line in (out / "verdicts.jsonl").read_text(encoding="utf-8").splitlines()}
    text = (out / "pages.jsonl").read_text(encoding="utf-8")
    assert text == "" or text.endswith("\n"), "a half-written page line"
    pages = [json.loads(line) for line in text.splitlines()]
    assert all(page["agents_ref"] in refs for page in pages), "a page refers to a verdict map never written"
    return len(pages)


def test_pages_judged_in_a_second_process_give_the_same_files_as_in_one(tmp_path):
    with start_replica("soundcloud") as replica:
        runs = {}
        for mode in ("on", "off"):
            result = scrapy_crawl(replica, tmp_path / mode, max_pages="30", settings={"NOAI_JUDGE_PROCESS": mode})
            assert result.returncode == 0, result.stderr[-2000:]
            assert bool(_PID.search(result.stderr)) is (mode == "on")
            runs[mode] = _files(tmp_path / mode / "soundcloud")
    assert runs["on"]["pages.jsonl"], "the crawl judged no page"
    assert runs["on"]["media.jsonl"], "the crawl recorded no media file"
    assert runs["on"] == runs["off"]


def _crawl_command(replica_base: dict[str, str], reports: Path, **settings: str) -> list[str]:
    command = [sys.executable, "-m", "scrapy", "crawl", "soundcloud"]
    for key, value in replica_base.items():
        command += ["-a", f"{key}={value}"]
    for key, value in {**FAST, "NOAI_REPORTS_DIR": str(reports), "NOAI_JUDGE_PROCESS": "on", **settings}.items():
        command += ["-s", f"{key}={value}"]
    return command


def _start(command: list[str]) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _wait_for_pages(pages: Path, count: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if pages.exists() and pages.read_bytes().count(b"\n") >= count:
            return
        time.sleep(0.02)
    raise AssertionError("the crawl ended or stalled before it could be interrupted")


def _judging_pid(stderr: io.TextIOBase, process: subprocess.Popen[str]) -> int:
    for line in stderr:
        found = _PID.search(line)
        if found:
            return int(found.group(1))
    raise AssertionError(f"the crawl never said it judges in a second process (exit {process.poll()})")


def test_a_judging_process_that_dies_fails_the_crawl_in_one_line(tmp_path):
    """SIGKILL the judging process mid-crawl: exit 1, one line naming it, a report marked incomplete,
    and every page line written is whole with its verdict map."""
    with start_replica("generated-1k") as replica:
        reports = tmp_path / "reports"
        process = _start(_crawl_command(spider_args(replica, max_pages="400"), reports, DOWNLOAD_DELAY="0.002"))
        assert process.stderr is not None
        pid = _judging_pid(process.stderr, process)
        _wait_for_pages(reports / "soundcloud" / "pages.jsonl", 20, process)
        os.kill(pid, signal.SIGKILL)
        with process.stderr:
            rest = process.stderr.read()
        assert process.wait(timeout=60) == 1, rest[-2000:]
    errors = [line for line in rest.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "judging process stopped" in errors[0], rest[-2000:]
    out = reports / "soundcloud"
    report = json.loads((out / "report.json").read_text())
    assert report["complete"] is False and report["finish_reason"] == "judging_process_failed"
    assert 20 <= _consistent(out) < 400


def test_a_crawl_killed_outright_leaves_whole_records_and_its_resume_waits_for_them(tmp_path):
    """SIGKILL the crawl: its judging process writes what it was sent, then ends; a resume started at once
    waits for it (the folder's lock), then completes the sample with no page twice."""
    with start_replica("generated-1k") as replica:
        reports, jobdir = tmp_path / "reports", tmp_path / "job"
        command = _crawl_command(spider_args(replica, max_pages="120"), reports, JOBDIR=str(jobdir))
        process = _start(command)
        assert process.stderr is not None
        pid = _judging_pid(process.stderr, process)
        _wait_for_pages(reports / "soundcloud" / "pages.jsonl", 15, process)
        process.kill()
        process.wait(timeout=30)
        process.stderr.close()
        resumed = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=180, check=False)
        assert resumed.returncode == 0, resumed.stderr[-2000:]
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
            time.sleep(0.05)
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()
    out = reports / "soundcloud"
    _consistent(out)
    pages = [json.loads(line) for line in (out / "pages.jsonl").read_text().splitlines()]
    urls = [page["url"] for page in pages]
    assert len(urls) == len(set(urls)), "a page recorded twice"
    assert sum(page["page_type"] in ("track", "profile", "set") for page in pages) == 120


def test_a_page_the_judging_process_cannot_judge_is_counted_and_told(tmp_path, capfd):
    lock = hold_folder(tmp_path)
    for name in ("pages.jsonl", "media.jsonl", "verdicts.jsonl"):
        (tmp_path / name).touch()
    judging = JudgingProcess(tmp_path, set(), shipped_registry(), lock)
    good = Fetched("http://a.test/", 200, make_headers([("content-type", "text/html")]), b"<meta name=robots content=noai>")
    judging.judge(good, "track", "site files of this host were not read", "http://a.test", None, "2026-12-05T00:00:00Z", {})
    broken = Fetched("http://a.test/x", 200, make_headers([]), None)  # type: ignore[arg-type]
    judging.judge(broken, "track", "not read", "http://a.test", None, "2026-12-05T00:00:00Z", {})
    assert judging.close() == {"written": 1, "failed": 1}
    lock.close()
    assert "judging http://a.test/x failed" in capfd.readouterr().err
    assert [json.loads(line)["url"] for line in (tmp_path / "pages.jsonl").read_text().splitlines()] == ["http://a.test/"]


def test_a_page_crosses_the_pipe_whole():
    """Fetched goes as the tuple of its fields: every field, none left at its default, comes back."""
    sent = Fetched("http://a.test/x", 301, make_headers([("x-robots-tag", "noai"), ("x-robots-tag", "noimageai")]),
                   b"<html>\xe9</html>", "an error", 2, "http://a.test/y")
    assert all(getattr(sent, f.name) != f.default for f in dataclasses.fields(Fetched))
    tag, payload = read_message(io.BytesIO(frame("judge", {"fetched": fetched_fields(sent)})))
    assert tag == "judge"
    assert Fetched(*payload["fetched"]) == sent


def test_a_message_cut_short_ends_the_input():
    whole = frame("judge", {"url": "http://a.test/"})
    assert read_message(io.BytesIO(whole)) == ("judge", {"url": "http://a.test/"})
    assert read_message(io.BytesIO(whole[:-1])) is None
    assert read_message(io.BytesIO(whole[:2])) is None
    assert read_message(io.BytesIO(b"")) is None


def test_the_folder_lock_waits_for_the_process_holding_it(tmp_path):
    held = hold_folder(tmp_path)
    with pytest.raises(OSError, match="another crawl is still writing"):
        hold_folder(tmp_path, wait=0.2)
    held.close()
    hold_folder(tmp_path, wait=0.2).close()


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_a_bad_judge_process_setting_is_one_line_and_exit_2(tmp_path, value):
    with start_replica("soundcloud") as replica:
        result = scrapy_crawl(replica, tmp_path, max_pages="3", settings={"NOAI_JUDGE_PROCESS": value})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "Spider opened" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if "error" in line.lower()]
    assert errors == [f"error: NOAI_JUDGE_PROCESS must be on, off or auto, got {value!r}"]
