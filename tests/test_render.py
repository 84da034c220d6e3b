"""Raw HTML vs rendered page: real crawls of the ``site-render`` replica, rendered in Debian's Chromium.

Each page of the scenario changes its robots metas with its own script (inserted, inserted after a
delayed fetch(), removed, changed, a network that never settles, a challenge drawn by script). The
crawl must read both views, say what differs, keep verdicts on the raw HTML, never render a page
walled in the raw fetch, and leave no Chromium running after it ends, is interrupted or fails.
Skipped without Chromium unless NOAI_REQUIRE_CHROMIUM=1 (CI), where it must run.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lxml.html
import psutil
import pytest

from noai_check.crawl.rendering import find_chromium, render_problem
from noai_check.replica import Replica, start_replica
from noai_check.signals.directives import parse_meta_content
from noai_check.signals.page import PageSignals
from noai_check.signals.rendered import compare_views
from tests.crawling import FAST, REPO, read_jsonl, scrapy_crawl

RENDER_FAST = {"NOAI_RENDER_TIMEOUT": "4"}


def chromium() -> str:
    found = find_chromium(None)
    if found:
        return found
    if os.environ.get("NOAI_REQUIRE_CHROMIUM") == "1":
        pytest.fail("NOAI_REQUIRE_CHROMIUM=1 but no Chromium on PATH (apt-get install chromium)")
    pytest.skip("Chromium is not installed (apt-get install chromium)")


@pytest.fixture(scope="module")
def render_site() -> Iterator[Replica]:
    with start_replica("site-render") as replica:
        yield replica


def _crawl(replica: Replica, reports: Path, **args: str) -> dict[str, dict[str, Any]]:
    done = scrapy_crawl(replica, reports, spider="site", url=replica.base_url + "/", settings=RENDER_FAST, **args)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, "a page that never settles is an outcome, not a traceback"
    pages = read_jsonl(next(reports.rglob("pages.jsonl")))
    return {r["url"].removeprefix(replica.base_url): r for r in pages}


def _js(record: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((f["signal"], f["value"]) for f in record["findings"] if f["signal"].startswith("js-"))


@pytest.fixture(scope="module")
def all_reports(render_site: Replica, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reports folder of one `render=all` crawl of the whole scenario."""
    chromium()
    reports = tmp_path_factory.mktemp("render-all")
    _crawl(render_site, reports, render="all")
    return reports


@pytest.fixture(scope="module")
def rendered_all(render_site: Replica, all_reports: Path) -> dict[str, dict[str, Any]]:
    pages = read_jsonl(next(all_reports.rglob("pages.jsonl")))
    return {r["url"].removeprefix(render_site.base_url): r for r in pages}


def test_script_inserted_signals_are_js_only(rendered_all: dict[str, dict[str, Any]]) -> None:
    for path in ("/js/insert", "/js/fetch-insert"):
        record = rendered_all[path]
        assert record["page"]["noai"] is False, "the raw HTML has no noai"
        assert record["rendered"]["verifiable"] is True
        assert record["rendered"]["noai"] is True, path
    assert _js(rendered_all["/js/insert"]) == [("js-only-signal", "noai"), ("js-only-signal", "noimageai")]
    assert _js(rendered_all["/js/fetch-insert"]) == [("js-only-signal", "noai")]  # after the delayed fetch()


def test_removed_and_changed_signals(rendered_all: dict[str, dict[str, Any]]) -> None:
    removed, changed = rendered_all["/js/remove"], rendered_all["/js/change"]
    assert removed["page"]["noai"] is True and removed["rendered"]["noai"] is False
    assert _js(removed) == [("js-removed-signal", "noai")]
    assert changed["rendered"]["directives"] == ["noimageai"]
    assert _js(changed) == [("js-changed-signal", "noai -> noimageai")]


def test_same_page_in_both_views_has_no_js_finding(rendered_all: dict[str, dict[str, Any]]) -> None:
    plain = rendered_all["/js/plain"]
    assert plain["rendered"] == {
        "verifiable": True, "unverifiable_reason": None, "noai": False, "noimageai": False,
        "agent_directives": {}, "tdm_reservation": None, "directives": [],
    }
    assert _js(plain) == []


def test_verdicts_stay_on_the_raw_html(rendered_all: dict[str, dict[str, Any]]) -> None:
    # The insert page's verdicts are those of the plain page: a training crawler never sees the tag.
    assert rendered_all["/js/insert"]["agents"] == rendered_all["/js/plain"]["agents"]
    assert rendered_all["/js/remove"]["agents"]["GPTBot"] != rendered_all["/js/plain"]["agents"]["GPTBot"]


