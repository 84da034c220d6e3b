"""Compact records: each verdict map once in verdicts.jsonl, records naming it by ``agents_ref``.

Real crawls of the replica; the old form (maps inline) is written by hand from a real crawl's
records with their refs expanded, and must read the same everywhere.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from noai_check.errors import NoaiCheckError
from noai_check.history.diff import diff_history
from noai_check.history.snapshot import snapshot_from_reports
from noai_check.history.store import record_crawl
from noai_check.judge.page_records import iter_judged
from noai_check.judge.registry import load_registry
from noai_check.replica import start_replica
from tests.crawling import REPO, scrapy_crawl

RECORD_FILES = ("pages.jsonl", "media.jsonl")


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _maps(out: Path) -> dict[str, dict[str, Any]]:
    return {entry["ref"]: entry["agents"] for entry in _lines(out / "verdicts.jsonl")}


def _old_form_lines(out: Path, name: str) -> str:
    """``name`` as the crawl wrote it before verdicts.jsonl: each map inline, json.dumps(sort_keys=True)."""
    maps = _maps(out)
    records = []
    for record in _lines(out / name):
        record["agents"] = maps[record.pop("agents_ref")]
        records.append(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
    return "".join(records)


def _noai_check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "noai_check.cli", *args], cwd=REPO, check=False,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> Path:
    """A real crawl of the soundcloud replica: pages and media, several verdict maps."""
    reports = tmp_path_factory.mktemp("reports")
    with start_replica("soundcloud") as replica:
        result = scrapy_crawl(replica, reports)
    assert result.returncode == 0, result.stderr[-3000:]
    return reports / "soundcloud"


@pytest.fixture()
def old_form(crawled, tmp_path) -> Path:
    """The same crawl stored in the old form: pages.jsonl and media.jsonl with ``agents`` inline, no verdicts.jsonl."""
    out = tmp_path / "old" / "soundcloud"
    shutil.copytree(crawled, out, ignore=shutil.ignore_patterns("verdicts.jsonl", *RECORD_FILES, "report.*"))
    for name in RECORD_FILES:
        (out / name).write_text(_old_form_lines(crawled, name), encoding="utf-8")
    return out


def test_each_map_is_written_once_and_records_name_it_by_a_content_hash(crawled):
    maps = _lines(crawled / "verdicts.jsonl")
    refs = [entry["ref"] for entry in maps]
    assert len(refs) == len(set(refs)) >= 2
    for entry in maps:
        encoded = json.dumps(entry["agents"], ensure_ascii=False, sort_keys=True)
        assert entry["ref"] == hashlib.sha256(encoded.encode()).hexdigest()[:16]
        assert len(entry["agents"]) >= 100
    media = _lines(crawled / "media.jsonl")
    assert media, "the scenario has media files"
    for record in _lines(crawled / "pages.jsonl") + media:
        assert "agents" not in record and record["agents_ref"] in refs
        assert {"url", "final_url", "page_type", "status", "verifiable", "page", "headers", "findings", "sha256"} <= set(record)


def test_all_json_lines_output_is_at_most_3_kb_per_page(tmp_path):
    """It was ~44 KB a page (every record held the 165-agent map with its reasons)."""
    with start_replica("generated-1k") as replica:
        result = scrapy_crawl(replica, tmp_path, max_pages="200")
    assert result.returncode == 0, result.stderr[-3000:]
    out = tmp_path / "soundcloud"
    pages = len(_lines(out / "pages.jsonl")) + len(_lines(out / "media.jsonl"))
    assert pages >= 200
    size = sum((out / name).stat().st_size for name in (*RECORD_FILES, "verdicts.jsonl"))
    assert size / pages <= 3 * 1024, f"{size / pages:.0f} bytes per page"


def test_export_jsonl_is_the_old_record_form_byte_for_byte(crawled, tmp_path):
    result = _noai_check("export", "soundcloud", "--reports-dir", str(crawled.parent), "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    assert result.stdout == _old_form_lines(crawled, "pages.jsonl") + _old_form_lines(crawled, "media.jsonl")
    written = tmp_path / "all.jsonl"
    result = _noai_check("export", "soundcloud", "--reports-dir", str(crawled.parent), "--format", "jsonl", "-o", str(written))
    assert result.returncode == 0, result.stderr
    assert written.read_text(encoding="utf-8") == _old_form_lines(crawled, "pages.jsonl") + _old_form_lines(crawled, "media.jsonl")


def test_export_csv_has_a_row_per_record_and_two_columns_per_agent_in_registry_order(crawled):
    result = _noai_check("export", "soundcloud", "--reports-dir", str(crawled.parent), "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    maps = _maps(crawled)
    records = _lines(crawled / "pages.jsonl") + _lines(crawled / "media.jsonl")
    assert len(rows) == len(records)
    columns = list(rows[0])
    assert columns[:3] == ["url", "final_url", "page_type"] and "page.noai" in columns
    # The page object is spread into page.* columns; an unread page (null) adds no bare "page" column.
    assert any(record["page"] is None for record in records) and "page" not in columns
    agent_columns = [c for c in columns if c.startswith(("robots:", "training:"))]
    tokens = [c.split(":", 1)[1] for c in agent_columns[::2]]
    assert tokens == [t for t in load_registry().tokens() if t in tokens] and len(tokens) >= 100
    for row, record in zip(rows, records):
        agents = maps[record["agents_ref"]]
        assert row["url"] == record["url"] and row["unverifiable_reason"] == (record["unverifiable_reason"] or "")
        assert row["verifiable"] == ("true" if record["verifiable"] else "false")
        for token, verdict in agents.items():
            assert row[f"robots:{token}"] == ("allowed" if verdict["robots_allowed"] else "blocked")
            assert row[f"training:{token}"] == verdict["training"]
    assert {row["robots:GPTBot"] for row in rows} >= {"blocked"}


def test_export_of_a_missing_crawl_is_one_line_and_exit_2(tmp_path):
    result = _noai_check("export", "soundcloud", "--reports-dir", str(tmp_path), "--format", "csv")
    assert result.returncode == 2 and "pages.jsonl is missing" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_old_form_reads_the_same_in_report_history_and_diff(crawled, old_form, tmp_path):
    new = tmp_path / "new" / "soundcloud"
    shutil.copytree(crawled, new, ignore=shutil.ignore_patterns("report.*"))
    for out in (old_form, new):
        result = _noai_check("report", "soundcloud", "--reports-dir", str(out.parent))
        assert result.returncode == 0, result.stderr
    assert json.loads((old_form / "report.json").read_text()) == json.loads((new / "report.json").read_text())
    assert [r for r, _ in iter_judged(old_form / "pages.jsonl")] == [r for r, _ in iter_judged(new / "pages.jsonl")]
    before, after = (snapshot_from_reports(out, with_agents=True) for out in (old_form, new))
    assert before.pages == after.pages and any(row.agents() for row in after.pages.values())
    # Diff: the old-form crawl as run 1, the same crawl in the new form as run 2: nothing changed.
    assert record_crawl(old_form) == 1
    for name in (*RECORD_FILES, "verdicts.jsonl"):
        shutil.copy(new / name, old_form / name)
    meta = json.loads((old_form / "run.json").read_text())
    (old_form / "run.json").write_text(json.dumps(dict(meta, finished_at=meta["finished_at"] + "-later")), encoding="utf-8")
    assert record_crawl(old_form) == 2
    result = diff_history(old_form.parent, "soundcloud")
    assert result["changes"] == []


def test_a_ref_missing_from_verdicts_jsonl_is_an_error_naming_the_file_and_the_ref(crawled, tmp_path):
    out = tmp_path / "soundcloud"
    shutil.copytree(crawled, out)
    lines = (out / "verdicts.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    gone = json.loads(lines[0])["ref"]
    (out / "verdicts.jsonl").write_text("".join(lines[1:]), encoding="utf-8")
    with pytest.raises(NoaiCheckError, match=f"verdicts.jsonl: no verdict map with ref '{gone}'"):
        list(iter_judged(out / "pages.jsonl")) + list(iter_judged(out / "media.jsonl"))
    exported = tmp_path / "all.csv"
    for command in (["report", "soundcloud"], ["export", "soundcloud", "--format", "csv"],
                    ["export", "soundcloud", "--format", "jsonl", "-o", str(exported)]):
        result = _noai_check(*command, "--reports-dir", str(tmp_path))
        assert result.returncode == 2, result.stderr
        assert gone in result.stderr and str(out / "verdicts.jsonl") in result.stderr.replace("\n", "")
        assert "Traceback" not in result.stderr
    assert list(tmp_path.glob("*all*")) == [], "no half-written export"
