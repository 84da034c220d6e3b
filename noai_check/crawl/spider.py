"""The crawl shared by every platform: site files first, then a reproducible sample of pages.

Order of work, per origin: robots.txt, then tdmrep.json, ai.txt and llms.txt; only when
all four are read are that origin's pages fetched and judged (a verdict needs them).
Pages are chosen in waves: whenever the crawl goes idle, the next batch is taken from
the candidates found so far, lowest hash of (seed, URL) first, so the same site and
seed give the same sample however responses interleave. With JOBDIR, a resume (after Ctrl-C
or kill -9) reads the seed back, does discovery again, skips every page already recorded and
replays the links those pages showed, so it plans the same sample (see jobdir.py).

The spider only holds the crawl's state and routes Scrapy's callbacks; each job has its module:
site_files.py (site files and their redirects), discovery.py (sitemaps, seeds, links),
sampling.py (the sample, pure), frontier.py (waves into requests, resume), page_judging.py
(records and evidence), media.py (images HEADed), rendering.py (the page again, after JavaScript).
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.http import Response
from twisted.python.failure import Failure

from noai_check.crawl.archive_source import ArchiveSource, archive_problem
from noai_check.crawl.config import CrawlConfig
from noai_check.crawl.discovery import Discovery
from noai_check.crawl.frontier import Frontier
from noai_check.crawl.media import Media
from noai_check.crawl.page_judging import PageJudging
from noai_check.crawl.probe_crawl import ProbeCrawl
from noai_check.crawl.rendering import Rendering, enable, find_chromium, render_problem
from noai_check.crawl.robots_size import RobotsSizeLimit
from noai_check.crawl.sampling import Sample
from noai_check.crawl.site_files import SiteFiles
from noai_check.judge.registry import Registry, load_registry
from noai_check.platforms.base import Platform
from noai_check.signals.site_files import Site, origin_of
from noai_check.timestamps import now as now_iso


def url_problem(name: str, url: str) -> str | None:
    """Why the spider argument ``name`` cannot be crawled from, in one line, or None.

    Every way Scrapy would later reject the URL (a bad port, an unclosed IPv6 bracket) is caught
    here, before the crawl starts, instead of as a traceback from its first request.
    """
    try:
        parts = urlsplit(url)
        port = parts.port  # raises for a port that is not a number or is out of range
    except ValueError as error:
        return f"{name} is not a valid URL ({error}), got {url!r}"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{name} must be an http(s) URL, got {url!r}"
    if port == 0:
        return f"{name} has port 0, got {url!r}"
    try:
        scrapy.Request(url)
    except ValueError as error:
        return f"{name} is not a valid URL ({error}), got {url!r}"
    return None


def _hosts(names: str) -> tuple[str, ...]:
    return tuple(h.strip().lower() for h in names.split(",") if h.strip())


class PlatformSpider(scrapy.Spider):
    """Samples one platform's pages and judges each for every AI agent. Subclasses set ``platform``."""

    platform: Platform

    def __init__(
        self,
        base_url: str | None = None,
        max_pages: str | int = 200,
        profiles: str = "",
        seed: str | None = None,
        media_hosts: str = "",
        content_hosts: str = "",
        probe: str | int = 0,
        at: str | None = None,
        window: str | None = None,
        render: str = "never",
        render_sample: str | int = 10,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        # A subclass checks its own arguments; these are everyone's.
        problem = PlatformSpider.argument_problem(base_url=base_url, max_pages=max_pages, probe=probe, at=at,
                                                  window=window, render=render, render_sample=render_sample)
        if problem:
            raise ValueError(problem)
        self.base_url = (base_url or self.platform.base_url).rstrip("/")
        self.origin = origin_of(self.base_url)
        self.max_pages = int(max_pages)
        self.profiles = [p.strip().strip("/") for p in profiles.split(",") if p.strip()]
        self.seed_given = seed not in (None, "")
        self.seed = seed if seed not in (None, "") else str(random.SystemRandom().randrange(10**9))
        self.extra_media_hosts = _hosts(media_hosts)
        # More hosts whose pages are the platform's (a replica's Bandcamp artist hosts, one port each).
        self.content_hosts = _hosts(content_hosts)
        self.seed_urls: list[str] = []  # pages fetched for discovery besides the platform's seed paths
        self._state: dict[str, Any] = {}
        self._sample: Sample | None = None
        self.started_at = now_iso()
        self.resumed = False  # a JOBDIR crawl that ran before: its records stand, its pages are skipped
        self.config = CrawlConfig()  # from the crawler's settings in from_crawler
        self.registry: Registry = load_registry()
        self.site_files = SiteFiles(self)
        self.discovery = Discovery(self)
        self.frontier = Frontier(self)
        self.judging = PageJudging(self)
        self.media = Media(self)
        self.probing = ProbeCrawl(self, int(probe))  # -a probe=N: 0 sends nothing
        self.rendering = Rendering(self, render or "never", int(render_sample))
        # -a at=YYYY-MM-DD: audit the archive's captures around that day (archive_source.py), into <name>@<at>.
        self.archive = ArchiveSource.from_args(self, at, window)
        if self.archive is not None:
            self.report_name = f"{self.name}@{self.archive.window.at.isoformat()}"

    @classmethod
    def argument_problem(
        cls, base_url: str | None = None, max_pages: str | int = 200, probe: str | int = 0, at: str | None = None,
        window: str | None = None, render: str | None = None, render_sample: str | int | None = None, **_: Any,
    ) -> str | None:
        """A one-line message for a bad spider argument, or None (used by `scrapy crawl` before starting)."""
        if not str(probe).strip().isdigit():
            return f"probe must be a whole number >= 0 (pages probed per page type; 0 = off), got {probe!r}"
        problem = archive_problem(at, window) or render_problem(render, render_sample, None, need_chromium=False)
        if problem:
            return problem
        if at is not None and int(probe):  # a probe asks the live server, an archive audit shows the past
            return "probe cannot be combined with at= (probing asks today's live server, not the archive)"
        if at is not None and (render or "never") != "never":  # a replay's scripts would load today's site
            return "render cannot be combined with at= (a replay's scripts would fetch today's live site)"
        if base_url is not None:
            problem = url_problem("base_url", base_url)
            if problem:
                return problem
        try:
            if int(max_pages) < 1:
                raise ValueError
        except (TypeError, ValueError):
            return f"max_pages must be a positive whole number, got {max_pages!r}"
        return None

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> PlatformSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.config = CrawlConfig.from_settings(crawler.settings)
        if spider.config.agents_file:
            spider.registry = load_registry(spider.config.agents_file)
        if spider.rendering.mode != "never":  # only then is scrapy-playwright loaded at all
            chromium = find_chromium(spider.config.chromium)
            if chromium is None:
                raise ValueError(render_problem(spider.rendering.mode, None, spider.config.chromium))
            enable(crawler.settings, chromium, spider.config.render_timeout)
        crawler.signals.connect(spider.frontier.on_idle, signal=signals.spider_idle)
        crawler.signals.connect(spider.probing.close, signal=signals.spider_closed)
        spider.site_files.size_limit = RobotsSizeLimit(crawler.signals)
        jobdir = crawler.settings.get("JOBDIR")
        if jobdir:
            spider.frontier.open_jobdir(Path(jobdir))
        return spider

    # -- state that survives a pause -------------------------------------------------

    @property
    def state(self) -> dict[str, Any]:
        """The crawl's memory. With JOBDIR, Scrapy's SpiderState replaces it with the pickled one
        when the spider opens (in whatever order signal handlers run), so defaults are filled here."""
        if "site_files" not in self._state:
            self._fill_state_defaults(self._state)
        return self._state

    @state.setter
    def state(self, value: dict[str, Any]) -> None:
        # Only Scrapy's SpiderState sets it (off in settings.py): its pickle, written at close only,
        # is never trusted; a resume rebuilds the state (see the module docstring).
        self._state = {}

    def _fill_state_defaults(self, state: dict[str, Any]) -> None:
        state.setdefault("started_at", self.started_at)
        state.setdefault("seed", self.seed)
        self.seed = state["seed"]  # a resumed crawl keeps its first seed, so its sample
        state.setdefault("site_files", {})  # origin -> {key: Fetched}
        state.setdefault("waiting", {})  # media origin -> [(url, referer)] until its site files are read
        state.setdefault("waiting_pages", {})  # other page origin -> [(url, page type)], likewise
        state.setdefault("fatal", None)  # why nothing on the site can be read (its host does not resolve)
        state.setdefault("plan", deque())  # (url, page type) chosen for the sample, not yet requested
        state.setdefault("media_count", 0)
        state.setdefault("discovery_started", False)

    @property
    def sample(self) -> Sample:
        """Candidates, what was scheduled and every URL seen; made on first use, with the crawl's seed."""
        if self._sample is None:
            platform = self.platform
            self._sample = Sample(platform.page_types, platform.sample_weights, self.max_pages, self.state["seed"])
        return self._sample

    def next_wave(self) -> list[tuple[str, str]]:
        return self.sample.next_wave()

    def site(self, origin: str) -> Site | None:
        """The read site files of an origin (None until all are read)."""
        return self.site_files.site(origin)

    def own_robots_allows(self, url: str) -> bool | None:
        """May noai-check itself fetch ``url``? None until that origin's robots.txt is read."""
        return self.site_files.own_robots_allows(url)

    def closed(self, reason: str) -> None:
        """Scrapy calls this on spider_closed before the report is written (its handler was connected
        first): what only planning needed is let go, so the report's pass reuses its memory."""
        if self._sample is not None:
            self._sample.release()
        self.discovery.release()

    # -- Scrapy's entry points: each job's module does the work ----------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        first = self.archive.start_requests() if self.archive else self.site_files.requests(self.origin, ("robots_txt",))
        for request in first:
            yield request

    def parse_site_file(self, response: Response) -> Iterator[Any]:
        return self.site_files.parse(response)

    def site_file_failed(self, failure: Failure) -> Iterator[Any]:
        return self.site_files.failed(failure)

    async def parse_sitemap(self, response: Response) -> list[scrapy.Request]:
        return await self.discovery.parse_sitemap(response)

    def discovery_failed(self, failure: Failure) -> None:
        self.discovery.failed(failure)

    def parse_page(self, response: Response) -> list[Any] | None:
        return self.judging.scheduled(self.judging.parse(response))

    def page_failed(self, failure: Failure) -> list[Any] | None:
        return self.judging.scheduled(self.judging.failed(failure))

    def parse_probe(self, response: Response) -> list[scrapy.Request]:
        return self.probing.parse(response)

    def probe_failed(self, failure: Failure) -> list[scrapy.Request]:
        return self.probing.failed(failure)

    def parse_terms(self, response: Response) -> Iterator[dict[str, Any]]:
        return self.judging.parse_terms(response)

    def terms_failed(self, failure: Failure) -> Iterator[dict[str, Any]]:
        return self.judging.terms_failed(failure)
