"""The replica's data model: a scenario as frozen dataclasses, with its hand-written expectations.

``scenario.py`` reads these from JSON and documents the file format; everything else (the
routes, the templates, tests) works on these objects only.
"""

from __future__ import annotations

import functools
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

BOTWALLS = ("datadome", "cloudflare", "perimeterx", "akamai", "status-429", "status-503")
PAGE_TYPES = ("track", "profile", "set", "other", "media")
# Page types of the other platforms' replicas (see noai_check/platforms/), and the site spider's "page".
PLATFORM_PAGE_TYPES = (
    "album", "artist", "show", "song", "video", "channel", "art", "artwork", "photo", "page",
)
PAGE_KINDS = ("home", "terms", "app", "redirect")
META_PLACES = ("head", "body", "comment", "script")
# What a page's own script does to its robots metas once it runs (pages.PAGE_SCRIPTS holds each script).
SCRIPTS = ("insert", "fetch-insert", "remove", "change", "never-settles", "wall")
Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Expect:
    """What a correct crawler reports for one URL (hand-written in the scenario)."""

    page_type: str
    verifiable: bool
    unverifiable_reason_contains: str | None = None
    noai: bool = False
    noimageai: bool = False
    tdm_reservation: int | None = None
    agent_directives: dict[str, list[str]] = field(default_factory=dict)
    content_usage: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "page_type": self.page_type,
            "verifiable": self.verifiable,
            "unverifiable_reason_contains": self.unverifiable_reason_contains,
            "noai": self.noai,
            "noimageai": self.noimageai,
            "tdm_reservation": self.tdm_reservation,
            "agent_directives": {k: list(v) for k, v in self.agent_directives.items()},
            "content_usage": dict(self.content_usage),
        }


@dataclass(frozen=True)
class Meta:
    attribute: str  # "name", "property" or "http-equiv"
    key: str
    content: str
    place: str = "head"


@dataclass(frozen=True)
class Link:
    href: str
    text: str


@dataclass(frozen=True)
class Page:
    """The per-page knobs every page kind shares."""

    status: int | None = None  # None: 200, or the bot wall's own code
    headers: Headers = ()
    meta: tuple[Meta, ...] = ()
    links: tuple[Link, ...] = ()
    botwall: str | None = None
    delay_ms: int = 0
    body_size: int = 0
    expect: Expect | None = None
    script: str | None = None  # one of SCRIPTS: the page's metas change after JavaScript runs


@dataclass(frozen=True)
class SiteFile:
    status: int = 200
    body: str = ""
    bom: bool = False
    headers: Headers = ()


@dataclass(frozen=True)
class Media:
    """One image on the media host."""

    status: int = 200
    headers: Headers = ()
    expect: Expect | None = None


def artwork_file(item_id: int) -> str:
    """Artwork name on the media host, in SoundCloud's ``artworks-<id>-t500x500.jpg`` form."""
    return f"artworks-{item_id:09d}-t500x500.jpg"


@dataclass(frozen=True)
class Track:
    slug: str
    title: str
    id: int
    page: Page
    genre: str = ""
    description: str = ""
    artwork: Media | None = None
    in_sitemap: bool = True

    @property
    def artwork_file(self) -> str:
        return artwork_file(self.id)


@dataclass(frozen=True)
class Playlist:
    """A SoundCloud "set"; its tracks are ``user/track`` references."""

    slug: str
    title: str
    id: int
    page: Page
    track_refs: tuple[str, ...] = ()
    artwork: Media | None = None

    @property
    def artwork_file(self) -> str:
        return artwork_file(self.id)


@dataclass(frozen=True)
class User:
    slug: str
    display_name: str
    id: int
    page: Page
    city: str = ""
    bio: str = ""
    avatar: Media | None = None
    in_sitemap: bool = True
    endless_pagination: bool = False
    pagination_expect: Expect | None = None
    tracks: tuple[Track, ...] = ()
    sets: tuple[Playlist, ...] = ()

    @property
    def avatar_file(self) -> str:
        return f"avatars-{self.id:09d}-t500x500.jpg"


@dataclass(frozen=True)
class Item:
    """A content page of a non-SoundCloud platform, drawn by that platform's template (``platform_pages``)."""

    path: str  # may carry a query when the query is the page's identity: /watch?v=ID
    template: str
    page: Page
    host: str = "main"  # or one of the scenario's extra hosts (a Bandcamp artist)
    title: str = ""
    by: str = ""
    image: Media | None = None
    in_sitemap: bool = True

    @property
    def image_file(self) -> str:
        """The item's image on the media host, named by a hash of where the item lives."""
        return f"img/{zlib.crc32(f'{self.host}{self.path}'.encode()):08x}.jpg"


@dataclass(frozen=True)
class ExtraPage:
    """A page that is neither profile, track nor set: home, terms, app shells, redirects."""

    path: str
    kind: str
    page: Page
    title: str = ""
    clauses: tuple[str, ...] = ()
    location: str = ""


@dataclass(frozen=True)
class Sitemaps:
    max_urls_per_file: int = 10_000
    offsite_urls: tuple[str, ...] = ()
    malformed_child: bool = False


