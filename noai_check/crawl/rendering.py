"""Raw HTML vs rendered page: the same page seen again in headless Chromium, after its scripts ran.

Only with ``-a render=sample|all``: then, and only then, scrapy-playwright's download handler is
installed (``enable``), and only render requests carry ``meta["playwright"]``; the raw fetch stays
Scrapy's own, and a ``render=never`` crawl loads nothing of it. A page is rendered only after its raw
fetch was read (a bot wall in the raw fetch is never put to a browser), under the same politeness
(our robots.txt middleware, the same download slot and delay). Its record waits for the rendered
view: the rendered HTML goes through the same analysis as the raw one, the two are compared
(signals/rendered.py), and a view that crashed, never settled or showed a wall is unverifiable
with its reason. Verdicts stay on the raw HTML: that is what a training crawler that does not run
JavaScript receives.
"""

from __future__ import annotations

import logging
import shutil
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from noai_check.crawl.outcomes import fetched_from
from noai_check.judge.botwall import unverifiable_reason
from noai_check.judge.page_judgement import analyze
from noai_check.signals.rendered import compare_views
from noai_check.signals.site_files import origin_of

if TYPE_CHECKING:
    from noai_check.crawl.spider import PlatformSpider

RENDER_MODES = ("never", "sample", "all")
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
# Debian's Chromium on a closed network: no sandbox (root in CI), and none of its own background
# connections (they would only be refused and slow every launch).
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
HANDLER = "noai_check.crawl.render_handler.RenderHandler"  # scrapy-playwright's, a crash not retried
CONTEXT = "noai-render"
MAX_PAGES_PER_CONTEXT = 4
# Kinds of subresource a browser would fetch that change no signal: not fetched, to spare the site.
SKIPPED_RESOURCES = frozenset({"image", "media", "font", "stylesheet"})
RENDERED_KEYS = ("noai", "noimageai", "agent_directives", "tdm_reservation", "directives")


def find_chromium(setting: str | None) -> str | None:
    """The Chromium to drive: NOAI_CHROMIUM (a path or a name on PATH), else the first usual name on PATH."""
    for name in (setting,) if setting else CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def render_problem(
    render: str | None, render_sample: str | int | None, chromium: str | None, *, need_chromium: bool = True,
) -> str | None:
    """The one-line problem with the render arguments (and, when ``need_chromium``, the missing
    Chromium they need), or None; checked before any request."""
    mode = render or "never"
    if mode not in RENDER_MODES:
        return f"render must be one of {', '.join(RENDER_MODES)}, got {render!r}"
    try:
        if render_sample is not None and int(render_sample) < 1:
            raise ValueError
    except (TypeError, ValueError):
        return f"render_sample must be a positive whole number, got {render_sample!r}"
    if need_chromium and mode != "never" and find_chromium(chromium) is None:
        asked = f"NOAI_CHROMIUM={chromium!r} is not an executable" if chromium else "no Chromium on PATH"
        return (f"render={mode} needs Chromium: {asked}; install Debian's package `chromium` "
                "(apt-get install chromium) or set NOAI_CHROMIUM to its path")
    return None


def skip_resource(request: Any) -> bool:
    """PLAYWRIGHT_ABORT_REQUEST: images, media, fonts and stylesheets are never fetched by the browser."""
    return bool(request.resource_type in SKIPPED_RESOURCES)


class _NoTraceback(logging.Filter):
    """scrapy-playwright logs a page that failed (one that never settled, say) with its traceback; that is
    an outcome the record states ("rendering did not settle..."), not a bug: its one warning line is kept."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info, record.exc_text = None, None
        return True


def enable(settings: Any, chromium: str, timeout: float) -> None:
    """Install scrapy-playwright's handler, driving ``chromium``, with bounded contexts and pages."""
    logging.getLogger("scrapy-playwright").addFilter(_NoTraceback())
    handlers = dict(settings.getdict("DOWNLOAD_HANDLERS"))
    handlers.update({"http": HANDLER, "https": HANDLER})
    values = {
        "DOWNLOAD_HANDLERS": handlers,
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {"executable_path": chromium, "args": CHROMIUM_ARGS, "headless": True},
        "PLAYWRIGHT_MAX_CONTEXTS": 1,
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": MAX_PAGES_PER_CONTEXT,
        "PLAYWRIGHT_ABORT_REQUEST": skip_resource,
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": timeout * 1000,
    }
    for name, value in values.items():
        settings.set(name, value, priority="spider")


