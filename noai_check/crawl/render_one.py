"""`noai-check check URL --render`: the one page again in headless Chromium, read after its scripts ran.

The crawl renders through scrapy-playwright (rendering.py); a single check has no Scrapy engine, so
it drives the same Chromium with Playwright's own API, with the same arguments, the same User-Agent,
the same skipped resources and the same wait (network idle, bounded). The browser is closed on every
way out, an error or Ctrl-C included.
"""

from __future__ import annotations

from typing import Any

from noai_check.crawl.config import chromium_from_environment
from noai_check.crawl.rendering import (
    CHROMIUM_ARGS,
    SKIPPED_RESOURCES,
    failure_reason,
    find_chromium,
    render_problem,
)
from noai_check.crawl.settings import USER_AGENT
from noai_check.errors import NoaiCheckError
from noai_check.judge.botwall import unverifiable_reason
from noai_check.signals.response import Fetched, make_headers


def chromium_for_check() -> str:
    """The Chromium for ``--render`` (NOAI_CHROMIUM in the environment, else PATH), or a one-line NoaiCheckError."""
    setting = chromium_from_environment()
    found = find_chromium(setting)
    if found is None:
        problem = render_problem("sample", None, setting) or "no Chromium"
        raise NoaiCheckError(problem.replace("render=sample", "--render"))
    return found


def _skip(route: Any) -> None:
    if route.request.resource_type in SKIPPED_RESOURCES:
        route.abort()
    else:
        route.continue_()


def render_page(url: str, chromium: str, timeout: float) -> tuple[Fetched | None, str | None]:
    """(the rendered page as a Fetched, None) or (None, why its rendered view could not be read)."""
    from playwright.sync_api import Error, sync_playwright
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(user_agent=USER_AGENT)
            page.route("**/*", _skip)
            try:
                response = page.goto(url, wait_until="networkidle", timeout=timeout * 1000)
                html = page.content()
            except PlaywrightTimeout:
                return None, f"rendering did not settle within {timeout:g} s (network never idle)"
            except Error as error:  # a crashed renderer included ("Page crashed")
                return None, failure_reason(error, timeout)
            if response is None:
                return None, "rendering failed: no response"
            pairs = [(h["name"], h["value"]) for h in response.headers_array() if h["name"].lower() != "content-type"]
            fetched = Fetched(
                url=url, status=response.status, headers=make_headers([*pairs, ("Content-Type", "text/html; charset=utf-8")]),
                body=html.encode("utf-8"), final_url=page.url,
            )
        finally:
            browser.close()
    reason = unverifiable_reason(fetched)
    return (None, reason) if reason else (fetched, None)
