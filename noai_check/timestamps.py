"""The one timestamp format noai-check writes and reads: UTC to the second, ``2026-11-26T13:05:00Z``.

Every layer stamps records and reports (crawl records, run.json, the reports index, history), so
this module sits at the top level beside files.py and errors.py and imports nothing of ours.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def format_timestamp(moment: datetime) -> str:
    """``moment`` (aware, any zone; naive is taken as UTC) in the one format.

    >>> format_timestamp(datetime(2026, 11, 26, 13, 5, 7, 999, tzinfo=timezone.utc))
    '2026-11-26T13:05:07Z'
    """
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.strftime(FORMAT)


_stamped: tuple[int, str] = (-1, "")  # the last second stamped, and its text


def now() -> str:
    """The current time in the one format: made once a second, as a crawl stamps every page."""
    global _stamped
    second = int(time.time())
    if _stamped[0] != second:
        _stamped = (second, time.strftime(FORMAT, time.gmtime(second)))
    return _stamped[1]


def parse_timestamp(text: str) -> datetime:
    """A timestamp in the one format as an aware UTC datetime; ValueError for anything else.

    >>> parse_timestamp("2026-11-26T13:05:07Z").isoformat()
    '2026-11-26T13:05:07+00:00'
    """
    return datetime.strptime(text, FORMAT).replace(tzinfo=timezone.utc)
