"""`scrapy crawl sites -a domains=FILE`: every domain of a list, its site files and home page, one record each.

Per domain, in order: robots.txt on https (on http when https fails, unless the host does not
resolve); the home page, if noai-check's own robots.txt group allows it, with one redirect followed
when it goes to the same host, to ``www.`` or back (then that origin's robots.txt is read first);
then tdmrep.json, ai.txt and llms.txt on the origin reached, and with ``-a pages=K`` up to K pages
listed in its first same-site sitemap (one index level followed). A domain is finished when its last
request has ended, and its record (judge/domain_record.py) goes to the result sink, exactly once,
whatever failed. Domains come from the domain source lazily: at most ``NOAI_SITES_INFLIGHT`` are in
progress at a time, so memory does not grow with the list.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.misc import load_object
from twisted.internet.defer import Deferred
from twisted.internet.task import LoopingCall
from twisted.python.failure import Failure

from noai_check.crawl.config import CrawlConfig
from noai_check.crawl.outcomes import failure_reason, fetched_from
from noai_check.crawl.sitemaps import parse_sitemap
from noai_check.crawl.sites_io import DomainSource, ResultSink, domain_list_problem
from noai_check.files import write_atomic
from noai_check.judge.domain_record import build_domain_record
from noai_check.judge.registry import Registry, load_registry
from noai_check.signals.response import Fetched
from noai_check.signals.robots import RobotsTxt
from noai_check.signals.site_files import SITE_FILES, origin_of, read_robots
from noai_check.timestamps import now as now_iso

OWN_AGENT = "noai-check"
GC_EVERY = 500  # domains between full garbage collections (see _finish)
PROGRESS_EVERY = 10.0  # seconds between progress log lines (NOAI_PROGRESS=False turns them off)
_STATUSES = list(range(400, 600))  # handed to the callback; 3xx are followed by Scrapy (site files)
_HOME_STATUSES = list(range(300, 600))  # the home page's redirect is followed by hand (one, recorded)
_OTHER_FILES = tuple(key for key in SITE_FILES if key != "robots_txt")

# Scrapy's "Broad crawls" advice, with noai-check's politeness kept (AutoThrottle, its robots.txt).
BROAD_CRAWL_SETTINGS: dict[str, Any] = {
    "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.DownloaderAwarePriorityQueue",
    "CONCURRENT_REQUESTS": 100,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
    "REACTOR_THREADPOOL_MAXSIZE": 20,
    "DOWNLOAD_TIMEOUT": 15,
    "RETRY_ENABLED": False,  # a DNS failure or timeout is an answer, and https -> http is our own retry
    "REDIRECT_MAX_TIMES": 5,  # RFC 9309 2.3.1.2 for robots.txt; the home page's redirect is ours
    "AJAXCRAWL_ENABLED": False,
    "DNSCACHE_ENABLED": True,
    "DOWNLOAD_MAXSIZE": 10 * 1024 * 1024,
    "NOAI_IDLE_CONNECTION_TIMEOUT": 5,  # no idle socket per finished domain for 240 s
    "EXTENSIONS": {
        "noai_check.crawl.progress.CrawlProgress": None,  # counts pages; the spider logs domains (log_progress)
        "scrapy.extensions.telnet.TelnetConsole": None,
        "scrapy.extensions.remote_control.RemoteControl": None,
        "scrapy.extensions.spiderstate.SpiderState": None,
    },
    "ITEM_PIPELINES": {},
}


@dataclass
class DomainJob:
    """One domain in progress."""

    domain: str
    rank: int | None
    origin: str | None = None
    files: dict[str, Fetched] = field(default_factory=dict)
    home: Fetched | None = None
    robots: RobotsTxt | None = None
    redirect: dict[str, str] | None = None
    failure: str | None = None
    pending: int = 0
    pages: list[Fetched] = field(default_factory=list)  # sitemap pages (-a pages=K)
    sitemaps_read: int = 0
    origins: list[str] = field(default_factory=list)  # every origin asked (for own_robots_allows)


def redirect_allowed(domain: str, from_url: str, to_url: str) -> bool:
    """The one home-page redirect followed: same host (a path or scheme change), or to ``www.`` or back.

    >>> redirect_allowed("example.com", "https://example.com/", "https://www.example.com/")
    True
    >>> redirect_allowed("example.com", "https://example.com/", "https://example.org/")
    False
    """
    source, target = urlsplit(from_url), urlsplit(to_url)
    if target.scheme not in ("http", "https") or not target.hostname:
        return False
    host, bare = target.hostname, domain.removeprefix("www.")
    return host == source.hostname or host in (bare, "www." + bare)


def _same_site(domain: str, url: str) -> bool:
    """Is ``url`` on the domain or its ``www.`` twin (sitemaps and their pages elsewhere are not followed)?"""
    host, bare = urlsplit(url).hostname or "", domain.removeprefix("www.")
    return urlsplit(url).scheme in ("http", "https") and host in (bare, "www." + bare)


class DomainListSpider(scrapy.Spider):
    """Arguments: domains (the list file, required), name (default: the file's stem), limit, pages (0)."""

    name = "sites"
    custom_settings = BROAD_CRAWL_SETTINGS
    source: DomainSource  # set in from_crawler (NOAI_DOMAIN_SOURCE)
    sink: ResultSink  # set in from_crawler (NOAI_RESULT_SINK)

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        """The broad-crawl settings; with NOAI_REDIS_URL, the Redis-shared list and frontier (crawl/redis_sites.py)."""
        super().update_settings(settings)
        if CrawlConfig.from_settings(settings).redis_url:
            from noai_check.crawl.redis_sites import redis_settings

            redis_settings(settings)

    def __init__(
        self, domains: str | None = None, name: str | None = None, limit: str | int | None = None,
        pages: str | int = 0, **kwargs: Any,
    ) -> None:
        problem = self.argument_problem(domains=domains, name=name, limit=limit, pages=pages)
        if problem:
            raise ValueError(problem)
        super().__init__(**kwargs)
        assert domains is not None
        self.domains_file = domains
        self.list_name = name or Path(domains).stem
        self.limit = int(limit) if limit not in (None, "") else None
        self.pages = int(pages)
        self.started_at = now_iso()
        self.config = CrawlConfig()
        self.registry: Registry = load_registry()
        self.jobs: dict[str, DomainJob] = {}
        self._by_origin: dict[str, DomainJob] = {}
        self._slot_free: Deferred[None] | None = None
        self.already_done: frozenset[str] = frozenset()
        self.resuming = False
        self.max_inflight = 200
        self.finished_count = 0
        self._started = time.monotonic()
        self._progress: LoopingCall | None = None

    @classmethod
    def argument_problem(
        cls, domains: str | None = None, name: str | None = None, limit: Any = None, pages: Any = 0, **_: Any
    ) -> str | None:
        """A one-line message for a bad argument, or None (asked by `scrapy crawl` before anything starts)."""
        problem = domain_list_problem(domains)
        if problem:
            return problem
        if name is not None and (not name.strip() or "/" in name or name in (".", "..")):
            return f"name must be a plain folder name, got {name!r}"
        for label, value, least in (("limit", limit, 1), ("pages", pages, 0)):
            if value in (None, "") and label == "limit":
                continue
            try:
                if int(value) < least:
                    raise ValueError
            except (TypeError, ValueError):
                return f"{label} must be a whole number >= {least}, got {value!r}"
        return None

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> DomainListSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.config = CrawlConfig.from_settings(settings)
        if spider.config.agents_file:
            spider.registry = load_registry(spider.config.agents_file)
        spider.max_inflight = spider.config.sites_inflight or 2 * settings.getint("CONCURRENT_REQUESTS")
        spider._open_jobdir(settings.get("JOBDIR"))
        spider.source = load_object(spider.config.domain_source).from_spider(spider)
        spider.sink = load_object(spider.config.result_sink).from_spider(spider)
        crawler.signals.connect(spider.on_closed, signal=signals.spider_closed)
        # A broad crawl meets thousands of certificates that do not match their host; Scrapy warns once a
        # connection (a line per domain, thousands). Certificates are not what this audit judges.
        logging.getLogger("scrapy.core.downloader.tls").setLevel(logging.ERROR)
        if spider.config.progress:
            spider._progress = LoopingCall(spider.log_progress)
            spider._progress.start(PROGRESS_EVERY, now=False)
        return spider

    def log_progress(self) -> None:
        """Every PROGRESS_EVERY seconds: domains finished, in progress, and the rate so far."""
        elapsed = max(time.monotonic() - self._started, 1e-6)
        self.logger.info("progress: %d domains finished, %d in progress (%.1f domains/s)",
                         self.finished_count, len(self.jobs), self.finished_count / elapsed)

    @property
    def out_dir(self) -> Path:
        return self.config.reports_dir / f"sites-{self.list_name}"

    def _open_jobdir(self, jobdir: str | None) -> None:
        """With JOBDIR, a run that was killed is resumed: domains already in domains.jsonl are not asked again."""
        if not jobdir:
            return
        from noai_check.crawl.sites_report import recorded_domains

        marker = Path(jobdir) / "noai-sites.json"
        self.resuming = marker.exists()
        if self.resuming:
            self.already_done = recorded_domains(self.out_dir)
        else:
            marker.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(marker, '{"started": true}\n')

    # -- the domains, lazily -------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        async for rank, domain in self.source.domains():
            while len(self.jobs) >= self.max_inflight:
                self._slot_free = Deferred()
                await maybe_deferred_to_future(self._slot_free)
            if domain in self.jobs:
                continue
            job = self.jobs[domain] = DomainJob(domain, rank)
            yield self._robots_request(job, "https")

    def own_robots_allows(self, url: str) -> bool | None:
        """May noai-check itself fetch ``url``? None when its origin's robots.txt is not being read."""
        job = self._by_origin.get(origin_of(url))
        if job is None or job.robots is None or job.origin != origin_of(url):
            return None
        return job.robots.verdict(url, OWN_AGENT).allowed

    # -- requests ------------------------------------------------------------------------

    def _request(self, job: DomainJob, url: str, key: str, **meta: Any) -> scrapy.Request:
        job.pending += 1
        return scrapy.Request(
            url, callback=self.on_response, errback=self.on_failure, dont_filter=True,
            meta={"noai_domain": job.domain, "noai_site_file": key, "handle_httpstatus_list": _STATUSES, **meta},
        )

    def _robots_request(self, job: DomainJob, scheme: str, host: str | None = None) -> scrapy.Request:
        origin = f"{scheme}://{host or job.domain}"
        job.origin = origin
        job.origins.append(origin)
        self._by_origin[origin] = job
        return self._request(job, origin + SITE_FILES["robots_txt"], "robots_txt")

    def _home_request(self, job: DomainJob) -> scrapy.Request:
        assert job.origin is not None
        return self._request(job, job.origin + "/", "home", dont_redirect=True, handle_httpstatus_list=_HOME_STATUSES)

    # -- outcomes ------------------------------------------------------------------------

    def on_response(self, response: Response) -> Iterator[scrapy.Request]:
        first = (response.meta.get("redirect_urls") or [response.url])[0]
        return self._outcome(response.meta, fetched_from(response, first), response)

    def on_failure(self, failure: Failure) -> Iterator[scrapy.Request]:
        request = failure.request  # type: ignore[attr-defined]
        first = (request.meta.get("redirect_urls") or [request.url])[0]
        fetched = Fetched(first, None, error=failure_reason(failure), final_url=request.url)
        return self._outcome(request.meta, fetched, None)

    def _outcome(self, meta: dict[str, Any], fetched: Fetched, response: Response | None) -> Iterator[scrapy.Request]:
        job = self.jobs.get(meta["noai_domain"])
        if job is None:
            return
        job.pending -= 1
        key = meta["noai_site_file"]
        if key == "robots_txt":
            yield from self._robots_done(job, fetched)
        elif key == "home":
            yield from self._home_done(job, fetched, response)
        elif key == "sitemap":
            yield from self._sitemap_done(job, fetched)
        elif key == "page":
            job.pages.append(fetched)
        else:
            job.files[key] = fetched
        if job.pending == 0:
            self._finish(job)

    def _robots_done(self, job: DomainJob, fetched: Fetched) -> Iterator[scrapy.Request]:
        assert job.origin is not None
        if fetched.status is None and job.home is None and job.redirect is None:
            error = fetched.error or "no response"
            if job.origin.startswith("https://") and not error.startswith("host does not resolve"):
                job.failure = f"https: {error}"
                yield self._robots_request(job, "http")
                return
            job.failure = f"{job.failure}; http: {error}" if job.failure else error
            job.origin = None  # nothing answered: the whole domain is unverifiable, with the reason
            return
        job.files = {"robots_txt": fetched}
        job.robots = read_robots(fetched)
        job.failure = None
        yield self._home_request(job)

    def _home_done(self, job: DomainJob, fetched: Fetched, response: Response | None) -> Iterator[scrapy.Request]:
        location = response.headers.get(b"Location") if response is not None else None
        if response is not None and 300 <= response.status < 400 and location and job.redirect is None:
            target = urljoin(response.url, location.decode("latin-1"))
            if redirect_allowed(job.domain, response.url, target):
                job.redirect = {"from": response.url, "to": target}
                new_origin = origin_of(target)
                if new_origin != job.origin:
                    parts = urlsplit(target)
                    yield self._robots_request(job, parts.scheme, parts.netloc)
                    return
                yield self._request(job, target, "home", dont_redirect=True, handle_httpstatus_list=_HOME_STATUSES)
                return
        job.home = fetched
        for key in _OTHER_FILES:
            assert job.origin is not None
            yield self._request(job, job.origin + SITE_FILES[key], key)
        if self.pages and job.robots is not None:
            own = [url for url in job.robots.sitemaps if _same_site(job.domain, url)]
            if own:
                yield self._request(job, own[0], "sitemap")

    def _sitemap_done(self, job: DomainJob, fetched: Fetched) -> Iterator[scrapy.Request]:
        """Up to ``pages`` pages of the domain from its first sitemap (through one index level)."""
        job.sitemaps_read += 1
        if fetched.status is None or not 200 <= fetched.status < 300:
            return
        sitemap = parse_sitemap(fetched.body)
        locs = [loc for loc in sitemap.locs if _same_site(job.domain, loc)]
        if sitemap.kind == "index" and locs and job.sitemaps_read < 2:
            yield self._request(job, locs[0], "sitemap")
        elif sitemap.kind == "urlset":
            for url in locs[: self.pages]:
                yield self._request(job, url, "page")

    def _finish(self, job: DomainJob) -> None:
        """The domain's last request ended: its record goes to the sink, once."""
        self.jobs.pop(job.domain, None)
        for origin in job.origins:
            if self._by_origin.get(origin) is job:
                del self._by_origin[origin]
        record = build_domain_record(
            job.domain, job.rank, self.registry, origin=job.origin, files=job.files, home=job.home,
            redirect=job.redirect, failure=job.failure, pages=job.pages,
        )
        self.sink.write(record)
        self.source.finished(job.domain)
        self.finished_count += 1
        if self.finished_count % GC_EVERY == 0:
            # Each https connection leaves a TLS context in a reference cycle (Twisted/pyOpenSSL), whose
            # C memory the collector does not see; with `scrapy crawl`'s raised thresholds (tune_gc) they
            # would pile up for thousands of domains: 5-15 KB a domain. A full collection every
            # GC_EVERY domains keeps memory flat (frozen start-up objects are not scanned).
            gc.collect()
        if self._slot_free is not None and not self._slot_free.called:
            self._slot_free.callback(None)

    def on_closed(self, spider: scrapy.Spider, reason: str) -> None:
        """Domains still in progress (a Ctrl-C) are not recorded: a resume asks them again."""
        if self._progress is not None and self._progress.running:
            self._progress.stop()
        self.log_progress()
        self.source.close(reason)
        self.sink.close(reason)
