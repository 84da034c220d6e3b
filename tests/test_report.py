"""report.json and report.html from stored files: the fast reader, the numbers, bad input, size, the index, rebuild."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from noai_check.judge.page_records import Verdicts, _split_line, _VerdictCache, iter_judged
from noai_check.judge.registry import load_registry
from noai_check.platforms import PLATFORMS
from noai_check.replica import start_replica
from noai_check.report.build import PAGE_TABLE_ROWS, write_report
from noai_check.report.export import write_jsonl
from noai_check.report.html import is_http_url, render_html
from tests.crawling import REPO, scrapy_crawl

REGISTRY = load_registry()
SOUNDCLOUD = PLATFORMS["soundcloud"]
BASE = "https://soundcloud.example"
# A few real registry tokens, one per purpose that matters to the report.
AGENTS = {"GPTBot": 6, "CCBot": 6, "Google-Extended": 6, "ClaudeBot": None, "PerplexityBot": None, "ChatGPT-User": None}


def verdicts(blocked_line: int | None = 6, *, reserved: bool = True, reasons: str = "why") -> dict[str, Any]:
    """An agents map: the AGENTS with a line blocks them (at ``blocked_line``), the rest allowed."""
    return {
        token: {
            "images": "none", "reasons": [reasons],
            "robots_allowed": line is None or blocked_line is None,
            "robots_line": blocked_line if line is not None else None,
            "training": "reserved" if reserved or line is not None else "none",
        }
        for token, line in AGENTS.items()
    }


def record(url: str, *, page_type: str = "track", noai: bool = False, verifiable: bool = True,
           reason: str | None = None, agents: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    """A pages.jsonl record of the shape records.page_record writes."""
    return {
        "url": url, "final_url": url, "page_type": page_type, "status": 200 if verifiable else 403,
        "verifiable": verifiable, "unverifiable_reason": None if verifiable else (reason or "bot wall: DataDome (status 403)"),
        "fetched_at": "2026-11-26T12:00:00Z", "sha256": "0" * 64, "headers": extra.pop("headers", {}),
        "page": {"noai": noai, "noimageai": False, "agent_directives": {}, "directives": ["noai"] if noai else [],
                 "tdm_reservation": None, "content_usage": {}} if verifiable else None,
        "agents": verdicts() if agents is None else agents,
        "findings": extra.pop("findings", []), **extra,
    }


def line_of(rec: dict[str, Any]) -> str:
    """Exactly as the pipeline writes a record."""
    return json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n"


def write_run(out: Path, records: list[dict[str, Any]], *, complete: bool = True, robots: bytes | None = None,
              sites: dict[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """A stored crawl as the pipeline leaves it: pages.jsonl, media.jsonl, sites.json, run.json, site/."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "pages.jsonl").write_text("".join(line_of(r) for r in records), encoding="utf-8")
    (out / "media.jsonl").write_text("", encoding="utf-8")
    if sites is None:
        sites = {BASE: {"origin": BASE, "robots_outcome": "parsed", "findings": [], "sitemaps": [],
                        "robots_txt": {"url": BASE + "/robots.txt", "status": 200, "sha256": "1" * 64, "error": None},
                        "tdmrep_json": {"url": BASE + "/.well-known/tdmrep.json", "status": 404, "sha256": None, "error": None},
                        "ai_txt": {"url": BASE + "/ai.txt", "status": 404, "sha256": None, "error": None},
                        "llms_txt": {"url": BASE + "/llms.txt", "status": 404, "sha256": None, "error": None}}}
        folder = out / "site" / "soundcloud.example"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "robots.txt").write_bytes(robots if robots is not None else
                                            b"User-agent: *\nDisallow:\n\nUser-agent: GPTBot\nUser-agent: CCBot\nDisallow: /\n")
    meta = {"platform": "soundcloud", "base_url": BASE, "started_at": "2026-11-26T11:00:00Z",
            "finished_at": "2026-11-26T12:00:00Z", "finish_reason": "finished" if complete else "shutdown",
            "complete": complete, "tool_version": "test", "registry_version": REGISTRY.version,
            "settings": {"max_pages": 200, "seed": "7", "profiles": []}}
    (out / "sites.json").write_text(json.dumps(sites), encoding="utf-8")
    (out / "run.json").write_text(json.dumps(meta), encoding="utf-8")
    return meta, sites


