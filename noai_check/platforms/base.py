"""What a platform is, as data: hosts, page types and URL rules, terms pages, public claims.

A spider for a platform is then a few lines (see ``spiders/``); everything that differs
between platforms lives in a ``Platform`` value.
"""

from __future__ import annotations

import re
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


# ---------------------------------------------------------------- path classification as a table

# How one path segment is tested: a str is that exact segment, a frozenset any of its members
# (exactly), a compiled regex must ``match``, and any other callable must return something true.
SegmentTest = str | frozenset[str] | re.Pattern[str] | Callable[[str], object]


def any_segment(segment: str) -> bool:
    """Every segment passes: the pattern only asks that one be there."""
    return True


def lower_in(words: frozenset[str]) -> Callable[[str], bool]:
    """The segment, lower-cased, is one of ``words`` (reserved words are matched whatever the case)."""
    return lambda segment: segment.lower() in words


def none_of(*tests: SegmentTest) -> Callable[[str], bool]:
    """No one of ``tests`` passes: ``none_of(_SLUG)`` is "not a valid name"."""
    one_passes = any_of(*tests)
    return lambda segment: not one_passes(segment)


def any_of(*tests: SegmentTest) -> Callable[[str], bool]:
    """At least one of ``tests`` passes."""
    testers = _testers(tests)

    def passes(segment: str) -> bool:
        for tester in testers:
            if tester(segment):
                return True
        return False

    return passes


def all_of(*tests: SegmentTest) -> Callable[[str], bool]:
    """Every one of ``tests`` passes."""
    testers = _testers(tests)

    def passes(segment: str) -> bool:
        for tester in testers:
            if not tester(segment):
                return False
        return True

    return passes


def _tester(test: SegmentTest) -> Callable[[str], object]:
    """``test`` as one call whose result is true when the segment passes. The kind of test is
    looked at once, when a table is built, not for every segment of every URL classified (a
    sitemap of 50,000 URLs, a profile's links)."""
    if isinstance(test, str):
        return test.__eq__
    if isinstance(test, frozenset):
        return test.__contains__
    if isinstance(test, re.Pattern):
        return test.match
    return test


def _testers(tests: tuple[SegmentTest, ...]) -> tuple[Callable[[str], object], ...]:
    return tuple(_tester(test) for test in tests)


@dataclass(frozen=True)
class PathRule:
    """Paths whose segments pass ``pattern`` one by one are ``page_type``.

    The segment count must equal the pattern's, or be at least as large with ``prefix``.
    ``path`` and ``query``, when given, test the whole path and the query string as well.
    """

    pattern: tuple[SegmentTest, ...]
    page_type: str
    prefix: bool = False
    path: Callable[[str], object] | None = None
    query: Callable[[str], object] | None = None
    _segment_tests: tuple[Callable[[str], object], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_segment_tests", _testers(self.pattern))

    def matches(self, parts: list[str], path: str, query: str) -> bool:
        """Whether this row decides the path (split into ``parts``) with this query."""
        if len(parts) < len(self._segment_tests) or (not self.prefix and len(parts) != len(self._segment_tests)):
            return False
        for tester, part in zip(self._segment_tests, parts):
            if not tester(part):
                return False
        return (self.path is None or bool(self.path(path))) and (self.query is None or bool(self.query(query)))


def path_classifier(
    rules: tuple[PathRule, ...], otherwise: str, *, home: str = OTHER, with_query: bool = False
) -> Callable[[str], str]:
    """A ``classify_path`` from a table: ``home`` for ``/``, else the first matching rule's type, else ``otherwise``.

    ``with_query`` splits ``path?query`` first (platforms whose identity is in the query, YouTube).

    >>> classify = path_classifier((PathRule(("album", any_segment), "album"),), SUBPAGE, home="artist")
    >>> classify("/"), classify("/album/x"), classify("/album/x/credits")
    ('artist', 'album', 'subpage')
    """

    def classify_path(target: str) -> str:
        path, _, query = target.partition("?") if with_query else (target, "", "")
        parts = segments(path)
        if not parts:
            return home
        return next((rule.page_type for rule in rules if rule.matches(parts, path, query)), otherwise)

    return classify_path


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
