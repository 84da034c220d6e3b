"""``noai-check verify``: exit 0 when nothing fails, 1 with one line per reason, 2 without a run."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from noai_check.cli import main
from noai_check.history.store import HISTORY_FILE
from tests.crawling import REPO
from tests.fake_crawl import ROBOTS_V2, TERMS_V2, claim, crawl, page


@pytest.fixture(autouse=True)
def wide_console(monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")
    monkeypatch.setenv("NO_COLOR", "1")


def verify(reports, *extra: str, capsys) -> tuple[int, str, str]:
    code = main(["verify", "soundcloud", "--reports-dir", str(reports), *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_no_history_is_a_usage_error(tmp_path, capsys):
    code, _, err = verify(tmp_path, capsys=capsys)
    assert code == 2 and "no runs recorded" in err


def test_only_incomplete_runs_is_a_usage_error(tmp_path, capsys):
    crawl(tmp_path, 1, complete=False)
    code, _, err = verify(tmp_path, capsys=capsys)
    assert code == 2 and "no complete run" in err and "1 incomplete" in err


def test_a_first_run_passes_with_a_warning(tmp_path, capsys):
    crawl(tmp_path, 1)
    code, out, _ = verify(tmp_path, capsys=capsys)
    assert code == 0 and "first complete run" in out and "OK" in out


def test_claims_fail_only_when_asked(tmp_path, capsys):
    crawl(tmp_path, 1, claims=[claim("no-ai-tag", "partial", 1, 4), claim("other", "verified", 4, 4)])
    assert verify(tmp_path, capsys=capsys)[0] == 0
    code, out, _ = verify(tmp_path, "--fail-on", "regression,claims", capsys=capsys)
    assert code == 1
    assert [line for line in out.splitlines() if line.startswith("FAIL")] == [
        "FAIL claims: claim no-ai-tag is partial: 1 of 4 checked pages satisfy it"]


@pytest.mark.parametrize("later, reason", [
    ({"robots": ROBOTS_V2}, ("agent became allowed by robots.txt on https://sc.example: GPTBot at /, "
                             "1 of 1 sampled profile paths, 1 of 1 sampled track paths")),
    ({"terms_html": TERMS_V2}, ("AI clause added to the terms at https://sc.example/terms-of-use: "
                                "\u201cYour content may be used to train artificial intelligence models.\u201d")),
    ({"pages": [page("/a/one"), page("/a", "profile", noai=False)]}, "page lost a signal: https://sc.example/a: noai true -> false"),
])
def test_each_kind_of_regression_fails_with_its_reason(tmp_path, capsys, later, reason):
    crawl(tmp_path, 1, pages=[page("/a/one"), page("/a", "profile", noai=True)])
    crawl(tmp_path, 2, **{"pages": [page("/a/one"), page("/a", "profile", noai=True)], **later})
    code, out, _ = verify(tmp_path, capsys=capsys)
    assert code == 1
    assert [line for line in out.splitlines() if line.startswith("FAIL")] == [f"FAIL regression: {reason}"]


def test_gains_are_not_failures(tmp_path, capsys):
    crawl(tmp_path, 1, robots=b"User-agent: *\nDisallow:\n", pages=[page("/a", "profile", noai=False)])
    crawl(tmp_path, 2, pages=[page("/a", "profile", noai=True)])  # GPTBot now blocked, noai gained
    assert verify(tmp_path, capsys=capsys)[0] == 0


def test_an_unreadable_terms_page_is_a_warning_not_a_failure(tmp_path, capsys):
    crawl(tmp_path, 1)
    crawl(tmp_path, 2, terms_status=503)
    code, out, _ = verify(tmp_path, capsys=capsys)
    assert code == 0 and "warning" in out and "unknown" in out


def test_an_interrupted_newest_run_is_skipped_with_a_warning_or_fails_when_asked(tmp_path, capsys):
    crawl(tmp_path, 1)
    crawl(tmp_path, 2)
    crawl(tmp_path, 3, complete=False, pages=[])  # would "lose" every page if it were compared
    code, out, _ = verify(tmp_path, capsys=capsys)
    assert code == 0 and "run 3" in out and "incomplete" in out
    code, out, _ = verify(tmp_path, "--fail-on", "incomplete", capsys=capsys)
    assert code == 1 and "FAIL incomplete" in out


def test_json_output(tmp_path, capsys):
    crawl(tmp_path, 1)
    crawl(tmp_path, 2, terms_html=TERMS_V2)
    code, out, _ = verify(tmp_path, "--json", capsys=capsys)
    data = json.loads(out)
    assert code == 1 and data["passed"] is False and data["fail_on"] == ["regression"]
    assert (data["previous"]["run_id"], data["run"]["run_id"]) == (1, 2)
    assert [f["category"] for f in data["failures"]] == ["regression"]
    assert [c["kind"] for c in data["changes"]] == ["terms"]


@pytest.mark.parametrize("value", ["", "regression,nonsense", "claim"])
def test_unknown_fail_on_is_a_usage_error(tmp_path, capsys, value):
    crawl(tmp_path, 1)
    code, _, err = verify(tmp_path, "--fail-on", value, capsys=capsys)
    assert code == 2 and "--fail-on" in err


# ---------------------------------------------------------------- a run that read nothing; corrupt and read-only histories


def test_a_run_that_read_no_page_fails_with_its_own_reason(tmp_path, capsys):
    crawl(tmp_path, 1)
    down = [page("/a/one", verifiable=False, reason="status 503"), page("/a", "profile", verifiable=False, reason="status 503")]
    crawl(tmp_path, 2, pages=down)
    code, out, _ = verify(tmp_path, capsys=capsys)
    assert code == 1
    assert ("FAIL unreadable: run 2 (finished 2026-01-02T00:00:00Z) could read no page at all (all 2 pages it fetched "
            "were unreadable): the site may have been down or blocking; nothing was verified") in out.splitlines()


def test_a_first_run_that_read_no_page_fails_too(tmp_path, capsys):
    crawl(tmp_path, 1, pages=[])
    code, out, _ = verify(tmp_path, "--json", capsys=capsys)
    data = json.loads(out)
    assert code == 1 and data["passed"] is False
    assert [f["category"] for f in data["failures"]] == ["unreadable"] and "recorded no page" in data["failures"][0]["summary"]


def shred_pages(path):
    data = bytearray(path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    data[page_size:] = b"\xee" * (len(data) - page_size)  # page 1 (header, schema) intact, every other page shredded
    path.write_bytes(bytes(data))


def drop_pages_table(path):
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE pages")
    conn.commit()
    conn.close()


def truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def garbage(path):
    path.write_bytes(bytes(range(256)) * 64)


def bad_json_column(path):
    conn = sqlite3.connect(path)
    conn.execute("UPDATE runs SET claims = '{not json'")
    conn.commit()
    conn.close()


@pytest.mark.parametrize("damage", [shred_pages, drop_pages_table, truncate, garbage, bad_json_column])
@pytest.mark.parametrize("command", ["verify", "diff"])
def test_a_damaged_history_is_one_line_and_exit_2(tmp_path, capsys, damage, command):
    crawl(tmp_path, 1)
    crawl(tmp_path, 2, terms_html=TERMS_V2)
    history = tmp_path / HISTORY_FILE
    damage(history)
    before = history.read_bytes()
    code = main([command, "soundcloud", "--reports-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert str(history) in err
    assert history.read_bytes() == before


def test_diff_from_a_run_to_itself_is_a_usage_error(tmp_path, capsys):
    crawl(tmp_path, 1)
    crawl(tmp_path, 2)
    assert main(["diff", "soundcloud", "--reports-dir", str(tmp_path), "--from", "2", "--to", "2"]) == 2
    err = capsys.readouterr().err
    assert "--from and --to are both run 2" in err and len(err.strip().splitlines()) == 1


def two_runs_with_a_regression(reports) -> None:
    crawl(reports, 1)
    crawl(reports, 2, terms_html=TERMS_V2)
    assert {p.name for p in reports.iterdir()} >= {HISTORY_FILE}
    assert not (reports / (HISTORY_FILE + "-wal")).exists()  # closed cleanly: a WAL database with no -wal, no -shm


def test_verify_and_diff_on_a_chmod_read_only_history(tmp_path, capsys):
    # As root, chmod does not stop writes; the read-only mount below is the real test of that.
    two_runs_with_a_regression(tmp_path)
    history = tmp_path / HISTORY_FILE
    before = history.read_bytes()
    history.chmod(0o444)
    tmp_path.chmod(0o555)
    try:
        assert verify(tmp_path, capsys=capsys)[0] == 1
        assert main(["diff", "soundcloud", "--reports-dir", str(tmp_path), "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["to"]["run_id"] == 2
    finally:
        tmp_path.chmod(0o755)
    assert history.read_bytes() == before
    # Where it may, SQLite leaves an empty -wal (and its -shm index) after a read-only connection; nothing else.
    assert {p.name for p in tmp_path.iterdir()} <= {HISTORY_FILE, HISTORY_FILE + "-wal", HISTORY_FILE + "-shm", "soundcloud"}
    wal = tmp_path / (HISTORY_FILE + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0


def read_only_mount(directory: Path, *command: str) -> subprocess.CompletedProcess[str]:
    """Run ``command`` where ``directory`` is a read-only bind mount (a private mount namespace: nothing leaks)."""
    script = 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" "$1" && touch "$1/probe" 2>/dev/null && exit 99; shift; exec "$@"'
    return subprocess.run(["unshare", "--mount", "sh", "-c", script, "sh", str(directory), *command],
                          capture_output=True, text=True, cwd=REPO, timeout=120, check=False)


@pytest.fixture
def can_mount_read_only(tmp_path):
    if not shutil.which("unshare"):
        pytest.skip("unshare is not installed")
    probe = read_only_mount(tmp_path, "true")
    if probe.returncode != 0:
        pytest.skip(f"cannot make a read-only bind mount here (needs root): {probe.stderr.strip()}")


def test_verify_and_diff_on_a_read_only_mount(tmp_path, can_mount_read_only):
    two_runs_with_a_regression(tmp_path)
    before = (tmp_path / HISTORY_FILE).read_bytes()
    cli = [sys.executable, "-m", "noai_check.cli"]
    verify_run = read_only_mount(tmp_path, *cli, "verify", "soundcloud", "--reports-dir", str(tmp_path))
    assert verify_run.returncode == 1, verify_run.stderr
    assert "FAIL regression: AI clause added to the terms" in verify_run.stdout
    diff_run = read_only_mount(tmp_path, *cli, "diff", "soundcloud", "--reports-dir", str(tmp_path), "--json")
    assert diff_run.returncode == 0, diff_run.stderr
    assert [c["kind"] for c in json.loads(diff_run.stdout)["changes"]] == ["terms"]
    assert (tmp_path / HISTORY_FILE).read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [HISTORY_FILE, "soundcloud"]
