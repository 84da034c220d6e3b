"""`scrapy crawl sites` for real, against the many-domain replica (noai_check/replica/many.py) on 127.0.0.1.

Every domain of a generated list has a known policy; the crawl must give each exactly one record, read
each policy right, count what it could not see as unverifiable with the reason, and write report.json,
report.html and domains.csv. No name is ever looked up: NOAI_CONNECT_TO sends the ``.test`` domains to the
replica and NoDNSResolver fails every other lookup (the list's ``.invalid`` domains) in the process.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from noai_check.judge.domain_record import expand_agents
from noai_check.replica.many import AI_BLOCKED, ManyDomains, expected, write_list
from tests.crawling import REPO

FAST_SITES = {
    "DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_TIMEOUT": "4", "LOG_LEVEL": "INFO",
    "TWISTED_DNS_RESOLVER": "noai_check.crawl.connect_to.NoDNSResolver",
}
COUNT = 300


def crawl_sites(reports: Path, *args: str, settings: dict[str, str] | None = None,
                timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """`scrapy crawl sites` in a subprocess, as a user runs it."""
    command = [sys.executable, "-m", "scrapy", "crawl", "sites"]
    for arg in args:
        command += ["-a", arg]
    for key, value in {**FAST_SITES, "NOAI_REPORTS_DIR": str(reports), **(settings or {})}.items():
        command += ["-s", f"{key}={value}"]
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=timeout, env=env, check=False)


def records(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "domains.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, subprocess.CompletedProcess[str]]]:
    folder = tmp_path_factory.mktemp("sites")
    listing = write_list(folder / "top.csv", COUNT)
    with listing.open("a", encoding="utf-8") as stream:
        stream.write("301,https://example.test/with/a/path\n302,s1-plain.test\n")  # skipped: a path, a duplicate
    with ManyDomains(tls=True) as replica:
        result = crawl_sites(folder / "reports", f"domains={listing}", settings={"NOAI_CONNECT_TO": replica.connect_to})
    yield folder / "reports" / "sites-top", result


def test_every_domain_gets_exactly_one_record(audited):
    out, result = audited
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr[-3000:]
    domains = [r["domain"] for r in records(out)]
    assert len(domains) == len(set(domains)) == COUNT
    assert "Remote certificate is not valid" not in result.stderr  # no warning per mismatched certificate


def test_each_known_policy_is_read_right(audited):
    out, _ = audited
    wrong = []
    for record in records(out):
        want = expected(record["domain"])
        blocked = set()
        if record["agents"] and record["robots_readable"]:
            agents = expand_agents(record["agents"], [*AI_BLOCKED, "Bingbot"])
            blocked = {token for token, v in agents.items() if v["robots_allowed"] is False}
        got = (record["status"], blocked, record["robots_readable"])
        if got != (want.status, set(want.blocked), want.robots_readable):
            wrong.append((record["domain"], got, record["unverifiable_reason"]))
        if want.origin_host and record["status"] == "ok":
            assert record["origin"] == f"https://{want.origin_host}", record
    assert not wrong, wrong[:5]


def test_what_could_not_be_seen_is_unverifiable_with_its_reason(audited):
    out, _ = audited
    by_shape = {r["domain"].split("-", 1)[1].split(".")[0]: r for r in records(out)}
    assert by_shape["nodns"]["unverifiable_reason"].startswith("host does not resolve")
    assert "timeout" in by_shape["slow"]["unverifiable_reason"] and by_shape["slow"]["agents"] is None
    assert "robots.txt answered 503" in by_shape["r503"]["unverifiable_reason"]
    www = by_shape["www"]
    assert www["redirect"]["to"].startswith("https://www.") and www["home"]["status"] == 200
    assert by_shape["noai"]["signals"]["home_noai"] is True
    assert by_shape["tdmrep"]["signals"]["tdmrep"]["reservation_at_root"] == 1


def test_report_json_counts_and_intervals(audited):
    out, _ = audited
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["domains"] == COUNT and report["complete"] is True
    unreadable = sum(1 for r in records(out) if r["status"] != "ok")
    assert report["readable"] == COUNT - unreadable
    assert report["unverifiable"]["host does not resolve"] == 9 and report["unverifiable"]["timeout"] == 3
    gpt = report["agents"]["GPTBot"]["blocked_at_root"]
    # aiblock 20%, bom 2%, cloudflare 5% of the readable-robots domains block GPTBot
    assert gpt["n"] == 3 * (20 + 2 + 5) and gpt["of"] == report["robots_readable"]
    assert gpt["ci95"][0] < gpt["rate"] < gpt["ci95"][1]
    assert report["skipped_lines"]["url with a path"]["count"] == 1
    assert report["skipped_lines"]["duplicate"]["example"] == "302,s1-plain.test"
    assert report["by_rank"]["top 1k"]["domains"] == COUNT
    assert report["signals"]["cdn_managed_robots"]["n"] == 15


def test_domains_csv_has_one_row_per_domain_and_a_column_per_agent(audited):
    out, _ = audited
    with (out / "domains.csv").open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) == COUNT
    row = next(r for r in rows if r["domain"] == "s39-aiblock.test")
    assert row["GPTBot"] == "blocked" and row["rank"] == "39" and row["status"] == "ok"
    nodns = next(r for r in rows if r["domain"].endswith(".invalid"))
    assert nodns["GPTBot"] == "unknown" and nodns["status"] == "unverifiable"


def test_report_html_is_self_contained(audited):
    out, _ = audited
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "GPTBot" in html and "http://" not in html.replace('http-equiv', '') and "<script src" not in html


@pytest.mark.parametrize(("args", "message"), [
    ((), "needs -a domains=FILE"),
    (("domains=/nonexistent/list.csv",), "cannot read domains file /nonexistent/list.csv"),
    (("domains=/tmp",), "it is a directory"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, message):
    result = crawl_sites(tmp_path, *args)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("error: ") and message in result.stderr


def test_a_bad_connect_to_is_one_line_and_exit_2(tmp_path):
    listing = write_list(tmp_path / "l.csv", 3)
    result = crawl_sites(tmp_path, f"domains={listing}", settings={"NOAI_CONNECT_TO": "*=localhost:80"})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "error: NOAI_CONNECT_TO: 'localhost' is not an IP address" in result.stderr


def test_history_and_diff_per_list(tmp_path):
    listing = write_list(tmp_path / "few.csv", 12)
    reports = tmp_path / "reports"
    with ManyDomains() as replica:
        settings = {"NOAI_CONNECT_TO": replica.connect_to}
        first = crawl_sites(reports, f"domains={listing}", settings=settings)
        replica.overrides.update({"s1-plain.test": "aiblock", "s2-plain.test": "r503"})
        second = crawl_sites(reports, f"domains={listing}", settings=settings)
    assert first.returncode == second.returncode == 0, second.stderr[-2000:]
    command = [sys.executable, "-m", "noai_check.cli", "diff", "sites-few", "--reports-dir", str(reports), "--json"]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    diff = json.loads(result.stdout)
    gpt = next(c for c in diff["changes"] if c["agent"] == "GPTBot" and c["signal"] == "robots_blocked")
    assert gpt == {"agent": "GPTBot", "signal": "robots_blocked", "started": ["s1-plain.test"], "stopped": []}
    assert diff["unknown"] == 1  # s2 answered 503 the second time: not compared, never "stopped blocking"
    text = subprocess.run(command[:-1], cwd=REPO, capture_output=True, text=True, timeout=60, check=False)
    assert "started blocking GPTBot: 1: s1-plain.test" in text.stdout


def test_diff_of_a_list_with_one_run_is_one_line_exit_2(tmp_path):
    listing = write_list(tmp_path / "one.csv", 3)
    with ManyDomains() as replica:
        crawl_sites(tmp_path, f"domains={listing}", settings={"NOAI_CONNECT_TO": replica.connect_to})
    command = [sys.executable, "-m", "noai_check.cli", "diff", "sites-one", "--reports-dir", str(tmp_path)]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2 and "needs two complete runs" in result.stderr and "Traceback" not in result.stderr


def test_a_jobdir_resume_asks_only_the_domains_not_yet_recorded(tmp_path):
    listing = write_list(tmp_path / "resume.csv", 10)
    out = tmp_path / "reports" / "sites-resume"
    out.mkdir(parents=True)
    jobdir = tmp_path / "job"
    jobdir.mkdir()
    (jobdir / "noai-sites.json").write_text('{"started": true}\n', encoding="utf-8")  # as a killed first run left it
    done = {"schema": 1, "domain": "s1-plain.test", "rank": 1, "status": "ok", "marker": "from the first run"}
    (out / "domains.jsonl").write_text(json.dumps(done) + "\n" + '{"domain": "s2-pl', encoding="utf-8")  # torn line
    with ManyDomains() as replica:
        result = crawl_sites(tmp_path / "reports", f"domains={listing}",
                             settings={"NOAI_CONNECT_TO": replica.connect_to, "JOBDIR": str(jobdir)})
    assert result.returncode == 0, result.stderr[-2000:]
    got = [json.loads(line) for line in (out / "domains.jsonl").read_text(encoding="utf-8").splitlines()
           if line.startswith("{") and line.endswith("}")]
    domains = [r["domain"] for r in got]
    assert sorted(domains) == sorted(f"s{i}-plain.test" for i in range(1, 11)) and got[0]["marker"] == "from the first run"


def test_pages_from_the_sitemap_are_judged_and_progress_is_logged(tmp_path):
    listing = tmp_path / "p.csv"
    listing.write_text("rank,domain\n92,s92-noai.test\n1,s1-plain.test\n", encoding="utf-8")
    with ManyDomains() as replica:
        result = crawl_sites(tmp_path, f"domains={listing}", "pages=2", settings={"NOAI_CONNECT_TO": replica.connect_to})
    assert result.returncode == 0, result.stderr[-2000:]
    assert "progress: 2 domains finished, 0 in progress" in result.stderr
    by_domain = {r["domain"]: r for r in records(tmp_path / "sites-p")}
    pages = by_domain["s92-noai.test"]["pages"]
    assert sorted(p["url"] for p in pages) == ["http://s92-noai.test/p1", "http://s92-noai.test/p2"]  # no TLS here
    assert all(p["noai"] is True and p["status"] == 200 for p in pages)
    assert "pages" not in by_domain["s1-plain.test"]  # no sitemap, no pages