def failure_reason(error: BaseException | None, timeout: float) -> str:
    """Why the rendered view could not be read, in one line (a crawl's render or `check --render`).
    Playwright says "Page crashed" / "Target crashed" when the renderer process died under the page."""
    name = type(error).__name__
    first = (str(error).strip().splitlines() or [""])[0][:200]
    if name == "TimeoutError" or "Timeout" in first:
        return f"rendering did not settle within {timeout:g} s (network never idle)"
    if "crash" in first.lower():
        return f"the renderer crashed while loading the page ({first})"
    return f"rendering failed: {name}: {first}" if first else f"rendering failed: {name}"


class Rendering:
    """Chooses the pages to render, asks Chromium for them and adds the rendered view to their record."""

    def __init__(self, spider: PlatformSpider, mode: str = "never", per_type: int = 10) -> None:
        self.spider = spider
        self.mode = mode
        self.per_type = per_type
        self.counts: dict[str, int] = {}

    def wanted(self, page_type: str) -> bool:
        """Render this page? ``sample``: the first ``per_type`` read pages of each type; ``all``: every content page."""
        if self.mode == "never" or page_type == "media":
            return False
        if self.mode == "sample" and self.counts.get(page_type, 0) >= self.per_type:
            return False
        self.counts[page_type] = self.counts.get(page_type, 0) + 1
        return True

    def request(self, item: dict[str, Any], url: str, page_type: str) -> scrapy.Request:
        """The render request for a page whose raw view is ``item``; its record is written when it returns."""
        timeout = self.spider.config.render_timeout
        return scrapy.Request(
            url, callback=self.parse, errback=self.failed, dont_filter=True, priority=-5,
            cb_kwargs={"item": item}, meta={
                "playwright": True, "playwright_context": CONTEXT, "noai_page_type": page_type,
                "playwright_page_goto_kwargs": {"wait_until": "networkidle", "timeout": timeout * 1000},
                "download_timeout": timeout + 15, "handle_httpstatus_list": list(range(400, 600)),
            },
        )

    def parse(self, response: Response, item: dict[str, Any]) -> list[dict[str, Any]]:
        fetched = fetched_from(response, item["record"]["url"])
        reason = unverifiable_reason(fetched)
        site = self.spider.site(origin_of(item["record"]["final_url"]))
        if reason is None and site is not None:
            analysis = analyze(fetched, site, self.spider.registry, page_readable=True)
            page = analysis.page_json() or {}
            view: dict[str, Any] = {"verifiable": True, "unverifiable_reason": None}
            view.update({key: page.get(key) for key in RENDERED_KEYS})
            if item["_page"] is not None and analysis.page is not None:
                findings = compare_views(item["_page"], analysis.page)
                item["record"]["findings"] = item["record"]["findings"] + [f.to_json() for f in findings]
            return self._done(item, view)
        return self._done(item, self._unverifiable(reason or "site files of this host were not read"))

    def failed(self, failure: Failure) -> list[dict[str, Any]]:
        item = failure.request.cb_kwargs["item"]  # type: ignore[attr-defined]
        return self._done(item, self._unverifiable(failure_reason(failure.value, self.spider.config.render_timeout)))

    def _unverifiable(self, reason: str) -> dict[str, Any]:
        return {"verifiable": False, "unverifiable_reason": reason, **dict.fromkeys(RENDERED_KEYS)}

    def _done(self, item: dict[str, Any], view: dict[str, Any]) -> list[dict[str, Any]]:
        self.spider.crawler.stats.inc_value("noai/rendered" if view["verifiable"] else "noai/render_unverifiable")
        item["record"]["rendered"] = view
        return self.spider.judging.emit(item)