def test_unsettled_or_walled_rendered_view_is_unverifiable(rendered_all: dict[str, dict[str, Any]]) -> None:
    never = rendered_all["/js/never-settles"]
    assert never["verifiable"] is True, "the raw view still counts"
    assert never["rendered"]["verifiable"] is False
    assert "did not settle within 4 s" in never["rendered"]["unverifiable_reason"]
    assert never["rendered"]["noai"] is None, "unknown, never 'no tag'"
    wall = rendered_all["/js/wall"]
    assert wall["rendered"]["verifiable"] is False
    assert wall["rendered"]["unverifiable_reason"].startswith("bot wall: Cloudflare")


def test_page_walled_in_raw_fetch_is_never_rendered(rendered_all: dict[str, dict[str, Any]]) -> None:
    walled = rendered_all["/js/walled"]
    assert walled["verifiable"] is False and "bot wall" in walled["unverifiable_reason"]
    assert "rendered" not in walled


def test_sample_renders_at_most_render_sample_per_type(render_site: Replica, tmp_path: Path) -> None:
    chromium()
    records = _crawl(render_site, tmp_path, render="sample", render_sample="2")
    rendered = [r for r in records.values() if "rendered" in r]
    assert sorted(r["page_type"] for r in rendered) == ["other", "page", "page"]
    assert len(records) == 9, "every page still has its raw record"


def test_never_loads_no_browser(render_site: Replica, tmp_path: Path) -> None:
    done = scrapy_crawl(render_site, tmp_path, spider="site", url=render_site.base_url + "/")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "scrapy-playwright" not in done.stderr and "playwright" not in done.stderr.lower()
    records = read_jsonl(next(tmp_path.rglob("pages.jsonl")))
    assert records and not any("rendered" in r for r in records)
    report = json.loads(next(tmp_path.rglob("report.json")).read_text(encoding="utf-8"))
    assert report["rendered"] is None
    html = next(tmp_path.rglob("report.html")).read_text(encoding="utf-8")
    assert 'id="rendered"' not in html


def test_report_compares_raw_and_rendered_per_page_type(all_reports: Path) -> None:
    report = json.loads(next(all_reports.rglob("report.json")).read_text(encoding="utf-8"))
    section = report["rendered"]
    assert "do not run JavaScript" in section["note"]
    page = section["page_types"]["page"]
    # insert, fetch-insert, remove, change, plain read; never-settles and wall not; walled never rendered.
    assert (page["rendered"], page["unverifiable"], page["differing"]) == (5, 2, 4)
    assert page["raw_noai"]["pages"] == 2 and page["rendered_noai"]["pages"] == 2  # remove+change vs insert+fetch
    assert page["raw_noai"]["ci95"] and page["rendered_noai"]["ci95"]
    assert [e["url"].rsplit("/", 1)[1] for e in page["evidence"]] == ["change", "fetch-insert", "insert", "remove"]
    assert report["page_types"]["page"]["noai"] == 2, "the coverage numbers stay on the raw HTML"


