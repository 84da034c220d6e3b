"""A small blocking client for the Internet Archive, for ``noai-check timeline`` (the crawl uses Scrapy).

It follows the one politeness policy (noai_check.archive.pacing): one CDX request every
``cdx_delay`` seconds, a few replays at a time, and after a refusal (429, or a 503 without
``Memento-Datetime``) nobody asks again before ``Retry-After`` (else 60 s, doubling); repeated
refusals raise ``ArchiveRefused`` and every later call fails at once. It names itself with the
crawler's one User-Agent. Redirects are not followed here: a replayed 3xx is a captured answer.
"""

from __future__ import annotations

import gzip
import http.client
import io
import threading
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from noai_check.archive.pacing import ArchivePacer, ArchiveRefused
from noai_check.archive.replay import is_refusal, retry_after_seconds
from noai_check.crawl.settings import USER_AGENT
from noai_check.errors import NoaiCheckError

MAX_BODY = 10 * 1024 * 1024


class ArchiveUnavailable(NoaiCheckError):
    """The archive could not be reached or answered nonsense: the run stops with this line."""


@dataclass(frozen=True)
class Answer:
    """One archive answer; ``error`` (body None) when the body could not be read whole."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes | None
    error: str | None = None

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect())


class ArchiveClient:
    """GETs paced by an ArchivePacer, safe to share between a few replay threads."""

    def __init__(self, pacer: ArchivePacer, *, timeout: float = 60.0, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], object] = time.sleep, on_wait: Callable[[float, str], object] | None = None) -> None:
        self.pacer, self.timeout, self.clock, self.sleep, self.on_wait = pacer, timeout, clock, sleep, on_wait
        self._lock = threading.Lock()
        self.stopped: str | None = None  # once set, every call raises ArchiveRefused with it
        self.requests = 0

    def get(self, url: str, kind: str) -> Answer:
        """One answer that is not a refusal; refusals are waited out as the pacer says, then asked again."""
        while True:
            self._wait_turn(kind)
            try:
                answer = _get(url, self.timeout)
            finally:
                with self._lock:
                    self.pacer.finished(kind)
            if not is_refusal(answer.status, answer.headers):
                with self._lock:
                    self.pacer.accepted()
                return answer
            self._refused(answer)

    def _wait_turn(self, kind: str) -> None:
        while True:
            with self._lock:
                if self.stopped:
                    raise ArchiveRefused(self.stopped)
                wait = self.pacer.wait_for(kind, self.clock())
                if wait <= 0:
                    self.pacer.started(kind, self.clock())
                    self.requests += 1
                    return
            self.sleep(min(wait, 1.0))  # a little at a time, so a stop elsewhere is seen soon

    def _refused(self, answer: Answer) -> None:
        retry_after = retry_after_seconds(answer.header("Retry-After"), time.time())
        with self._lock:
            try:
                wait = self.pacer.refused(self.clock(), retry_after)
            except ArchiveRefused as error:
                self.stopped = self.stopped or str(error)
                raise
        if self.on_wait:
            self.on_wait(wait, f"the archive refused a request ({answer.status})")

    def stop(self, reason: str) -> None:
        """Make every later call fail at once (another thread hit a fatal refusal)."""
        with self._lock:
            self.stopped = self.stopped or reason


def _get(url: str, timeout: float) -> Answer:
    """A GET with the crawler's User-Agent; any HTTP status is an Answer, an unreachable archive raises."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"})
    try:
        response = _OPENER.open(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        response = error
    except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
        reason = getattr(error, "reason", None) or error
        raise ArchiveUnavailable(f"the archive at {url.split('/', 3)[2] if '//' in url else url} could not be reached: {reason}") from None
    with response:
        headers = [(str(k), str(v)) for k, v in response.headers.items()]
        status = int(response.status if hasattr(response, "status") and response.status else response.code)
        try:
            body = response.read(MAX_BODY + 1)
        except http.client.IncompleteRead as error:
            return Answer(status, headers, None, f"the replay body was cut short ({len(error.partial)} bytes read)")
        except (OSError, http.client.HTTPException) as error:  # TimeoutError is an OSError
            return Answer(status, headers, None, f"the replay body could not be read: {error}")
    if len(body) > MAX_BODY:
        return Answer(status, headers, None, f"the replay body is over {MAX_BODY // (1024 * 1024)} MiB")
    declared = next((v for k, v in headers if k.lower() == "content-length"), "")
    if declared.strip().isdigit() and len(body) < int(declared):  # read(n) returns short instead of raising
        return Answer(status, headers, None, f"the replay body was cut short ({len(body)} of {int(declared)} bytes)")
    return _decoded(status, headers, body)


def _decoded(status: int, headers: list[tuple[str, str]], body: bytes) -> Answer:
    """The body without the archive's own gzip Content-Encoding (it may gzip a replay whatever we accept)."""
    encoding = next((v for k, v in headers if k.lower() == "content-encoding"), "").strip().lower()
    if encoding not in ("gzip", "x-gzip") or not body:
        return Answer(status, headers, body)
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as stream:
            plain = stream.read(MAX_BODY + 1)
    except (OSError, EOFError, zlib.error) as error:
        return Answer(status, headers, None, f"the replay's gzip body could not be decoded: {error}")
    if len(plain) > MAX_BODY:
        return Answer(status, headers, None, f"the replay body is over {MAX_BODY // (1024 * 1024)} MiB")
    return Answer(status, [(k, v) for k, v in headers if k.lower() != "content-encoding"], plain)
