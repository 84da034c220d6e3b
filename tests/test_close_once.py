"""At a crawl's close pages.jsonl is read once, and the previous run is compared without being held.

The report's pass over pages.jsonl also gives this run's rows to the comparison with the previous
run and to the history (noai_check.history.snapshot.PageRowSink); the previous run's rows are
streamed from history.sqlite (History.load(stream_pages=True)) and give the same changes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from noai_check.history.compare import diff_snapshots
from noai_check.history.store import open_history
from noai_check.judge.registry import load_registry
from tests.crawling import FAST, REPO, read_jsonl, spider_args
from tests.fake_crawl import ROBOTS_V2, crawl, page

# Counts the opens of pages.jsonl and media.jsonl for reading in the crawl's own process, through
# the real open (every other open passes through untouched), and writes the counts at exit.
COUNTING = '''
import atexit, builtins, io, json, os, pathlib
_counts = {}
_open = io.open
def _counted(file, mode="r", *args, **kwargs):
    name = os.path.basename(os.fspath(file)) if isinstance(file, (str, bytes, os.PathLike)) else ""
    if name in ("pages.jsonl", "media.jsonl") and not any(c in mode for c in "wax+"):
        _counts[name] = _counts.get(name, 0) + 1
    return _open(file, mode, *args, **kwargs)
builtins.open = io.open = pathlib.io.open = _counted
atexit.register(lambda: open(os.environ["OPENS_COUNTED"], "w").write(json.dumps(_counts)))
'''


def test_a_crawl_with_a_previous_run_reads_its_pages_once_at_close(replica, tmp_path):
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(COUNTING)
    reports = tmp_path / "reports"
    for run in (1, 2):  # the second crawl has the first in its history and compares with it
        counted = tmp_path / f"opens{run}.json"
        env = {**os.environ, "OPENS_COUNTED": str(counted),
               "PYTHONPATH": os.pathsep.join([str(hook), str(REPO), os.environ.get("PYTHONPATH", "")])}
        command = [sys.executable, "-m", "scrapy", "crawl", "soundcloud"]
        for key, value in spider_args(replica, max_pages="30").items():
            command += ["-a", f"{key}={value}"]
        for key, value in {**FAST, "NOAI_REPORTS_DIR": str(reports)}.items():
            command += ["-s", f"{key}={value}"]
        result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=180, check=False)
        assert result.returncode == 0, result.stderr[-2000:]
        assert json.loads(counted.read_text()) == {"pages.jsonl": 1, "media.jsonl": 1}, result.stderr[-2000:]
    out = reports / "soundcloud"
    report = json.loads((out / "report.json").read_text())
    assert report["pages_total"] == len(read_jsonl(out / "pages.jsonl")) > 0
    html = (out / "report.html").read_text()
    assert "No changes since run 1" in html  # compared with the previous run, from the rows of the one pass
    with open_history(reports) as history:
        _, second = history.runs("soundcloud")
        assert {p.url for p in history.load(second.run_id).pages.values()} == {r["url"] for r in read_jsonl(out / "pages.jsonl") + read_jsonl(out / "media.jsonl")}
        assert any(p.agents_json for p in history.load(second.run_id, with_agents=True).pages.values())


def _two_runs(reports: Path) -> None:
    """Two runs that differ in every way the page comparison reports."""
    crawl(reports, 1, pages=[
        page("/a/one", noai=True), page("/a/two"), page("/a/three", verifiable=False), page("/a/gone"),
        page("/a/moved", "track"), page("/a", "profile", noimageai=True), page("/b/four", content_usage={"train-ai": "n"}),
    ])
    crawl(reports, 2, robots=ROBOTS_V2, pages=[
        page("/a/one", noai=False), page("/a/two", verifiable=False), page("/a/three"), page("/a/new"),
        page("/a/moved", "profile"), page("/a", "profile"), page("/b/four", content_usage={"train-ai": "y"}),
        page("/c/five", "playlist"),
    ])


def test_a_streamed_previous_run_gives_the_same_changes_as_a_loaded_one(tmp_path):
    _two_runs(tmp_path)
    registry = load_registry()
    with open_history(tmp_path) as history:
        first, second = history.runs("soundcloud")
        after = history.load(second.run_id)
        held = diff_snapshots(history.load(first.run_id), after, registry)
        streamed = diff_snapshots(history.load(first.run_id, stream_pages=True), after, registry)
        backwards = diff_snapshots(history.load(second.run_id, stream_pages=True), history.load(first.run_id), registry)
        assert backwards == diff_snapshots(history.load(second.run_id), history.load(first.run_id), registry)
    assert streamed == held
    kinds = {c["kind"] for c in held}
    assert {"robots.txt", "page-signal", "coverage"} <= kinds
    coverage = {c["page_type"]: c for c in held if c["kind"] == "coverage"}
    assert coverage["track"]["only_in_earlier_run"] and coverage["profile"]["only_in_later_run"]
    assert coverage["track"]["became_unverifiable"] and coverage["track"]["became_verifiable"]
