"""A page's images on the platform's media hosts, HEADed (media signals live in headers) and judged
against their own host's site files, read first when that host is new."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.http import Response

from noai_check.crawl.page_judging import PRIORITY
from noai_check.signals.site_files import origin_of

if TYPE_CHECKING:
    from noai_check.crawl.spider import PlatformSpider

_MEDIA_META = re.compile(
    r"""<meta\b[^>]*?(?:property|name)\s*=\s*["'](?:og:image|twitter:image)["'][^>]*>""", re.IGNORECASE
)
_IMAGE_WORD = re.compile(r":image", re.IGNORECASE)
_CONTENT_ATTR = re.compile(r"""\bcontent\s*=\s*["']([^"']+)""", re.IGNORECASE)
_IMG_SRC = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*["']([^"']+)""", re.IGNORECASE)


class Media:
    """Finds a page's media and queues at most ``NOAI_MAX_MEDIA`` of them in all."""

    def __init__(self, spider: PlatformSpider) -> None:
        self.spider = spider

    def found(self, response: Response) -> list[str]:
        """The page's images on the platform's media hosts, in page order."""
        text = response.text
        # The meta scan is the slow one; most pages name their image as og:image or twitter:image.
        metas = _MEDIA_META.findall(text) if _IMAGE_WORD.search(text) else []
        found = [m for tag in metas for m in _CONTENT_ATTR.findall(tag)] + _IMG_SRC.findall(text)[:3]
        platform, extra_hosts = self.spider.platform, self.spider.extra_media_hosts
        media = []
        for url in dict.fromkeys(urljoin(response.url, u.strip()) for u in found):
            parts = urlsplit(url)
            if parts.scheme in ("http", "https") and platform.is_media_host(parts.netloc, extra_hosts):
                media.append(url)
        return media

    def queue(self, media: list[str], referer: str) -> Iterator[scrapy.Request]:
        """Requests for new media; a host whose site files are unread gets its robots.txt asked first."""
        spider, state = self.spider, self.spider.state
        limit = spider.config.media_limit(spider.max_pages)
        seen = spider.sample.seen
        for url in media:
            if url in seen or state["media_count"] >= limit:
                continue
            seen.add(url)
            state["media_count"] += 1
            origin = origin_of(url)
            if spider.site(origin) is not None:
                yield from spider.frontier.fetch(self.request(url, referer))
            else:
                first = origin not in state["waiting"] and origin not in state["site_files"]
                state["waiting"].setdefault(origin, []).append((url, referer))
                if first:
                    yield from spider.site_files.requests(origin, ("robots_txt",))

    def request(self, url: str, referer: str) -> scrapy.Request:
        """HEAD is enough: media signals live in headers (DeviantArt sends noai only there)."""
        return self.spider.judging.request(url, "media", referer, priority=PRIORITY["media"]).replace(method="HEAD")