def test_export_csv_has_the_rendered_columns(all_reports: Path, tmp_path: Path) -> None:
    import csv

    folder = next(all_reports.rglob("pages.jsonl")).parent
    done = subprocess.run([sys.executable, "-m", "noai_check.cli", "export", folder.name, "--reports-dir", str(all_reports),
                           "--format", "csv", "-o", str(tmp_path / "pages.csv")], capture_output=True, text=True,
                          cwd=REPO, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    with (tmp_path / "pages.csv").open(encoding="utf-8", newline="") as stream:
        rows = {r["url"].rsplit("/", 1)[1]: r for r in csv.DictReader(stream)}
    assert (rows["insert"]["page.noai"], rows["insert"]["rendered.noai"]) == ("false", "true")
    assert rows["never-settles"]["rendered.verifiable"] == "false" and rows["walled"]["rendered.noai"] == ""


def test_report_section_draws_in_chromium(all_reports: Path, tmp_path: Path) -> None:
    from tests.test_report_browser import dump_dom

    doc = lxml.html.fromstring(dump_dom(next(all_reports.rglob("report.html")), tmp_path / "profile"))
    section = doc.get_element_by_id("rendered")
    assert section.findtext(".//h2") == "Raw HTML vs rendered page"
    rows = {row.findtext("th"): row.text_content() for row in section.xpath(".//table[1]/tbody/tr")}
    assert "40% (95% interval" in rows["page"]
    details = section.xpath(".//details//td")
    assert any("changed by a script: noai -> noimageai" in td.text_content() for td in details)


def _claim_record(url: str, raw: bool, after: bool | None) -> dict[str, Any]:
    record: dict[str, Any] = {"url": url, "page_type": "track", "verifiable": True, "page": {"noai": raw}}
    if after is not None:
        record["rendered"] = {"verifiable": True, "noai": after}
    return record


def test_claim_says_when_javascript_would_change_its_status() -> None:
    from noai_check.judge.registry import load_registry
    from noai_check.platforms.base import Claim
    from noai_check.report.claims import tally_claims

    claim = Claim(id="c", text="t", source="s", date="", check="noai-every-agent", page_types=("track",))
    [tally] = tally_claims((claim,), load_registry())
    for i in range(26):
        tally.add(_claim_record(f"u{i:02}", raw=i < 8, after=i < 24))
    tally.add(_claim_record("u99", raw=False, after=None))  # not rendered: counted raw only
    rendered = tally.to_json()["rendered"]
    assert tally.to_json()["status"] == "partial"
    assert rendered["line"] == "8 of 26 rendered pages satisfy it in the HTML; 24 of 26 after JavaScript, which AI crawlers do not run"
    [same] = tally_claims((claim,), load_registry())
    same.add(_claim_record("u", raw=False, after=False))
    assert same.to_json()["rendered"]["line"] is None, "no line when the status would not change"
    [unrendered] = tally_claims((claim,), load_registry())
    unrendered.add(_claim_record("u", raw=True, after=None))
    assert unrendered.to_json()["rendered"] is None


def test_missing_chromium_is_one_line_exit_2_before_any_request(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "scrapy", "crawl", "site", "-a", "url=http://127.0.0.1:9/", "-a", "render=sample",
               "-s", "NOAI_CHROMIUM=/nonexistent/chromium", "-s", f"NOAI_REPORTS_DIR={tmp_path}"]
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60, env=env, check=False)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-3000:]
    lines = [line for line in done.stderr.splitlines() if line.startswith("error:")]  # Scrapy logs its versions first
    assert len(lines) == 1, done.stderr
    assert "NOAI_CHROMIUM" in lines[0] and "`chromium`" in lines[0]
    assert not list(tmp_path.rglob("*.jsonl")), "nothing was crawled"


def test_bad_render_arguments() -> None:
    assert render_problem("sometimes", None, None) == "render must be one of never, sample, all, got 'sometimes'"
    assert "render_sample" in (render_problem("sample", "0", None) or "")
    assert render_problem("never", None, "/nonexistent") is None, "never asks for no browser"


def test_compare_views_scoped_and_tdm() -> None:
    raw, rendered = PageSignals("u", True), PageSignals("u", True)
    rendered.directives.merge(parse_meta_content("noai", "gptbot", '<meta name="GPTBot" content="noai">'))
    found = compare_views(raw, rendered)
    assert [(f.signal, f.agent, f.value) for f in found] == [("js-only-signal", "gptbot", "noai")]
    assert 'content="noai"' in found[0].evidence and "never see" in found[0].evidence


# -- no Chromium left behind ---------------------------------------------------------------------------


def _browser_processes(parent: psutil.Process) -> dict[int, float]:
    """The Chromium and Playwright driver processes under ``parent``: pid -> start time (a reused pid differs)."""
    found: dict[int, float] = {}
    try:
        children = parent.children(recursive=True)
    except psutil.NoSuchProcess:
        return found
    for child in children:
        try:
            found[child.pid] = child.create_time()
        except psutil.NoSuchProcess:
            continue
    return found


def _still_running(seen: dict[int, float]) -> list[int]:
    alive = []
    for pid, started in seen.items():
        try:
            process = psutil.Process(pid)
            if process.create_time() == started and process.status() != psutil.STATUS_ZOMBIE:
                alive.append(pid)
        except psutil.NoSuchProcess:
            continue
    return alive


def _start_crawl(replica: Replica, reports: Path, **settings: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "scrapy", "crawl", "site", "-a", f"url={replica.base_url}/", "-a", "render=all"]
    for key, value in {**FAST, **RENDER_FAST, "NOAI_REPORTS_DIR": str(reports), **settings}.items():
        command += ["-s", f"{key}={value}"]
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _watch(crawl: subprocess.Popen[str], until: float) -> dict[int, float]:
    """Every child process seen while the crawl runs (until it exits or ``until``)."""
    seen: dict[int, float] = {}
    parent = psutil.Process(crawl.pid)
    while crawl.poll() is None and time.monotonic() < until:
        seen.update(_browser_processes(parent))
        time.sleep(0.05)
    return seen


