"""`scrapy crawl sites ... -s NOAI_REDIS_URL=redis://HOST:PORT/DB`: many workers share one list through Redis.

What is shared and how:
- the domains: ``RedisDomainSource`` claims them from the list's ``SharedList`` under a lease (the
  first worker enqueues the file; ``noai-check enqueue`` may have done it before), renews the leases
  of the domains it holds, and waits for the other workers before it lets the spider close;
- the results: ``RedisResultSink`` acks each record into the list's results hash (kept once), and
  ``noai-check collect`` writes the report;
- the frontier: scrapy-redis's Scheduler and RFPDupeFilter (``SCHEDULER_PERSIST``). A domain's
  requests share its state in the worker's memory (the site files gathered so far, spider.jobs), so
  each worker has its own request queue in Redis (a request popped by another worker would find no
  state there) and the dupefilter is shared by the list. A domain a dead worker held comes back
  through its lease; the sites spider sends every request with ``dont_filter`` (each is asked for
  one domain, once), so a domain taken over is fetched again in full.
Redis lost mid-crawl: the worker stops (close reason ``redis_lost``, one ``error:`` line, exit 1);
started again once Redis is back, it goes on where the list is.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler
from twisted.internet.task import LoopingCall

from noai_check.crawl.config import CrawlConfig
from noai_check.crawl.distributed import SKIPPED_INFO, enqueue_file
from noai_check.crawl.shared_list import SharedList
from noai_check.errors import NoaiCheckError

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

NOAI_REDIS_LOST = "noai/redis_lost"  # stats key: why the worker stopped (the command prints it and exits 1)
CLAIM_BATCH = 8  # domains per claim: one round trip per 8 domains, and few held beyond what the spider has room for
POLL_SECONDS = 1.0  # how often an idle worker asks again (others' domains may come back)


def redis_settings(settings: BaseSettings) -> None:
    """With NOAI_REDIS_URL set, switch the crawl to the shared list and scrapy-redis's frontier (spider priority)."""
    url = CrawlConfig.from_settings(settings).redis_url
    if not url:
        return
    for name, value in {
        "SCHEDULER": "noai_check.crawl.redis_sites.SharedScheduler",
        "DUPEFILTER_CLASS": "noai_check.crawl.redis_sites.SharedDupeFilter",
        "SCHEDULER_PERSIST": True,
        "REDIS_URL": url,
        "REDIS_PARAMS": {"socket_connect_timeout": 5, "socket_timeout": 30, "retry_on_timeout": False},
        "NOAI_DOMAIN_SOURCE": "noai_check.crawl.redis_sites.RedisDomainSource",
        "NOAI_RESULT_SINK": "noai_check.crawl.redis_sites.RedisResultSink",
    }.items():
        settings.set(name, value, priority="spider")


def list_name(spider_args: dict[str, str]) -> str:
    """The list's name as the sites spider picks it: ``-a name=``, else the list file's stem."""
    return spider_args.get("name") or Path(spider_args.get("domains") or "").stem


def redis_problem(config: CrawlConfig, spider_args: dict[str, str]) -> str | None:
    """Why NOAI_REDIS_URL cannot be used (unreachable, not a URL, a list name Redis keys cannot hold), or None."""
    try:
        SharedList.connect(config.redis_url, list_name(spider_args)).client.close()
    except NoaiCheckError as error:
        return str(error)
    return None


def shared_list(spider: Spider) -> SharedList:
    """The spider's list in Redis (its own connection), with the lease NOAI_REDIS_LEASE gives."""
    config = CrawlConfig.from_settings(spider.crawler.settings)
    return SharedList.connect(config.redis_url, getattr(spider, "list_name", spider.name), config.redis_lease)


def _stop(crawler: Crawler, error: Exception) -> None:
    """Stop this worker cleanly, once, with the reason; what it held comes back to the list by lease."""
    if crawler.stats is None or crawler.stats.get_value(NOAI_REDIS_LOST):
        return
    message = f"{error}; start the worker again when Redis is back: the list goes on where it is"
    crawler.stats.set_value(NOAI_REDIS_LOST, message)
    logger.error("stopping: %s", message)
    if crawler.engine is not None and crawler.engine.spider is not None:
        from scrapy.utils.defer import deferred_from_coro

        deferred_from_coro(crawler.engine.close_spider_async(reason="redis_lost"))


