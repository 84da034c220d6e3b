"""`scrapy crawl <platform>` for real against each platform's replica on 127.0.0.1, checked page by page.

Each scenario writes down every page a correct crawl records (home, content pages, media) and
nothing else, so the check runs both ways: every expected page is recorded as the scenario
says, and no recorded page is unexpected (a feature, a sub-page or another site followed).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from noai_check.platforms import PLATFORMS
from noai_check.replica import start_replica
from tests.crawling import REPO, mismatches, read_jsonl, records_by_url, scrapy_crawl

# platform -> (extra spider arguments given the replica, expected status per claim id)
CASES: dict[str, tuple[dict[str, Any], dict[str, str]]] = {
    "bandcamp": ({"artist_hosts": lambda r: ",".join(o.split("://")[1] for o in r.hosts.values())}, {}),
    "mixcloud": ({}, {}),
    "audiomack": ({}, {}),
    "youtube": ({}, {}),
    "spotify": ({}, {}),
    "deviantart": ({}, {"all-deviations-opted-out": "partial"}),
    "artstation": ({}, {"noai-tag-opt-in": "verified"}),
    "flickr": ({}, {}),
}


def crawl(name: str, scenario: str, tmp_path: Path, **extra: str) -> tuple[Any, Path, subprocess.CompletedProcess[str]]:
    with start_replica(scenario) as replica:
        args = {key: (value(replica) if callable(value) else value) for key, value in CASES.get(name, ({}, {}))[0].items()}
        result = scrapy_crawl(replica, tmp_path, spider=name, max_pages="40", **args, **extra)
    return replica, tmp_path / name, result


@pytest.mark.parametrize("name", sorted(CASES))
def test_platform_crawl_finds_what_the_scenario_says(name, tmp_path):
    replica, out, result = crawl(name, name, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    records = records_by_url(out)
    expected = dict(replica.expectations())
    wrong = {url: mismatches(records[url], expect) for url, expect in expected.items() if url in records}
    wrong = {url: problems for url, problems in wrong.items() if problems}
    missing = sorted(set(expected) - set(records))
    unexpected = sorted(set(records) - set(expected))
    assert not wrong and not missing and not unexpected, json.dumps(
        {"wrong": wrong, "missing": missing, "unexpected": unexpected}, indent=1
    )
    platform = PLATFORMS[name]
    assert {r["page_type"] for r in records.values()} <= {*platform.page_types, "other", "media"}
    assert any(r["page_type"] in platform.page_types for r in records.values())
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["platform"] == name and report["complete"] is True
    assert {c["id"]: c["status"] for c in report["claims"]} == CASES[name][1]
    if platform.terms_paths:
        terms = read_jsonl(out / "terms.jsonl")
        assert [t["url"] for t in terms] == [replica.base_url + p for p in platform.terms_paths]


def test_bot_wall_everywhere_is_reported_as_such(tmp_path):
    """A platform showing crawlers nothing but DataDome: every page unverifiable, claims inconclusive."""
    replica, out, result = crawl("deviantart", "deviantart-datadome", tmp_path, profiles="pachyderm-ink")
    assert result.returncode == 0, result.stderr[-3000:]
    records = records_by_url(out)
    assert set(records) == {url for url, _ in replica.expectations()}
    for url, expect in replica.expectations():
        assert mismatches(records[url], expect) == [], url
    assert all(not r["verifiable"] and "DataDome" in r["unverifiable_reason"] for r in records.values())
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [c["status"] for c in report["claims"]] == ["inconclusive"]
    assert sum(report["unverifiable"].values()) == len(records)
    assert all("DataDome" in reason for reason in report["unverifiable"])


def test_scrapy_list_shows_every_platform_and_site():
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"], check=False, cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert set(result.stdout.split()) == {*PLATFORMS, "site", "sites"}
