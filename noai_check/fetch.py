"""A small blocking fetcher for ``noai-check check`` (the crawl itself uses Scrapy).

Redirects are followed by hand so every hop is counted: RFC 9309 treats a robots.txt
behind more than five redirects as unavailable, and the verdict must be about the
final response.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from email.message import Message
from urllib.parse import urljoin, urlsplit

from . import __version__
from .fetched import Fetched, make_headers
from .site import SITE_FILES, Site, build_site, origin_of

USER_AGENT = f"noai-check/{__version__} (+https://github.com/noai-check/noai-check)"
MAX_BYTES = 10 * 1024 * 1024


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:  # type: ignore[override]
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _headers(message: Message) -> dict[str, list[str]]:
    return make_headers(list(message.items()))


def fetch(url: str, *, max_redirects: int = 10, timeout: float = 20.0, user_agent: str = USER_AGENT) -> Fetched:
    """GET ``url``; never raises for network trouble: ``status`` None and ``error`` say what failed."""
    current = url
    for hops in range(max_redirects + 1):
        scheme = urlsplit(current).scheme
        if scheme not in ("http", "https"):
            return Fetched(url, None, error=f"not an http(s) URL: {current}", redirects=hops, final_url=current)
        request = urllib.request.Request(current, headers={"User-Agent": user_agent, "Accept": "*/*"})
        try:
            with _OPENER.open(request, timeout=timeout) as response:
                body = response.read(MAX_BYTES + 1)
                return _done(url, current, response.status, _headers(response.headers), body, hops)
        except urllib.error.HTTPError as error:
            headers = _headers(error.headers)
            location = headers.get("location", [""])[0]
            if 300 <= error.code < 400 and location:
                current = urljoin(current, location)
                continue
            body = error.read(MAX_BYTES + 1) if error.fp else b""
            return _done(url, current, error.code, headers, body, hops)
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError, ValueError) as error:
            reason = getattr(error, "reason", error)
            return Fetched(url, None, error=f"could not fetch {current}: {reason}", redirects=hops, final_url=current)
    return Fetched(url, None, error=f"more than {max_redirects} redirects", redirects=max_redirects + 1, final_url=current)


def _done(url: str, final: str, status: int, headers: dict[str, list[str]], body: bytes, hops: int) -> Fetched:
    error = None
    if len(body) > MAX_BYTES:
        body, error = body[:MAX_BYTES], f"body larger than {MAX_BYTES} bytes; cut"
    return Fetched(url, status, headers, body, error=error, redirects=hops, final_url=final)


def fetch_site(url: str, *, timeout: float = 20.0) -> Site:
    """Fetch and read the four site files of ``url``'s origin (robots.txt: at most 5 redirects)."""
    origin = origin_of(url)
    fetched = {
        key: fetch(origin + path, max_redirects=5, timeout=timeout) for key, path in SITE_FILES.items()
    }
    return build_site(origin, fetched)
