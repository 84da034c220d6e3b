"""Crawl state that grows with the pages is let go before the report is built on top of it.

At 20,000 pages the URLs the sample saw, its candidates and the pipeline's recorded URLs are
megabytes; the report's pass and the history's rows then reuse that memory instead of adding to it
(bench/bench_crawl.py measures the peak RSS at 1,000 and 20,000 pages).
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from scrapy import signals
from scrapy.crawler import AsyncCrawlerRunner
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.defer import deferred_f_from_coro_f
from scrapy.utils.project import get_project_settings

from noai_check.crawl.pipelines import RecordsPipeline
from noai_check.crawl.sampling import Sample
from noai_check.crawl.timers import CancelledTimers
from noai_check.replica import start_replica
from spiders.soundcloud import SoundCloudSpider
from tests.crawling import FAST, spider_args


def test_release_forgets_candidates_and_seen_but_keeps_the_counts():
    sample = Sample(("track",), {"track": 1.0}, 5, "7")
    for n in range(20):
        sample.add(f"https://example.test/a/t{n}", "track")
    for url, page_type in sample.next_wave():
        sample.schedule(url, page_type)
    sample.release()
    assert (sample.candidates, sample.seen) == ({}, set())
    assert sample.content_scheduled() == 5


@deferred_f_from_coro_f
async def test_crawl_state_is_released_before_the_report_is_written(tmp_path):
    settings = get_project_settings()
    settings.setdict({**FAST, "NOAI_REPORTS_DIR": str(tmp_path / "reports")}, priority="cmdline")
    crawler = AsyncCrawlerRunner(settings).create_crawler(SoundCloudSpider)
    at_report: dict[str, Any] = {}

    def connect_after_the_pipeline() -> None:  # engine_started: the pipeline's handlers are connected by then
        crawler.signals.connect(look, signal=signals.spider_closed, weak=False)

    def look() -> None:  # runs after the pipeline's report: what it was built beside
        pipeline = crawler.get_item_pipeline(RecordsPipeline)
        at_report["recorded"] = {kind: len(urls) for kind, urls in pipeline.recorded.items()}
        at_report["seen"] = len(crawler.spider.sample.seen)
        at_report["candidates"] = sum(map(len, crawler.spider.sample.candidates.values()))

    crawler.signals.connect(connect_after_the_pipeline, signal=signals.engine_started, weak=False)
    with start_replica("generated-1k") as replica:
        await crawler.crawl_async(**spider_args(replica, max_pages="40"))
    out = tmp_path / "reports" / "soundcloud"
    pages = (out / "pages.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(pages) > 40  # the content pages and the seeds: the files are whole
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["pages_total"] == len(pages)
    assert at_report == {"recorded": {"page": 0, "media": 0, "terms": 0}, "seen": 0, "candidates": 0}
    assert crawler.spider.sample.content_scheduled() == 40
    # Cancelled download timeouts are let go during the crawl too (tests/test_timers.py).
    assert any(isinstance(extension, CancelledTimers) for extension in crawler.extensions.middlewares)


@deferred_f_from_coro_f
async def test_the_idle_handler_s_traceback_holds_no_wave_or_requests(tmp_path):
    """DontCloseSpider's traceback keeps the raising frame until the cycle collector runs: that
    frame must not hold the wave's list or its requests (megabytes over a 20,000-page crawl)."""
    settings = get_project_settings()
    settings.setdict({**FAST, "NOAI_REPORTS_DIR": str(tmp_path / "reports")}, priority="cmdline")
    crawler = AsyncCrawlerRunner(settings).create_crawler(SoundCloudSpider)
    held: list[set[str]] = []

    def idle() -> None:
        try:
            crawler.spider.frontier.on_idle(crawler.spider)  # planning twice is planning once: the sample is by rank
        except DontCloseSpider as error:
            frame = error.__traceback__.tb_next.tb_frame  # on_idle's own frame
            held.append(set(frame.f_locals))

    def connect_after_the_frontier() -> None:
        crawler.signals.connect(idle, signal=signals.spider_idle, weak=False)

    crawler.signals.connect(connect_after_the_frontier, signal=signals.engine_started, weak=False)
    with start_replica("generated-1k") as replica:
        await crawler.crawl_async(**spider_args(replica, max_pages="40"))
    assert held, "the crawl never went idle with pages left to plan"
    assert all(names == {"self", "spider"} for names in held), held


@deferred_f_from_coro_f
async def test_large_sitemaps_are_read_one_at_a_time(tmp_path):
    """Each read holds its parsed tree and ranked URLs (about 10 MB for 10,000 URLs): two at once
    were a 20,000-page crawl's peak of memory (bench/bench_crawl.py)."""
    settings = get_project_settings()
    settings.setdict({**FAST, "NOAI_REPORTS_DIR": str(tmp_path / "reports")}, priority="cmdline")
    crawler = AsyncCrawlerRunner(settings).create_crawler(SoundCloudSpider)
    lock = threading.Lock()
    reads = {"now": 0, "most": 0, "in a thread": 0}

    def count_reads() -> None:  # engine_started: the spider exists, no sitemap is read yet
        read = crawler.spider.discovery.read_sitemap

        def counted(body: bytes) -> Any:
            with lock:
                reads["now"] += 1
                reads["most"] = max(reads["most"], reads["now"])
                reads["in a thread"] += threading.current_thread() is not threading.main_thread()
            try:
                time.sleep(0.05)  # long enough for a second read to start meanwhile, if one may
                return read(body)
            finally:
                with lock:
                    reads["now"] -= 1

        crawler.spider.discovery.read_sitemap = counted

    crawler.signals.connect(count_reads, signal=signals.engine_started, weak=False)
    with start_replica("generated-20k") as replica:  # two sitemaps of 10,000 tracks (1 MB each) and one of users
        await crawler.crawl_async(**spider_args(replica, max_pages="10"))
    assert reads["in a thread"] >= 2  # the two large ones
    assert reads["most"] == 1, reads
