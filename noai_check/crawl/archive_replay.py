"""An archive audit's requests as raw replays: ``https://site/x`` is fetched as ``<archive>/web/<ts>id_/https://site/x``.

Requests go out under the platform's own URLs and come back as the page's own responses, so
site files, discovery, sampling and judging work exactly as in a live crawl:

- a request for a URL with a chosen capture (archive_source.py) asks for that capture; a URL
  looked up without a capture fails at once (``ArchiveUnavailable``: unknown); any other URL
  (a redirect's target, another host's robots.txt) asks for noon of ``at`` and takes the capture
  the archive redirects to, if it lies within the window.
- a replay (it carries Memento-Datetime) becomes the page's response: the captured status, the
  ``X-Archive-Orig-*`` headers under their own names, the page's URL. A captured 5xx is not retried.
  A captured redirect is followed here, to its target's capture (site files follow their own).
- an archive answer without Memento-Datetime (not archived, an error) fails the request with its
  reason; refusals never get here (archive_middleware.py, later in the response chain, takes them).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from scrapy.exceptions import NotConfigured
from scrapy.http import Headers

from noai_check.archive.replay import has_memento, parse_replay_url, replay_url, unwrap_headers
from noai_check.crawl.outcomes import ARCHIVE_ORIGINAL, ArchiveUnavailable

MAX_REDIRECTS = 10  # captured redirects followed for a page, as REDIRECT_MAX_TIMES
_NEAREST_HOPS = 3  # the archive's own "nearest capture" redirects followed


def _pairs(response: Any) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, values in response.headers.items() for v in values]


class ArchiveReplayMiddleware:
    """Downloader middleware: active only when the spider has an ``archive`` (``-a at=``)."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> ArchiveReplayMiddleware:
        if getattr(crawler.spider, "archive", None) is None:  # a live crawl: nothing to turn into replays
            raise NotConfigured
        return cls(crawler)

    def _source(self) -> Any:
        return getattr(self.crawler.spider, "archive", None)

    def process_request(self, request: Any) -> Any:
        source = self._source()
        if source is None or request.url.startswith(source.archive_url + "/"):
            return None
        url = request.url
        if url in source.missing:
            raise ArchiveUnavailable(source.no_capture(url))
        capture = source.captures.get(url)
        stamp = capture.timestamp if capture else source.window.middle.strftime("%Y%m%d%H%M%S")
        target = replay_url(source.archive_url, stamp, capture.original if capture else url)
        source.asked[url] = (stamp, target)
        return request.replace(url=target, dont_filter=True, meta={**request.meta, ARCHIVE_ORIGINAL: url})

    def process_response(self, request: Any, response: Any) -> Any:
        original = request.meta.get(ARCHIVE_ORIGINAL)
        source = self._source()
        if original is None or source is None:
            return response
        headers = _pairs(response)
        if not has_memento(headers):
            return self._not_a_capture(request, response, original, source)
        stamp = (parse_replay_url(request.url) or ("", ""))[0]
        if not source.window.contains(stamp):
            raise ArchiveUnavailable(f"{source.no_capture(original)} (nearest: {stamp[:8]})")
        source.replayed[original] = (stamp, request.url)
        # The page's own headers, plus the replay's own Content-Encoding: how these bytes travel (the
        # original's is lost), for HttpCompressionMiddleware, which sees the response after this one.
        own = unwrap_headers(headers) + [(k, v) for k, v in headers if k.lower() == "content-encoding"]
        if response.status >= 500:
            request.meta["dont_retry"] = True  # the site answered 5xx then; asking again changes nothing
        page_request = request.replace(url=original)
        if 300 <= response.status < 400 and not request.meta.get("dont_redirect"):
            location = next((v for k, v in own if k.lower() == "location"), None)
            if location:
                return self._follow(page_request, original, urljoin(original, location))
        return response.replace(url=original, headers=Headers(own), request=page_request)

    def _not_a_capture(self, request: Any, response: Any, original: str, source: Any) -> Any:
        """The archive speaking for itself: its redirect to the nearest capture, or no capture."""
        location = response.headers.get(b"Location")
        hops = request.meta.get("noai_nearest_hops", 0)
        if 300 <= response.status < 400 and location and hops < _NEAREST_HOPS:
            target = urljoin(request.url, location.decode("latin-1"))
            found = parse_replay_url(target)
            if found and source.window.contains(found[0]):
                return request.replace(url=target, meta={**request.meta, "noai_nearest_hops": hops + 1})
            if found:
                raise ArchiveUnavailable(f"{source.no_capture(original)} (nearest: {found[0][:8]})")
        if response.status == 404:
            raise ArchiveUnavailable(source.no_capture(original))
        raise ArchiveUnavailable(f"the archive answered {response.status} for {original} without a capture: unknown")

    def _follow(self, page_request: Any, original: str, target: str) -> Any:
        """A captured redirect, followed to the target's own capture (as Scrapy's RedirectMiddleware would)."""
        times = page_request.meta.get("redirect_times", 0) + 1
        if times > MAX_REDIRECTS:
            raise ArchiveUnavailable(f"more than {MAX_REDIRECTS} captured redirects from {original}")
        meta = {k: v for k, v in page_request.meta.items() if k not in (ARCHIVE_ORIGINAL, "noai_nearest_hops")}
        meta["redirect_urls"] = [*meta.get("redirect_urls", []), original]
        meta["redirect_times"] = times
        return page_request.replace(url=target, meta=meta)
