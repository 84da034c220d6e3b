"""What a platform is, as data: hosts, page types and URL rules, terms pages, public claims.

A spider for a platform is then a few lines (see ``spiders/``); everything that differs
between platforms lives in a ``Platform`` value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fnmatch import fnmatch
from urllib.parse import urlsplit

# Page types. Content types are sampled; "other" pages (home) are fetched for discovery only.
CONTENT = "content"
SUBPAGE = "subpage"  # /user/likes, /user/track/reposts: never followed
RESERVED = "reserved"  # /discover, /upload: platform features, never users
OTHER = "other"


@dataclass(frozen=True)
class Claim:
    """A public statement by the platform, with where and when it was made."""

    id: str
    text: str
    source: str
    date: str
    check: str  # which crawl check tests it (used by the report)
    page_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class Platform:
    """One platform: enough for a generic spider to sample it and a report to judge it."""

    name: str
    base_url: str
    media_hosts: tuple[str, ...]  # host globs, e.g. "*.sndcdn.com"
    page_types: tuple[str, ...]  # content page types, in sampling priority order
    sample_weights: dict[str, float]
    classify_path: Callable[[str], str]  # URL path -> a page type, SUBPAGE, RESERVED or OTHER
    follow_links_from: tuple[str, ...]  # page types whose links lead to more content pages
    terms_paths: tuple[str, ...] = ()
    claims: tuple[Claim, ...] = ()
    notes: str = ""
    seed_paths: tuple[str, ...] = ("/",)
    profile_path: Callable[[str], str] = field(default=lambda user: f"/{user.strip('/')}")

    def classify(self, url: str, base_url: str) -> str | None:
        """Page type of ``url``, or None when it is not on this platform's main host."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.netloc.lower() != urlsplit(base_url).netloc.lower():
            return None
        return self.classify_path(parts.path or "/")

    def is_media_host(self, host: str, extra: tuple[str, ...] = ()) -> bool:
        """True for the platform's media/CDN hosts (and any given on the command line)."""
        host = host.lower()
        return any(fnmatch(host, pattern.lower()) for pattern in (*self.media_hosts, *extra))
