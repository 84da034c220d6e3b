"""``at`` and ``window``: which day an archive audit looks at, how far either side a capture may be, and
which capture is nearest.

Bad input is a ``NoaiCheckError`` with one line (the command line turns it into exit 2): a malformed
date, a date in the future (the archive holds no tomorrow), a window that is not a whole number > 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from noai_check.archive.cdx import Capture
from noai_check.errors import NoaiCheckError
from noai_check.timestamps import format_timestamp, now, parse_timestamp

DEFAULT_WINDOW_DAYS = 30
_STAMP = "%Y%m%d%H%M%S"


class ArchiveDateError(NoaiCheckError):
    """A bad ``at`` or ``window``."""


def parse_at(text: str, today: date | None = None) -> date:
    """``at`` as a date: YYYY-MM-DD, not after today (UTC).

    >>> parse_at("2025-05-15", today=date(2026, 1, 1))
    datetime.date(2025, 5, 15)
    """
    today = today or parse_timestamp(now()).date()
    try:
        day = date.fromisoformat(text.strip()) if len(text.strip()) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise ArchiveDateError(f"at must be a date YYYY-MM-DD, got {text!r}")
    if day > today:
        raise ArchiveDateError(f"at {day.isoformat()} is in the future (today is {today.isoformat()}): the archive holds only the past")
    return day


def parse_window(text: str | int | None) -> int:
    """``window`` in days, a whole number > 0 (default 30).

    >>> parse_window(None), parse_window("7")
    (30, 7)
    """
    if text is None or text == "":
        return DEFAULT_WINDOW_DAYS
    raw = str(text).strip()
    if not raw.lstrip("-").isdigit():
        raise ArchiveDateError(f"window must be a whole number of days > 0, got {text!r}")
    days = int(raw)
    if days <= 0:
        raise ArchiveDateError(f"window must be at least 1 day, got {days}")
    return days


def stamp_datetime(timestamp: str) -> datetime:
    """A 14-digit capture timestamp as an aware UTC datetime."""
    return datetime.strptime(timestamp, _STAMP).replace(tzinfo=timezone.utc)


def stamp_iso(timestamp: str) -> str:
    """A 14-digit capture timestamp in noai-check's one timestamp format.

    >>> stamp_iso("20250515123000")
    '2025-05-15T12:30:00Z'
    """
    return format_timestamp(stamp_datetime(timestamp))


@dataclass(frozen=True)
class Window:
    """The days ``at`` +- ``days`` (whole UTC days, both ends included)."""

    at: date
    days: int = DEFAULT_WINDOW_DAYS

    @property
    def start(self) -> datetime:
        return datetime.combine(self.at - timedelta(days=self.days), time.min, timezone.utc)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.at + timedelta(days=self.days), time(23, 59, 59), timezone.utc)

    @property
    def middle(self) -> datetime:
        """Noon of ``at``: "nearest to the day" measures from here, so captures on the day itself tie best."""
        return datetime.combine(self.at, time(12), timezone.utc)

    @property
    def from_ts(self) -> str:
        return self.start.strftime(_STAMP)

    @property
    def to_ts(self) -> str:
        return self.end.strftime(_STAMP)

    def contains(self, timestamp: str) -> bool:
        return self.from_ts <= timestamp <= self.to_ts

    def distance(self, timestamp: str) -> float:
        """Seconds between a capture and noon of ``at``."""
        return abs((stamp_datetime(timestamp) - self.middle).total_seconds())


def nearest_capture(captures: Iterable[Capture], window: Window) -> Capture | None:
    """The capture nearest to ``at`` inside the window (the earlier one on a tie); None when none is inside.

    >>> w = Window(date(2025, 5, 15), 30)
    >>> nearest_capture([Capture("20250401000000", "u"), Capture("20250520000000", "u"), Capture("20250610000000", "u")], w).timestamp
    '20250520000000'
    """
    inside = [capture for capture in captures if window.contains(capture.timestamp)]
    if not inside:
        return None
    return min(inside, key=lambda capture: (window.distance(capture.timestamp), capture.timestamp))