def report_of(out: Path, records: list[dict[str, Any]], **kwargs: Any) -> tuple[dict[str, Any], str]:
    meta, sites = write_run(out, records, **kwargs)
    path = write_report(out, meta, sites, SOUNDCLOUD, REGISTRY)
    return json.loads(path.read_text(encoding="utf-8")), (out / "report.html").read_text(encoding="utf-8")


def text_of(html: str) -> str:
    return " ".join(lxml.html.fromstring(html).text_content().split())


# ---------------------------------------------------------------- a real crawl, shared


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> Path:
    """One real crawl of the hostile replica (fast: a handful of pages)."""
    reports = tmp_path_factory.mktemp("reports")
    with start_replica("soundcloud-injection") as replica:
        result = scrapy_crawl(replica, reports)
    assert result.returncode == 0, result.stderr[-3000:]
    return reports / "soundcloud"


def test_every_real_record_takes_the_fast_path_and_reads_as_json_does(crawled, tmp_path):
    """The split reader relies on how lines with the map inline are written (before verdicts.jsonl,
    and by `export --format jsonl`); a change there must show up here."""
    exported = tmp_path / "inline.jsonl"
    with exported.open("w", encoding="utf-8") as stream:
        assert write_jsonl(crawled, stream) > 0
    cache = _VerdictCache()
    for line in exported.read_bytes().splitlines(keepends=True):
        split = _split_line(line, cache)
        assert split is not None, line[:200]
        whole = json.loads(line)
        assert split[1].rows == Verdicts(whole.pop("agents")).rows
        assert split[0] == whole


def test_records_with_an_agents_ref_read_as_their_map_inline(crawled):
    maps = {e["ref"]: e["agents"] for e in map(json.loads, (crawled / "verdicts.jsonl").read_bytes().splitlines())}
    for name in ("pages.jsonl", "media.jsonl"):
        records = [json.loads(line) for line in (crawled / name).read_bytes().splitlines()]
        judged = list(iter_judged(crawled / name))
        assert [r for r, _ in judged] == [{k: v for k, v in r.items() if k != "agents_ref"} for r in records]
        assert [v.rows for _, v in judged] == [Verdicts(maps[r["agents_ref"]]).rows for r in records]


