"""Raw ``id_`` replays: their URL, the original headers inside them, and the archive's own refusals.

A replay answers with the captured status (a capture of a 503 replays as 503) and carries
``Memento-Datetime``. The page's own headers come back renamed ``X-Archive-Orig-<name>``;
``Content-Type`` keeps its name. The archive's refusals (429, or a 503 with no ``Memento-Datetime``)
are not captures at all: they say nothing about the page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from email.utils import parsedate_to_datetime

ORIG_PREFIX = "x-archive-orig-"
MEMENTO_DATETIME = "memento-datetime"
_REPLAY = re.compile(r"/web/(\d{14})id_/(.+)$")


def replay_url(archive_url: str, timestamp: str, original: str) -> str:
    """The raw replay URL of a capture: original body, original headers (prefixed).

    >>> replay_url("https://web.archive.org/", "20250515120000", "https://soundcloud.com/robots.txt")
    'https://web.archive.org/web/20250515120000id_/https://soundcloud.com/robots.txt'
    """
    if not re.fullmatch(r"\d{14}", timestamp):
        raise ValueError(f"a capture timestamp is 14 digits, got {timestamp!r}")
    return f"{archive_url.rstrip('/')}/web/{timestamp}id_/{original}"


def parse_replay_url(url: str) -> tuple[str, str] | None:
    """(timestamp, original URL) of a raw replay URL, or None for any other URL.

    >>> parse_replay_url("http://127.0.0.1:8/web/20250515120000id_/https://x.org/a?b=1")
    ('20250515120000', 'https://x.org/a?b=1')
    """
    found = _REPLAY.search(url)
    return (found.group(1), found.group(2)) if found else None


def unwrap_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The page's own headers from a replay's: ``X-Archive-Orig-X`` becomes ``X``, Content-Type stays.

    The archive's own copies of headers that only make sense as originals (Link, X-Robots-Tag, ...)
    are dropped: only the prefixed copy says what the site sent.

    >>> unwrap_headers([("Content-Type", "text/html"), ("X-Archive-Orig-X-Robots-Tag", "noai"),
    ...                 ("Link", "<https://web.archive.org/>; rel=memento"), ("Memento-Datetime", "x")])
    [('Content-Type', 'text/html'), ('X-Robots-Tag', 'noai')]
    """
    own: list[tuple[str, str]] = []
    for name, value in headers:
        lower = name.lower()
        if lower.startswith(ORIG_PREFIX) and len(name) > len(ORIG_PREFIX):
            original = name[len(ORIG_PREFIX):]
            if original.lower() not in ("content-length", "transfer-encoding", "content-encoding", "connection"):
                own.append((original, value))
        elif lower == "content-type":
            own.append((name, value))
    return own


def has_memento(headers: Iterable[tuple[str, str]]) -> bool:
    """Whether a response carries ``Memento-Datetime`` (it is a capture, not the archive speaking)."""
    return any(name.lower() == MEMENTO_DATETIME for name, _ in headers)


def is_refusal(status: int, headers: Iterable[tuple[str, str]]) -> bool:
    """The archive refusing us (429, or a 503 that is not a replayed capture), not a captured answer.

    >>> is_refusal(503, []), is_refusal(503, [("Memento-Datetime", "Thu, 15 May 2025 12:00:00 GMT")]), is_refusal(429, [])
    (True, False, True)
    """
    return status == 429 or (status == 503 and not has_memento(headers))


def retry_after_seconds(value: str | None, now_epoch: float) -> float | None:
    """Seconds a ``Retry-After`` value asks us to wait (delta-seconds or an HTTP date); None when absent or unreadable.

    >>> retry_after_seconds("120", 0.0), retry_after_seconds("soon", 0.0)
    (120.0, None)
    """
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, moment.timestamp() - now_epoch)