class RedisDomainSource:
    """Domains claimed from the shared list; ``finished`` forgets one (its result is already acked by the sink)."""

    def __init__(self, spider: Spider, shared: SharedList) -> None:
        self.spider, self.shared = spider, shared
        self.crawler: Crawler = spider.crawler
        self.held: dict[str, int] = {}  # domain -> attempt
        # Leases of held domains are renewed every third of a lease, so a slow worker keeps what it has.
        self._renewal = LoopingCall(self.renew)
        self._renewal.start(shared.lease_seconds / 3, now=False)

    @classmethod
    def from_spider(cls, spider: Spider) -> RedisDomainSource:
        return cls(spider, shared_list(spider))

    async def domains(self) -> AsyncIterator[tuple[int | None, str]]:
        try:
            self._enqueue_once()
            while True:
                claims = self.shared.claim(CLAIM_BATCH)
                if not claims:
                    if self.shared.progress().finished:
                        return
                    await asyncio.sleep(POLL_SECONDS)
                    continue
                self.held.update((claim.domain, claim.attempt) for claim in claims)  # all, before the first yield
                for claim in claims:
                    yield claim.rank, claim.domain
        except NoaiCheckError as error:
            _stop(self.crawler, error)

    def _enqueue_once(self) -> None:
        """The first worker (or `noai-check enqueue`) puts the list in Redis; every later one finds it there."""
        if self.shared.is_enqueued():
            return
        path = getattr(self.spider, "domains_file", None)
        if not path:
            raise NoaiCheckError(f"list {self.shared.name!r} is not in Redis: give -a domains=FILE or run enqueue")
        from noai_check.crawl.sites_report import run_meta

        limit = getattr(self.spider, "limit", None)
        settings = run_meta(self.spider, "finished", "")["settings"]  # type: ignore[arg-type]
        added, _ = enqueue_file(self.shared, path, limit, settings)
        logger.info("enqueued %d domains of %s into list %s", added, path, self.shared.name)

    def renew(self) -> None:
        try:
            self.shared.renew(self.held)
        except NoaiCheckError as error:
            _stop(self.crawler, error)

    def finished(self, domain: str) -> None:
        self.held.pop(domain, None)

    def skipped(self) -> dict[str, dict[str, object]]:
        try:
            return self.shared.info(SKIPPED_INFO) or {}
        except NoaiCheckError:
            return {}

    def close(self, reason: str) -> None:
        """Domains still in progress (a Ctrl-C) go back to the list at once, for this worker or another."""
        if self._renewal.running:
            self._renewal.stop()
        if self.held and not self.crawler.stats.get_value(NOAI_REDIS_LOST):
            try:
                logger.info("%d unfinished domains given back to list %s", self.shared.release(self.held),
                            self.shared.name)
            except NoaiCheckError as error:
                logger.error("could not give back the unfinished domains (their lease will run out): %s", error)
        self.shared.client.close()


class RedisResultSink:
    """Each finished domain's record goes to the list's results hash; the report is `noai-check collect`'s job."""

    def __init__(self, spider: Spider, shared: SharedList) -> None:
        self.spider, self.shared, self.written, self.duplicates = spider, shared, 0, 0

    @classmethod
    def from_spider(cls, spider: Spider) -> RedisResultSink:
        return cls(spider, shared_list(spider))

    def write(self, record: dict[str, Any]) -> None:
        try:
            first = self.shared.ack(record["domain"], record)
        except NoaiCheckError as error:
            _stop(self.spider.crawler, error)
            return
        self.written += first
        self.duplicates += not first

    def close(self, reason: str) -> None:
        logger.info("%d domain results sent to Redis list %s (%d already there, kept once)",
                    self.written, self.shared.name, self.duplicates)
        self.shared.client.close()


def worker_id() -> str:
    """This worker's own request queue: host, process and a random part (a restarted worker starts a new one)."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


class SharedScheduler(Scheduler):  # type: ignore[misc]
    """scrapy-redis's Scheduler with the list's keys, and a lost Redis stopping the worker instead of a traceback loop."""

    crawler: Crawler | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedScheduler:
        instance: SharedScheduler = super().from_crawler(crawler)
        instance.crawler = crawler
        return instance

    def open(self, spider: Spider) -> None:
        prefix = f"noai:sites:{getattr(spider, 'list_name', spider.name)}:"
        self.queue_key = prefix + "requests:" + worker_id()
        self.dupefilter_key = prefix + "dupefilter"
        self.df = SharedDupeFilter(self.server, key=self.dupefilter_key)
        super().open(spider)

    def close(self, reason: str) -> None:
        """This worker's queue goes with it (its domains come back by lease); the shared dupefilter stays."""
        self._guard(lambda: self.queue.clear())

    def enqueue_request(self, request: Request) -> bool:
        """scrapy-redis's, without the ``spider=`` argument to stats that Scrapy 2.19 deprecates."""

        def push() -> bool:
            if not request.dont_filter and self.df.request_seen(request):
                self.df.log(request, self.spider)
                return False
            self.queue.push(request)
            if self.stats:
                self.stats.inc_value("scheduler/enqueued/redis")
            return True

        return bool(self._guard(push, False))

    def next_request(self) -> Request | None:
        def pop() -> Request | None:
            request: Request | None = self.queue.pop(self.idle_before_close)
            if request is not None and self.stats:
                self.stats.inc_value("scheduler/dequeued/redis")
            return request

        return self._guard(pop, None)  # type: ignore[no-any-return]

    def has_pending_requests(self) -> bool:
        return bool(self._guard(lambda: super(SharedScheduler, self).has_pending_requests(), False))

    def _guard(self, call: Any, default: Any = None) -> Any:
        from redis.exceptions import RedisError

        try:
            return call()
        except RedisError as error:
            if self.crawler is not None:
                _stop(self.crawler, NoaiCheckError(f"Redis lost: {error.__class__.__name__}: {error}"))
            return default


class SharedDupeFilter(RFPDupeFilter):  # type: ignore[misc]
    """scrapy-redis's fingerprints under the list's key, shared by its workers and kept when one stops."""

    def close(self, reason: str = "") -> None:
        """Kept: the other workers still use it (SCHEDULER_PERSIST); ``enqueue --fresh`` forgets it."""
