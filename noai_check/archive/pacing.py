"""The one politeness policy towards the archive, shared by the Scrapy middleware and ``noai-check timeline``.

The archive publishes its limits (CDX about 30 requests a minute, replays about 600) and blocks a
client that keeps asking after a 429 for an hour, doubling. So: one CDX request every ``cdx_delay``
seconds, a few replays at a time, and after a refusal nobody asks again before ``Retry-After`` (or,
without one, 60 s, then 120 s, ...). After ``max_refusals`` refusals in a row, or when the archive asks
for a wait longer than ``max_wait``, ``refused`` raises ``ArchiveRefused`` with one line to show.

Pure: the caller passes the clock (``now``, monotonic seconds) and does the waiting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from noai_check.errors import NoaiCheckError

CDX, REPLAY = "cdx", "replay"
DEFAULT_CDX_DELAY = 2.5
_POLL = 0.05  # how soon to look again when all replay slots are taken


class ArchiveRefused(NoaiCheckError):
    """The archive keeps refusing (or asks for too long a wait): the run stops here, with this line."""


@dataclass
class ArchivePacer:
    """When the next archive request may go. Call ``wait_for``, then ``started``, ``finished`` when answered;
    ``accepted`` or ``refused`` with each answer."""

    cdx_delay: float = DEFAULT_CDX_DELAY
    max_replays: int = 4
    min_backoff: float = 60.0
    max_refusals: int = 4
    max_wait: float = 900.0
    _next_cdx: float = field(default=0.0, init=False)
    _blocked_until: float = field(default=0.0, init=False)
    _backoff: float = field(default=0.0, init=False)
    _refusals: int = field(default=0, init=False)
    _replays: int = field(default=0, init=False)
    _cdx_busy: bool = field(default=False, init=False)  # one CDX query at a time: they are slow and the scarcest

    def __post_init__(self) -> None:
        if self.cdx_delay < 0 or self.max_replays < 1:
            raise ValueError("cdx_delay must be >= 0 and max_replays >= 1")
        self._backoff = float(self.min_backoff)

    def wait_for(self, kind: str, now: float) -> float:
        """Seconds to wait before a ``kind`` request ("cdx" or "replay") may start; 0 means now.

        >>> pacer = ArchivePacer(cdx_delay=2.5)
        >>> pacer.wait_for("cdx", 10.0); pacer.started("cdx", 10.0); pacer.finished("cdx"); pacer.wait_for("cdx", 11.0)
        0.0
        1.5
        """
        ready = self._blocked_until
        if kind == CDX:
            ready = max(ready, self._next_cdx)
        wait = max(0.0, ready - now)
        busy = self._cdx_busy if kind == CDX else self._replays >= self.max_replays
        return _POLL if wait == 0.0 and busy else wait

    def started(self, kind: str, now: float) -> None:
        """A ``kind`` request goes out at ``now``."""
        if kind == CDX:
            self._next_cdx, self._cdx_busy = now + self.cdx_delay, True
        else:
            self._replays += 1

    def finished(self, kind: str) -> None:
        """A request's answer (or failure) is in: its slot is free."""
        if kind == CDX:
            self._cdx_busy = False
        elif self._replays > 0:
            self._replays -= 1

    def accepted(self) -> None:
        """An answer that is not a refusal: the next refusal starts the back-off afresh."""
        self._refusals = 0
        self._backoff = float(self.min_backoff)

    def refused(self, now: float, retry_after: float | None) -> float:
        """The archive refused (429, or 503 without Memento-Datetime): block every request for the returned seconds.

        >>> pacer = ArchivePacer(min_backoff=60)
        >>> pacer.refused(0.0, None), pacer.refused(0.0, None), pacer.refused(200.0, 5.0)
        (60.0, 120.0, 5.0)
        >>> pacer.wait_for("replay", 201.0)
        4.0
        """
        self._refusals += 1
        if retry_after is not None:
            wait = max(0.0, retry_after)
        else:
            wait, self._backoff = self._backoff, self._backoff * 2
        if self._refusals > self.max_refusals:
            raise ArchiveRefused(f"the archive refused {self._refusals} requests in a row (429/503): stopped asking it")
        if wait > self.max_wait:
            raise ArchiveRefused(f"the archive asks us to wait {wait:.0f} s (more than {self.max_wait:.0f} s): stopped asking it")
        self._blocked_until = max(self._blocked_until, now + wait)
        return wait

    def pause(self, kind: str, clock: Callable[[], float], sleep: Callable[[float], object]) -> None:
        """Block (with ``sleep``) until a ``kind`` request may go, then mark it started: for callers without a reactor.

        Call ``finished(kind)`` when its answer is in, then ``accepted()`` or ``refused(...)``.
        """
        while (wait := self.wait_for(kind, clock())) > 0:
            sleep(wait)
        self.started(kind, clock())

