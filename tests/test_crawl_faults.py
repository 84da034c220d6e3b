"""Crawls that meet trouble: an unreadable robots.txt, a BOM, an interruption, a resume; and the demo."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from noai_check.replica import start_replica
from tests.crawling import (
    FAST,
    REPO,
    read_jsonl,
    records_by_url,
    scrapy_crawl,
    spider_args,
)


def test_robots_503_means_noai_check_fetches_no_page(tmp_path):
    with start_replica("soundcloud-robots-503") as replica:
        result = scrapy_crawl(replica, tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    out = tmp_path / "soundcloud"
    report = json.loads((out / "report.json").read_text())
    site = report["site"][replica.base_url]
    assert site["robots_txt"]["status"] == 503 and site["robots_outcome"] == "disallow-all"
    # RFC 9309: a 5xx robots.txt disallows everything, for noai-check itself too.
    assert read_jsonl(out / "pages.jsonl") == [] or all(not r["verifiable"] for r in read_jsonl(out / "pages.jsonl"))
    assert {c["status"] for c in report["claims"]} == {"inconclusive"}


def test_robots_503_audited_anyway_when_obedience_is_off(tmp_path):
    with start_replica("soundcloud-robots-503") as replica:
        result = scrapy_crawl(replica, tmp_path, settings={"ROBOTSTXT_OBEY": "False"})
    assert result.returncode == 0
    assert "ROBOTSTXT_OBEY is off" in result.stderr
    records = read_jsonl(tmp_path / "soundcloud" / "pages.jsonl")
    track = [r for r in records if r["page_type"] == "track" and r["verifiable"]]
    assert track, "pages are fetched when told to"
    gpt = track[0]["agents"]["GPTBot"]
    # The 503 forbids crawling but is not the site reserving training.
    assert gpt["robots_allowed"] is False
    assert not any("robots.txt blocks" in reason for reason in gpt["reasons"])


def test_bom_robots_keeps_the_gptbot_group(tmp_path):
    with start_replica("soundcloud-bom") as replica:
        result = scrapy_crawl(replica, tmp_path)
        assert result.returncode == 0, result.stderr[-2000:]
        records = records_by_url(tmp_path / "soundcloud")
        expected = dict(replica.expectations())
    pages = [r for r in records.values() if r["page_type"] == "track" and r["verifiable"]]
    assert pages and all(r["agents"]["GPTBot"]["robots_allowed"] is False for r in pages)
    assert all(r["agents"]["ClaudeBot"]["robots_allowed"] is True for r in pages)
    report = json.loads((tmp_path / "soundcloud" / "report.json").read_text())
    site_findings = report["site"][next(iter(report["site"]))]["findings"]
    assert any("bom" in (f["value"] + f["evidence"]).lower() for f in site_findings)
    from tests.crawling import mismatches

    assert all(not mismatches(records[u], e) for u, e in expected.items() if u in records)


def _crawl_command(replica, reports: Path, jobdir: Path, **extra: str) -> list[str]:
    command = [sys.executable, "-m", "scrapy", "crawl", "soundcloud"]
    for key, value in spider_args(replica, **extra).items():
        command += ["-a", f"{key}={value}"]
    for key, value in {**FAST, "NOAI_REPORTS_DIR": str(reports), "JOBDIR": str(jobdir), "CONCURRENT_REQUESTS": "2",
                       "CONCURRENT_REQUESTS_PER_DOMAIN": "2", "DOWNLOAD_DELAY": "0.2"}.items():
        command += ["-s", f"{key}={value}"]
    return command


def test_ctrl_c_writes_what_was_gathered_and_jobdir_resumes_without_loss_or_doubles(tmp_path):
    with start_replica("generated-1k") as replica:
        reports, jobdir = tmp_path / "reports", tmp_path / "job"
        out = reports / "soundcloud"
        command = _crawl_command(replica, reports, jobdir, max_pages="60")
        env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            pages = out / "pages.jsonl"
            if pages.exists() and len(pages.read_text().splitlines()) >= 10:
                break
            time.sleep(0.1)
        process.send_signal(signal.SIGINT)  # one Ctrl-C: graceful stop
        _, stderr = process.communicate(timeout=60)
        assert process.returncode == 0, stderr[-2000:]
        first = read_jsonl(out / "pages.jsonl")
        report = json.loads((out / "report.json").read_text())
        assert report["complete"] is False and report["finish_reason"] == "shutdown"
        assert 10 <= len(first) < 61

        resumed = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False)
        assert resumed.returncode == 0, resumed.stderr[-2000:]
        records = read_jsonl(out / "pages.jsonl")
        urls = [r["url"] for r in records]
        assert len(urls) == len(set(urls)), "a page was recorded twice"
        content = [r for r in records if r["page_type"] in ("track", "profile", "set")]
        assert len(content) == 60, "the resumed crawl finishes the same 60-page sample"
        assert {r["url"] for r in first} <= set(urls)
        final = json.loads((out / "report.json").read_text())
        assert final["complete"] is True
        assert sum(c["pages"] for c in final["page_types"].values()) == len(records)


def test_demo_runs_offline_and_says_where_the_report_is(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "noai_check.cli", "demo", "--reports-dir", str(tmp_path), "--max-pages", "12"],
        cwd=REPO, capture_output=True, text=True, timeout=180, check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = tmp_path / "soundcloud" / "report.html"
    assert report.exists() and str(report) in result.stdout.replace("\n", "")
    data = json.loads((tmp_path / "soundcloud" / "report.json").read_text())
    assert data["platform"] == "soundcloud" and data["base_url"].startswith("http://127.0.0.1:")


def test_agents_file_adds_agents_to_the_crawl_and_the_rebuild(tmp_path, start_scenario):
    agents = tmp_path / "agents.txt"
    agents.write_text("ReplicaTestBot,training,Tests\n")
    result = scrapy_crawl(start_scenario("soundcloud"), tmp_path / "reports", max_pages="3", settings={"NOAI_AGENTS_FILE": str(agents)})
    assert result.returncode == 0, result.stderr[-2000:]
    out = tmp_path / "reports" / "soundcloud"
    pages = [r for r in read_jsonl(out / "pages.jsonl") if r["verifiable"]]
    assert pages and all("ReplicaTestBot" in r["agents"] for r in pages)
    assert json.loads((out / "run.json").read_text())["settings"]["agents_file"] == str(agents)
    from noai_check.cli import main

    assert main(["report", "soundcloud", "--reports-dir", str(tmp_path / "reports")]) == 0
    rebuilt = json.loads((out / "report.json").read_text())
    assert rebuilt["agents"]["ReplicaTestBot"]["purpose"] == "training"


def test_robots_txt_over_the_download_limit_is_read_up_to_500_kib(tmp_path):
    # 10.6 MB: past DOWNLOAD_MAXSIZE, which used to cancel the fetch ("unreachable": nothing audited).
    with start_replica("soundcloud-robots-10mb") as replica:
        served = replica.scenario.site_files["/robots.txt"].body.encode()
        assert len(served) > 10 * 1024 * 1024 and served.index(b"User-agent: ClaudeBot") > 512_000
        result = scrapy_crawl(replica, tmp_path)
        assert result.returncode == 0, result.stderr[-2000:]
        records = records_by_url(tmp_path / "soundcloud")
    tracks = [r for r in records.values() if r["page_type"] == "track" and r["verifiable"]]
    assert len(tracks) == 2
    for record in tracks:
        assert record["agents"]["GPTBot"]["robots_allowed"] is False
        assert any("robots.txt blocks GPTBot" in reason for reason in record["agents"]["GPTBot"]["reasons"])
        # The ClaudeBot group lies past 512,000 bytes: cut off, so "*" (open) applies.
        assert record["agents"]["ClaudeBot"]["robots_allowed"] is True
    report = json.loads((tmp_path / "soundcloud" / "report.json").read_text())
    site = report["site"][replica.base_url]
    assert site["robots_outcome"] == "parsed" and site["robots_txt"]["status"] == 200
    assert "download stopped" in site["robots_txt"]["error"]
    [cut] = [f for f in site["findings"] if f["value"].startswith("over-500KiB")]
    assert "larger than 512000 bytes" in cut["evidence"]


# ---------------------------------------------------------------- what a crawl cannot write, or cannot start with


def error_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


def test_a_crawl_whose_report_cannot_be_written_exits_1_and_says_which_file(tmp_path, start_scenario):
    reports = tmp_path / "reports"
    (reports / "index.html").mkdir(parents=True)  # the index cannot replace a directory
    result = scrapy_crawl(start_scenario("soundcloud"), reports, max_pages="3")
    assert result.returncode == 1, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert error_lines(result) == [f"error: report not written: Is a directory: {reports / 'index.html'}"]
    assert not list(reports.rglob("*.tmp"))


def test_a_crawl_on_a_full_disk_exits_1_and_leaves_no_empty_output(tmp_path):
    from tests.mounts import mounts_or_skip, run_on_full_disk

    mounts_or_skip()
    reports = tmp_path / "reports"
    with start_replica("soundcloud") as replica:
        assert scrapy_crawl(replica, reports, max_pages="3").returncode == 0
        command = [sys.executable, "-m", "scrapy", "crawl", "soundcloud"]
        for key, value in spider_args(replica, max_pages="3").items():
            command += ["-a", f"{key}={value}"]
        for key, value in {**FAST, "NOAI_REPORTS_DIR": str(reports)}.items():
            command += ["-s", f"{key}={value}"]
        env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
        after = tmp_path / "after"
        result = run_on_full_disk(reports, after, command, cwd=REPO, env=env, timeout=180)
    assert result.returncode == 1, result.stderr[-3000:]
    assert any("No space left on device" in line for line in error_lines(result)), result.stderr[-3000:]
    for name in ("index.html", "soundcloud/run.json", "soundcloud/sites.json", "soundcloud/report.json", "soundcloud/report.html"):
        path = after / name
        if path.exists():
            assert path.stat().st_size > 0, f"{name} was left empty"
            if name.endswith(".json"):
                json.loads(path.read_text(encoding="utf-8"))
    assert (after / "index.html").exists(), "the previous index stays"
    assert not list(after.rglob("*.tmp"))


def test_a_crawl_into_a_read_only_reports_dir_is_refused_before_it_starts(tmp_path):
    from tests.mounts import run_read_only

    reports = tmp_path / "reports"
    reports.mkdir()
    command = [sys.executable, "-m", "scrapy", "crawl", "soundcloud", "-a", "base_url=http://127.0.0.1:9",
               "-s", f"NOAI_REPORTS_DIR={reports}"]
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    result = run_read_only(reports, command, cwd=REPO, env=env, timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-3000:]
    assert error_lines(result) == [f"error: cannot write reports to {reports}: Read-only file system"]


def _agents_files(tmp_path: Path) -> dict[str, Path]:
    binary = tmp_path / "agents.bin"
    binary.write_bytes(bytes(range(256)) * 4)
    deep_list = tmp_path / "deep.json"
    deep_list.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    deep_object = tmp_path / "deep-agents.json"
    deep_object.write_text('{"agents": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    return {"missing": tmp_path / "nonexistent", "binary": binary, "deep list": deep_list, "deep object": deep_object,
            "a directory": tmp_path}


def test_a_bad_agents_file_setting_is_one_line_and_exit_2_before_the_crawl(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    for kind, path in _agents_files(tmp_path).items():
        command = [sys.executable, "-m", "scrapy", "crawl", "soundcloud", "-a", "base_url=http://127.0.0.1:9",
                   "-s", f"NOAI_AGENTS_FILE={path}", "-s", f"NOAI_REPORTS_DIR={tmp_path / 'reports'}"]
        result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False)
        assert result.returncode == 2, (kind, result.stderr[-3000:])
        assert "Traceback" not in result.stderr, kind
        errors = error_lines(result)
        assert len(errors) == 1 and f"agents file {path}" in errors[0], (kind, result.stderr[-3000:])
    assert not (tmp_path / "reports" / "soundcloud").exists(), "nothing was crawled"


def test_a_bad_base_url_is_one_line_and_exit_2(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    for url in ("http://127.0.0.1:99999", "http://127.0.0.1:abc/", "http://[::1"):
        command = [sys.executable, "-m", "scrapy", "crawl", "soundcloud", "-a", f"base_url={url}",
                   "-s", f"NOAI_REPORTS_DIR={tmp_path}"]
        result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False)
        assert result.returncode == 2 and "Traceback" not in result.stderr, (url, result.stderr[-3000:])
        assert error_lines(result) == [f"error: base_url is not a valid URL ({_why(url)}), got {url!r}"]


def _why(url: str) -> str:
    return {"http://127.0.0.1:99999": "Port out of range 0-65535",
            "http://127.0.0.1:abc/": "Port could not be cast to integer value as 'abc'",
            "http://[::1": "Invalid IPv6 URL"}[url]


def test_demo_that_cannot_write_its_report_does_not_point_at_an_old_one(tmp_path):
    command = [sys.executable, "-m", "noai_check.cli", "demo", "--reports-dir", str(tmp_path), "--max-pages", "3"]
    first = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=180, check=False)
    assert first.returncode == 0, first.stderr[-2000:]
    (tmp_path / "index.html").unlink()
    (tmp_path / "index.html").mkdir()  # this time the reports index cannot be written
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=180, check=False,
                            env={**os.environ, "COLUMNS": "400"})
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert "report.html" not in result.stdout and "open " not in result.stdout, result.stdout
    assert f"error: crawl of soundcloud: report not written: Is a directory: {tmp_path / 'index.html'}" in result.stderr


def _lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def _run_until(command: list[str], pages: Path, records: int, timeout: float = 60, after: Path | None = None) -> None:
    """Start a crawl and SIGKILL it once ``pages`` holds ``records`` lines (and ``after`` exists):
    no close, no state saved."""
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def ready() -> bool:
        return _lines(pages) >= records and (after is None or after.exists())

    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and process.poll() is None and not ready():
            time.sleep(0.02)
        assert process.poll() is None, "the crawl ended before it could be killed"
        assert ready(), "the crawl wrote too little to be killed mid-way"
    finally:
        process.kill()  # SIGKILL
        process.wait(timeout=30)


def _evidence_urls(out: Path) -> list[str]:
    with gzip.open(out / "evidence" / "responses.jsonl.gz", "rt", encoding="utf-8") as stream:
        return [json.loads(line)["url"] for line in stream]


def _links_only(tmp_path: Path) -> Path:
    """generated-1k without sitemaps: pages are found by following links, so the sample comes in waves."""
    scenario = json.loads((REPO / "noai_check" / "replica" / "scenarios" / "generated-1k.json").read_text())
    del scenario["site"]["sitemaps"]
    scenario["name"] = "links-only"
    path = tmp_path / "links-only.json"
    path.write_text(json.dumps(scenario))
    return path


@pytest.mark.parametrize("sitemaps", [True, False], ids=["sitemaps", "links-only"])
def test_sigkill_twice_then_resume_records_every_sampled_page_once(tmp_path, sitemaps):
    """Kill -9 at the start and twice mid-crawl, resume each time: the same sample as one uninterrupted crawl, nothing twice."""
    with start_replica("generated-1k" if sitemaps else _links_only(tmp_path)) as replica:
        whole = tmp_path / "whole"
        result = scrapy_crawl(replica, whole, max_pages="40")
        assert result.returncode == 0, result.stderr[-2000:]
        expected = {r["url"] for r in read_jsonl(whole / "soundcloud" / "pages.jsonl")}

        reports, jobdir = tmp_path / "reports", tmp_path / "job"
        out = reports / "soundcloud"
        command = _crawl_command(replica, reports, jobdir, max_pages="40")
        _run_until(command, out / "pages.jsonl", 0, after=jobdir / "noai-run.json")  # killed before any record
        kept = []
        for records in (6, 20):
            _run_until(command, out / "pages.jsonl", records)
            kept.append((out / "pages.jsonl").read_bytes().rpartition(b"\n")[0])
            for queued in sorted((jobdir / "requests.queue").rglob("*")):  # a queue cut mid-write, as a kill leaves it
                if queued.is_file() and queued.stat().st_size > 8:
                    queued.write_bytes(queued.read_bytes()[: queued.stat().st_size // 2])
        # As a kill in the middle of a write leaves them: half a line, half a gzip member.
        last = (out / "pages.jsonl").read_bytes().rstrip(b"\n").rpartition(b"\n")[2]
        with (out / "pages.jsonl").open("ab") as pages:
            pages.write(last[: len(last) // 2])
        maps_before = (out / "verdicts.jsonl").read_bytes()
        assert maps_before.endswith(b"\n")
        with (out / "verdicts.jsonl").open("ab") as verdicts:  # a map cut mid-write (no page refers to it yet)
            verdicts.write(maps_before.splitlines()[0][:100])
        with (out / "evidence" / "responses.jsonl.gz").open("ab") as evidence:
            evidence.write(gzip.compress(b'{"url": "' + replica.base_url.encode() + b'/user-00001"}\n')[:20])
        env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
        resumed = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False)
        assert resumed.returncode == 0, resumed.stderr[-2000:]

    final = (out / "pages.jsonl").read_bytes()
    assert all(final.startswith(before) for before in kept), "a resume keeps the records written before the kill"
    maps = [json.loads(line) for line in (out / "verdicts.jsonl").read_bytes().splitlines()]  # every line whole
    assert (out / "verdicts.jsonl").read_bytes().startswith(maps_before)
    refs = [m["ref"] for m in maps]
    assert len(refs) == len(set(refs)), "a resume knows the maps written before: none is written twice"
    # (read_jsonl resolves every agents_ref through verdicts.jsonl: a missing map fails here)
    urls = [r["url"] for r in read_jsonl(out / "pages.jsonl")]
    assert sorted(u for u in set(urls) if urls.count(u) > 1) == [], "pages recorded twice"
    assert set(urls) == expected, "the resumed crawl samples what an uninterrupted one samples"
    media = [r["url"] for r in read_jsonl(out / "media.jsonl")]
    assert len(media) == len(set(media))
    evidence = _evidence_urls(out)
    assert sorted(u for u in set(evidence) if evidence.count(u) > 1) == [], "evidence stored twice"
    assert set(evidence) == set(urls) | set(media), "every record has its evidence, and no more"
    report = json.loads((out / "report.json").read_text())
    assert report["complete"] is True
    assert sum(c["pages"] for c in report["page_types"].values()) == len(set(urls))


def test_a_sampled_page_whose_redirect_target_times_out_is_recorded_under_the_sampled_url(tmp_path):
    scenario = tmp_path / "redirect-timeout.json"
    scenario.write_text(json.dumps({
        "name": "redirect-timeout",
        "site": {"robots": {"body": ["User-agent: *", "Disallow:"]}},
        "pages": [
            {"path": "/moved-artist", "kind": "redirect", "location": "/slow-artist"},
            {"path": "/slow-artist", "kind": "home", "title": "Slow", "delay_ms": 4000},
        ],
    }))
    with start_replica(scenario) as replica:
        result = scrapy_crawl(
            replica, tmp_path / "reports", max_pages="1", profiles="moved-artist",
            settings={"DOWNLOAD_TIMEOUT": "1", "RETRY_TIMES": "0"},
        )
    assert result.returncode == 0, result.stderr[-2000:]
    records = records_by_url(tmp_path / "reports" / "soundcloud")
    assert replica.base_url + "/slow-artist" not in records, "the last hop is not the page sampled"
    record = records[replica.base_url + "/moved-artist"]
    assert record["page_type"] == "profile" and record["verifiable"] is False
    assert record["final_url"] == replica.base_url + "/slow-artist"
    assert record["unverifiable_reason"].startswith("timeout")
