"""A small blocking fetcher for ``noai-check check`` (the crawl itself uses Scrapy).

Redirects are followed by hand so every hop is counted: RFC 9309 treats a robots.txt
behind more than five redirects as unavailable, and the verdict must be about the
final response.

``timeout`` is a deadline for the whole fetch (every redirect hop, headers and body), not
only for each socket read: a server that sends one byte a second would otherwise hold the
command forever. A watchdog shuts the connection down when the deadline passes.
"""

from __future__ import annotations

import http.client
import math
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from email.message import Message
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

from noai_check.crawl.settings import USER_AGENT
from noai_check.errors import NoaiCheckError
from noai_check.signals.response import Fetched, make_headers

if TYPE_CHECKING:
    from noai_check.signals.site_files import Site

MAX_BYTES = 10 * 1024 * 1024
MAX_TIMEOUT = 24 * 3600.0
_UNSAFE_RE = re.compile(r"[\x00-\x20\x7f]")
_URL_SAFE = "/:?#[]@!$&'()*+,;=%~"  # reserved characters and existing %XX escapes stay as they are


def check_url(url: str) -> str:
    """Return ``url`` if it is an absolute http(s) URL that can be requested; raise NoaiCheckError saying why not."""
    bad = _UNSAFE_RE.search(url)
    if bad:
        raise NoaiCheckError(f"URL {url!r} contains {'a space' if bad.group() == ' ' else 'a control character'} "
                             f"at position {bad.start()}; percent-encode it (a space is %20)")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise NoaiCheckError(f"not a valid URL {url!r}: {error}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise NoaiCheckError(f"not an http(s) URL: {url!r}")
    if not parts.hostname:
        raise NoaiCheckError(f"URL {url!r} has no host")
    if port == 0:
        raise NoaiCheckError(f"URL {url!r} has port 0")
    return url


def _requestable(url: str) -> str:
    """``url`` with a space, control or non-ASCII character in its path or query percent-encoded, as
    browsers and Scrapy send it (http.client refuses them raw); the fragment is never sent."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url  # check_url says what is wrong with it
    path, query = (quote(part, safe=_URL_SAFE, encoding="utf-8") for part in (parts.path, parts.query))
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


def check_timeout(seconds: float) -> float:
    """A timeout must be a finite number of seconds above 0 (inf, nan and negatives break socket calls)."""
    if not (math.isfinite(seconds) and 0 < seconds <= MAX_TIMEOUT):
        raise NoaiCheckError(f"a timeout is a number of seconds above 0 and at most {MAX_TIMEOUT:g}, not {seconds!r}")
    return seconds


class _Deadline:
    """The end of one fetch: connections opened under it are shut down when it passes."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self.expired = False
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []  # our own duplicates, so a reused fd is never touched
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def remaining(self) -> float:
        return max(0.001, self.at - time.monotonic())

    def watch(self, sock: socket.socket) -> socket.socket:
        with self._lock:
            self._sockets.append(sock.dup())
            if self.expired:
                self._shutdown(self._sockets[-1])
        return sock

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                self._shutdown(sock)

    @staticmethod
    def _shutdown(sock: socket.socket) -> None:
        try:
            sock.shutdown(socket.SHUT_RDWR)  # wakes a read blocked in another thread
        except OSError:
            pass

    def close(self) -> None:
        self._timer.cancel()
        with self._lock:
            for sock in self._sockets:
                sock.close()
            self._sockets.clear()


def _connection_class(base: type[http.client.HTTPConnection], deadline: _Deadline) -> Callable[..., http.client.HTTPConnection]:
    """``base`` whose sockets connect within the deadline and are watched by it."""

    def make(host: str, **kwargs: Any) -> http.client.HTTPConnection:
        conn = base(host, **kwargs)
        create = conn._create_connection  # type: ignore[attr-defined]

        def connect(address: tuple[str, int], timeout: float, source: Any = None) -> socket.socket:
            return deadline.watch(create(address, min(timeout, deadline.remaining()), source))

        conn._create_connection = connect  # type: ignore[attr-defined]
        return conn

    return make


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self.deadline = deadline

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_connection_class(http.client.HTTPConnection, self.deadline), req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self.deadline = deadline

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_connection_class(http.client.HTTPSConnection, self.deadline), req,
                            context=self._context)  # type: ignore[attr-defined]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _headers(message: Message) -> dict[str, list[str]]:
    return make_headers(list(message.items()))