def test_rebuild_gives_the_same_report_json(crawled, tmp_path):
    before = (crawled / "report.json").read_bytes()
    result = subprocess.run([sys.executable, "-m", "noai_check.cli", "report", "soundcloud", "--reports-dir", str(crawled.parent)],
                            cwd=REPO, check=False, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert (crawled / "report.json").read_bytes() == before
    html = (crawled / "report.html").read_text(encoding="utf-8")
    assert "Does SoundCloud do what it says about AI training?" in html
    assert "Changes since the previous run" in html, "issue 5's section, from reports/history.sqlite"
    assert (crawled.parent / "index.html").is_file()


def test_rebuild_of_a_missing_platform_is_one_line_and_exit_2(tmp_path):
    env = {**os.environ, "COLUMNS": "400"}  # the cli's rich console folds long lines at 80 columns otherwise
    for name in ("soundcloud", "no-such-platform"):
        result = subprocess.run([sys.executable, "-m", "noai_check.cli", "report", name, "--reports-dir", str(tmp_path)],
                                cwd=REPO, check=False, capture_output=True, text=True, timeout=120, env=env)
        assert result.returncode == 2
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
        assert name in result.stderr


def test_rebuild_of_a_site_crawl_finds_its_platform_in_run_json(tmp_path):
    from noai_check.report.rebuild import rebuild_report

    out = tmp_path / "soundcloud.example"
    meta, _ = write_run(out, [record(f"{BASE}/about", page_type="page", noai=True)])
    (out / "run.json").write_text(json.dumps(dict(meta, platform="site")), encoding="utf-8")
    report = json.loads(rebuild_report(tmp_path, "soundcloud.example").read_text(encoding="utf-8"))
    assert report["claims"] == [] and report["page_types"]["page"]["noai"] == 1
    text = text_of((out / "report.html").read_text(encoding="utf-8"))
    assert "What does soundcloud.example say about AI training?" in text and "No public claim is recorded" in text


# ---------------------------------------------------------------- the reader


def test_reader_matches_json_and_shares_equal_agents_maps(tmp_path):
    path = tmp_path / "pages.jsonl"
    records = [record(f"{BASE}/u/t{i}", noai=i % 3 == 0) for i in range(20)]
    records.append(record(f"{BASE}/u/odd", agents=verdicts(reasons="a \"quoted\", \"fetched_at\": trap")))
    path.write_text("".join(line_of(r) for r in records), encoding="utf-8")
    judged = list(iter_judged(path))
    assert [r for r, _ in judged] == [{k: v for k, v in r.items() if k != "agents"} for r in records]
    assert len({id(v) for _, v in judged[:20]}) == 1, "equal maps are read once"
    assert sorted(judged[-1][1].rows) == sorted(Verdicts(records[-1]["agents"]).rows)


def test_reader_skips_a_torn_line_and_reads_other_layouts_whole(tmp_path):
    path = tmp_path / "pages.jsonl"
    unsorted = json.dumps({"url": f"{BASE}/u/b", **{k: v for k, v in record(f"{BASE}/u/b").items() if k != "url"}})
    path.write_text(line_of(record(f"{BASE}/u/a")) + unsorted + "\n" + line_of(record(f"{BASE}/u/c"))[:150], encoding="utf-8")
    judged = list(iter_judged(path))
    assert [r["url"] for r, _ in judged] == [f"{BASE}/u/a", f"{BASE}/u/b"]
    assert sorted(judged[1][1].rows) == sorted(judged[0][1].rows)


def test_counts_are_the_same_whether_pages_share_maps_or_each_has_its_own():
    from collections import Counter

    from noai_check.report.summary import Summary

    records = [record(f"{BASE}/u/t{i}", page_type=("track", "profile")[i % 2],
                      agents=verdicts(blocked_line=(6, None)[i % 3 == 0], reserved=i % 5 != 0, reasons=f"page {i}"))
               for i in range(5000)]  # more distinct maps than are held before folding
    shared, own = Summary(), Summary()
    for rec in records:
        own.add(rec)  # a Verdicts of its own per page
    cache = {}
    for rec in records:
        key = json.dumps({t: {k: v for k, v in a.items() if k != "reasons"} for t, a in rec["agents"].items()}, sort_keys=True)
        shared.add(rec, cache.setdefault(key, Verdicts(rec["agents"])))
    assert own.to_json() == shared.to_json()
    gpt = Counter(r["agents"]["GPTBot"]["training"] for r in records)
    assert own.to_json()["agents"]["GPTBot"]["training"] == dict(gpt)


# ---------------------------------------------------------------- numbers and page


def test_report_keeps_its_keys_and_adds_deciding_lines_and_examples(tmp_path):
    records = [record(f"{BASE}/u/t{i}", noai=i < 3) for i in range(10)]
    records += [record(f"{BASE}/u", page_type="profile", noai=True), record(f"{BASE}/w/t", verifiable=False)]
    records.append(record(f"{BASE}/u/c", findings=[{"signal": "conflict", "source": "header", "agent": None,
                                                     "value": "tdm 0 and noai", "evidence": "tdm-reservation: 0"}]))
    report, html = report_of(tmp_path / "soundcloud", records)
    for key in ("schema_version", "platform", "base_url", "started_at", "finished_at", "complete", "finish_reason",
                "settings", "site", "claims", "page_types", "agents", "agents_by_page_type", "unverifiable", "media"):
        assert key in report
    assert report["page_types"]["track"]["verifiable"] == 11 and report["page_types"]["track"]["noai"] == 3
    assert report["agents"]["GPTBot"] == {"purpose": "training", "robots_blocked": 12, "training": {"reserved": 12}, "verifiable_pages": 12}
    assert report["agents_by_page_type"]["profile"]["CCBot"]["robots_blocked"] == 1
    assert report["robots_lines"][BASE] == [{"line": 6, "effect": "disallow", "decisions": 36,
                                             "agents": ["CCBot", "Google-Extended", "GPTBot"], "agents_total": 3}]
    assert report["unverifiable_examples"] == {"bot wall: DataDome (status 403)": [f"{BASE}/w/t"]}
    assert report["notable_findings"][0]["examples"] == [f"{BASE}/u/c"]
    assert [c["status"] for c in report["claims"]] == ["partial", "verified"]
    text = text_of(html)
    assert "Partly true" in text and "Verified" in text
    assert "blocks CCBot, Google-Extended, GPTBot (36 page verdicts)" in text
    assert "tdm 0 and noai" in text


def test_parser_disagreements_are_found_in_the_stored_robots_txt(tmp_path):
    robots = b"User-agent: GPTBot\nContent-Usage: train-ai=n\nUser-agent: CCBot\nDisallow: /\n"
    report, html = report_of(tmp_path / "soundcloud", [record(f"{BASE}/u/t")], robots=robots)
    compared = report["parser_disagreements"][BASE]
    assert compared["compared"] is True and compared["urls"] == [f"{BASE}/", f"{BASE}/u/t"]
    gpt = [f for f in compared["findings"] if f["agent"] == "GPTBot"]
    assert gpt and gpt[0]["value"] == "rfc9309=blocked protego=allowed"
    assert "protego splits the group at an unknown line (line 2: 'Content-Usage: train-ai=n')" in text_of(html)


def test_page_is_self_contained(tmp_path):
    _, html = report_of(tmp_path / "soundcloud", [record(f"{BASE}/u/t")])
    doc = lxml.html.fromstring(html)
    assert not doc.xpath("//link | //img | //iframe | //object | //embed | //script[@src] | //*[@srcset]")
    assert "@import" not in html and "url(" not in html
    assert all(not a.get("href", "").startswith("//") for a in doc.xpath("//a"))
    csp = doc.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")[0]
    assert "default-src 'none'" in csp and "script-src 'sha256-" in csp


def test_only_http_urls_become_links():
    assert is_http_url("https://soundcloud.com/a") and is_http_url("http://127.0.0.1:8000/x?y=1")
    for bad in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x", "vbscript:x", " http://x",
                "http://x y", "//evil.example/x", "/relative", "ftp://x/y", "http:\t//x", None, 3):
        assert not is_http_url(bad), bad


