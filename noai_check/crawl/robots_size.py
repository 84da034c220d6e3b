"""robots.txt read up to 500 KiB whatever its size, through two Scrapy signals heard only while it downloads.

RFC 9309 2.5 has a robots.txt parsed up to 500 KiB: DOWNLOAD_MAXSIZE must not cancel a bigger one,
and its download stops just past the limit. Scrapy sends ``headers_received`` and ``bytes_received``
for every response of the crawl, and calling a receiver costs about 18 us a page (bench/bench_crawl.py),
so the receivers are connected while a robots.txt download is under way, and only then.
"""

from __future__ import annotations

from typing import Any

import scrapy
from scrapy import signals
from scrapy.exceptions import StopDownload
from scrapy.signalmanager import SignalManager

from noai_check.signals.robots import MAX_PARSED_BYTES


def is_robots_txt(request: scrapy.Request) -> bool:
    """A request for an origin's robots.txt (site_files.py marks it), whatever redirects it took."""
    return request.meta.get("noai_site_file") == "robots_txt"


class RobotsSizeLimit:
    """Counts the robots.txt downloads under way; hears the two signals while there is one."""

    def __init__(self, signal_manager: SignalManager) -> None:
        self._signals = signal_manager
        self.under_way = 0

    def started(self) -> None:
        """A robots.txt request was made (before Scrapy downloads it)."""
        if self.under_way == 0:
            self._signals.connect(self.headers_received, signal=signals.headers_received)
            self._signals.connect(self.bytes_received, signal=signals.bytes_received)
        self.under_way += 1

    def ended(self) -> None:
        """A robots.txt response or failure reached its callback: that download is over."""
        if self.under_way == 0:
            return
        self.under_way -= 1
        if self.under_way == 0:
            self._signals.disconnect(self.headers_received, signal=signals.headers_received)
            self._signals.disconnect(self.bytes_received, signal=signals.bytes_received)

    def headers_received(self, headers: Any, body_length: int, request: scrapy.Request, spider: Any) -> None:
        """Let DOWNLOAD_MAXSIZE not cancel an uncompressed robots.txt, whose download ``bytes_received``
        stops just past the limit; a compressed one keeps DOWNLOAD_MAXSIZE, which also bounds its
        decompression."""
        if not is_robots_txt(request):
            return
        request.meta["noai_bytes_received"] = 0  # a retried request starts counting afresh
        encoding = (headers.get(b"Content-Encoding") or b"identity").strip().lower()
        for key in ("download_maxsize", "download_warnsize"):
            if encoding == b"identity":
                request.meta[key] = 0
            else:
                request.meta.pop(key, None)

    def bytes_received(self, data: bytes, request: scrapy.Request, spider: Any) -> None:
        """Stop a robots.txt download once past the parse limit: the rest would be ignored anyway."""
        if not is_robots_txt(request):
            return
        received = request.meta.get("noai_bytes_received", 0) + len(data)
        request.meta["noai_bytes_received"] = received
        if received > MAX_PARSED_BYTES:
            raise StopDownload(fail=False)
