"""What noai-check's requests carry, seen from the replica's side: Referer only where it is true,
and no sampled page dropped for its URL's length (Scrapy's spider middlewares are bypassed or off)."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import noai_check.replica
from noai_check.replica import start_replica
from tests.crawling import read_jsonl, scrapy_crawl

LONG_SLUG = "long-" + "x" * 2100  # a profile whose URL is over Scrapy's URLLENGTH_LIMIT (2,083)
SCENARIOS = Path(noai_check.replica.__file__).parent / "scenarios"


def _scenario_with_a_long_profile(tmp_path: Path) -> Path:
    scenario = json.loads((SCENARIOS / "soundcloud.json").read_text())
    scenario["users"].append({
        "slug": LONG_SLUG, "display_name": "Long", "id": 299000001, "tracks": [],
        "expect": {"page_type": "profile", "verifiable": True, "noai": False, "noimageai": False, "tdm_reservation": 1},
    })
    path = tmp_path / "soundcloud-long.json"
    path.write_text(json.dumps(scenario))
    return path


def test_pages_carry_no_false_referer_and_a_long_url_is_recorded(tmp_path: Path) -> None:
    # One request at a time: after the first two, every page is released by another page's
    # callback, which is where Scrapy's Referer middleware acted. A profile named on the command
    # line is asked for from robots.txt's callback, where its URL's length had it dropped.
    with start_replica(_scenario_with_a_long_profile(tmp_path)) as replica:
        result = scrapy_crawl(replica, tmp_path / "out", settings={"CONCURRENT_REQUESTS": "1"}, profiles=LONG_SLUG)
        site, media = replica.referers("site"), replica.referers("media")
    assert result.returncode in (0, 1), result.stderr[-3000:]
    assert "found no scrapy.spidermiddlewares.referer" not in result.stderr  # redirects still find it (it adds no Referer), so Scrapy does not warn
    out = tmp_path / "out" / "soundcloud"
    pages = {r["url"]: r for r in read_jsonl(out / "pages.jsonl")}
    long_url = next((url for url in pages if url.endswith(LONG_SLUG)), None)
    assert long_url is not None, "the page with a long URL has no record"
    assert pages[long_url]["verifiable"] is True and pages[long_url]["page_type"] == "profile"
    # Pages (the plan released them; none was linked from the page fetched before it): no Referer.
    paths = [urlsplit(url).path for url in pages if urlsplit(url).path in site]
    assert len(paths) > 10
    assert {path: site[path] for path in paths if any(site[path])} == {}
    # A media file's HEAD names the page that showed it.
    media_records = read_jsonl(out / "media.jsonl")
    assert media_records
    for record in media_records:
        referers = media[urlsplit(record["url"]).path]
        assert referers and all(referer in pages for referer in referers), (record["url"], referers)
