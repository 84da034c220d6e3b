"""The archive replica (CDX + id_ replays) and the polite archive middleware, crawled for real on 127.0.0.1."""

from __future__ import annotations

import http.client
import itertools
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from typing import Any

import scrapy
from scrapy.crawler import AsyncCrawlerRunner
from scrapy.utils.defer import deferred_f_from_coro_f
from scrapy.utils.project import get_project_settings

from noai_check.archive import CdxQuery, parse_cdx, replay_url, unwrap_headers
from noai_check.crawl.settings import USER_AGENT
from noai_check.replica.archive import Snapshot
from noai_check.replica.archive_history import HOST, TERMS_AI_CLAUSE
from tests.crawling import FAST


def _get(url: str) -> tuple[int, list[tuple[str, str]], bytes]:
    request = urllib.request.Request(url, headers={"User-Agent": "test"})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, list(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        return error.code, list(error.headers.items()), error.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _all_pages(archive_url: str, query: CdxQuery) -> tuple[list[Any], int]:
    captures, pages = [], 0
    while True:
        status, _, body = _get(query.to_url(archive_url))
        assert status == 200
        page = parse_cdx(body)
        captures += page.captures
        pages += 1
        if not page.resume_key:
            return captures, pages
        query = query.next_page(page.resume_key)


def test_cdx_lists_robots_versions_with_revisits_and_a_5xx(archive):
    page = parse_cdx(_get(CdxQuery("soundcloud.com/robots.txt").to_url(archive.url))[2])
    statuses = [c.statuscode for c in page.captures]
    assert statuses == [200, None, 200, 200, 503, 200, None, 200]
    assert page.captures[1].is_revisit and page.captures[1].digest == page.captures[0].digest
    distinct = parse_cdx(_get(CdxQuery("soundcloud.com/robots.txt", collapse="digest",
                                       filters=("statuscode:200",)).to_url(archive.url))[2])
    assert [c.timestamp[:4] for c in distinct.captures] == ["2019", "2023", "2023", "2025", "2026"]


def test_cdx_paging_with_resume_key_returns_every_row_once(start_archive):
    snaps = [Snapshot(f"https://x.org/p{i}", f"2025{i % 12 + 1:02d}01000000", 200, (), b"%d" % i) for i in range(57)]
    running = start_archive(snaps, page_size=10)
    captures, pages = _all_pages(running.url, CdxQuery("x.org", match_type="host", limit=1000))
    assert pages == 6 and len(captures) == 57
    assert len({(c.original, c.timestamp) for c in captures}) == 57


def test_cdx_host_query_with_window_and_filters(archive):
    query = CdxQuery("soundcloud.com", match_type="host", from_ts="20250415", to_ts="20250614",
                     filters=("statuscode:200", "mimetype:text/html"))
    captures = parse_cdx(_get(query.to_url(archive.url))[2]).captures
    urls = {c.original for c in captures}
    assert f"{HOST}/djmarlo/sunset-loop" in urls and f"{HOST}/kora-sound/glass" in urls
    assert f"{HOST}/djmarlo/old-mix" not in urls  # only a 404 capture
    assert f"{HOST}/old-artist/2019-track" not in urls  # outside the window
    assert all(c.statuscode == 200 and c.timestamp[:6] in ("202504", "202505", "202506") for c in captures)


def test_replay_serves_original_headers_prefixed_and_memento(archive):
    status, headers, body = _get(replay_url(archive.url, "20250512093000", f"{HOST}/nina-beats"))
    assert status == 200 and b"nina-beats" in body
    names = {name.lower() for name, _ in headers}
    assert "memento-datetime" in names and "x-robots-tag" not in names
    assert ("X-Robots-Tag", "noai, noimageai") in unwrap_headers(headers)


def test_replay_of_a_revisit_serves_the_earlier_body(archive):
    first = _get(replay_url(archive.url, "20240207150000", f"{HOST}/terms-of-use"))
    revisit = _get(replay_url(archive.url, "20250512000000", f"{HOST}/terms-of-use"))
    assert revisit[0] == 200 and revisit[2] == first[2] and TERMS_AI_CLAUSE.encode() in revisit[2]
    assert dict(revisit[1])["Memento-Datetime"] == "Mon, 12 May 2025 00:00:00 GMT"


def test_replay_redirects_to_the_nearest_capture_and_keeps_captured_statuses(archive):
    status, headers, _ = _get(replay_url(archive.url, "20240101000000", f"{HOST}/robots.txt"))
    assert status == 302 and dict(headers)["Location"] == f"/web/20231010090000id_/{HOST}/robots.txt"
    status, headers, _ = _get(replay_url(archive.url, "20240612000000", f"{HOST}/robots.txt"))
    assert status == 503 and "Memento-Datetime" in dict(headers)  # a captured 503, not a refusal
    status, headers, _ = _get(replay_url(archive.url, "20250519000000", f"{HOST}/kora-sound"))
    assert status == 301 and dict(headers)["X-Archive-Orig-Location"] == f"{HOST}/kora-sound-official"
    assert dict(headers)["Location"] == f"/web/20250519000000id_/{HOST}/kora-sound-official"
    status, headers, _ = _get(replay_url(archive.url, "20250101000000", f"{HOST}/ai.txt"))
    assert status == 404 and "Memento-Datetime" not in dict(headers)  # never archived


def test_refusals_and_down(start_archive):
    running = start_archive(refuse_every=2, retry_after="3")
    url = CdxQuery("soundcloud.com/robots.txt").to_url(running.url)
    assert _get(url)[0] == 200
    status, headers, _ = _get(url)
    assert status == 429 and dict(headers)["Retry-After"] == "3"
    down = start_archive(down=True)
    status, headers, _ = _get(url.replace(running.url, down.url))
    assert status == 503 and "Memento-Datetime" not in dict(headers)


def test_truncated_replay_is_cut_short(archive):
    request = urllib.request.Request(replay_url(archive.url, "20250511000000", f"{HOST}/lena-v/rain"))
    with urllib.request.urlopen(request, timeout=10) as response:
        declared = int(response.headers["Content-Length"])
        try:
            got = len(response.read())
        except http.client.IncompleteRead:
            got = -1
    assert got < declared


def test_a_large_generated_history_builds_and_answers(start_archive):
    start = datetime(2019, 1, 1, tzinfo=timezone.utc)
    snaps = [Snapshot(f"{HOST}/robots.txt", (start + timedelta(hours=21 * i)).strftime("%Y%m%d%H%M%S"),
                      200, (("Content-Type", "text/plain"),), f"User-agent: GPTBot\nDisallow: /v{i}\n".encode())
             for i in range(2000)]
    running = start_archive(snaps)
    captures, _ = _all_pages(running.url, CdxQuery("soundcloud.com/robots.txt", collapse="digest"))
    assert len(captures) == 2000 and captures[-1].timestamp == snaps[-1].timestamp


class _CdxSpider(scrapy.Spider):
    """Asks the archive's CDX for a few URLs and records what came back."""

    name = "cdx-probe"

    def __init__(self, archive_url: str, count: int = 4, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.archive_url, self.count, self.answers = archive_url, int(count), []

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for i in range(self.count):
            url = CdxQuery(f"soundcloud.com/p{i}").to_url(self.archive_url)
            yield scrapy.Request(url, callback=self.parse, errback=self.failed, dont_filter=True)
        yield scrapy.Request(replay_url(self.archive_url, "20250512093000", f"{HOST}/nina-beats"), callback=self.parse)

    def parse(self, response: Any) -> None:
        self.answers.append(response.status)

    def failed(self, failure: Any) -> None:
        self.answers.append(repr(failure.value))


async def _crawl(archive_url: str, delay: str, **args: Any) -> Any:
    settings = get_project_settings()
    settings.setdict({**FAST, "NOAI_ARCHIVE_URL": archive_url, "NOAI_ARCHIVE_CDX_DELAY": delay, "RETRY_TIMES": "3",
                      "ITEM_PIPELINES": {}},
                     priority="cmdline")
    crawler = AsyncCrawlerRunner(settings).create_crawler(_CdxSpider)
    await crawler.crawl_async(archive_url=archive_url, **args)
    return crawler


@deferred_f_from_coro_f
async def test_middleware_spaces_cdx_requests_and_honours_retry_after(start_archive):
    running = start_archive(refuse_every=3, retry_after="1")
    crawler = await _crawl(running.url, "0.4", count=4)
    assert sorted(map(str, crawler.spider.answers)) == ["200"] * 5  # every refusal was asked again, later
    log = running.site.log
    assert all(agent == USER_AGENT for _, _, agent in log)
    cdx = [(moment, n) for n, (moment, target, _) in enumerate(log, start=1) if target.startswith("/cdx/")]
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(cdx)]
    assert gaps and min(gaps) >= 0.35, gaps
    refused = [moment for n, (moment, _, _) in enumerate(log, start=1) if n % 3 == 0]
    for moment in refused:
        # Requests already on their way may land just after it; none is sent before Retry-After has passed.
        assert not [m for m, _, _ in log if 0.1 < m - moment < 0.95]
    assert crawler.stats.get_value("archive/refusals") == len(refused)


@deferred_f_from_coro_f
async def test_middleware_stops_after_repeated_refusals(start_archive):
    running = start_archive(down=True, retry_after="0")
    crawler = await _crawl(running.url, "0", count=3)
    assert crawler.stats.get_value("finish_reason") == "archive_refused"
    assert "refused 5 requests in a row" in crawler.stats.get_value("archive/gave_up")
    assert len(running.site.log) <= 6  # five CDX refusals, and at most the one replay already in flight
    assert 200 not in crawler.spider.answers
