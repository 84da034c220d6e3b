"""What a platform is, as data: hosts, page types and URL rules, terms pages, public claims.

A spider for a platform is then a few lines (see ``spiders/``); everything that differs
between platforms lives in a ``Platform`` value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fnmatch import fnmatch
from urllib.parse import urlsplit, urlunsplit

# Page types. Content types are sampled; "other" pages (home) are fetched for discovery only.
CONTENT = "content"
SUBPAGE = "subpage"  # /user/likes, /user/track/reposts: never followed
RESERVED = "reserved"  # /discover, /upload: platform features, never users
OTHER = "other"


def path_canonical(url: str) -> str:
    """A content page's URL without query or fragment: ``/user?page=9`` is still ``/user``."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path.rstrip("/") or "/", "", ""))


def slash_canonical(url: str) -> str:
    """Like ``path_canonical`` but keeps a trailing slash, for sites whose canonical URLs end in one (Flickr, Mixcloud)."""
    parts = urlsplit(url)
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return urlunsplit((parts.scheme, parts.netloc.lower(), path, "", ""))


def segments(path: str) -> list[str]:
    """The non-empty segments of a URL path."""
    return [s for s in path.split("/") if s]


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
    profile_type: str = "profile"  # the page type of ``profile_path`` pages (-a profiles=...)
    # The identity of a content page. Most platforms put it in the path; YouTube's is the
    # query (/watch?v=ID), so it brings its own.
    canonicalize: Callable[[str], str] = path_canonical
    query_in_identity: bool = False  # classify_path then sees "/watch?v=ID", not "/watch"
    # Hosts other than base_url's whose pages are content too (Bandcamp's <artist>.bandcamp.com),
    # and how their paths are classified (each such host is its own origin with its own site files).
    content_hosts: tuple[str, ...] = ()
    classify_content_host_path: Callable[[str], str] | None = None
    excluded_hosts: tuple[str, ...] = ()  # globs matching content_hosts that are not content (blog., daily.)
    # Where -a profiles=NAME points when a profile is not a path on base_url (Bandcamp: a host per artist).
    profile_url: Callable[[str, str], str] | None = None  # (base_url, name) -> URL

    def classify(self, url: str, base_url: str, extra_hosts: tuple[str, ...] = ()) -> str | None:
        """Page type of ``url``, or None when it is on none of this platform's page hosts.

        Classification sees the path and, for YouTube-like platforms, the query: ``/watch?v=ID``.
        """
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return None
        netloc = parts.netloc.lower()
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query and self.query_in_identity else "")
        if netloc == urlsplit(base_url).netloc.lower():
            return self.classify_path(target)
        if self.is_content_host(netloc, extra_hosts):
            classify = self.classify_content_host_path or self.classify_path
            return classify(target)
        return None

    def is_content_host(self, netloc: str, extra: tuple[str, ...] = ()) -> bool:
        """True for the platform's other page hosts (and any given on the command line)."""
        netloc = netloc.lower()
        host = netloc.rsplit(":", 1)[0] if netloc.count(":") == 1 else netloc
        if netloc in extra:
            return True
        if any(fnmatch(host, p.lower()) for p in self.excluded_hosts):
            return False
        return any(fnmatch(host, p.lower()) for p in self.content_hosts)

    def is_media_host(self, host: str, extra: tuple[str, ...] = ()) -> bool:
        """True for the platform's media/CDN hosts (and any given on the command line)."""
        host = host.lower()
        return any(fnmatch(host, pattern.lower()) for pattern in (*self.media_hosts, *extra))