def test_hostile_strings_are_text_and_hostile_urls_are_not_links(tmp_path):
    evil_url = "javascript:document.title='PWNED'"
    rec = record(f"{BASE}/u/t", findings=[{"signal": "conflict", "source": "meta", "agent": "<b>x</b>",
                                           "value": "<script>alert(1)</script>", "evidence": "<img src=x onerror=alert(1)>"}],
                 headers={"x-robots-tag": ["<i>noai</i>"]})
    rec["url"] = rec["final_url"] = evil_url
    report, _ = report_of(tmp_path / "soundcloud", [rec])
    html = render_html(report, tmp_path / "soundcloud", [], REGISTRY)
    doc = lxml.html.fromstring(html)
    assert not doc.xpath("//img | //i | //b[.='x']") and len(doc.xpath("//script")) == 1
    assert not [a for a in doc.xpath("//a/@href") if a.lower().startswith("javascript")]
    text = doc.text_content()
    assert "<script>alert(1)</script>" in text and "<img src=x onerror=alert(1)>" in text and evil_url in text


# ---------------------------------------------------------------- bad input


def test_no_verifiable_page_and_a_crawl_stopped_early_still_render_and_say_so(tmp_path):
    walls = [record(f"{BASE}/u{i}", page_type="profile", verifiable=False) for i in range(5)]
    report, html = report_of(tmp_path / "soundcloud", walls, complete=False)
    assert [c["status"] for c in report["claims"]] == ["inconclusive", "inconclusive"]
    assert all(c["pages_unverifiable"] == 5 for c in report["claims"])
    text = text_of(html)
    assert "Incomplete crawl." in text and "stopped early (shutdown)" in text
    assert "No page could be verified." in text and "Inconclusive" in text
    assert "bot wall: DataDome (status 403)" in text


