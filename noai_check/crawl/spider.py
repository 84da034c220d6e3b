"""The crawl shared by every platform: site files first, then a reproducible sample of pages.

Order of work, per origin: robots.txt, then tdmrep.json, ai.txt and llms.txt; only when
all four are read are that origin's pages fetched and judged (a verdict needs them).
Pages are chosen in waves: whenever the crawl goes idle, the next batch is taken from
the candidates found so far, lowest hash of (seed, URL) first, so the same site and
seed give the same sample however responses interleave. With JOBDIR, a resume (after Ctrl-C
or kill -9) reads the seed back, does discovery again, skips every page already recorded and
replays the links those pages showed, so it plans the same sample (see jobdir.py).
"""

from __future__ import annotations

import hashlib
import heapq
import json
import random
import re
from collections import deque
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import IO, Any, ClassVar
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, StopDownload
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread
from twisted.python.failure import Failure

from noai_check.crawl.jobdir import LINKS_FILE, cut_partial_line, load_run, read_links, save_run
from noai_check.crawl.pipelines import RecordsPipeline
from noai_check.crawl.records import evidence_record, now_iso, page_record
from noai_check.judge.botwall import unverifiable_reason
from noai_check.judge.page_judgement import analyze
from noai_check.judge.registry import Registry, load_registry
from noai_check.platforms.base import Platform, path_canonical
from noai_check.signals.response import Fetched, make_headers
from noai_check.signals.robots import MAX_PARSED_BYTES, RobotsTxt
from noai_check.signals.site_files import SITE_FILES, Site, build_site, origin_of, read_robots
from noai_check.signals.sitemaps import Sitemap, parse_sitemap

