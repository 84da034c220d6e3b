"""Each origin's site files (robots.txt first, then tdmrep.json, ai.txt, llms.txt), with their redirects.

Site files are fetched with redirects followed by hand, not by Scrapy's middleware: RFC 9309 2.3.1.2
allows five hops for robots.txt, and the file stays under the URL asked for whatever the hops. When
all of an origin's files are read, what waited for them (discovery, pages, media) goes ahead.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from noai_check.crawl.outcomes import failure_reason, fetched_from
from noai_check.crawl.page_judging import PRIORITY
from noai_check.crawl.robots_size import RobotsSizeLimit
from noai_check.signals.response import Fetched
from noai_check.signals.robots import MAX_PARSED_BYTES, RobotsTxt
from noai_check.signals.site_files import SITE_FILES, Site, build_site, origin_of, read_robots

if TYPE_CHECKING:
    from noai_check.crawl.spider import PlatformSpider

OWN_AGENT = "noai-check"
MAX_REDIRECTS = 5  # RFC 9309 2.3.1.2: more than five redirects may be treated as unavailable


class SiteFiles:
    """The site files of every origin the crawl touches, read once; their Sites, built once."""

    def __init__(self, spider: PlatformSpider) -> None:
        self.spider = spider
        self._sites: dict[str, Site] = {}
        self._own_robots: dict[str, RobotsTxt] = {}
        # Reads a robots.txt past DOWNLOAD_MAXSIZE (set in from_crawler: it hears the crawler's signals).
        self.size_limit: RobotsSizeLimit | None = None

    # -- read files --------------------------------------------------------------------

    def site(self, origin: str) -> Site | None:
        """The read site files of an origin, rebuilt from state after a resume."""
        files = self.spider.state["site_files"].get(origin, {})
        if origin not in self._sites and len(files) == len(SITE_FILES):
            # robots.txt was already read for noai-check's own obedience: one parse per origin.
            self._sites[origin] = build_site(origin, files, self._own_robots_txt(origin, files["robots_txt"]))
        return self._sites.get(origin)

    def own_robots_allows(self, url: str) -> bool | None:
        """May noai-check itself fetch ``url``? None until that origin's robots.txt is read."""
        origin = origin_of(url)
        fetched = self.spider.state["site_files"].get(origin, {}).get("robots_txt")
        if fetched is None:
            return None
        return self._own_robots_txt(origin, fetched).verdict(url, OWN_AGENT).allowed

    def _own_robots_txt(self, origin: str, fetched: Fetched) -> RobotsTxt:
        """The origin's robots.txt, read once and kept (its Site uses the same reading)."""
        robots = self._own_robots.get(origin)
        if robots is None:
            robots = self._own_robots[origin] = read_robots(fetched)
        return robots

    # -- requests ----------------------------------------------------------------------

    def requests(self, origin: str, keys: tuple[str, ...]) -> Iterator[scrapy.Request]:
        for key in keys:
            yield self.request(origin, key, origin + SITE_FILES[key], hops=0)

    def request(self, origin: str, key: str, url: str, hops: int, first_url: str | None = None) -> scrapy.Request:
        if key == "robots_txt" and self.size_limit is not None:
            self.size_limit.started()
        return scrapy.Request(
            url,
            callback=self.spider.parse_site_file,
            errback=self.spider.site_file_failed,
            priority=PRIORITY["robots_txt" if key == "robots_txt" else "site_file"],
            dont_filter=True,
            meta={
                "noai_site_file": key, "noai_origin": origin, "noai_hops": hops,
                "noai_first_url": first_url or origin + SITE_FILES[key],
                "dont_redirect": True, "handle_httpstatus_all": True, "dont_retry": key != "robots_txt",
            },
        )

    def parse(self, response: Response) -> Iterator[Any]:
        meta = response.meta
        key, origin, hops = meta["noai_site_file"], meta["noai_origin"], meta["noai_hops"]
        self._downloaded(key)
        location = response.headers.get(b"Location")
        if 300 <= response.status < 400 and location:
            target = urljoin(response.url, location.decode("latin-1"))
            if hops + 1 > MAX_REDIRECTS:
                error = f"more than {MAX_REDIRECTS} redirects"
                fetched = Fetched(meta["noai_first_url"], None, error=error, redirects=hops + 1, final_url=target)
                yield from self.done(origin, key, fetched)
                return
            yield self.request(origin, key, target, hops + 1, meta["noai_first_url"])
            return
        fetched = fetched_from(response, meta["noai_first_url"], hops)
        if "download_stopped" in response.flags:
            note = (
                f"download stopped after {len(fetched.body)} bytes: robots.txt is parsed only up to "
                f"{MAX_PARSED_BYTES} bytes (RFC 9309 2.5), so the stored copy and its sha256 cover that part"
            )
            fetched = replace(fetched, error=note)
        yield from self.done(origin, key, fetched)

    def failed(self, failure: Failure) -> Iterator[Any]:
        meta = failure.request.meta  # type: ignore[attr-defined]
        self._downloaded(meta["noai_site_file"])
        fetched = Fetched(meta["noai_first_url"], None, error=failure_reason(failure), redirects=meta["noai_hops"])
        yield from self.done(meta["noai_origin"], meta["noai_site_file"], fetched)

    def _downloaded(self, key: str) -> None:
        if key == "robots_txt" and self.size_limit is not None:
            self.size_limit.ended()

    def done(self, origin: str, key: str, fetched: Fetched) -> Iterator[Any]:
        """One file read: after robots.txt, the others; after the last, the site and what waited for it."""
        spider, state = self.spider, self.spider.state
        files = state["site_files"].setdefault(origin, {})
        files[key] = fetched
        if key == "robots_txt":
            unresolved = (fetched.error or "").startswith("host does not resolve")
            # An archive audit with no robots.txt of that time: every verdict would rest on a guess.
            unarchived = spider.archive is not None and fetched.status is None
            if origin == spider.origin and (unresolved or unarchived):
                state["fatal"] = fetched.error if unresolved else f"robots.txt of that time unknown: {fetched.error}"
                spider.logger.error("cannot audit %s: %s; every page is reported unverifiable", origin, state["fatal"])
            yield from self.requests(origin, tuple(k for k in SITE_FILES if k != "robots_txt"))
            if origin == spider.origin and spider.archive is None:
                yield from spider.discovery.sitemap_requests(self._own_robots_txt(origin, fetched))
            return
        site = self.site(origin)
        if site is None:
            return
        yield {"_kind": "site", "origin": origin, "site": site, "fetched": dict(files)}
        if origin == spider.origin and not state["discovery_started"]:
            state["discovery_started"] = True
            yield from spider.discovery.requests()
        for url, referer in state["waiting"].pop(origin, []):
            yield from spider.frontier.fetch(spider.media.request(url, referer))
        for url, page_type in state["waiting_pages"].pop(origin, []):
            yield from spider.frontier.fetch(spider.judging.request(url, page_type, None))
