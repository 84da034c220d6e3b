"""The progress shown during a crawl comes from the counts the RecordsPipeline keeps as it writes."""

from __future__ import annotations

import logging

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from noai_check.crawl.progress import CrawlProgress
from spiders.soundcloud import SoundCloudSpider


def test_progress_logs_the_pipelines_counts_when_not_on_a_terminal(caplog):
    crawler = get_crawler(SoundCloudSpider, {"NOAI_PROGRESS": True})
    progress = CrawlProgress.from_crawler(crawler)
    crawler.stats.set_value("noai/content_pages", 7)
    crawler.stats.set_value("noai/content_pages_verifiable", 5)
    crawler.stats.set_value("response_received_count", 12)
    with caplog.at_level(logging.INFO, logger="noai_check.crawl.progress"):
        progress.tick()
        progress.tick()  # within the interval: one line, not one per tick
    lines = [r.getMessage() for r in caplog.records if r.name == "noai_check.crawl.progress"]
    assert lines == ["progress: 7/0 content pages judged (5 verifiable), 12 responses"]
    assert progress.counts() == (7, 5)


def test_progress_can_be_switched_off():
    with pytest.raises(NotConfigured):
        CrawlProgress.from_crawler(get_crawler(SoundCloudSpider, {"NOAI_PROGRESS": False}))