def test_empty_run_renders(tmp_path):
    report, html = report_of(tmp_path / "soundcloud", [])
    assert report["page_types"] == {} and "No page was fetched" in text_of(html)


def test_a_500_kib_robots_txt_is_shown_capped_with_its_deciding_lines(tmp_path):
    filler = b"".join(b"Disallow: /private/%06d/\n" % i for i in range(21_000))
    robots = b"User-agent: *\n" + filler + b"User-agent: GPTBot\nDisallow: /\n" + b"# " + b"x" * 5000 + b"\n"
    assert len(robots) > 500 * 1024
    deciding = robots.count(b"\n", 0, robots.index(b"User-agent: GPTBot")) + 2
    records = [record(f"{BASE}/u/t{i}", agents=verdicts(blocked_line=deciding)) for i in range(3)]
    _, html = report_of(tmp_path / "soundcloud", records, robots=robots)
    assert len(html.encode()) < 300_000
    doc = lxml.html.fromstring(html)
    numbers = [int(n) for n in doc.xpath("//div[contains(@class,'file')]/div[contains(@class,' decides')]/span[@class='n']/text()")]
    assert numbers == [deciding]
    text = text_of(html)
    total = robots.count(b"\n")
    assert "lines not shown" in text and f"{total:,} lines" in text
    assert "not compared here (noai-check robots FILE does)" in text


def test_50000_pages_stay_small_with_a_capped_table(tmp_path):
    out = tmp_path / "soundcloud"
    meta, sites = write_run(out, [])
    maps = [json.dumps(verdicts(), sort_keys=True), json.dumps(verdicts(reserved=False), sort_keys=True)]
    template = record(f"{BASE}/u/t")
    del template["agents"]
    with (out / "pages.jsonl").open("w", encoding="utf-8") as stream:
        for i in range(50_000):
            url = f"{BASE}/u{i // 10}/t{i}"
            rest = json.dumps(dict(template, url=url, final_url=url, page={**template["page"], "noai": i % 4 == 0}), sort_keys=True)
            stream.write('{"agents": ' + maps[i % 2] + ", " + rest[1:] + "\n")
    path = write_report(out, meta, sites, SOUNDCLOUD, REGISTRY)
    report = json.loads(path.read_text(encoding="utf-8"))
    assert report["page_types"]["track"]["pages"] == 50_000 and report["page_types"]["track"]["noai"] == 12_500
    assert report["agents"]["ClaudeBot"]["training"] == {"none": 25_000, "reserved": 25_000}
    html = (out / "report.html").read_text(encoding="utf-8")
    assert len(html.encode()) < 5 * 1024 * 1024
    rows = lxml.html.fromstring(html).xpath("//section[@id='pages']//tbody/tr")
    assert len(rows) == PAGE_TABLE_ROWS
    assert f"The first {PAGE_TABLE_ROWS} of 50,000 pages" in text_of(html)


# ---------------------------------------------------------------- reports/index.html


def test_index_lists_every_platform_escaped_and_survives_a_broken_report(tmp_path):
    reports = tmp_path / "reports"
    report_of(reports / "soundcloud", [record(f"{BASE}/u/t", noai=True)])
    (reports / "evil<b>site").mkdir()
    (reports / "evil<b>site" / "report.json").write_text("{not json", encoding="utf-8")
    (reports / "empty").mkdir()
    report_of(reports / "soundcloud", [record(f"{BASE}/u/t", noai=True)])  # rewrites the index
    html = (reports / "index.html").read_text(encoding="utf-8")
    doc = lxml.html.fromstring(html)
    assert doc.xpath("//a[@href='soundcloud/report.html']")
    text = text_of(html)
    assert "evil<b>site" in text and "report.json could not be read" in text and "empty" not in text
    assert not doc.xpath("//b[.='site']") and not doc.xpath("//script")
    assert "Verified" in text and "100%" in text
    blocked = [token for token, line in AGENTS.items() if line is not None]
    assert blocked and f"On every readable page: {len(blocked)} of {len(AGENTS)}" in text
    assert all(token in text for token in blocked)


