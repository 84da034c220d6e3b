"""What changed between runs: unit cases on hand-written crawls, then the replica in two versions for real."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from noai_check.errors import NoaiCheckError
from noai_check.history.diff import changes_for_report, choose_runs, diff_history
from noai_check.history.store import HISTORY_FILE, open_history, record_crawl
from noai_check.replica import start_replica
from tests.crawling import REPO, scrapy_crawl
from tests.fake_crawl import ROBOTS_V2, TERMS_V2, claim, crawl, page, write_crawl

TEMPLATES = REPO / "noai_check" / "report" / "templates"


def kinds(changes):
    return [c["kind"] for c in changes]


# ---------------------------------------------------------------- unit: hand-written crawls


def test_nothing_changed_means_no_changes(tmp_path):
    crawl(tmp_path, 1)
    crawl(tmp_path, 2)
    result = diff_history(tmp_path, "soundcloud")
    assert result["from"]["run_id"] == 1 and result["to"]["run_id"] == 2
    assert result["changes"] == [] and result["regressions"] == 0


def test_robots_txt_change_carries_the_diff_and_agent_flips(tmp_path):
    crawl(tmp_path, 1)
    crawl(tmp_path, 2, robots=ROBOTS_V2)
    [change] = diff_history(tmp_path, "soundcloud")["changes"]
    assert change["kind"] == "robots.txt" and change["regression"] is True
    assert "-User-agent: GPTBot" in change["diff"] and "+User-agent: ClaudeBot" in change["diff"]
    at_root = {(f["agent"], f["before"], f["after"]) for f in change["agent_flips"] if f["path"] == "/"}
    assert at_root == {("GPTBot", "blocked", "allowed"), ("ClaudeBot", "allowed", "blocked")}
    track = [f for f in change["agent_flips"] if f["page_type"] == "track" and f["agent"] == "GPTBot"]
    assert track == [{"agent": "GPTBot", "path": "/a/one", "page_type": "track", "before": "blocked",
                      "after": "allowed", "paths_changed": 1, "paths_checked": 1}]


def test_robots_txt_gone_404_lets_every_agent_in(tmp_path):
    crawl(tmp_path, 1)
    crawl(tmp_path, 2, robots=b"", robots_status=404)
    [change] = diff_history(tmp_path, "soundcloud")["changes"]
    assert "status 200 -> 404" in change["summary"] and change["regression"]
    assert ("GPTBot", "blocked", "allowed") in {(f["agent"], f["before"], f["after"]) for f in change["agent_flips"]}


def test_page_signals_only_for_urls_verifiable_in_both_runs(tmp_path):
    crawl(tmp_path, 1, pages=[page("/a/one", noai=True), page("/a/two", noai=True),
                              page("/a/three", agent_directives={"gptbot": ["noai"]}, content_usage={"train-ai": "n"}),
                              page("/a/four", noai=False, verifiable=False)])
    crawl(tmp_path, 2, pages=[page("/a/one", noai=False), page("/a/two", verifiable=False),
                              page("/a/three", tdm=0), page("/a/four", noai=True)])
    changes = diff_history(tmp_path, "soundcloud")["changes"]
    signals = {(urlsplit(c["url"]).path, c["field"], c["lost"]) for c in changes if c["kind"] == "page-signal"}
    assert signals == {("/a/one", "noai", True), ("/a/three", "agent_directives", True),
                       ("/a/three", "content_usage", True), ("/a/three", "tdm_reservation", True)}
    [coverage] = [c for c in changes if c["kind"] == "coverage"]
    assert [urlsplit(u["url"]).path for u in coverage["became_unverifiable"]] == ["/a/two"]
    assert [urlsplit(u["url"]).path for u in coverage["became_verifiable"]] == ["/a/four"]
    assert coverage["before"]["verifiable"] == coverage["after"]["verifiable"] == 3
    assert not coverage["regression"]


def test_terms_added_ai_clause_is_quoted_and_a_regression(tmp_path):
    crawl(tmp_path, 1)
    crawl(tmp_path, 2, terms_html=TERMS_V2)
    [change] = diff_history(tmp_path, "soundcloud")["changes"]
    assert change["kind"] == "terms" and change["status"] == "changed" and change["ai_clause_added"]
    assert change["added_clauses"] == [{"text": "Your content may be used to train artificial intelligence models.",
                                        "ai": True, "ai_terms": ["artificial intelligence", "training models"]}]
    assert change["removed_clauses"] == [] and change["regression"]
    assert "AI CLAUSE ADDED" in change["summary"]


def test_terms_that_failed_to_load_are_unknown_not_all_removed(tmp_path):
    crawl(tmp_path, 1)
    crawl(tmp_path, 2, terms_status=503)
    [change] = diff_history(tmp_path, "soundcloud")["changes"]
    assert change["status"] == "unknown" and change["removed_clauses"] == [] and not change["regression"]
    assert "503" in change["summary"]


def test_claim_status_change(tmp_path):
    crawl(tmp_path, 1, claims=[claim("no-ai-tag", "verified", 2, 2)])
    crawl(tmp_path, 2, claims=[claim("no-ai-tag", "partial", 1, 2)])
    [change] = diff_history(tmp_path, "soundcloud")["changes"]
    assert (change["kind"], change["id"], change["before"], change["after"]) == ("claim", "no-ai-tag", "verified", "partial")


def test_incomplete_runs_are_skipped_by_default_and_refused_when_named(tmp_path):
    crawl(tmp_path, 1)
    crawl(tmp_path, 2, complete=False, pages=[page("/a/one")])
    crawl(tmp_path, 3)
    result = diff_history(tmp_path, "soundcloud")
    assert (result["from"]["run_id"], result["to"]["run_id"]) == (1, 3)
    assert result["skipped_incomplete"] == [{"run_id": 2, "finish_reason": "closespider_pagecount"}]
    assert result["changes"] == []
    for ids in ({"to_id": 2}, {"from_id": 2}):
        with pytest.raises(NoaiCheckError, match="run 2 is incomplete"):
            diff_history(tmp_path, "soundcloud", **ids)


def test_choosing_runs_needs_two_complete_runs_of_the_platform(tmp_path):
    crawl(tmp_path, 1)
    crawl(tmp_path, 2, platform="bandcamp")
    with open_history(tmp_path) as history:
        with pytest.raises(NoaiCheckError, match="only one complete run"):
            choose_runs(history, "soundcloud")
        with pytest.raises(NoaiCheckError, match="crawl of bandcamp"):
            choose_runs(history, "soundcloud", from_id=2, to_id=1)
        with pytest.raises(NoaiCheckError, match="no runs of spotify"):
            choose_runs(history, "spotify")
        with pytest.raises(NoaiCheckError, match="no run 9"):
            choose_runs(history, "soundcloud", to_id=9)


def test_diff_command_prints_each_change_and_quotes_clauses(tmp_path, capsys, monkeypatch):
    from noai_check.cli import main

    monkeypatch.setenv("NO_COLOR", "1")
    crawl(tmp_path, 1)
    crawl(tmp_path, 2, terms_html=TERMS_V2, robots=ROBOTS_V2)
    assert main(["diff", "soundcloud", "--reports-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("soundcloud: run 1 (2026-01-01T00:00:00Z) -> run 2")
    assert "LOST    robots.txt: robots.txt on https://sc.example changed" in out and "+User-agent: ClaudeBot" in out
    assert "    + AI \u201cYour content may be used to train artificial intelligence models.\u201d" in out
    assert main(["diff", "soundcloud", "--reports-dir", str(tmp_path), "--from", "0"]) == 2
    assert "run ids start at 1" in capsys.readouterr().err


# ---------------------------------------------------------------- the report's section


def test_changes_for_report_reads_this_run_from_its_files_before_it_is_recorded(tmp_path):
    crawl(tmp_path, 1)
    write_crawl(tmp_path, finished_at="2026-01-02T00:00:00Z", terms_html=TERMS_V2, write_report=False)
    changes = changes_for_report(tmp_path, "soundcloud", report={"claims": [claim("no-ai-tag", "partial")]})
    assert changes[0]["kind"] == "note" and "since run 1" in changes[0]["summary"]
    assert kinds(changes[1:]) == ["terms"]
    record_crawl(tmp_path / "soundcloud")  # recorded now: rebuilding the report still compares with run 1
    assert kinds(changes_for_report(tmp_path, "soundcloud")[1:]) == ["terms"]


@pytest.mark.parametrize("setup, words", [
    (lambda d: write_crawl(d, finished_at="2026-01-01T00:00:00Z"), "first recorded run"),
    (lambda d: write_crawl(d, finished_at="2026-01-01T00:00:00Z", complete=False), "incomplete"),
    (lambda d: (write_crawl(d, finished_at="2026-01-01T00:00:00Z"), (d / HISTORY_FILE).write_text("notes")), "not an SQLite"),
    (lambda d: None, "run.json is missing"),
])
def test_changes_for_report_never_raises(tmp_path, setup, words):
    setup(tmp_path)
    [note] = changes_for_report(tmp_path, "soundcloud")
    assert note["kind"] == "note" and words in note["summary"]


def render(changes) -> str:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return env.get_template("_changes.html").render(changes=changes)


def test_the_changes_partial_escapes_and_labels_without_colour_alone(tmp_path):
    crawl(tmp_path, 1)
    crawl(tmp_path, 2, robots=ROBOTS_V2, terms_html=TERMS_V2.replace("models.", "models. &lt;script&gt;alert(1)&lt;/script&gt;"))
    html = render(changes_for_report(tmp_path, "soundcloud"))
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Lost protection" in html and "AI clause" in html and "GPTBot" in html
    assert "No changes" in render([{"kind": "note", "summary": "No changes since run 1.", "regression": False}])


# ---------------------------------------------------------------- the replica, two versions, for real


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "400", "NO_COLOR": "1"}  # rich folds lines at 80 columns in a pipe otherwise
    return subprocess.run([sys.executable, "-m", "noai_check.cli", *args], cwd=REPO, capture_output=True, text=True, timeout=120,
                          check=False, env=env)


def one_line(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def timeline(tmp_path_factory):
    """v1, v1 interrupted, v2, v2 again, v2 with terms 503: the CLI's answers after each step."""
    reports = tmp_path_factory.mktemp("reports")
    seen: dict[str, object] = {"reports": reports}

    def run(**settings: str) -> None:
        # A longer timeout without a retry: as quick (the replica's 20 s page still times out once), and a
        # loaded machine does not turn an ordinary page into a timeout that would read as a change.
        settings = {"DOWNLOAD_TIMEOUT": "10", "RETRY_TIMES": "0", **settings}
        result = scrapy_crawl(replica, reports, max_pages="200", settings=settings)
        assert result.returncode == 0, result.stderr[-3000:]

    with start_replica("soundcloud") as replica:
        seen["base"] = replica.base_url
        run()
        run(CLOSESPIDER_PAGECOUNT="3")
        replica.load("soundcloud-v2")
        run()
        seen["v1_v2_diff"] = cli("diff", "soundcloud", "--reports-dir", str(reports), "--json")
        seen["v1_v2_verify"] = cli("verify", "soundcloud", "--reports-dir", str(reports))
        seen["v1_v2_report"] = changes_for_report(reports, "soundcloud")
        seen["to_incomplete"] = cli("diff", "soundcloud", "--reports-dir", str(reports), "--to", "2")
        run()
        seen["v2_v2_verify"] = cli("verify", "soundcloud", "--reports-dir", str(reports), "--json")
        replica.load("soundcloud-terms-503")
        run()
        seen["terms_503_diff"] = cli("diff", "soundcloud", "--reports-dir", str(reports), "--json")
    return seen


