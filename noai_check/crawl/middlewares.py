"""noai-check obeys robots.txt for its own agent, read to RFC 9309 with the spider's own parse."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.exceptions import NotConfigured

from noai_check.crawl.outcomes import RobotsForbidden
from noai_check.crawl.robots_size import is_robots_txt

logger = logging.getLogger(__name__)


class OwnRobotsMiddleware:
    """Drop requests robots.txt disallows to ``noai-check``; robots.txt itself is always allowed."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> OwnRobotsMiddleware:
        if not crawler.settings.getbool("ROBOTSTXT_OBEY"):
            logger.warning(
                "ROBOTSTXT_OBEY is off: noai-check will fetch pages its own robots.txt group disallows. "
                "Do this only with the site's permission."
            )
            raise NotConfigured
        return cls(crawler)

    def process_request(self, request: Any) -> None:
        if is_robots_txt(request):
            return
        allows = getattr(self.crawler.spider, "own_robots_allows", None)
        if allows is not None and allows(request.url) is False:
            self.crawler.stats.inc_value("robotstxt/forbidden")
            raise RobotsForbidden(f"not fetched: robots.txt disallows noai-check for {request.url}")
        return
