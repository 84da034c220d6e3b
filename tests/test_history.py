"""history.sqlite: schema and migration, refusing other people's files, concurrent writers."""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from noai_check.errors import NoaiCheckError
from noai_check.history import store as history_module
from noai_check.history.snapshot import snapshot_from_reports
from noai_check.history.store import (
    APPLICATION_ID,
    HISTORY_FILE,
    open_history,
    record_crawl,
    schema_version,
)
from tests.crawling import REPO
from tests.fake_crawl import ROBOTS_V1, page, write_crawl


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_run_round_trips_through_the_history(tmp_path):
    out = write_crawl(tmp_path, finished_at="2026-01-01T00:00:00Z",
                      pages=[page("/a/one", noai=True, agent_directives={"gptbot": ["noai"]}, content_usage={"train-ai": "n"}),
                             page("/a/two", verifiable=False)])
    run_id = record_crawl(out)
    assert run_id == 1
    with open_history(tmp_path) as history:
        [info] = history.runs("soundcloud")
        assert info.complete and info.finish_reason == "finished"
        stored = history.load(run_id, with_agents=True)
    one = stored.pages["https://sc.example/a/one"]
    assert (one.noai, one.agent_directives, one.content_usage, one.tdm) == (True, {"gptbot": ["noai"]}, {"train-ai": "n"}, 1)
    assert one.agents() == {"GPTBot": [True, "none"]}
    assert not stored.pages["https://sc.example/a/two"].verifiable
    robots = stored.site_files[("https://sc.example", "robots.txt")]
    assert robots.content == ROBOTS_V1 and robots.status == 200
    [terms] = stored.terms.values()
    assert [c.text for c in terms.clauses] == ["You keep your rights.", "We may change these terms."]
    assert stored.claims[0]["status"] == "partial"


def test_schema_marker_version_and_wal(tmp_path):
    record_crawl(write_crawl(tmp_path, finished_at="2026-01-01T00:00:00Z"))
    conn = sqlite3.connect(tmp_path / HISTORY_FILE)
    try:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert conn.execute("PRAGMA user_version").fetchone()[0] == schema_version()
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()


def test_recording_the_same_run_twice_keeps_one_row(tmp_path):
    out = write_crawl(tmp_path, finished_at="2026-01-01T00:00:00Z")
    assert record_crawl(out) == record_crawl(out) == 1


def test_an_incomplete_run_is_stored_as_incomplete(tmp_path):
    record_crawl(write_crawl(tmp_path, finished_at="2026-01-01T00:00:00Z", complete=False))
    with open_history(tmp_path) as history:
        [info] = history.runs("soundcloud")
    assert not info.complete and info.finish_reason == "closespider_pagecount"


def test_a_stale_site_file_from_an_older_crawl_is_not_taken_for_this_runs(tmp_path):
    out = write_crawl(tmp_path, finished_at="2026-01-01T00:00:00Z")
    (out / "site" / "sc.example" / "robots.txt").write_bytes(b"User-agent: *\nDisallow: /old\n")
    robots = snapshot_from_reports(out).site_files[("https://sc.example", "robots.txt")]
    assert robots.content is None and robots.sha256 == hashlib.sha256(ROBOTS_V1).hexdigest()


def test_a_terms_page_that_failed_has_unknown_clauses(tmp_path):
    out = write_crawl(tmp_path, finished_at="2026-01-01T00:00:00Z", terms_status=503)
    [terms] = snapshot_from_reports(out).terms.values()
    assert terms.clauses is None and not terms.verifiable and "503" in terms.reason


def test_reading_does_not_create_a_history(tmp_path):
    with pytest.raises(NoaiCheckError, match="no runs recorded"):
        open_history(tmp_path)
    assert not (tmp_path / HISTORY_FILE).exists()


# ---------------------------------------------------------------- files that are not ours