def path_of(url: str) -> str:
    return urlsplit(url).path


def test_e2e_runs_are_recorded_and_the_interrupted_one_is_incomplete(timeline):
    with open_history(timeline["reports"]) as history:
        runs = history.runs("soundcloud")
    assert [(r.run_id, r.complete, r.finish_reason) for r in runs] == [
        (1, True, "finished"), (2, False, "closespider_pagecount"), (3, True, "finished"),
        (4, True, "finished"), (5, True, "finished")]


def test_e2e_diff_v1_to_v2_finds_exactly_the_changes_made(timeline):
    result = timeline["v1_v2_diff"]
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    base = timeline["base"]
    assert data["platform"] == "soundcloud"
    assert (data["from"]["run_id"], data["to"]["run_id"]) == (1, 3)
    assert data["skipped_incomplete"] == [{"run_id": 2, "finish_reason": "closespider_pagecount"}]
    changes = data["changes"]
    assert sorted(set(kinds(changes))) == ["coverage", "page-signal", "robots.txt", "terms"]

    [robots] = [c for c in changes if c["kind"] == "robots.txt"]
    assert robots["host"] == base and robots["regression"]
    assert "-User-agent: GPTBot" in robots["diff"] and "+User-agent: ClaudeBot" in robots["diff"]
    at_root = {(f["agent"], f["before"], f["after"]) for f in robots["agent_flips"] if f["path"] == "/"}
    assert at_root == {("GPTBot", "blocked", "allowed"), ("ClaudeBot", "allowed", "blocked")}
    assert {f["agent"] for f in robots["agent_flips"]} == {"GPTBot", "ClaudeBot"}
    for flip in robots["agent_flips"]:
        assert flip["paths_changed"] == flip["paths_checked"], flip  # every sampled path flipped the same way

    signals = {(path_of(c["url"]), c["field"], c["before"], c["after"], c["lost"]) for c in changes if c["kind"] == "page-signal"}
    assert signals == {
        ("/lofi-harbor/harbor-lights", "noai", False, True, False),
        ("/lofi-harbor/low-tide", "noai", True, False, True),
        ("/lofi-harbor/low-tide", "noimageai", True, False, True),
    }

    [terms] = [c for c in changes if c["kind"] == "terms"]
    assert terms["url"] == base + "/terms-of-use" and terms["status"] == "changed" and terms["ai_clause_added"]
    added = ("We do not use your content to train generative artificial intelligence models without your explicit "
             "opt-in consent, and we do not allow third parties to use content on the platform for AI training.")
    assert [(c["text"], c["ai"]) for c in terms["added_clauses"]] == [(added, True)]
    assert terms["removed_clauses"] == [] and terms["changed_clauses"] == []

    [coverage] = [c for c in changes if c["kind"] == "coverage"]
    assert coverage["page_type"] == "track"
    assert coverage["before"]["verifiable"] == coverage["after"]["verifiable"]
    assert coverage["became_unverifiable"] == coverage["became_verifiable"] == []
    assert data["regressions"] == 4