def test_no_chromium_left_after_a_crawl(render_site: Replica, tmp_path: Path) -> None:
    chromium()
    crawl = _start_crawl(render_site, tmp_path)
    seen = _watch(crawl, time.monotonic() + 120)
    _, stderr = crawl.communicate(timeout=60)
    assert crawl.returncode == 0, stderr[-3000:]
    assert len(seen) >= 2, "Chromium (and Playwright's driver) ran under the crawl"
    assert _still_running(seen) == []


def test_no_chromium_left_after_ctrl_c(render_site: Replica, tmp_path: Path) -> None:
    chromium()
    crawl = _start_crawl(render_site, tmp_path, NOAI_RENDER_TIMEOUT="30")  # never-settles keeps it busy
    parent, seen = psutil.Process(crawl.pid), {}
    deadline = time.monotonic() + 60
    while not any("chrom" in _name(pid) for pid in seen) and time.monotonic() < deadline:
        seen.update(_browser_processes(parent))
        time.sleep(0.05)
    assert seen, "Chromium started"
    time.sleep(1.0)
    seen.update(_browser_processes(parent))
    crawl.send_signal(signal.SIGINT)
    seen.update(_watch(crawl, time.monotonic() + 60))
    _, stderr = crawl.communicate(timeout=60)
    assert "Received SIGINT" in stderr
    assert _still_running(seen) == []


def test_no_chromium_left_after_an_error(render_site: Replica, tmp_path: Path) -> None:
    """The crawl process killed outright (no shutdown of its own): the browser must not outlive it."""
    chromium()
    crawl = _start_crawl(render_site, tmp_path, NOAI_RENDER_TIMEOUT="30")
    parent, seen = psutil.Process(crawl.pid), {}
    deadline = time.monotonic() + 60
    while not any("chrom" in _name(pid) for pid in seen) and time.monotonic() < deadline:
        seen.update(_browser_processes(parent))
        time.sleep(0.05)
    assert seen, "Chromium started"
    crawl.kill()
    crawl.communicate(timeout=30)
    deadline = time.monotonic() + 15
    while _still_running(seen) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _still_running(seen) == []


def _name(pid: int) -> str:
    try:
        return psutil.Process(pid).name().lower()
    except psutil.NoSuchProcess:
        return ""


# -- noai-check check URL --render ------------------------------------------------------------------


def _check(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "noai_check.cli", "check", *argv], capture_output=True, text=True,
                          cwd=REPO, check=False, timeout=120, env={**os.environ, **(env or {})})


def test_check_render_reads_the_page_after_javascript(render_site: Replica) -> None:
    chromium()
    done = _check(render_site.url("/js/fetch-insert"), "--render", "--json")
    assert done.returncode == 0, done.stderr[-3000:]
    data = json.loads(done.stdout)
    assert data["page"]["noai"] is False and data["rendered"]["noai"] is True
    assert [(f["signal"], f["value"]) for f in data["findings"] if f["signal"].startswith("js-")] == [("js-only-signal", "noai")]
    walled = json.loads(_check(render_site.url("/js/walled"), "--render", "--json").stdout)
    assert walled["rendered"]["verifiable"] is False and "not rendered" in walled["rendered"]["unverifiable_reason"]
    plain = _check(render_site.url("/js/remove"), "--render")
    assert plain.returncode == 0 and "js-removed-signal: noai" in plain.stdout


def test_check_render_without_chromium_is_one_line_exit_2(render_site: Replica) -> None:
    done = _check(render_site.url("/js/insert"), "--render", env={"NOAI_CHROMIUM": "/nonexistent/chromium"})
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "NOAI_CHROMIUM" in done.stderr and "`chromium`" in done.stderr
    assert done.stdout == "", "nothing was fetched or printed"


def test_render_arguments_and_settings_are_checked_before_the_crawl() -> None:
    from scrapy.settings import Settings

    from noai_check.crawl.config import CrawlConfig
    from noai_check.crawl.spider import PlatformSpider
    from spiders.site import SiteSpider

    assert SiteSpider.argument_problem(url="http://127.0.0.1:9/", render="bogus") == \
        "render must be one of never, sample, all, got 'bogus'"
    assert PlatformSpider.argument_problem(render="sample", render_sample="ten") == \
        "render_sample must be a positive whole number, got 'ten'"
    assert CrawlConfig.from_settings(Settings({"NOAI_RENDER_TIMEOUT": "2.5"})).render_timeout == 2.5
    with pytest.raises(ValueError, match="NOAI_RENDER_TIMEOUT must be a number of seconds > 0"):
        CrawlConfig.from_settings(Settings({"NOAI_RENDER_TIMEOUT": "0"}))