def foreign_sqlite(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    conn.execute("INSERT INTO invoices (total) VALUES (12.5)")
    conn.commit()
    conn.close()


def newer_history(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {schema_version() + 1}")
    conn.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY)")
    conn.commit()
    conn.close()


def corrupt_sqlite(path: Path) -> None:
    foreign_sqlite(path)
    data = bytearray(path.read_bytes())
    data[100:] = b"\xff" * (len(data) - 100)  # keep the header, shred every page
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("make, message", [
    (lambda p: p.write_text("these are my notes, not a database\n"), "not an SQLite database"),
    (foreign_sqlite, "not a noai-check history"),
    (newer_history, "newer noai-check"),
    (corrupt_sqlite, "cannot be read|not a noai-check history"),
])
def test_a_file_that_is_not_our_history_is_refused_and_left_byte_identical(tmp_path, make, message, caplog):
    path = tmp_path / HISTORY_FILE
    make(path)
    before = digest(path)
    with pytest.raises(NoaiCheckError, match=message) as error:
        open_history(tmp_path, create=True)
    assert "\n" not in str(error.value) and "left untouched" in str(error.value)
    out = write_crawl(tmp_path, finished_at="2026-01-01T00:00:00Z")
    with caplog.at_level(logging.ERROR):
        assert record_crawl(out) is None  # the crawl goes on; the history is not touched
    assert "run not recorded" in caplog.text
    assert digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [HISTORY_FILE, "soundcloud"]


def test_an_empty_file_becomes_a_history(tmp_path):
    (tmp_path / HISTORY_FILE).write_bytes(b"")
    assert record_crawl(write_crawl(tmp_path, finished_at="2026-01-01T00:00:00Z")) == 1


# ---------------------------------------------------------------- migrations


def test_a_migration_step_runs_once_and_bumps_the_version(tmp_path, monkeypatch):
    record_crawl(write_crawl(tmp_path, finished_at="2026-01-01T00:00:00Z"))
    calls = []

    def add_note_column(conn):
        calls.append(1)
        conn.execute("ALTER TABLE runs ADD COLUMN note TEXT")

    monkeypatch.setattr(history_module, "MIGRATIONS", [*history_module.MIGRATIONS, add_note_column])
    for _ in range(2):
        with open_history(tmp_path) as history:
            assert [r.run_id for r in history.runs()] == [1]
            assert history.conn.execute("PRAGMA user_version").fetchone()[0] == 2
    assert calls == [1]
    columns = [row[1] for row in sqlite3.connect(tmp_path / HISTORY_FILE).execute("PRAGMA table_info(runs)")]
    assert "note" in columns


def test_a_failing_migration_changes_nothing(tmp_path, monkeypatch):
    record_crawl(write_crawl(tmp_path, finished_at="2026-01-01T00:00:00Z"))

    def broken(conn):
        conn.execute("ALTER TABLE runs ADD COLUMN half_done TEXT")
        raise sqlite3.OperationalError("disk on fire")

    monkeypatch.setattr(history_module, "MIGRATIONS", [*history_module.MIGRATIONS, broken])
    with pytest.raises(NoaiCheckError, match="disk on fire"):
        open_history(tmp_path)
    monkeypatch.undo()
    with open_history(tmp_path) as history:
        assert history.conn.execute("PRAGMA user_version").fetchone()[0] == 1
        assert "half_done" not in [row[1] for row in history.conn.execute("PRAGMA table_info(runs)")]


# ---------------------------------------------------------------- two crawls finishing at once


def test_threads_recording_at_once_all_land(tmp_path):
    outs = []
    for n in range(6):
        platform_dir = tmp_path / "src" / str(n)
        outs.append(write_crawl(platform_dir, platform=f"platform{n}", finished_at=f"2026-01-01T00:00:0{n}Z"))
    errors: list[BaseException] = []
    ids: list[int | None] = []

    def record(out: Path) -> None:
        try:
            snapshot = snapshot_from_reports(out, with_agents=True)
            with open_history(tmp_path, create=True) as history:
                ids.append(history.record(snapshot))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=record, args=(out,)) for out in outs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(ids) == [1, 2, 3, 4, 5, 6]


_RECORD = """
import sys
from pathlib import Path
from noai_check.history.snapshot import snapshot_from_reports
from noai_check.history.store import open_history
reports, out, rounds = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
snapshot = snapshot_from_reports(out)
for n in range(rounds):
    snapshot.finished_at = f"2026-01-01T00:00:{n:02d}Z"
    with open_history(reports, create=True) as history:
        history.record(snapshot)
"""


def test_two_processes_recording_different_platforms_at_once(tmp_path):
    reports = tmp_path / "reports"
    reports.mkdir()
    a = write_crawl(tmp_path / "a", platform="soundcloud", finished_at="x")
    b = write_crawl(tmp_path / "b", platform="bandcamp", finished_at="x")
    procs = [subprocess.Popen([sys.executable, "-c", _RECORD, str(reports), str(out), "15"], cwd=REPO,
                              stderr=subprocess.PIPE, text=True) for out in (a, b)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    with open_history(reports) as history:
        assert len(history.runs("soundcloud")) == len(history.runs("bandcamp")) == 15
        assert history.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


# ---------------------------------------------------------------- a history that cannot be written


def test_a_crawl_whose_run_cannot_be_recorded_exits_1(tmp_path, start_scenario):
    """history.sqlite is a directory: the report is written, but the next run could not say what changed."""
    from tests.crawling import scrapy_crawl

    reports = tmp_path / "reports"
    (reports / HISTORY_FILE).mkdir(parents=True)
    result = scrapy_crawl(start_scenario("soundcloud"), reports, max_pages="3")
    assert result.returncode == 1, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [f"error: run not recorded in the history of {reports} (see the log)"]
    assert "noai-check history: run not recorded" in result.stderr
