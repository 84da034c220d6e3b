"""Sitemaps and sitemap indexes, plain and gzip, and the files that pretend to be one."""

from __future__ import annotations

import gzip
import itertools
import json
import time
import urllib.request

from scrapy import signals
from scrapy.crawler import AsyncCrawlerRunner
from scrapy.utils.defer import deferred_f_from_coro_f
from scrapy.utils.project import get_project_settings
from twisted.internet import task

from noai_check.crawl.sitemaps import MAX_SITEMAP_BYTES, parse_sitemap
from noai_check.replica import start_replica
from spiders.soundcloud import SoundCloudSpider
from tests.crawling import FAST, spider_args

NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def test_urlset_and_index():
    urlset = parse_sitemap(f"<urlset {NS}><url><loc> https://x.test/a </loc></url><url><loc>https://x.test/b</loc></url></urlset>".encode())
    assert (urlset.kind, urlset.locs) == ("urlset", ["https://x.test/a", "https://x.test/b"])
    index = parse_sitemap(gzip.compress(f"<sitemapindex {NS}><sitemap><loc>https://x.test/s1.xml.gz</loc></sitemap></sitemapindex>".encode()))
    assert (index.kind, index.locs) == ("index", ["https://x.test/s1.xml.gz"])


def test_not_a_sitemap():
    assert parse_sitemap(b"<html><body>404</body></html>").kind == "invalid"
    assert parse_sitemap(b"").problem == "empty body"
    assert parse_sitemap(b"\x1f\x8b\x08garbage").problem.startswith("bad gzip")


def test_entities_are_not_expanded():
    bomb = b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY a "xxxxxxxxxx"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><urlset><url><loc>&b;</loc></url></urlset>'
    result = parse_sitemap(bomb)
    assert all("xxxxxxxxxx" * 10 not in loc for loc in result.locs)


def test_only_a_url_s_own_loc_is_a_page_not_its_image_loc():
    body = (f'<urlset {NS} xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"><url><loc>https://x.test/p</loc>'
            '<image:image><image:loc>https://img.x.test/1.jpg</image:loc></image:image></url></urlset>').encode()
    assert parse_sitemap(body).locs == ["https://x.test/p"]


def test_gzip_bomb_is_refused_not_inflated():
    bomb = gzip.compress(b"<urlset>" + b" " * (MAX_SITEMAP_BYTES + 10) + b"</urlset>")
    result = parse_sitemap(bomb)
    assert result.kind == "invalid" and "larger than" in result.problem


def _big_sitemap_scenario(path, users: int = 5000, tracks: int = 100):
    """A site whose tracks sitemap is one 50 MB file (users x tracks URLs of ~100 bytes each)."""
    path.write_text(json.dumps({
        "name": "sitemap-50mb",
        "site": {
            "robots": {"body": ["User-agent: *", "Disallow:", "", "Sitemap: {base}/sitemap.xml"]},
            "sitemaps": {"max_urls_per_file": users * tracks},
        },
        "generated": {"users": users, "tracks_per_user": tracks, "noai_every": 3},
    }))
    return path


def _download(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=120) as answer:
        return gzip.decompress(answer.read())


@deferred_f_from_coro_f
async def test_a_50_mb_sitemap_is_read_without_stalling_the_crawl_and_samples_by_seed_alone(tmp_path):
    with start_replica(_big_sitemap_scenario(tmp_path / "scenario.json")) as replica:
        xml = _download(replica.base_url + "/sitemaps/tracks-1.xml.gz")  # rendered once, then served from memory
        assert 48_000_000 < len(xml) <= MAX_SITEMAP_BYTES

        settings = get_project_settings()
        settings.setdict({**FAST, "NOAI_REPORTS_DIR": str(tmp_path / "reports")}, priority="cmdline")
        crawler = AsyncCrawlerRunner(settings).create_crawler(SoundCloudSpider)
        ticks: list[float] = []
        clock = task.LoopingCall(lambda: ticks.append(time.monotonic()))
        clock.start(0.02)
        crawling: list[float] = []  # from spider_opened to spider_closed: start-up and the report are not the crawl
        for signal in (signals.spider_opened, signals.spider_closed):
            crawler.signals.connect(lambda **_: crawling.append(time.monotonic()), signal=signal, weak=False)
        try:
            await crawler.crawl_async(**spider_args(replica, max_pages="12"))
        finally:
            clock.stop()
        during = [t for t in ticks if crawling[0] <= t <= crawling[1]]
        stall = max(b - a for a, b in itertools.pairwise(during))
        assert stall < 1.0, f"the crawl stood still for {stall:.1f} s"

        users = [f"{replica.base_url}/user-{u:05d}" for u in range(1, 5001)]
        offline = SoundCloudSpider(base_url=replica.base_url, seed="7", max_pages="12")
        offline.crawler = crawler
        for url in parse_sitemap(xml).locs + users:
            offline.discovery.add_candidate(url, "sitemap")
        expected = {url for url, _ in offline.next_wave()}
    pages = [json.loads(line) for line in (tmp_path / "reports" / "soundcloud" / "pages.jsonl").read_text().splitlines()]
    assert {p["url"] for p in pages if p["page_type"] in ("track", "profile", "set")} == expected
