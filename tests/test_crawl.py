"""`scrapy crawl soundcloud` for real against the replica on 127.0.0.1, checked page by page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy import signals
from scrapy.crawler import AsyncCrawlerRunner
from scrapy.utils.defer import deferred_f_from_coro_f
from scrapy.utils.project import get_project_settings

from spiders.soundcloud import SoundCloudSpider
from tests.crawling import FAST, mismatches, records_by_url, scrapy_crawl, spider_args


@pytest.fixture(scope="module")
def crawled(replica, tmp_path_factory):
    """One subprocess crawl of the whole replica, shared by the assertions below."""
    reports = tmp_path_factory.mktemp("reports")
    result = scrapy_crawl(replica, reports)
    assert result.returncode == 0, result.stderr[-3000:]
    return reports / "soundcloud", result


def test_every_expected_page_is_found_as_the_scenario_says(replica, crawled):
    out, _ = crawled
    records = records_by_url(out)
    wrong = {}
    for url, expect in replica.expectations():
        if url in records or expect.page_type in ("track", "profile", "set", "media") or url.rstrip("/") == replica.base_url:
            if url not in records:
                wrong[url] = ["not crawled"]
                continue
            problems = mismatches(records[url], expect)
            if problems:
                wrong[url] = problems
    assert not wrong, json.dumps(wrong, indent=1)


def test_subpages_reserved_words_and_other_sites_are_not_followed(replica, crawled):
    out, _ = crawled
    records = records_by_url(out)
    main = [u for u in records if u.startswith(replica.base_url)]
    paths = {u[len(replica.base_url):] for u in main}
    assert not [p for p in paths if p.split("/")[-1] in ("likes", "followers", "tracks", "reposts")]
    assert not [p for p in paths if p.split("/")[1] in ("discover", "charts", "search", "upload")]
    assert not [p for p in paths if "?" in p], "pagination pages are the same profile"
    assert all(u.startswith((replica.base_url, replica.media_url)) for u in records)


def test_report_counts_only_verifiable_pages(crawled):
    out, _ = crawled
    report = json.loads((out / "report.json").read_text())
    assert report["schema_version"] == 1 and report["platform"] == "soundcloud" and report["complete"] is True
    pages = [json.loads(line) for line in (out / "pages.jsonl").read_text().splitlines()]
    for page_type, counts in report["page_types"].items():
        of_type = [p for p in pages if p["page_type"] == page_type]
        verifiable = [p for p in of_type if p["verifiable"]]
        assert counts["pages"] == len(of_type)
        assert counts["verifiable"] == len(verifiable)
        assert counts["noai"] == sum(p["page"]["noai"] for p in verifiable)
        low, high = counts["noai_ci95"]
        assert low <= counts["noai_rate"] <= high
    assert sum(report["unverifiable"].values()) == sum(not p["verifiable"] for p in pages)
    assert any(reason.startswith("bot wall: DataDome") for reason in report["unverifiable"])


def test_site_files_are_kept_with_hashes(replica, crawled):
    out, _ = crawled
    report = json.loads((out / "report.json").read_text())
    main = report["site"][replica.base_url]
    assert main["robots_txt"]["status"] == 200 and len(main["robots_txt"]["sha256"]) == 64
    stored = out / "site" / replica.base_url.split("://")[1].replace(":", "_") / "robots.txt"
    import hashlib

    assert hashlib.sha256(stored.read_bytes()).hexdigest() == main["robots_txt"]["sha256"]
    assert replica.media_url in report["site"], "the media host's own site files are read too"


def test_evidence_and_terms_are_stored(replica, crawled):
    import gzip

    out, _ = crawled
    pages = {r["url"]: r for r in (json.loads(l) for l in (out / "pages.jsonl").read_text().splitlines())}
    with gzip.open(out / "evidence" / "responses.jsonl.gz", "rt") as stream:
        evidence = [json.loads(line) for line in stream]
    assert len([e for e in evidence if e["url"] in pages]) == len(pages)
    for item in evidence:
        if item["url"] in pages:
            assert item["sha256"] == pages[item["url"]]["sha256"]
    scoped = next(e for e in evidence if e["url"].endswith("/marta-kessler/sketch-no-1"))
    assert scoped["headers"]["x-robots-tag"] == ["GPTBot: noai, noimageai"]
    body_meta = next(e for e in evidence if e["url"].endswith("/marta-kessler/sketch-no-5"))
    assert any("noai" in tag for tag in body_meta["tags"])
    terms = [json.loads(l) for l in (out / "terms.jsonl").read_text().splitlines()]
    assert [t["url"] for t in terms] == [replica.base_url + "/terms-of-use"]
    assert terms[0]["verifiable"] and "<" in terms[0]["html"]


def test_same_seed_same_sample(replica, tmp_path):
    first = scrapy_crawl(replica, tmp_path / "a", max_pages="8")
    second = scrapy_crawl(replica, tmp_path / "b", max_pages="8")
    assert first.returncode == second.returncode == 0
    a = sorted(records_by_url(tmp_path / "a" / "soundcloud"))
    b = sorted(records_by_url(tmp_path / "b" / "soundcloud"))
    assert a == b
    content = [u for u, r in records_by_url(tmp_path / "a" / "soundcloud").items() if r["page_type"] in ("track", "profile", "set")]
    assert len(content) == 8


@pytest.mark.parametrize(
    "argument, message",
    [("base_url=ftp://x", "base_url must be an http(s) URL"), ("max_pages=lots", "max_pages must be a positive whole number")],
)
def test_bad_arguments_give_one_line_and_exit_2(replica, tmp_path, argument, message):
    import subprocess
    import sys

    from tests.crawling import REPO

    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "soundcloud", "-a", argument],
        cwd=REPO, capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


@deferred_f_from_coro_f
async def test_in_process_crawl_writes_records(replica, tmp_path):
    settings = get_project_settings()
    settings.setdict({**FAST, "NOAI_REPORTS_DIR": str(tmp_path)}, priority="cmdline")
    crawler = AsyncCrawlerRunner(settings).create_crawler(SoundCloudSpider)
    await crawler.crawl_async(**spider_args(replica, max_pages="6"))
    out = Path(tmp_path) / "soundcloud"
    pages = [json.loads(line) for line in (out / "pages.jsonl").read_text().splitlines()]
    content = [p for p in pages if p["page_type"] in ("track", "profile", "set")]
    assert len(content) == 6
    # The counts the progress bar reads are kept as the records are written.
    assert crawler.stats.get_value("noai/content_pages") == 6
    assert crawler.stats.get_value("noai/content_pages_verifiable") == sum(p["verifiable"] for p in content)
    expected = dict(replica.expectations())
    checked = [page for page in pages if page["url"] in expected]
    assert checked
    for page in checked:
        assert mismatches(page, expected[page["url"]]) == [], page["url"]
    assert (out / "report.json").exists()


@deferred_f_from_coro_f
async def test_without_the_records_pipeline_pages_are_scrapy_items(replica, tmp_path):
    """Page records skip Scrapy's item path only to reach the RecordsPipeline; without it they are items."""
    settings = get_project_settings()
    settings.setdict({**FAST, "NOAI_REPORTS_DIR": str(tmp_path), "ITEM_PIPELINES": {}}, priority="cmdline")
    crawler = AsyncCrawlerRunner(settings).create_crawler(SoundCloudSpider)
    items = []
    crawler.signals.connect(lambda item, **_: items.append(item), signal=signals.item_scraped, weak=False)
    await crawler.crawl_async(**spider_args(replica, max_pages="6"))
    pages = [item["record"] for item in items if item.get("_kind") == "page"]
    assert len([p for p in pages if p["page_type"] in ("track", "profile", "set")]) == 6
    expected = dict(replica.expectations())
    for page in pages:
        if page["url"] in expected:
            assert mismatches(page, expected[page["url"]]) == [], page["url"]
    assert not (Path(tmp_path) / "soundcloud" / "pages.jsonl").exists()


def test_no_spider_callback_is_a_generator_that_returns_a_value():
    """Scrapy's own check (WARN_ON_GENERATOR_RETURN_VALUE) is off during crawls for speed; run it here."""
    from scrapy.utils.misc import is_generator_with_return_value

    from noai_check.crawl.discovery import Discovery
    from noai_check.crawl.media import Media
    from noai_check.crawl.page_judging import PageJudging
    from noai_check.crawl.site_files import SiteFiles
    from noai_check.crawl.spider import PlatformSpider

    names = ("parse_site_file", "site_file_failed", "parse_terms", "terms_failed", "parse_sitemap",
             "discovery_failed", "parse_page", "page_failed")
    # The spider's callbacks hand over to its collaborators, whose generators do the work.
    workers = (SiteFiles.parse, SiteFiles.failed, SiteFiles.done, Discovery.requests, Discovery.parse_sitemap,
               PageJudging.parse, PageJudging.failed, PageJudging.parse_terms, PageJudging.terms_failed, Media.queue)
    callbacks = [getattr(PlatformSpider, name) for name in names] + list(workers)
    assert [c.__name__ for c in callbacks if is_generator_with_return_value(c)] == []