def test_the_numbers_and_examples_do_not_depend_on_the_order_pages_arrived_in():
    """Responses interleave differently on every run: ties and examples must not follow arrival order."""
    import random

    from noai_check.report.summary import summarize

    def record(index: int) -> dict[str, Any]:
        url = f"{BASE}/u{index % 7}/t{index:03d}"
        if index % 3 == 0:
            return {"url": url, "page_type": "track", "verifiable": False, "unverifiable_reason": f"status {500 + index % 2}"}
        conflict = {"signal": "conflict", "source": "page", "agent": None, "value": f"v{index % 4}", "evidence": "e"}
        return {
            "url": url, "page_type": "track", "verifiable": True, "page": {"noai": index % 2 == 0},
            "agents": verdicts(), "findings": [conflict] if index % 2 else [],
            "headers": {"x-robots-tag": [f"value {index % 5}"]},
        }

    records = [record(i) for i in range(60)]
    first = summarize(records).to_json()
    for seed in range(3):
        shuffled = list(records)
        random.Random(seed).shuffle(shuffled)
        assert summarize(shuffled).to_json() == first
    assert [v["value"] for v in first["header_values"]["x-robots-tag"]][:2] == ["value 0", "value 1"]
    assert first["unverifiable_examples"]["status 500"] == sorted(first["unverifiable_examples"]["status 500"])


# ---------------------------------------------------------------- writing: full, read-only, atomic, concurrent


def _outputs(reports: Path) -> dict[str, bytes]:
    """Every file a report writes at the end, by path relative to the reports dir."""
    names = ("soundcloud/run.json", "soundcloud/report.json", "soundcloud/report.html", "index.html")
    return {name: (reports / name).read_bytes() for name in names}


def _rebuild(reports: Path) -> list[str]:
    return [sys.executable, "-m", "noai_check.cli", "report", "soundcloud", "--reports-dir", str(reports)]


def _one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, (result.returncode, result.stderr[-3000:])
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_rebuild_on_a_full_disk_says_so_and_leaves_every_previous_file_whole(tmp_path):
    from tests.mounts import run_on_full_disk

    reports = tmp_path / "reports"
    report_of(reports / "soundcloud", [record(f"{BASE}/u/t{i}", noai=i % 2 == 0) for i in range(40)])
    before = _outputs(reports)
    after = tmp_path / "after"
    result = run_on_full_disk(reports, after, _rebuild(reports), cwd=REPO, timeout=120, env={**os.environ, "COLUMNS": "400"})
    line = _one_error_line(result)
    assert "report not rebuilt: No space left on device: " in line and str(reports / "soundcloud") in line
    assert _outputs(after) == before
    assert not [p.name for p in after.rglob("*") if p.name.endswith(".tmp")], "a temporary file was left behind"


def test_rebuild_into_a_read_only_folder_says_so_and_changes_nothing(tmp_path):
    from tests.mounts import run_read_only

    reports = tmp_path / "reports"
    report_of(reports / "soundcloud", [record(f"{BASE}/u/t{i}") for i in range(5)])
    before = _outputs(reports)
    result = run_read_only(reports, _rebuild(reports), cwd=REPO, timeout=120, env={**os.environ, "COLUMNS": "400"})
    line = _one_error_line(result)
    assert "report not rebuilt: Read-only file system: " in line
    assert _outputs(reports) == before