def test_e2e_verify_fails_on_the_v1_to_v2_regression_and_says_why(timeline):
    result = timeline["v1_v2_verify"]
    assert result.returncode == 1, result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert len(lines) == 4
    assert any("GPTBot" in line and "became allowed" in line for line in lines)
    assert any("AI clause added" in line for line in lines)
    assert sum("page lost a signal" in line and "low-tide" in line for line in lines) == 2


def test_e2e_report_changes_match_the_diff(timeline):
    note, *changes = timeline["v1_v2_report"]
    assert note["kind"] == "note" and "since run 1" in note["summary"]
    from_history = json.loads(timeline["v1_v2_diff"].stdout)["changes"]
    for change in from_history:  # the report compares before this run is recorded: it has no id yet
        if change.get("diff"):
            change["diff"] = change["diff"].replace("(run 3)", "(this run)")
    assert [c["summary"] for c in changes] == [c["summary"] for c in from_history]
    assert changes == from_history


def test_e2e_naming_the_interrupted_run_is_refused(timeline):
    result = timeline["to_incomplete"]
    assert result.returncode == 2 and "run 2 is incomplete" in one_line(result.stderr), result.stderr
    assert "Traceback" not in result.stderr


def test_e2e_the_same_site_twice_verifies_clean(timeline):
    result = timeline["v2_v2_verify"]
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads(result.stdout)
    assert [c["summary"] for c in data["changes"]] == []
    assert data["passed"] and (data["previous"]["run_id"], data["run"]["run_id"]) == (3, 4)


def test_e2e_terms_page_answering_503_is_unknown_not_all_clauses_removed(timeline):
    result = timeline["terms_503_diff"]
    assert result.returncode == 0, result.stderr
    changes = json.loads(result.stdout)["changes"]
    [terms] = [c for c in changes if c["kind"] == "terms"]
    assert terms["status"] == "unknown" and terms["removed_clauses"] == [] and not terms["regression"]
    assert "503" in terms["summary"]
    assert [c for c in changes if c["kind"] != "terms"] == []


def test_e2e_verify_with_an_empty_reports_dir_is_a_usage_error(tmp_path):
    result = cli("verify", "soundcloud", "--reports-dir", str(tmp_path))
    assert result.returncode == 2 and "no runs recorded" in one_line(result.stderr)
    assert list(tmp_path.iterdir()) == []
