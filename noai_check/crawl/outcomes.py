"""A request's outcome as the parsers' ``Fetched``: a response, or a failure named in one line by the
exception's type (``failure.check``), never by its message text."""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.http import Response
from scrapy.utils._compression import _DecompressionMaxSizeExceeded  # HttpCompressionMiddleware's size error
from twisted.internet.defer import CancelledError
from twisted.internet.defer import TimeoutError as DeferTimeoutError
from twisted.internet.error import DNSLookupError, TCPTimedOutError
from twisted.internet.error import TimeoutError as TxTimeoutError
from twisted.python.failure import Failure

from noai_check.signals.response import Fetched

_TIMEOUTS = (DownloadTimeoutError, TxTimeoutError, TCPTimedOutError, DeferTimeoutError)
_CANCELLED = (DownloadCancelledError, CancelledError)  # Scrapy cancels a download over DOWNLOAD_MAXSIZE
_UNRESOLVED = (CannotResolveHostError, DNSLookupError)


class RobotsForbidden(IgnoreRequest):
    """noai-check's own robots.txt group disallows the request (crawl/middlewares.py)."""


class ArchiveUnavailable(IgnoreRequest):
    """An archive audit has no usable capture for the request (crawl/archive_replay.py): unknown, never absent."""


# Meta key of a replay request: the platform URL it stands for (crawl/archive_replay.py).
ARCHIVE_ORIGINAL = "noai_archive_original"


def _decompressed_too_large(error: BaseException | None) -> bool:
    """Scrapy's HttpCompressionMiddleware raises IgnoreRequest from its own size error (a private class)."""
    return isinstance(error, IgnoreRequest) and isinstance(error.__cause__, _DecompressionMaxSizeExceeded)


def _is(failure: Failure, *types: type[BaseException]) -> bool:
    """``failure.check`` (untyped in Twisted), as a bool."""
    return failure.check(*types) is not None  # type: ignore[no-untyped-call]


def failure_reason(failure: Failure) -> str:
    """One line for a failed request: timeout, DNS, refused, too large, too many redirects."""
    error = failure.value
    name = type(error).__name__
    text = str(error).strip() or name
    request = getattr(failure, "request", None)
    if _is(failure, *_TIMEOUTS):
        return f"timeout: {text}"
    if _is(failure, *_CANCELLED) or _decompressed_too_large(error):
        return f"too large: {text}"
    if _is(failure, RobotsForbidden, ArchiveUnavailable):
        return text
    if _is(failure, IgnoreRequest) and request is not None and "redirect_ttl" in request.meta:
        return f"too many redirects: {text}"  # RedirectMiddleware's "max redirections reached"
    if _is(failure, *_UNRESOLVED):
        host = urlsplit(request.url).hostname if request is not None else None
        return f"host does not resolve: {host or text}"
    if request is not None and ARCHIVE_ORIGINAL in request.meta:
        cut = " (the replay was cut short)" if "DataLoss" in name else ""
        return f"the archived copy could not be replayed{cut}: {name}" + (f": {text}" if text != name else "")
    return f"{name}: {text}"


def failed_fetch(failure: Failure) -> Fetched:
    """A request that got no response. After redirects, ``failure.request`` is the last hop: the
    outcome stays under the URL asked for, with the last hop as ``final_url``."""
    request = failure.request  # type: ignore[attr-defined]
    hops = request.meta.get("redirect_urls") or []
    here = request.meta.get(ARCHIVE_ORIGINAL, request.url)  # an archive audit: the page's URL, not its replay's
    asked = hops[0] if hops else here
    return Fetched(asked, None, error=failure_reason(failure), redirects=len(hops), final_url=here)


def fetched_from(response: Response, original_url: str | None = None, redirects: int = 0) -> Fetched:
    """Scrapy's response as the pure parsers' input (every header value kept, as make_headers folds them).

    Scrapy's Headers is a dict of a normalised name to the list of its values; reading it as one
    spares the copy of each list its ``items()`` makes: 3 us of the crawl's work on every page.
    """
    headers: dict[str, list[str]] = {}
    for name, values in dict.items(response.headers):
        headers.setdefault(name.decode("latin-1").strip().lower(), []).extend(v.decode("latin-1") for v in values)
    hops = len(response.request.meta.get("redirect_urls", [])) if response.request else 0
    return Fetched(
        url=original_url or response.url,
        status=response.status,
        headers=headers,
        body=response.body,
        redirects=redirects or hops,
        final_url=response.url,
    )
