"""Every ``NOAI_*`` setting of noai-check, with its default, in one place (README, "Settings of its own").

Scrapy settings are strings or anything a caller put there (``-s NOAI_MAX_MEDIA=5``); they are read
once into a typed, frozen ``CrawlConfig`` and every reader uses that.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from noai_check.crawl.probing import DEFAULT_PROBE_AGENTS, parse_agents


@dataclass(frozen=True)
class CrawlConfig:
    """noai-check's own settings. ``max_media`` None means "as many as max_pages"."""

    reports_dir: Path = Path("reports")
    max_sitemaps: int = 20  # child sitemaps read from an index
    max_media: int | None = None  # media HEADs; None: the spider's max_pages
    agents_file: str | None = None  # extra AI agents (a registry file)
    progress: bool = True  # progress bar or log line, and the summary at the end
    probe_agents: tuple[str, ...] = DEFAULT_PROBE_AGENTS  # NOAI_PROBE_AGENTS, for -a probe=N
    contact: str | None = None  # NOAI_CONTACT: sent as From: with every probe request
    archive_url: str = "https://web.archive.org"  # the Wayback Machine (CDX + id_ replays) for `-a at=`
    archive_cdx_delay: float = 2.5  # seconds between two CDX requests (the archive allows ~30 a minute)
    archive_replays: int = 4  # replays in flight at once
    chromium: str | None = None  # NOAI_CHROMIUM: the Chromium that renders (None: found on PATH)
    render_timeout: float = 10.0  # NOAI_RENDER_TIMEOUT: seconds a rendered page may take to settle
    connect_to: str = ""  # NOAI_CONNECT_TO, checked here, used by crawl/connect_to.py
    idle_connection_timeout: int = 0  # NOAI_IDLE_CONNECTION_TIMEOUT: seconds an idle connection is kept (0: Twisted's 240)
    sites_inflight: int = 0  # NOAI_SITES_INFLIGHT: domains in progress at once (0: twice CONCURRENT_REQUESTS)
    domain_source: str = "noai_check.crawl.sites_io.FileDomainSource"  # NOAI_DOMAIN_SOURCE
    result_sink: str = "noai_check.crawl.sites_io.JsonlResultSink"  # NOAI_RESULT_SINK
    redis_url: str = ""  # NOAI_REDIS_URL: a sites list shared by workers through Redis (crawl/redis_sites.py)
    redis_lease: float = 300.0  # NOAI_REDIS_LEASE: seconds a worker holds a domain before another may take it
    judge_process: bool | None = None  # NOAI_JUDGE_PROCESS: judge pages in a second process (None: auto, 2+ cores)

    @classmethod
    def from_settings(cls, settings: Any) -> CrawlConfig:
        """Read from Scrapy ``Settings`` (or anything with its getters); a missing setting keeps its default."""
        default = cls()
        max_sitemaps = _count(settings, "NOAI_MAX_SITEMAPS")
        return cls(
            reports_dir=Path(settings.get("NOAI_REPORTS_DIR") or default.reports_dir),
            max_sitemaps=default.max_sitemaps if max_sitemaps is None else max_sitemaps,
            max_media=_count(settings, "NOAI_MAX_MEDIA"),
            agents_file=settings.get("NOAI_AGENTS_FILE") or None,
            progress=settings.getbool("NOAI_PROGRESS", default.progress),
            probe_agents=tuple(parse_agents(settings.get("NOAI_PROBE_AGENTS") or None)),
            contact=settings.get("NOAI_CONTACT") or None,
            archive_url=(settings.get("NOAI_ARCHIVE_URL") or default.archive_url).rstrip("/"),
            archive_cdx_delay=_seconds(settings, "NOAI_ARCHIVE_CDX_DELAY", default.archive_cdx_delay),
            archive_replays=max(1, _count(settings, "NOAI_ARCHIVE_REPLAYS") or default.archive_replays),
            chromium=settings.get("NOAI_CHROMIUM") or None,
            render_timeout=_seconds(settings, "NOAI_RENDER_TIMEOUT", default.render_timeout, allow_zero=False),
            connect_to=_connect_to(settings.get("NOAI_CONNECT_TO")),
            idle_connection_timeout=_count(settings, "NOAI_IDLE_CONNECTION_TIMEOUT") or 0,
            sites_inflight=_count(settings, "NOAI_SITES_INFLIGHT") or 0,
            domain_source=settings.get("NOAI_DOMAIN_SOURCE") or default.domain_source,
            result_sink=settings.get("NOAI_RESULT_SINK") or default.result_sink,
            redis_url=str(settings.get("NOAI_REDIS_URL") or ""),
            redis_lease=_seconds(settings, "NOAI_REDIS_LEASE", default.redis_lease, allow_zero=False),
            judge_process=_on_off_auto(settings, "NOAI_JUDGE_PROCESS"),
        )

    def media_limit(self, max_pages: int) -> int:
        """How many media files a crawl of ``max_pages`` pages HEADs."""
        return max_pages if self.max_media is None else self.max_media


def chromium_from_environment() -> str | None:
    """NOAI_CHROMIUM for `noai-check check --render`, which has no Scrapy settings: from the environment."""
    return os.environ.get("NOAI_CHROMIUM") or None


def _count(settings: Any, name: str) -> int | None:
    """A setting that is a whole number >= 0, or None when unset; ValueError with a one-line message otherwise."""
    value = settings.get(name)
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if number < 0 or isinstance(value, float):
        raise ValueError(f"{name} must be a whole number >= 0, got {value!r}")
    return number


def _seconds(settings: Any, name: str, default: float, allow_zero: bool = True) -> float:
    """A setting that is a number of seconds >= 0 (> 0 unless allow_zero), else a one-line ValueError."""
    value = settings.get(name)
    if value is None or value == "":
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = -1.0
    if not (number >= 0 if allow_zero else number > 0) or number == float("inf"):
        raise ValueError(f"{name} must be a number of seconds {'>=' if allow_zero else '>'} 0, got {value!r}")
    return number


_SWITCH = {"on": True, "true": True, "1": True, "off": False, "false": False, "0": False, "auto": None}


def _on_off_auto(settings: Any, name: str) -> bool | None:
    """A setting that is on, off or auto (None); a ValueError with one line otherwise."""
    value = settings.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    key = str(value).strip().lower()
    if key not in _SWITCH:
        raise ValueError(f"{name} must be on, off or auto, got {value!r}")
    return _SWITCH[key]


def _connect_to(value: Any) -> str:
    """NOAI_CONNECT_TO as given, once parsed (a malformed one is a ValueError with one line)."""
    from noai_check.crawl.connect_to import parse_connect_to  # Twisted only when the setting is read

    text = str(value or "")
    parse_connect_to(text)
    return text
