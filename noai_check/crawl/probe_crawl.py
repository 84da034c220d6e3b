"""``-a probe=N``: the crawl probes the site root and up to N judged pages per page type as AI user agents.

Off by default (0: nothing is sent). Each probed page is fetched once with a browser's user agent,
then once per agent of ``NOAI_PROBE_AGENTS`` with its published user agent, one after another, through
the crawl's own downloader (same throttle; our own robots.txt group is checked for every request by
OwnRobotsMiddleware). A 429 stops probing that host. The results go to ``probes.jsonl``; the main
crawl's records and verdicts are never touched (the probes have their own callbacks).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from noai_check.crawl.outcomes import RobotsForbidden, failed_fetch, fetched_from
from noai_check.crawl.probing import BROWSER_USER_AGENT, ProbePlan, contact_headers, probe_plan
from noai_check.judge.enforcement import declared_from
from noai_check.judge.page_judgement import analyze
from noai_check.judge.probe_results import BROWSER, Probe, judge_page_probes, with_declared
from noai_check.signals.response import Fetched
from noai_check.signals.site_files import origin_of

if TYPE_CHECKING:
    from noai_check.crawl.spider import PlatformSpider

PROBES_FILE = "probes.jsonl"
_PRIORITY = -20  # after the sample's pages and media: probing never delays the audit itself
_STATUSES = list(range(400, 600))


@dataclass
class _Page:
    """One page being probed: the requests still to send, and what came back."""

    url: str
    todo: list[tuple[str, str]]  # (agent, user agent), baseline first
    done: list[Probe] = field(default_factory=list)


class ProbeCrawl:
    """Chooses the pages to probe, sends their requests one by one, and writes ``probes.jsonl``."""

    def __init__(self, spider: PlatformSpider, per_type: int) -> None:
        self.spider = spider
        self.per_type = per_type
        self.counts: Counter[str] = Counter()
        self.pages: dict[str, _Page] = {}
        self.stopped: dict[str, str] = {}  # host -> the finding that stopped it
        self._plan: ProbePlan | None = None
        self._file: IO[str] | None = None

    @property
    def plan(self) -> ProbePlan:
        if self._plan is None:
            self._plan = probe_plan(self.spider.registry, self.spider.config.probe_agents)
        return self._plan

    def after_page(self, fetched: Fetched, page_type: str, readable: bool) -> list[scrapy.Request]:
        """The first probe request of this page (and of the site root, once), if it is to be probed."""
        if self.per_type <= 0 or not readable:
            return []
        requests = []
        root = origin_of(self.spider.base_url) + "/"
        if "root" not in self.counts:
            self.counts["root"] += 1
            requests += self._start(root)
        content = page_type in self.spider.platform.page_types  # tracks, profiles...: not "other" pages
        if content and fetched.url != root and self.counts[page_type] < self.per_type:
            self.counts[page_type] += 1
            requests += self._start(fetched.url)
        return requests

    def _start(self, url: str) -> list[scrapy.Request]:
        if url in self.pages or not self.plan.agents or urlsplit(url).netloc in self.stopped:
            return []
        todo = [(BROWSER, BROWSER_USER_AGENT)] + [(a.token, a.user_agent) for a in self.plan.agents]
        self.pages[url] = _Page(url, todo)
        return self._next(self.pages[url])

    def _next(self, page: _Page) -> list[scrapy.Request]:
        host = urlsplit(page.url).netloc
        if host in self.stopped:
            page.done += [Probe(agent, ua, None) for agent, ua in page.todo]
            page.todo = []
        if not page.todo:
            self._finish(page)
            return []
        agent, user_agent = page.todo.pop(0)
        headers = {"User-Agent": user_agent, **contact_headers(self.spider.config.contact)}
        return [scrapy.Request(page.url, callback=self.spider.parse_probe, errback=self.spider.probe_failed,
                               headers=headers, priority=_PRIORITY, dont_filter=True,
                               meta={"noai_probe": (page.url, agent, user_agent), "dont_retry": True,
                                     "handle_httpstatus_list": _STATUSES})]

    def parse(self, response: Response) -> list[scrapy.Request]:
        url, agent, user_agent = response.meta["noai_probe"]
        return self._got(url, agent, user_agent, fetched_from(response, url))

    def failed(self, failure: Failure) -> list[scrapy.Request]:
        url, agent, user_agent = failure.request.meta["noai_probe"]  # type: ignore[attr-defined]
        if failure.check(RobotsForbidden):  # type: ignore[no-untyped-call]
            self.pages.pop(url, None)  # our own group disallows it: nothing more is sent, nothing recorded
            return []
        return self._got(url, agent, user_agent, failed_fetch(failure))

    def _got(self, url: str, agent: str, user_agent: str, fetched: Fetched) -> list[scrapy.Request]:
        page = self.pages.get(url)
        if page is None:
            return []
        page.done.append(Probe(agent, user_agent, fetched))
        host = urlsplit(url).netloc
        if fetched.status == 429 and host not in self.stopped:
            self.stopped[host] = f"{host} answered 429 (rate limited) to {agent}: probing stopped for this host"
            self._write([{"host": host, "stopped": self.stopped[host]}])
        return self._next(page)

    def _finish(self, page: _Page) -> None:
        """Judge one page's probes and append its lines to probes.jsonl."""
        del self.pages[page.url]
        baseline, probes = page.done[0], page.done[1:]
        rows, findings = judge_page_probes(page.url, baseline, probes)
        rows = with_declared(rows, self._declared(baseline))
        self._write([row.to_json() for row in rows] + [{"url": page.url, "finding": f.to_json()} for f in findings])

    def _write(self, lines: list[dict[str, Any]]) -> None:
        """Append whole lines and flush (a kill loses at most the page being written)."""
        out = self._out()
        if out is None:
            return
        out.write("".join(json.dumps(line, sort_keys=True, ensure_ascii=False) + "\n" for line in lines))
        out.flush()

    def _declared(self, baseline: Probe) -> dict[str, bool | None]:
        """Each probed agent's reservation on this URL, as the main crawl judges it (robots.txt, signals)."""
        tokens = [agent.token for agent in self.plan.agents]
        fetched = baseline.response
        site = self.spider.site(origin_of(fetched.final_url or fetched.url)) if fetched else None
        if fetched is None or site is None:
            return dict.fromkeys(tokens)
        judged = analyze(fetched, site, self.spider.registry.select(tokens))
        return {token: declared_from(v.robots_allowed, v.training) for token, v in judged.agents.items()}

    def _out(self) -> IO[str] | None:
        if self._file is None:
            records = self.spider.frontier.pipeline()
            if records is None:
                return None
            self._file = (records.out / PROBES_FILE).open("a", encoding="utf-8")
        return self._file

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        self._file = None