@dataclass(frozen=True)
class Generated:
    """Users and tracks made up from their numbers on request, so 20,000 pages cost nothing."""

    users: int
    tracks_per_user: int
    noai_every: int
    profile_expect: Expect | None = None
    track_expect: Expect | None = None
    noai_track_expect: Expect | None = None

    @staticmethod
    def user_slug(user: int) -> str:
        return f"user-{user:05d}"

    @staticmethod
    def track_slug(track: int) -> str:
        return f"track-{track:04d}"

    def parse(self, path: str) -> tuple[int, int | None] | None:
        """``/user-00042`` -> (42, None), ``/user-00042/track-0007`` -> (42, 7), else None."""
        match = re.fullmatch(r"/user-(\d{5})(?:/track-(\d{4}))?", path)
        if not match:
            return None
        user = int(match.group(1))
        track = int(match.group(2)) if match.group(2) else None
        if not 1 <= user <= self.users or (track is not None and not 1 <= track <= self.tracks_per_user):
            return None
        return user, track

    def has_noai(self, user: int, track: int) -> bool:
        ordinal = (user - 1) * self.tracks_per_user + track
        return self.noai_every > 0 and ordinal % self.noai_every == 0

    def track_path(self, ordinal: int) -> str:
        """Path of the ``ordinal``-th generated track, counting from 0."""
        user, track = divmod(ordinal, self.tracks_per_user)
        return f"/{self.user_slug(user + 1)}/{self.track_slug(track + 1)}"

    def expect_for(self, user: int, track: int | None) -> Expect | None:
        if track is None:
            return self.profile_expect
        return self.noai_track_expect if self.has_noai(user, track) else self.track_expect


@dataclass(frozen=True)
class Scenario:
    name: str
    source: str
    description: str = ""
    site_headers: Headers = ()
    site_files: dict[str, SiteFile] = field(default_factory=dict)  # path -> file
    media_headers: Headers = ()
    media_files: dict[str, SiteFile] = field(default_factory=dict)
    sitemaps: Sitemaps | None = None
    profile_tabs: tuple[str, ...] = ()
    tab_expect: Expect | None = None
    pages: tuple[ExtraPage, ...] = ()
    users: tuple[User, ...] = ()
    generated: Generated | None = None
    platform: str = "soundcloud"  # whose templates draw ``items``
    hosts: tuple[str, ...] = ()  # extra page hosts, one loopback port each ({host:NAME})
    items: tuple[Item, ...] = ()
    site_botwall: str | None = None  # every request to every page host answers with this wall
    agent_rules: tuple[tuple[str, str], ...] = ()  # (user-agent substring, answer): see replica/agent_rules.py

    def expectations(self) -> Iterator[tuple[str, str, Expect]]:
        """Every hand-written expectation as (host "main" or "media", target, expect); lazy.

        Endless pagination pages are infinitely many, so they are not listed: ``expect_for``
        answers for them.
        """
        yield from self._listed_expectations()
        if self.generated:
            gen = self.generated
            for number in range(1, gen.users + 1):
                slug = gen.user_slug(number)
                if gen.profile_expect:
                    yield "main", f"/{slug}", gen.profile_expect
                for track in range(1, gen.tracks_per_user + 1):
                    expect = gen.expect_for(number, track)
                    if expect:
                        yield "main", f"/{slug}/{gen.track_slug(track)}", expect

    def expect_for(self, target: str, host: str = "main") -> Expect | None:
        """What a correct crawler finds at one path (query included), or None if nothing is stated."""
        found = self._listed_lookup.get((host, target))
        if found or host != "main":
            return found
        path, _, query = target.partition("?")
        user = next((user for user in self.users if f"/{user.slug}" == path), None)
        if user and user.endless_pagination and re.fullmatch(r"page=\d+", query):
            return user.pagination_expect
        parsed = self.generated.parse(path) if self.generated else None
        return self.generated.expect_for(*parsed) if self.generated and parsed else None

    @functools.cached_property
    def _listed_lookup(self) -> dict[tuple[str, str], Expect]:
        return {(host, target): expect for host, target, expect in self._listed_expectations()}

    def _listed_expectations(self) -> Iterator[tuple[str, str, Expect]]:
        for extra in self.pages:
            if extra.page.expect:
                yield "main", extra.path, extra.page.expect
        for user in self.users:
            yield from _user_expectations(user, self.profile_tabs, self.tab_expect)
        for item in self.items:
            if item.page.expect:
                yield item.host, item.path, item.page.expect
            if item.image and item.image.expect:
                yield "media", f"/{item.image_file}", item.image.expect


def _user_expectations(
    user: User, tabs: tuple[str, ...], tab_expect: Expect | None
) -> Iterator[tuple[str, str, Expect]]:
    base = f"/{user.slug}"
    if user.page.expect:
        yield "main", base, user.page.expect
    if user.avatar and user.avatar.expect:
        yield "media", f"/{user.avatar_file}", user.avatar.expect
    if tab_expect:
        for tab in tabs:
            yield "main", f"{base}/{tab}", tab_expect
    for track in user.tracks:
        if track.page.expect:
            yield "main", f"{base}/{track.slug}", track.page.expect
        if track.artwork and track.artwork.expect:
            yield "media", f"/{track.artwork_file}", track.artwork.expect
    for playlist in user.sets:
        if playlist.page.expect:
            yield "main", f"{base}/sets/{playlist.slug}", playlist.page.expect
        if playlist.artwork and playlist.artwork.expect:
            yield "media", f"/{playlist.artwork_file}", playlist.artwork.expect