OWN_AGENT = "noai-check"
_SITE_FILE_MAX_REDIRECTS = 5  # RFC 9309 2.3.1.2: more than five redirects may be treated as unavailable
_PRIORITY = {"robots_txt": 100, "site_file": 90, "sitemap": 80, "seed": 70, "page": 0, "media": -10}
_HREF = re.compile(r"""<a\b[^>]*?\bhref\s*=\s*["']([^"'#]+)""", re.IGNORECASE)
_MEDIA_META = re.compile(
    r"""<meta\b[^>]*?(?:property|name)\s*=\s*["'](?:og:image|twitter:image)["'][^>]*>""", re.IGNORECASE
)
_IMAGE_WORD = re.compile(r":image", re.IGNORECASE)
_CONTENT_ATTR = re.compile(r"""\bcontent\s*=\s*["']([^"']+)""", re.IGNORECASE)
_IMG_SRC = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*["']([^"']+)""", re.IGNORECASE)


def canonical(url: str) -> str:
    """A content page's URL without query or fragment: ``/user?page=9`` is still ``/user``."""
    return path_canonical(url)


def fetched_from(response: Response, original_url: str | None = None, redirects: int = 0) -> Fetched:
    """Scrapy's response as the pure parsers' input (every header value kept)."""
    pairs = [
        (key.decode("latin-1"), value.decode("latin-1"))
        for key, values in response.headers.items()
        for value in values
    ]
    hops = len(response.request.meta.get("redirect_urls", [])) if response.request else 0
    return Fetched(
        url=original_url or response.url,
        status=response.status,
        headers=make_headers(pairs),
        body=response.body,
        redirects=redirects or hops,
        final_url=response.url,
    )


def failure_reason(failure: Failure) -> str:
    """One line for a failed request: timeout, DNS, refused, too large, too many redirects."""
    error = failure.value
    name = type(error).__name__
    text = str(error).strip() or name
    lowered = f"{name} {text}".lower()
    if "timeout" in lowered or "timed out" in lowered:
        return f"timeout: {text}"
    if "maxsize" in lowered or "max size" in lowered or "cancelled" in lowered:
        return f"too large: {text}"
    if "redirect" in lowered:
        return f"too many redirects: {text}"
    if "forbidden by robots.txt" in lowered:
        return text
    if name == "DNSLookupError" or "dns lookup failed" in lowered:
        host = urlsplit(failure.request.url).hostname if getattr(failure, "request", None) else None  # type: ignore[attr-defined]
        return f"host does not resolve: {host or text}"
    return f"{name}: {text}"


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


def failed_fetch(failure: Failure) -> Fetched:
    """A request that got no response. After redirects, ``failure.request`` is the last hop: the
    outcome stays under the URL asked for, with the last hop as ``final_url``."""
    request = failure.request  # type: ignore[attr-defined]
    hops = request.meta.get("redirect_urls") or []
    asked = hops[0] if hops else request.url
    return Fetched(asked, None, error=failure_reason(failure), redirects=len(hops), final_url=request.url)


class PlatformSpider(scrapy.Spider):
    """Samples one platform's pages and judges each for every AI agent. Subclasses set ``platform``."""

    platform: Platform
    custom_settings: ClassVar[dict[str, Any]] = {}

    def __init__(
        self,
        base_url: str | None = None,
        max_pages: str | int = 200,
        profiles: str = "",
        seed: str | None = None,
        media_hosts: str = "",
        content_hosts: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        problem = PlatformSpider.argument_problem(base_url=base_url, max_pages=max_pages)  # a subclass checks its own
        if problem:
            raise ValueError(problem)
        self.base_url = (base_url or self.platform.base_url).rstrip("/")
        self.origin = origin_of(self.base_url)
        self.max_pages = int(max_pages)
        self.profiles = [p.strip().strip("/") for p in profiles.split(",") if p.strip()]
        self.seed_given = seed not in (None, "")
        self.seed = seed if seed not in (None, "") else str(random.SystemRandom().randrange(10**9))
        self.extra_media_hosts = tuple(h.strip().lower() for h in media_hosts.split(",") if h.strip())
        # More hosts whose pages are the platform's (a replica's Bandcamp artist hosts, one port each).
        self.content_hosts = tuple(h.strip().lower() for h in content_hosts.split(",") if h.strip())
        self.seed_urls: list[str] = []  # pages fetched for discovery besides the platform's seed paths
        self._state: dict[str, Any] = {}
        self.started_at = now_iso()
        self.resumed = False  # a JOBDIR crawl that ran before: its records stand, its pages are skipped
        self._links_journal: dict[str, dict[str, list[str]]] = {}  # recorded page -> links and media it showed
        self._links_out: IO[str] | None = None
        self._sites: dict[str, Site] = {}
        self._records: RecordsPipeline | bool | None = None  # found on first use; False: not enabled
        self._own_robots: dict[str, RobotsTxt] = {}
        self.registry: Registry = load_registry()

    @classmethod
    def argument_problem(cls, base_url: str | None = None, max_pages: str | int = 200, **_: Any) -> str | None:
        """A one-line message for a bad spider argument, or None (used by `scrapy crawl` before starting)."""
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
        agents_file = crawler.settings.get("NOAI_AGENTS_FILE")
        if agents_file:
            spider.registry = load_registry(agents_file)
        crawler.signals.connect(spider._on_idle, signal=signals.spider_idle)
        crawler.signals.connect(spider._robots_headers_received, signal=signals.headers_received)
        crawler.signals.connect(spider._robots_bytes_received, signal=signals.bytes_received)
        jobdir = crawler.settings.get("JOBDIR")
        if jobdir:
            spider._open_jobdir(Path(jobdir))
        return spider

    # -- robots.txt: read up to 500 KiB, whatever its size -------------------------------

    def _robots_headers_received(self, headers: Any, body_length: int, request: scrapy.Request, spider: Any) -> None:
        """Let DOWNLOAD_MAXSIZE not cancel a big robots.txt: RFC 9309 2.5 has it parsed up to 500 KiB.

        Only for an uncompressed body, whose download ``_robots_bytes_received`` stops just past
        the limit; a compressed one keeps DOWNLOAD_MAXSIZE, which also bounds its decompression.
        """
        if request.meta.get("noai_site_file") != "robots_txt":
            return
        request.meta["noai_bytes_received"] = 0  # a retried request starts counting afresh
        encoding = (headers.get(b"Content-Encoding") or b"identity").strip().lower()
        for key in ("download_maxsize", "download_warnsize"):
            if encoding == b"identity":
                request.meta[key] = 0
            else:
                request.meta.pop(key, None)

    def _robots_bytes_received(self, data: bytes, request: scrapy.Request, spider: Any) -> None:
        """Stop a robots.txt download once past the parse limit: the rest would be ignored anyway."""
        if request.meta.get("noai_site_file") != "robots_txt":
            return
        received = request.meta.get("noai_bytes_received", 0) + len(data)
        request.meta["noai_bytes_received"] = received
        if received > MAX_PARSED_BYTES:
            raise StopDownload(fail=False)

    def _open_jobdir(self, jobdir: Path) -> None:
        """Take the first run's seed if this job ran before (however it ended), else write it down."""
        run = load_run(jobdir)
        if run is None:
            save_run(jobdir, {"spider": self.name, "seed": self.seed, "started_at": self.started_at})
        else:
            self.resumed = True
            if self.seed_given and self.seed != run["seed"]:
                self.logger.warning("resuming %s: its first seed %s is kept (seed=%s ignored)", jobdir, run["seed"], self.seed)
            self.seed, self.started_at = run["seed"], run.get("started_at") or self.started_at
            self.logger.info("resuming %s: pages already recorded are skipped", jobdir)
            cut_partial_line(jobdir / LINKS_FILE)
            self._links_journal = read_links(jobdir / LINKS_FILE)
        self._links_out = (jobdir / LINKS_FILE).open("a", encoding="utf-8")
        self.crawler.signals.connect(self._close_jobdir, signal=signals.spider_closed)

    def _close_jobdir(self) -> None:
        if self._links_out is not None:
            self._links_out.close()

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
        state.setdefault("candidates", {})  # page type -> {url: rank}
        state.setdefault("scheduled", {})  # page type -> count
        state.setdefault("seen", set())  # canonical URLs already scheduled
        state.setdefault("waiting", {})  # media origin -> [(url, referer)] until its site files are read
        state.setdefault("waiting_pages", {})  # other page origin -> [(url, page type)], likewise
        state.setdefault("fatal", None)  # why nothing on the site can be read (its host does not resolve)
        state.setdefault("plan", deque())  # (url, page type) chosen for the sample, not yet requested
        state.setdefault("media_count", 0)
        state.setdefault("discovery_started", False)

    def site(self, origin: str) -> Site | None:
        """The read site files of an origin, rebuilt from state after a resume."""
        if origin not in self._sites and len(self.state["site_files"].get(origin, {})) == len(SITE_FILES):
            # robots.txt was already read for noai-check's own obedience: one parse per origin.
            files = self.state["site_files"][origin]
            self._sites[origin] = build_site(origin, files, self._own_robots_txt(origin, files["robots_txt"]))
        return self._sites.get(origin)

    def own_robots_allows(self, url: str) -> bool | None:
        """May noai-check itself fetch ``url``? None until that origin's robots.txt is read."""
        origin = origin_of(url)
        fetched = self.state["site_files"].get(origin, {}).get("robots_txt")
        if fetched is None:
            return None
        return self._own_robots_txt(origin, fetched).verdict(url, OWN_AGENT).allowed

    def _own_robots_txt(self, origin: str, fetched: Fetched) -> RobotsTxt:
        """The origin's robots.txt, read once and kept (its Site uses the same reading)."""
        robots = self._own_robots.get(origin)
        if robots is None:
            robots = self._own_robots[origin] = read_robots(fetched)
        return robots

    # -- start: site files ---------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for request in self._site_file_requests(self.origin, ("robots_txt",)):
            yield request

    def _site_file_requests(self, origin: str, keys: tuple[str, ...]) -> Iterator[scrapy.Request]:
        for key in keys:
            yield self._site_file_request(origin, key, origin + SITE_FILES[key], hops=0)

    def _site_file_request(self, origin: str, key: str, url: str, hops: int) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_site_file,
            errback=self.site_file_failed,
            priority=_PRIORITY["robots_txt" if key == "robots_txt" else "site_file"],
            dont_filter=True,
            meta={
                "noai_site_file": key, "noai_origin": origin, "noai_hops": hops, "noai_first_url": origin + SITE_FILES[key],
                "dont_redirect": True, "handle_httpstatus_all": True, "dont_retry": key != "robots_txt",
            },
        )

    def parse_site_file(self, response: Response) -> Iterator[Any]:
        meta = response.meta
        key, origin, hops = meta["noai_site_file"], meta["noai_origin"], meta["noai_hops"]
        location = response.headers.get(b"Location")
        if 300 <= response.status < 400 and location:
            target = urljoin(response.url, location.decode("latin-1"))
            if hops + 1 > _SITE_FILE_MAX_REDIRECTS:
                fetched = Fetched(meta["noai_first_url"], None, error=f"more than {_SITE_FILE_MAX_REDIRECTS} redirects", redirects=hops + 1, final_url=target)
                yield from self._site_file_done(origin, key, fetched)
                return
            request = self._site_file_request(origin, key, target, hops + 1)
            request.meta["noai_first_url"] = meta["noai_first_url"]
            yield request
            return
        fetched = fetched_from(response, meta["noai_first_url"], hops)
        if "download_stopped" in response.flags:
            note = (
                f"download stopped after {len(fetched.body)} bytes: robots.txt is parsed only up to "
                f"{MAX_PARSED_BYTES} bytes (RFC 9309 2.5), so the stored copy and its sha256 cover that part"
            )
            fetched = replace(fetched, error=note)
        yield from self._site_file_done(origin, key, fetched)

    def site_file_failed(self, failure: Failure) -> Iterator[Any]:
        meta = failure.request.meta  # type: ignore[attr-defined]
        fetched = Fetched(meta["noai_first_url"], None, error=failure_reason(failure), redirects=meta["noai_hops"])
        yield from self._site_file_done(meta["noai_origin"], meta["noai_site_file"], fetched)

    def _site_file_done(self, origin: str, key: str, fetched: Fetched) -> Iterator[Any]:
        files = self.state["site_files"].setdefault(origin, {})
        files[key] = fetched
        if key == "robots_txt" and origin == self.origin and (fetched.error or "").startswith("host does not resolve"):
            self.state["fatal"] = fetched.error
            self.logger.error("cannot audit %s: %s; every page is reported unverifiable", origin, fetched.error)
        if key == "robots_txt":
            yield from self._site_file_requests(origin, tuple(k for k in SITE_FILES if k != "robots_txt"))
            return
        site = self.site(origin)
        if site is None:
            return
        yield {"_kind": "site", "origin": origin, "site": site, "fetched": dict(files)}
        if origin == self.origin and not self.state["discovery_started"]:
            self.state["discovery_started"] = True
            yield from self._discovery_requests(site)
        for url, referer in self.state["waiting"].pop(origin, []):
            yield from self._fetch(self._media_request(url, referer))
        for url, page_type in self.state["waiting_pages"].pop(origin, []):
            yield from self._fetch(self._page_request(url, page_type, None))

    # -- discovery ----------------------------------------------------------------------

    def _discovery_requests(self, site: Site) -> Iterator[scrapy.Request]:
        for sitemap in site.robots.sitemaps:
            if origin_of(sitemap) == self.origin:
                yield self._sitemap_request(sitemap)
            else:
                self.logger.info("sitemap on another host, not followed: %s", sitemap)
        for path in self.platform.seed_paths:
            request = self._page_request(self.base_url + path, "other", None, priority=_PRIORITY["seed"])
            request.meta["noai_seed"] = True
            yield from self._fetch(request)
        for url in self.seed_urls:  # asked for by name: always fetched, as its own page type
            page_type = self.platform.classify(url, self.base_url, self.content_hosts) or "other"
            if page_type in self.platform.page_types:
                url = self.platform.canonicalize(url)
                self.state["seen"].add(url)
                self._count_scheduled(page_type)
            else:
                page_type = "other"
            request = self._page_request(url, page_type, None, priority=_PRIORITY["seed"])
            request.meta["noai_seed"] = True
            yield from self._fetch(request)
        for path in self.platform.terms_paths:
            if self._is_recorded("terms", self.base_url + path):
                continue
            yield scrapy.Request(
                self.base_url + path, callback=self.parse_terms, errback=self.terms_failed, priority=_PRIORITY["seed"],
                meta={"handle_httpstatus_list": list(range(400, 600))},
            )
        for user in self.profiles:
            where = self.platform.profile_url
            url = self.platform.canonicalize(where(self.base_url, user) if where else self.base_url + self.platform.profile_path(user))
            self.state["seen"].add(url)
            self._count_scheduled(self.platform.profile_type)
            yield from self._fetch(self._page_request(url, self.platform.profile_type, None, priority=_PRIORITY["seed"]))

    def _sitemap_request(self, url: str) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_sitemap, errback=self.discovery_failed, priority=_PRIORITY["sitemap"])

    async def parse_sitemap(self, response: Response) -> list[scrapy.Request]:
        """Read a sitemap in a thread: a 50 MB one takes seconds, and the crawl must not stall meanwhile
        (a stalled reactor times out the downloads in flight). Scrapy holds the crawl's idle until this
        returns, so the first wave still waits for every sitemap: the sample depends on the URLs found,
        never on how fast they were parsed."""
        read = await maybe_deferred_to_future(deferToThread(self._read_sitemap, response.body))
        sitemap, kept, ignored = read
        self.crawler.stats.inc_value("noai/sitemaps")
        if sitemap.kind == "invalid":
            self.crawler.stats.inc_value("noai/sitemaps_invalid")
            self.logger.warning("sitemap %s unreadable: %s", response.url, sitemap.problem)
            return []
        if sitemap.kind == "index":
            limit = int(self.crawler.settings.getint("NOAI_MAX_SITEMAPS", 20))
            children = sorted((loc for loc in sitemap.locs if origin_of(loc) == self.origin), key=self._rank)
            return [self._sitemap_request(loc) for loc in children[:limit]]
        for stat, count in ignored.items():
            self.crawler.stats.inc_value(stat, count)
        for page_type, ranked in kept.items():
            self._add_ranked(page_type, ranked)
        return []

    def _read_sitemap(self, body: bytes) -> tuple[Sitemap, dict[str, list[tuple[str, str]]], dict[str, int]]:
        """(the sitemap, its lowest-ranked candidates per page type, counts of ignored URLs); in a thread.

        Only pure work here (parsing, classifying, hashing): the crawl's state is changed by the caller.
        A page type keeps its ``pool limit`` lowest ranks, as ``_add_candidate`` would."""
        sitemap = parse_sitemap(body)
        found: dict[str, dict[str, str]] = {}  # page type -> {url: rank}
        ignored: dict[str, int] = {}
        if sitemap.kind != "urlset":
            return sitemap, {}, ignored
        for loc in sitemap.locs:
            page_type = self.platform.classify(loc, self.base_url, self.content_hosts)
            if page_type is None or page_type not in self.platform.page_types:
                stat = "noai/ignored_offsite/sitemap" if page_type is None else f"noai/ignored_{page_type}"
                ignored[stat] = ignored.get(stat, 0) + 1
                continue
            url = self.platform.canonicalize(loc)
            found.setdefault(page_type, {})[url] = self._rank(url)
        # heapq, not sorted(): one sort of 500,000 pairs is a single C call that holds the GIL
        # for seconds, and the crawl's thread would stand still meanwhile.
        limit = 2 * self._pool_limit()
        kept = {t: heapq.nsmallest(limit, ((rank, url) for url, rank in pool.items())) for t, pool in found.items()}
        return sitemap, kept, ignored

    def _add_ranked(self, page_type: str, ranked: list[tuple[str, str]]) -> None:
        """Candidates already classified, canonical and ranked (by ``_read_sitemap``)."""
        seen = self.state["seen"]
        pool = self.state["candidates"].setdefault(page_type, {})
        for rank, url in ranked:
            if url not in seen:
                pool[url] = rank
        self._trim_pool(page_type)

    def discovery_failed(self, failure: Failure) -> None:
        self.crawler.stats.inc_value("noai/discovery_failed")
        self.logger.warning("could not fetch %s: %s", failure.request.url, failure_reason(failure))  # type: ignore[attr-defined]

    def _rank(self, url: str) -> str:
        return hashlib.sha1(f"{self.seed}\n{url}".encode()).hexdigest()

    def _add_candidate(self, url: str, source: str) -> None:
        page_type = self._content_type(url, source)
        if page_type is not None:
            self._add_typed(url, page_type)

    def _content_type(self, url: str, source: str) -> str | None:
        """The URL's content page type, or None (counted as ignored)."""
        page_type = self.platform.classify(url, self.base_url, self.content_hosts)
        if page_type is None:
            self.crawler.stats.inc_value(f"noai/ignored_offsite/{source}")
            return None
        if page_type not in self.platform.page_types:
            self.crawler.stats.inc_value(f"noai/ignored_{page_type}")
            return None
        return page_type

    def _add_typed(self, url: str, page_type: str) -> None:
        url = self.platform.canonicalize(url)
        if url in self.state["seen"]:
            return
        pool = self.state["candidates"].setdefault(page_type, {})
        pool[url] = self._rank(url)
        self._trim_pool(page_type)

    def _pool_limit(self) -> int:
        return max(1000, 10 * self.max_pages)

    def _trim_pool(self, page_type: str) -> None:
        """Keep the lowest ranks only: bounded memory, same sample (a wave takes at most max_pages)."""
        pool = self.state["candidates"][page_type]
        limit = self._pool_limit()
        if len(pool) > 2 * limit:
            keep = sorted(pool.items(), key=lambda item: item[1])[:limit]
            self.state["candidates"][page_type] = dict(keep)

    def _count_scheduled(self, page_type: str) -> None:
        self.state["scheduled"][page_type] = self.state["scheduled"].get(page_type, 0) + 1

    def _content_scheduled(self) -> int:
        return sum(self.state["scheduled"].get(t, 0) for t in self.platform.page_types)

    def next_wave(self) -> list[tuple[str, str]]:
        """The next (url, page type) batch: remaining budget split by weight, lowest ranks first."""
        budget = self.max_pages - self._content_scheduled()
        pools = {t: self.state["candidates"].get(t, {}) for t in self.platform.page_types}
        wave: list[tuple[str, str]] = []
        while budget > 0 and any(pools.values()):
            live = [t for t in self.platform.page_types if pools[t]]
            total = sum(self.platform.sample_weights.get(t, 1.0) for t in live)
            shares = {t: max(1, int(budget * self.platform.sample_weights.get(t, 1.0) / total)) for t in live}
            for page_type in live:  # priority order: tracks and profiles first
                take = min(shares[page_type], budget, len(pools[page_type]))
                chosen = sorted(pools[page_type].items(), key=lambda item: item[1])[:take]
                for url, _ in chosen:
                    del pools[page_type][url]
                    wave.append((url, page_type))
                budget -= take
                if budget <= 0:
                    break
        return wave

    def _on_idle(self, spider: scrapy.Spider) -> None:
        while True:
            wave = self.next_wave()
            for url, page_type in wave:
                self.state["seen"].add(url)
                self._count_scheduled(page_type)
                self.state["plan"].append((url, page_type))
            released = self._release(2 * self.crawler.settings.getint("CONCURRENT_REQUESTS", 16))
            # A wave whose pages were all recorded before a resume fetches nothing, but replaying
            # their links may give the next wave, just as fetching them did the first time.
            if released or not wave:
                break
        for request in released:
            self.crawler.engine.crawl(request)
        if released or self.state["plan"]:
            raise DontCloseSpider

    def _release(self, count: int) -> list[scrapy.Request]:
        """Turn up to ``count`` planned pages into requests. The plan is fed to Scrapy a little at a
        time (one more per finished page), so 20,000 planned pages are 20,000 small tuples, not
        20,000 queued requests: memory stays flat whatever max_pages is."""
        requests: list[scrapy.Request] = []
        plan = self.state["plan"]
        pages = 0
        while plan and pages < count:
            url, page_type = plan.popleft()
            origin = origin_of(url)
            if origin == self.origin or self.site(origin) is not None:
                if self._is_recorded("page", url):
                    self.crawler.stats.inc_value("noai/resume_skipped")
                    requests.extend(self._replay(url))  # skipped, so it does not count
                else:
                    requests.append(self._page_request(url, page_type, None))
                    pages += 1
                continue
            # A page on another of the platform's hosts: that host's site files first.
            first = not any(origin in self.state[key] for key in ("waiting_pages", "waiting", "site_files"))
            self.state["waiting_pages"].setdefault(origin, []).append((url, page_type))
            if first:
                requests.extend(self._site_file_requests(origin, ("robots_txt",)))
                pages += 1
        return requests

    # -- resume: pages recorded before are skipped, their links replayed -------------------

    def _pipeline(self) -> RecordsPipeline | None:
        if self._records is None:
            self._records = self.crawler.get_item_pipeline(RecordsPipeline) or False
        return self._records or None

    def _is_recorded(self, kind: str, url: str) -> bool:
        records = self._pipeline()
        return records is not None and records.is_recorded(kind, url)

    def _fetch(self, request: scrapy.Request) -> Iterator[scrapy.Request]:
        """The request, unless its page already has a record (a resume): then what that page led to."""
        kind = "media" if request.meta.get("noai_page_type") == "media" else "page"
        if self._is_recorded(kind, request.url):
            self.crawler.stats.inc_value("noai/resume_skipped")
            yield from self._replay(request.url)
        else:
            yield request

    def _replay(self, url: str) -> Iterator[scrapy.Request]:
        """A recorded page's links and media, as if it had just been fetched again."""
        entry = self._links_journal.pop(url, None)
        if entry is None:
            return
        for link in entry["links"]:
            self._add_candidate(link, "links")
        yield from self._queue_media(entry["media"], url)

    def _journal(self, url: str, links: list[str], media: list[str]) -> None:
        """Write down what a page led to before its record (JOBDIR only): a resume replays it."""
        if self._links_out is not None and (links or media):
            self._links_out.write(json.dumps({"url": url, "links": links, "media": media}, ensure_ascii=False) + "\n")
            self._links_out.flush()

    # -- pages ----------------------------------------------------------------------

    def _page_request(self, url: str, page_type: str, referer: str | None, priority: int = 0) -> scrapy.Request:
        # dont_filter: the sample is deduplicated by state["seen"]; Scrapy's filter would drop a
        # redirect loop's second hop silently, and a page must never vanish without a record.
        return scrapy.Request(
            url,
            callback=self.parse_page,
            errback=self.page_failed,
            priority=priority,
            dont_filter=True,
            meta={"noai_page_type": page_type, "handle_httpstatus_list": list(range(400, 600))},
            headers={"Referer": referer} if referer else None,
        )

    def parse_page(self, response: Response) -> Iterator[Any]:
        page_type = response.meta["noai_page_type"]
        # The URL asked for, not where redirects landed (that is final_url).
        asked = (response.meta.get("redirect_urls") or [response.request.url if response.request else response.url])[0]
        fetched = fetched_from(response, asked)
        reason = unverifiable_reason(fetched)
        landed = origin_of(response.url)
        if landed != origin_of(fetched.url) and self.site(landed) is None:
            # Another origin has its own robots.txt and site files, unread: the page cannot be judged.
            other = "host" if urlsplit(landed).netloc != urlsplit(fetched.url).netloc.lower() else "origin"
            reason = f"redirected to another {other}: {landed}"
            if response.meta.get("noai_seed"):
                self.logger.error(
                    "%s redirects to another %s (%s); noai-check audits only the %s it was given: give it that URL",
                    fetched.url, other, response.url, other,
                )
        readable = reason is None and hasattr(response, "text")
        links = self._content_links(response) if readable and page_type in self.platform.follow_links_from else []
        media = self._media_found(response) if readable and page_type != "media" else []
        self._journal(fetched.url, [url for url, _ in links], media)
        yield from self._emit(self._judged(fetched, page_type, reason))
        for url, link_type in links:
            self._add_typed(url, link_type)
        yield from self._queue_media(media, response.url)
        yield from self._release(1)

    def _content_links(self, response: Response) -> list[tuple[str, str]]:
        """(URL, page type) of the page's links to content pages (the rest are counted and dropped)."""
        links = []
        for href in _HREF.findall(response.text):
            url = urljoin(response.url, href.strip())
            page_type = self._content_type(url, "links")
            if page_type is not None:
                links.append((url, page_type))
        return links

    def page_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request  # type: ignore[attr-defined]
        fetched = failed_fetch(failure)
        yield from self._emit(self._judged(fetched, request.meta.get("noai_page_type", "other"), fetched.error))
        yield from self._release(1)

    def _emit(self, item: dict[str, Any]) -> list[dict[str, Any]]:
        """Write a page's record at once through the RecordsPipeline (skipping Scrapy's item path,
        which costs as much as fetching the page); without that pipeline, hand Scrapy the item."""
        records = self._pipeline()
        if records is None:
            return [item]
        records.write_judged(item["_kind"], item["record"], item["evidence"])
        return []

    def _judged(self, fetched: Fetched, page_type: str, reason: str | None) -> dict[str, Any]:
        """The item for one page or media response: its record and its evidence."""
        site = self.site(origin_of(fetched.final_url or fetched.url))
        if self.state.get("fatal"):
            reason, site = self.state["fatal"], None
        if site is None:
            reason = reason or "site files of this host were not read"
        analysis = analyze(fetched, site, self.registry, page_readable=reason is None) if site else None
        record = page_record(
            url=fetched.url, page_type=page_type, response=fetched, analysis=analysis,
            unverifiable_reason=reason, fetched_at=now_iso(),
        )
        if page_type == "media" and site is not None:
            record["ai_txt"] = site.ai_txt.allows(fetched.url).allowed
        kind = "media" if page_type == "media" else "page"
        return {"_kind": kind, "record": record, "evidence": evidence_record(fetched.url, fetched, analysis)}

    # -- terms of service (watched for silent changes) -----------------------------------------

    def parse_terms(self, response: Response) -> Iterator[dict[str, Any]]:
        fetched = fetched_from(response, response.request.url if response.request else None)
        reason = unverifiable_reason(fetched)
        yield self._terms_item(fetched, reason, response.text if reason is None and hasattr(response, "text") else None)

    def terms_failed(self, failure: Failure) -> Iterator[dict[str, Any]]:
        fetched = failed_fetch(failure)
        yield self._terms_item(fetched, fetched.error, None)

    def _terms_item(self, fetched: Fetched, reason: str | None, html: str | None) -> dict[str, Any]:
        """A terms page as fetched; one that failed is "unknown", never "every clause removed"."""
        return {"_kind": "terms", "record": {
            "url": fetched.url, "final_url": fetched.final_url or fetched.url, "status": fetched.status,
            "verifiable": reason is None and html is not None, "unverifiable_reason": reason,
            "sha256": hashlib.sha256(fetched.body).hexdigest() if fetched.status is not None else None,
            "fetched_at": now_iso(), "html": html,
        }}

    # -- media ------------------------------------------------------------------------

    def _media_found(self, response: Response) -> list[str]:
        """The page's images on the platform's media hosts, in page order."""
        text = response.text
        # The meta scan is the slow one; most pages name their image as og:image or twitter:image.
        metas = _MEDIA_META.findall(text) if _IMAGE_WORD.search(text) else []
        found = [m for tag in metas for m in _CONTENT_ATTR.findall(tag)] + _IMG_SRC.findall(text)[:3]
        media = []
        for url in dict.fromkeys(urljoin(response.url, u.strip()) for u in found):
            parts = urlsplit(url)
            if parts.scheme in ("http", "https") and self.platform.is_media_host(parts.netloc, self.extra_media_hosts):
                media.append(url)
        return media

    def _queue_media(self, media: list[str], referer: str) -> Iterator[scrapy.Request]:
        limit = self.crawler.settings.getint("NOAI_MAX_MEDIA", self.max_pages)
        for url in media:
            if url in self.state["seen"] or self.state["media_count"] >= limit:
                continue
            self.state["seen"].add(url)
            self.state["media_count"] += 1
            origin = origin_of(url)
            if self.site(origin) is not None:
                yield from self._fetch(self._media_request(url, referer))
            else:
                first = origin not in self.state["waiting"] and origin not in self.state["site_files"]
                self.state["waiting"].setdefault(origin, []).append((url, referer))
                if first:
                    yield from self._site_file_requests(origin, ("robots_txt",))

    def _media_request(self, url: str, referer: str) -> scrapy.Request:
        """HEAD is enough: media signals live in headers (DeviantArt sends noai only there)."""
        return self._page_request(url, "media", referer, priority=_PRIORITY["media"]).replace(method="HEAD")