def test_rebuild_that_cannot_replace_a_file_is_one_line_and_leaves_no_temporary_file(tmp_path):
    """Portable (no mounts): report.html is a directory, so renaming onto it fails."""
    reports = tmp_path / "reports"
    report_of(reports / "soundcloud", [record(f"{BASE}/u/t{i}") for i in range(5)])
    (reports / "soundcloud" / "report.html").unlink()
    (reports / "soundcloud" / "report.html").mkdir()
    result = subprocess.run(_rebuild(reports), cwd=REPO, check=False, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "COLUMNS": "400"})
    line = _one_error_line(result)
    assert "report not rebuilt: " in line and line.endswith("report.html")
    assert json.loads((reports / "soundcloud" / "report.json").read_text(encoding="utf-8"))["platform"] == "soundcloud"
    assert not [p.name for p in reports.rglob("*") if p.name.endswith(".tmp")]


_RACERS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel")


def _finish_reports(reports: Path, name: str, rounds: int, barrier: Any) -> None:
    """One crawl process ending ``rounds`` times, each time with all the others (a multiprocessing worker)."""
    from noai_check.files import write_atomic
    from noai_check.report.index import write_index

    # As many agents as the registry has: reading and rendering take as long as for a real report.
    agents = {f"Bot{i}": {"verifiable_pages": 10, "robots_blocked": i % 3 * 5} for i in range(150)}
    report = {"platform": name, "complete": True, "claims": [], "agents": agents}
    for round_ in range(rounds):
        barrier.wait(timeout=60)
        out = reports / f"round{round_:03d}" / name
        out.mkdir(parents=True)
        write_atomic(out / "report.json", json.dumps(report))
        write_index(out.parent)


def test_reports_finishing_at_once_are_all_in_the_index(tmp_path):
    import multiprocessing

    rounds = 100
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(_RACERS))
    workers = [context.Process(target=_finish_reports, args=(tmp_path, name, rounds, barrier)) for name in _RACERS]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=240)
    for worker in workers:
        if worker.is_alive():
            worker.kill()
    assert [worker.exitcode for worker in workers] == [0] * len(_RACERS)
    lost = {}
    for round_ in range(rounds):
        text = text_of((tmp_path / f"round{round_:03d}" / "index.html").read_text(encoding="utf-8"))
        missing = [name for name in _RACERS if name not in text]
        if missing:
            lost[round_] = missing
    assert not lost, f"platforms missing from the index in {len(lost)} of {rounds} rounds: {lost}"
    assert not list(tmp_path.rglob("*.tmp"))


def test_a_failed_write_leaves_the_previous_file_and_no_temporary_file(tmp_path):
    """A file-size limit (RLIMIT_FSIZE) makes the write fail part-way, as a full disk does, with no mounts."""
    target = tmp_path / "report.json"
    target.write_text('{"previous": true}', encoding="utf-8")
    script = (
        "import resource, signal, sys\n"
        "from pathlib import Path\n"
        "from noai_check.files import write_atomic\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))\n"
        "try:\n"
        "    write_atomic(Path(sys.argv[1]), 'x' * 100_000)\n"
        "except OSError as error:\n"
        "    print(error.strerror)\n"
    )
    result = subprocess.run([sys.executable, "-c", script, str(target)], cwd=REPO, capture_output=True, text=True,
                            check=False, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "File too large"
    assert target.read_text(encoding="utf-8") == '{"previous": true}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_a_written_file_is_complete_and_readable_like_any_other(tmp_path):
    from noai_check.files import write_atomic

    target = tmp_path / "report.html"
    write_atomic(target, "<p>caf\u00e9</p>")
    write_atomic(tmp_path / "robots.txt", b"\xff\x00bytes")
    assert target.read_text(encoding="utf-8") == "<p>caf\u00e9</p>"
    assert (tmp_path / "robots.txt").read_bytes() == b"\xff\x00bytes"
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask, "not mkstemp's private 0600"


def test_every_output_file_goes_through_the_one_atomic_writer():
    """write_text/write_bytes replace a file in place (a full disk leaves it empty): noai_check.files only."""
    package = REPO / "noai_check"
    offenders = [
        f"{path.relative_to(REPO)}:{number}"
        for path in package.rglob("*.py") if "replica" not in path.relative_to(package).parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ".write_text(" in line or ".write_bytes(" in line
    ]
    assert offenders == []
