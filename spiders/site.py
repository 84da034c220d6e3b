"""`scrapy crawl site -a url=https://example.com`: audit any site that has no platform definition."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from noai_check.crawl.spider import PlatformSpider, url_problem
from noai_check.platforms import SITE


class SiteSpider(PlatformSpider):
    """Arguments: url (required), max_pages (200), report_name (default: the host, ':' as '_'), seed."""

    name = "site"
    platform = SITE

    def __init__(self, url: str | None = None, report_name: str | None = None, **kwargs: Any) -> None:
        problem = self.argument_problem(url=url, report_name=report_name, max_pages=kwargs.get("max_pages", 200))
        if problem:
            raise ValueError(problem)
        assert url is not None
        parts = urlsplit(url)
        base_url = f"{parts.scheme}://{parts.netloc}"
        kwargs.pop("base_url", None)  # the url argument says where
        super().__init__(base_url=base_url, **kwargs)
        self.platform = replace(SITE, base_url=base_url)  # per instance: the site is the argument
        self.extra_media_hosts += (parts.netloc.lower(),)  # images on the site itself are HEADed too
        self.report_name = report_name or parts.netloc.lower().replace(":", "_")
        if self.archive is not None:  # an archive audit never writes over the live report
            self.report_name += f"@{self.archive.window.at.isoformat()}"
        if parts.path not in ("", "/"):
            self.seed_urls.append(url)

    @classmethod
    def argument_problem(
        cls, base_url: str | None = None, max_pages: str | int = 200, url: str | None = None,
        report_name: str | None = None, **_: Any,
    ) -> str | None:
        """A one-line message for a bad argument, or None: checked by `scrapy crawl` before anything starts."""
        if not url:
            return "the site spider needs -a url=https://... (the site to audit)"
        problem = url_problem("url", url)
        if problem:
            return problem
        if report_name is not None and (not report_name.strip() or "/" in report_name or report_name in (".", "..")):
            return f"report_name must be a plain folder name, got {report_name!r}"
        return super().argument_problem(max_pages=max_pages, **_)