def fetch(url: str, *, max_redirects: int = 10, timeout: float = 20.0, user_agent: str = USER_AGENT,
          headers: Mapping[str, str] | None = None) -> Fetched:
    """GET ``url`` within ``timeout`` seconds in all; never raises for network trouble: ``status`` None and ``error`` say what failed.

    ``headers`` are sent as well (``From:`` for a probe); ``user_agent`` always names the agent.
    """
    deadline = _Deadline(timeout)
    try:
        return _fetch(url, max_redirects, deadline, {**(headers or {}), "User-Agent": user_agent})
    finally:
        deadline.close()


def _fetch(url: str, max_redirects: int, deadline: _Deadline, sent: dict[str, str]) -> Fetched:
    opener = urllib.request.build_opener(_NoRedirect, _HTTPHandler(deadline), _HTTPSHandler(deadline))
    current = _requestable(url)
    for hops in range(max_redirects + 1):
        try:
            check_url(current)
        except NoaiCheckError as error:
            return Fetched(url, None, error=f"could not fetch {current}: {error}", redirects=hops, final_url=current)
        request = urllib.request.Request(current, headers={"Accept": "*/*", **sent})
        try:
            status, headers, body = _exchange(opener, request, deadline)
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as error:
            reason = getattr(error, "reason", error)
            if deadline.expired:
                reason = f"no complete answer within {deadline.seconds:g} s (--timeout)"
            return Fetched(url, None, error=f"could not fetch {current}: {reason}", redirects=hops, final_url=current)
        if deadline.expired:  # a body read until the connection closed may have been cut by the watchdog
            return Fetched(url, None, error=f"could not fetch {current}: no complete answer within {deadline.seconds:g} s (--timeout)",
                           redirects=hops, final_url=current)
        location = headers.get("location", [""])[0]
        if 300 <= status < 400 and location:
            current = _requestable(urljoin(current, location.strip()))
            continue
        return _done(url, current, status, headers, body, hops)
    return Fetched(url, None, error=f"more than {max_redirects} redirects", redirects=max_redirects + 1, final_url=current)


def _exchange(opener: urllib.request.OpenerDirector, request: urllib.request.Request,
              deadline: _Deadline) -> tuple[int, dict[str, list[str]], bytes]:
    """One request: status, headers and body (error statuses included)."""
    try:
        with opener.open(request, timeout=deadline.remaining()) as response:
            return response.status, _headers(response.headers), response.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as error:
        headers = _headers(error.headers)
        if 300 <= error.code < 400 and headers.get("location"):
            return error.code, headers, b""
        with error:
            body = error.read(MAX_BYTES + 1) if error.fp else b""
        return error.code, headers, body


def _done(url: str, final: str, status: int, headers: dict[str, list[str]], body: bytes, hops: int) -> Fetched:
    error = None
    if len(body) > MAX_BYTES:
        body, error = body[:MAX_BYTES], f"body larger than {MAX_BYTES} bytes; cut"
    return Fetched(url, status, headers, body, error=error, redirects=hops, final_url=final)


def fetch_site(url: str, *, timeout: float = 20.0) -> Site:
    """Fetch and read the four site files of ``url``'s origin (robots.txt: at most 5 redirects)."""
    from noai_check.signals.site_files import (  # the parsers, only when a site is fetched
        SITE_FILES,
        build_site,
        origin_of,
    )

    origin = origin_of(url)
    fetched = {
        key: fetch(origin + path, max_redirects=5, timeout=timeout) for key, path in SITE_FILES.items()
    }
    return build_site(origin, fetched)
