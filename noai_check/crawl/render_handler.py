"""scrapy-playwright's download handler, except that a page whose renderer crashed is not loaded again.

scrapy-playwright answers a "Target closed" error (a crashed renderer among them: "Page crashed") by
loading the page again, up to 3 more times, and 0.0.48 reads no setting for it. A page that crashes
Chromium does so each time, and each try is one more visit to the site for nothing; so the crash is
the outcome, stated in the record ("the renderer crashed ..."; rendering.failure_reason). Imported
only through DOWNLOAD_HANDLERS when rendering is asked for (rendering.enable): a ``render=never``
crawl never loads it.
"""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler  # type: ignore[import-untyped]


class RenderHandler(ScrapyPlaywrightDownloadHandler):  # type: ignore[misc]
    """The plugin's handler with no retry of a page whose target (its renderer) closed under it."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.config.target_closed_max_retries = 0
