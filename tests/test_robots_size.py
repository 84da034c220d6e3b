"""A robots.txt is read up to 500 KiB whatever its size, on every host of the crawl, while the pages'
downloads go by without the two signal receivers that make that possible (crawl/robots_size.py)."""

from __future__ import annotations

import json
from pathlib import Path

from pydispatch.dispatcher import getAllReceivers, liveReceivers
from scrapy import signals
from scrapy.crawler import AsyncCrawlerRunner
from scrapy.signalmanager import SignalManager
from scrapy.utils.defer import deferred_f_from_coro_f
from scrapy.utils.project import get_project_settings

from noai_check.crawl.robots_size import RobotsSizeLimit, is_robots_txt
from noai_check.replica import start_replica
from spiders.soundcloud import SoundCloudSpider
from tests.crawling import FAST, REPO, scrapy_crawl, spider_args


def receivers(manager: SignalManager, signal: object) -> list[object]:
    return list(liveReceivers(getAllReceivers(manager.sender, signal)))


def test_the_receivers_are_connected_while_a_robots_txt_downloads():
    manager = SignalManager()
    limit = RobotsSizeLimit(manager)
    heard = []
    for step in ("started", "started", "ended", "ended", "ended", "started"):
        getattr(limit, step)()
        heard.append((len(receivers(manager, signals.headers_received)), len(receivers(manager, signals.bytes_received))))
    # Two downloads under way, then none (an extra "ended" changes nothing), then one again.
    assert heard == [(1, 1), (1, 1), (1, 1), (0, 0), (0, 0), (1, 1)]


@deferred_f_from_coro_f
async def test_pages_download_with_no_robots_receiver_once_robots_txt_is_read(tmp_path):
    settings = get_project_settings()
    settings.setdict({**FAST, "NOAI_REPORTS_DIR": str(tmp_path / "reports")}, priority="cmdline")
    crawler = AsyncCrawlerRunner(settings).create_crawler(SoundCloudSpider)
    seen: list[tuple[str, bool, int]] = []  # (url, a robots.txt?, receivers of bytes_received as it arrived)

    def arrived(response, request, spider) -> None:
        seen.append((request.url, is_robots_txt(request), len(receivers(crawler.signals, signals.bytes_received))))

    crawler.signals.connect(arrived, signal=signals.response_received, weak=False)
    with start_replica("generated-1k") as replica:  # one host: its robots.txt is the crawl's first download
        await crawler.crawl_async(**spider_args(replica, max_pages="30"))
    robots = [entry for entry in seen if entry[1]]
    others = [entry for entry in seen if not entry[1]]
    assert [url for url, _, _ in robots] == [replica.base_url + "/robots.txt"]
    assert robots[0][2] == 1  # heard while it downloaded
    assert len(others) > 30 and all(count == 0 for _, _, count in others), [e for e in others if e[2]]


def test_a_media_host_s_robots_txt_over_the_download_limit_is_read_up_to_500_kib(tmp_path):
    # The media host's robots.txt is first asked for mid-crawl, after the site's own was read and
    # the receivers let go: they must be heard again for it.
    scenario = json.loads((REPO / "noai_check/replica/scenarios/soundcloud.json").read_text(encoding="utf-8"))
    scenario["name"] = "soundcloud-media-robots-10mb"
    scenario["media"]["robots"] = {
        "body_size": 10_600_000,
        "body": ["User-agent: *", "Allow: /", "", "{padding}", "User-agent: img2dataset", "Disallow: /"],
    }
    path = Path(tmp_path / "scenario.json")
    path.write_text(json.dumps(scenario), encoding="utf-8")
    with start_replica(path) as replica:
        # Every page (the default max_pages): the sample, ranked by URL with the replica's port in it,
        # would otherwise hold media in some runs only.
        result = scrapy_crawl(replica, tmp_path / "reports")
        assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads((tmp_path / "reports" / "soundcloud" / "report.json").read_text(encoding="utf-8"))
    media = report["site"][replica.media_url]["robots_txt"]
    assert media["status"] == 200, media
    assert "download stopped" in media["error"]
