"""The Internet Archive (Wayback Machine) as a source: what it holds and how to ask it politely.

Pure, like ``signals/``: no Scrapy, no I/O. ``cdx.py`` builds CDX queries and parses their JSON
(``Capture``), ``replay.py`` builds ``id_`` replay URLs and unwraps ``X-Archive-Orig-*`` headers,
``dates.py`` reads ``at``/``window`` and picks the capture nearest a date, ``pacing.py`` is the one
politeness policy (CDX spacing, refusal back-off) that the Scrapy middleware and the urllib
``timeline`` command both follow. A low layer beside ``signals``: it imports only ``noai_check.errors`` and ``noai_check.timestamps``.
"""

from __future__ import annotations

from noai_check.archive.cdx import Capture, CdxPage, CdxQuery, parse_cdx
from noai_check.archive.dates import ArchiveDateError, Window, nearest_capture, parse_at, parse_window
from noai_check.archive.pacing import ArchivePacer, ArchiveRefused
from noai_check.archive.replay import is_refusal, replay_url, unwrap_headers

__all__ = [
    "ArchiveDateError", "ArchivePacer", "ArchiveRefused", "Capture", "CdxPage", "CdxQuery", "Window",
    "is_refusal", "nearest_capture", "parse_at", "parse_cdx", "parse_window", "replay_url", "unwrap_headers",
]
