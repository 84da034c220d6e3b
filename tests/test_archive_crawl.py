"""`scrapy crawl soundcloud -a at=...`: an archive audit against the archive replica, for real, on 127.0.0.1."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from noai_check.crawl.settings import USER_AGENT
from noai_check.replica import start_replica
from noai_check.replica.archive_history import HOST, expected_pages_2025
from tests.crawling import FAST, REPO, read_jsonl, scrapy_crawl

AT = "2025-05-15"


def archive_crawl(archive_url: str, reports: Path, *args: str, settings: dict[str, str] | None = None,
                  spider: str = "soundcloud") -> subprocess.CompletedProcess[str]:
    """`scrapy crawl` of an archive audit in a subprocess, as a user runs it."""
    command = [sys.executable, "-m", "scrapy", "crawl", spider, "-a", "seed=7"]
    for arg in args:
        command += ["-a", arg]
    merged = {**FAST, "NOAI_REPORTS_DIR": str(reports), "NOAI_ARCHIVE_URL": archive_url,
              "NOAI_ARCHIVE_CDX_DELAY": "0.2", **(settings or {})}
    for key, value in merged.items():
        command += ["-s", f"{key}={value}"]
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=180, env=env, check=False)


def _verdict(record: dict[str, Any]) -> str:
    if not record["verifiable"]:
        return "unverifiable"
    return "noai" if record["page"]["noai"] else "none"


@pytest.fixture(scope="module")
def audited(archive, tmp_path_factory):
    reports = tmp_path_factory.mktemp("reports")
    before = len(archive.site.log)  # other tests of this module may have asked the same archive first
    result = archive_crawl(archive.url, reports, f"at={AT}")
    assert result.returncode == 0, result.stderr[-3000:]
    return reports, result, list(archive.site.log[before:])


def test_pages_are_judged_from_their_nearest_capture(audited):
    reports, _, _ = audited
    records = {r["url"]: r for r in read_jsonl(reports / f"soundcloud@{AT}" / "pages.jsonl")}
    assert {url: _verdict(r) for url, r in records.items()} == expected_pages_2025()
    glass = records[f"{HOST}/kora-sound/glass"]  # its 503 capture is nearer, but only 200 HTML captures are pages
    assert glass["archived_at"] == "20250601000000" and glass["archive_url"].endswith(f"/web/20250601000000id_/{HOST}/kora-sound/glass")
    assert records[f"{HOST}/nina-beats"]["page"]["noai"]  # from the archived X-Robots-Tag header
    rain = records[f"{HOST}/lena-v/rain"]
    assert "replay was cut short" in rain["unverifiable_reason"] and rain["archive_url"]
    assert not (reports / "soundcloud").exists()  # never the live report's folder


def test_site_files_404_is_absent_and_no_capture_is_unknown(audited):
    reports, _, _ = audited
    report = json.loads((reports / f"soundcloud@{AT}" / "report.json").read_text())
    site = report["site"][HOST]
    assert site["robots_txt"]["status"] == 200 and site["robots_outcome"] == "parsed"
    assert site["tdmrep_json"]["status"] == 404 and site["tdmrep_json_present"] is False  # absent then
    assert site["ai_txt"]["status"] is None and "no archive capture" in site["ai_txt"]["error"]  # unknown
    # A captured redirect (archived Location header) is followed to the target's own capture.
    assert site["llms_txt"]["status"] == 200 and site["llms_txt_present"] is True  # its capture is a 301
    stored = (reports / f"soundcloud@{AT}" / "site" / "soundcloud.com" / "robots.txt").read_text()
    assert "User-agent: ClaudeBot" in stored and "CCBot" not in stored  # the 2025-03 version, via its revisit
    assert report["archive"]["replayed"][f"{HOST}/robots.txt"]["archived_at"] == "20250510111111"


def test_report_says_archive_and_as_of_and_links_archived_copies(audited):
    reports, _, _ = audited
    out = reports / f"soundcloud@{AT}"
    report = json.loads((out / "report.json").read_text())
    assert report["source"] == "archive" and report["as_of"] == AT and report["complete"] is True
    for claim in report["claims"]:
        assert claim["judged_as_of"] == AT and "when the claim (2025-05) was made" in claim["timing"]
        assert all(e["archive_url"] for e in claim["evidence"])
    html = (out / "report.html").read_text()
    hero = html[html.index('<header class="hero">'):]
    assert hero.split("<p", 2)[1].startswith(' class="eyebrow archive-view">The Internet Archive’s view of https://soundcloud.com around 2025-05-15')
    assert f'href="{report["archive"]["url"]}/web/20250512093000id_/{HOST}/nina-beats"' in html
    terms = read_jsonl(out / "terms.jsonl")
    assert terms[0]["archived_at"] == "20250512000000" and "training artificial intelligence" in terms[0]["html"]


def test_the_archive_is_asked_politely_and_by_name(audited):
    _, _, log = audited
    assert log and all(agent == USER_AGENT for _, _, agent in log)
    cdx = [moment for moment, target, _ in log if target.startswith("/cdx/")]
    assert len(cdx) == 6  # five site-file lookups and one host listing
    assert min(b - a for a, b in itertools.pairwise(cdx)) >= 0.15  # 0.2 s apart, as sent (arrivals jitter)


def test_only_an_archive_audit_has_the_archive_s_pacing(audited, tmp_path):
    """A live crawl never asks the archive: it goes without the middleware (one step less per request)."""
    _, result, _ = audited
    assert "ArchivePolitenessMiddleware" in enabled_downloader_middlewares(result.stderr)
    with start_replica("soundcloud") as replica:
        live = scrapy_crawl(replica, tmp_path / "live", max_pages="2")
    assert live.returncode == 0, live.stderr[-2000:]
    enabled = enabled_downloader_middlewares(live.stderr)
    assert "OwnRobotsMiddleware" in enabled and "ArchivePolitenessMiddleware" not in enabled


def enabled_downloader_middlewares(log: str) -> str:
    """The list Scrapy logs at INFO when the crawl starts."""
    return log.split("Enabled downloader middlewares:", 1)[1].split("]", 1)[0]


def test_history_records_as_of_and_diff_orders_by_it(audited, replica, tmp_path):
    reports, _, _ = audited
    from tests.crawling import scrapy_crawl

    live = scrapy_crawl(replica, reports, max_pages="4")
    assert live.returncode == 0, live.stderr[-2000:]
    from noai_check.history.store import open_history

    with open_history(reports, read_only=True) as history:
        runs = history.runs("soundcloud")
    archived, current = runs
    assert archived.as_of == AT and current.as_of is None
    result = subprocess.run([sys.executable, "-m", "noai_check.cli", "diff", "soundcloud", "--reports-dir", str(reports),
                             "--from", str(current.run_id), "--to", str(archived.run_id), "--json"],
                            cwd=REPO, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode in (0, 1), result.stderr
    diff = json.loads(result.stdout)
    assert diff["from"]["run_id"] == archived.run_id and diff["from"]["as_of"] == AT  # the earlier day first
    assert diff["from"]["archived"] is True and diff["to"]["run_id"] == current.run_id and diff["to"]["archived"] is False
    text = subprocess.run([sys.executable, "-m", "noai_check.cli", "diff", "soundcloud", "--reports-dir", str(reports),
                           "--from", str(current.run_id), "--to", str(archived.run_id)],
                          cwd=REPO, capture_output=True, text=True, timeout=60, check=False)
    assert f"run {archived.run_id} (" in text.stdout and f"archive as of {AT}) -> run {current.run_id}" in text.stdout


def test_no_capture_in_the_window_is_a_complete_report_with_every_claim_inconclusive(archive, tmp_path):
    result = archive_crawl(archive.url, tmp_path, "at=2021-06-01", "window=10")
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads((tmp_path / "soundcloud@2021-06-01" / "report.json").read_text())
    assert report["complete"] is True and report["archive"]["captures_listed"] == 0
    assert {c["status"] for c in report["claims"]} == {"inconclusive"}
    assert report["site"][HOST]["robots_txt"]["status"] is None  # unknown, not absent
    assert "holds no page of this platform in the window" in (tmp_path / "soundcloud@2021-06-01" / "report.html").read_text()


def test_refusals_are_waited_out_and_the_audit_completes(start_archive, tmp_path):
    running = start_archive(refuse_every=5, retry_after="1")
    result = archive_crawl(running.url, tmp_path, f"at={AT}", settings={"NOAI_ARCHIVE_CDX_DELAY": "0"})
    assert result.returncode == 0, result.stderr[-2000:]
    records = {r["url"]: r for r in read_jsonl(tmp_path / f"soundcloud@{AT}" / "pages.jsonl")}
    assert {url: _verdict(r) for url, r in records.items()} == expected_pages_2025()
    refused = [moment for n, (moment, _, _) in enumerate(running.site.log, start=1) if n % 5 == 0]
    assert refused
    for moment in refused:
        # Requests already on their way may land just after it; none is sent before Retry-After has passed.
        assert not [m for m, _, _ in running.site.log if 0.1 < m - moment < 0.95]


def test_an_archive_that_is_down_keeps_the_previous_report(archive, start_archive, tmp_path):
    good = archive_crawl(archive.url, tmp_path, f"at={AT}")
    assert good.returncode == 0, good.stderr[-2000:]
    before = (tmp_path / f"soundcloud@{AT}" / "report.json").read_bytes()
    down = start_archive(down=True, retry_after="0")
    result = archive_crawl(down.url, tmp_path, f"at={AT}")
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "archive" in errors[0] and "Traceback" not in result.stderr
    assert (tmp_path / f"soundcloud@{AT}" / "report.json").read_bytes() == before
    kept = json.loads((tmp_path / f".soundcloud@{AT}.partial" / "report.json").read_text())
    assert kept["complete"] is False and kept["finish_reason"] in ("archive_refused", "archive_unreadable")


def test_malformed_cdx_rows_are_skipped_with_a_finding_and_gzip_replays_read(start_archive, tmp_path):
    running = start_archive(garbage_rows=True, gzip_replays=True)
    result = archive_crawl(running.url, tmp_path, f"at={AT}")
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr[-2000:]
    report = json.loads((tmp_path / f"soundcloud@{AT}" / "report.json").read_text())
    assert report["archive"]["rows_skipped"] >= 6 and report["archive"]["problems"]
    records = {r["url"]: r for r in read_jsonl(tmp_path / f"soundcloud@{AT}" / "pages.jsonl")}
    assert {url: _verdict(r) for url, r in records.items()} == expected_pages_2025()


@pytest.mark.parametrize("args, message", [
    (["at=2999-01-01"], "in the future"),
    (["at=15/05/2025"], "YYYY-MM-DD"),
    (["at=2025-02-30"], "YYYY-MM-DD"),
    ([f"at={AT}", "window=0"], "at least 1 day"),
    ([f"at={AT}", "window=-3"], "at least 1 day"),
    (["window=7"], "needs at="),
    ([f"at={AT}", "probe=2"], "probe cannot be combined with at="),
    ([f"at={AT}", "render=all"], "render cannot be combined with at="),
])
def test_bad_at_or_window_is_one_line_and_exit_2(args, message, tmp_path):
    result = archive_crawl("http://127.0.0.1:9", tmp_path, *args)
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and message in errors[0] and "Traceback" not in result.stderr


def test_a_captured_redirect_is_followed_to_its_targets_capture(archive, tmp_path):
    result = archive_crawl(archive.url, tmp_path, f"at={AT}", "profiles=kora-sound")
    assert result.returncode == 0, result.stderr[-2000:]
    records = {r["url"]: r for r in read_jsonl(tmp_path / f"soundcloud@{AT}" / "pages.jsonl")}
    moved = records[f"{HOST}/kora-sound"]  # only a 301 capture: not listed, asked for by name
    assert moved["final_url"] == f"{HOST}/kora-sound-official" and moved["verifiable"] and moved["page"]["noai"]


def test_site_spider_takes_at_too(archive, tmp_path):
    result = archive_crawl(archive.url, tmp_path, "url=https://soundcloud.com/", f"at={AT}", spider="site")
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads((tmp_path / f"soundcloud.com@{AT}" / "report.json").read_text())
    assert report["source"] == "archive" and report["site"][HOST]["robots_txt"]["status"] == 200


def test_demo_at_audits_the_archive_replica_offline(tmp_path):
    result = subprocess.run([sys.executable, "-m", "noai_check.cli", "demo", "--at", AT, "--max-pages", "5",
                             "--reports-dir", str(tmp_path)], cwd=REPO, capture_output=True, text=True, timeout=180,
                            check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads((tmp_path / f"soundcloud@{AT}" / "report.json").read_text())
    assert report["source"] == "archive" and report["pages_total"] == 5
    bad = subprocess.run([sys.executable, "-m", "noai_check.cli", "demo", "--at", "2025-05-15", "--window", "0",
                          "--reports-dir", str(tmp_path)], cwd=REPO, capture_output=True, text=True, timeout=60, check=False)
    assert bad.returncode == 2 and bad.stderr.strip() == "error: window must be at least 1 day, got 0"
