"""The plan: waves of the sample turned into requests a few at a time, and a JOBDIR resume that
skips pages already recorded and replays the links they showed (see jobdir.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider

from noai_check.crawl.jobdir import LINKS_FILE, cut_partial_line, load_run, read_links, save_run
from noai_check.crawl.pipelines import RecordsPipeline
from noai_check.signals.site_files import in_origin, origin_of

if TYPE_CHECKING:
    from noai_check.crawl.spider import PlatformSpider


class Frontier:
    """Feeds Scrapy the planned pages; knows which are recorded (a resume skips those)."""

    def __init__(self, spider: PlatformSpider) -> None:
        self.spider = spider
        self._links_journal: dict[str, dict[str, list[str]]] = {}  # recorded page -> links and media it showed
        self._links_out: IO[str] | None = None
        self._records: RecordsPipeline | None = None  # found on first use
        self._records_looked_up = False

    # -- waves --------------------------------------------------------------------------

    def on_idle(self, spider: scrapy.Spider) -> None:
        """Plan the next wave whenever Scrapy runs out of requests; keep the spider open meanwhile.

        The planning is a call of its own: the traceback of DontCloseSpider keeps this frame alive
        until Python's cycle collector runs, and with it every local (a wave's list, its requests),
        which at 20,000 pages added up to megabytes held for nothing."""
        if self._plan_next():
            raise DontCloseSpider

    def _plan_next(self) -> bool:
        """Hand Scrapy the next requests of the plan; True while there is more to do."""
        state, sample = self.spider.state, self.spider.sample
        while True:
            wave = sample.next_wave()
            for url, page_type in wave:
                sample.schedule(url, page_type)
                state["plan"].append((url, page_type))
            released = self.release(2 * self.spider.crawler.settings.getint("CONCURRENT_REQUESTS", 16))
            # A wave whose pages were all recorded before a resume fetches nothing, but replaying
            # their links may give the next wave, just as fetching them did the first time.
            if released or not wave:
                break
        for request in released:
            self.spider.crawler.engine.crawl(request)
        return bool(released or state["plan"])

    def release(self, count: int) -> list[scrapy.Request]:
        """Turn up to ``count`` planned pages into requests. The plan is fed to Scrapy a little at a
        time (one more per finished page), so 20,000 planned pages are 20,000 small tuples, not
        20,000 queued requests: memory stays flat whatever max_pages is."""
        spider, state = self.spider, self.spider.state
        requests: list[scrapy.Request] = []
        plan = state["plan"]
        pages = 0
        while plan and pages < count:
            url, page_type = plan.popleft()
            origin = spider.origin if in_origin(url, spider.origin) else origin_of(url)
            if origin == spider.origin or spider.site(origin) is not None:
                if self.is_recorded("page", url):
                    spider.crawler.stats.inc_value("noai/resume_skipped")
                    requests.extend(self.replay(url))  # skipped, so it does not count
                else:
                    requests.append(spider.judging.request(url, page_type, None))
                    pages += 1
                continue
            # A page on another of the platform's hosts: that host's site files first.
            first = not any(origin in state[key] for key in ("waiting_pages", "waiting", "site_files"))
            state["waiting_pages"].setdefault(origin, []).append((url, page_type))
            if first:
                requests.extend(spider.site_files.requests(origin, ("robots_txt",)))
                pages += 1
        return requests

    # -- resume: pages recorded before are skipped, their links replayed -------------------

    def pipeline(self) -> RecordsPipeline | None:
        """The RecordsPipeline, or None when it is not enabled (the spider then yields items)."""
        if not self._records_looked_up:
            self._records = self.spider.crawler.get_item_pipeline(RecordsPipeline)
            self._records_looked_up = True
        return self._records

    def is_recorded(self, kind: str, url: str) -> bool:
        records = self.pipeline()
        return records is not None and records.is_recorded(kind, url)

    def fetch(self, request: scrapy.Request) -> Iterator[scrapy.Request]:
        """The request, unless its page already has a record (a resume): then what that page led to."""
        kind = "media" if request.meta.get("noai_page_type") == "media" else "page"
        if self.is_recorded(kind, request.url):
            self.spider.crawler.stats.inc_value("noai/resume_skipped")
            yield from self.replay(request.url)
        else:
            yield request

    def replay(self, url: str) -> Iterator[scrapy.Request]:
        """A recorded page's links and media, as if it had just been fetched again."""
        entry = self._links_journal.pop(url, None)
        if entry is None:
            return
        for link in entry["links"]:
            self.spider.discovery.add_candidate(link, "links")
        yield from self.spider.media.queue(entry["media"], url)

    def journal(self, url: str, links: list[str], media: list[str]) -> None:
        """Write down what a page led to before its record (JOBDIR only): a resume replays it."""
        if self._links_out is not None and (links or media):
            self._links_out.write(json.dumps({"url": url, "links": links, "media": media}, ensure_ascii=False) + "\n")
            self._links_out.flush()

    def open_jobdir(self, jobdir: Path) -> None:
        """Take the first run's seed if this job ran before (however it ended), else write it down."""
        spider = self.spider
        run = load_run(jobdir)
        if run is None:
            save_run(jobdir, {"spider": spider.name, "seed": spider.seed, "started_at": spider.started_at})
        else:
            spider.resumed = True
            if spider.seed_given and spider.seed != run["seed"]:
                spider.logger.warning("resuming %s: its first seed %s is kept (seed=%s ignored)", jobdir, run["seed"], spider.seed)
            spider.seed, spider.started_at = run["seed"], run.get("started_at") or spider.started_at
            if run.get("legacy"):  # paused by an earlier noai-check: its seed kept, in today's run file
                save_run(jobdir, {"spider": spider.name, "seed": spider.seed, "started_at": spider.started_at})
            spider.logger.info("resuming %s: pages already recorded are skipped", jobdir)
            cut_partial_line(jobdir / LINKS_FILE)
            self._links_journal = read_links(jobdir / LINKS_FILE)
        self._links_out = (jobdir / LINKS_FILE).open("a", encoding="utf-8")
        spider.crawler.signals.connect(self.close_jobdir, signal=signals.spider_closed)

    def close_jobdir(self) -> None:
        if self._links_out is not None:
            self._links_out.close()
