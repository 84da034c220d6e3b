"""Turn a scenario into ready responses, so serving a request is one dictionary lookup.

Hand-written pages are rendered once when the scenario is loaded. Generated pages and
sitemaps are rendered on first request and kept in a small LRU cache, so a 20,000-track
scenario costs almost no memory or start-up time.
"""

from __future__ import annotations

import functools
import gzip
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs

from noai_check.replica import pages, platform_pages
from noai_check.replica.botwalls import botwall
from noai_check.replica.model import (
    ExtraPage,
    Generated,
    Headers,
    Media,
    Meta,
    Page,
    Scenario,
    SiteFile,
    Track,
    User,
)
from noai_check.replica.pages import Origins

HTML = "text/html; charset=utf-8"
_CONTENT_TYPES = {".txt": "text/plain; charset=utf-8", ".json": "application/json"}

# A 1x1 grey baseline JPEG (SOI, JFIF, DQT, SOF0, two one-code DHTs, SOS, one MCU, EOI).
TINY_JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300" + "01" * 64 + "ffc0000b080001000101011100"
    "ffc40014000100000000000000000000000000000000ffc40014100100000000000000000000000000000000"
    "ffda0008010100003f003fffd9"
)
_NOAI_META = Meta("name", "robots", "noai, noimageai")


@dataclass(frozen=True)
class Response:
    """Everything needed to answer; Content-Length is added by the server from ``body``."""

    status: int
    headers: Headers
    body: bytes
    delay_s: float = 0.0


class _Site:
    """A host's prepared responses by path; anything else gets ``not_found``."""

    def __init__(self, not_found: Response) -> None:
        self.fixed: dict[str, Response] = {}
        self.not_found = not_found

    def resolve(self, target: str) -> Response:
        path = target.partition("?")[0]
        return self.fixed.get(path) or self.not_found


def _file_response(file: SiteFile, path: str, origins: Origins) -> Response:
    suffix = path[path.rfind(".") :]
    body = ("\ufeff" if file.bom else "") + origins.expand(file.body)
    headers = (("Content-Type", _CONTENT_TYPES.get(suffix, "text/plain; charset=utf-8")),)
    return Response(file.status, headers + _expand_headers(file.headers, origins), body.encode("utf-8"))


def _expand_headers(headers: Headers, origins: Origins) -> Headers:
    return tuple((name, origins.expand(value)) for name, value in headers)


class MainSite(_Site):
    """The platform host: pages, site files, sitemaps, faults.

    An extra page host (``host`` other than "main", a Bandcamp artist) serves the same site
    files and headers, and only the items that live on it.
    """

    def __init__(self, scenario: Scenario, origins: Origins, host: str = "main") -> None:
        self.scenario = scenario
        self.origins = origins
        self.host = host
        self._site_headers = _expand_headers(scenario.site_headers, origins)
        super().__init__(self._error(404, Page()))
        for path, file in scenario.site_files.items():
            self.fixed[path] = _file_response(file, path, origins)
        on_main = host == "main"
        for extra in scenario.pages if on_main else ():
            self.fixed[extra.path] = self._extra(extra)
        self._users = {user.slug: user for user in scenario.users} if on_main else {}
        self._tracks = {(user.slug, track.slug): track for user in scenario.users for track in user.tracks}
        for user in scenario.users if on_main else ():
            self._add_user(user)
        for item in scenario.items:
            if item.host == host:
                self.fixed[item.path] = self._html(
                    item.page, item.path, functools.partial(platform_pages.item_page, scenario, item, origins)
                )
        if on_main and any(item.page.script for item in scenario.items):
            api = b'{"robots": "noai"}'
            self.fixed[pages.API_PATH] = Response(200, (("Content-Type", "application/json"),), api, pages.API_DELAY)
        self._sitemap_lists = self._list_sitemap_urls()
        self._lazy: Callable[[str], Response | None] = functools.lru_cache(maxsize=4096)(self._render_lazy)
        self._wall = botwall(scenario.site_botwall, origins.of(host) + "/") if scenario.site_botwall else None

    def resolve(self, target: str) -> Response:
        if self._wall:  # a site that shows crawlers nothing but its wall, site files included
            status, headers, body = self._wall
            return Response(status, headers, body.encode("utf-8"))
        if self.host != "main":
            return self.fixed.get(target) or self.fixed.get(target.partition("?")[0]) or self.not_found
        path, _, query = target.partition("?")
        if query and path[1:] in self._users:
            paged = self._pagination(self._users[path[1:]], query)
            if paged:
                return paged
        exact = self.fixed.get(target) if query else None
        return exact or self.fixed.get(path) or self._lazy(path) or self.not_found

    def _html(self, page: Page, path: str, render: Callable[[], str]) -> Response:
        """A page as its wall, its error page, or itself, with headers in a stable order."""
        delay = page.delay_ms / 1000
        if page.botwall:
            status, headers, body = botwall(page.botwall, self.origins.base + path)
            return Response(page.status or status, headers, body.encode("utf-8"), delay)
        status = page.status or 200
        if status >= 400:
            return self._error(status, page)
        return Response(status, self._headers_for(page), pages.pad(render().encode("utf-8"), page.body_size), delay)

    def _error(self, status: int, page: Page) -> Response:
        return Response(status, self._headers_for(page), pages.error_page(status).encode("utf-8"), page.delay_ms / 1000)

    def _headers_for(self, page: Page) -> Headers:
        return (("Content-Type", HTML),) + self._site_headers + _expand_headers(page.headers, self.origins)

    def _extra(self, extra: ExtraPage) -> Response:
        if extra.kind == "redirect":
            location = self.origins.expand(extra.location)
            if location.startswith("/"):
                location = self.origins.base + location
            headers = (("Content-Type", HTML), ("Location", location)) + self._site_headers
            return Response(extra.page.status or 302, headers, pages.redirect_page(location).encode("utf-8"))
        if self.scenario.platform != "soundcloud":
            return self._html(extra.page, extra.path, functools.partial(platform_pages.plain_page, self.scenario, extra, self.origins))
        return self._html(
            extra.page,
            extra.path,
            lambda: pages.plain_page(
                title=extra.title, path=extra.path, paragraphs=extra.clauses, page=extra.page, origins=self.origins
            ),
        )

    def _add_user(self, user: User) -> None:
        base = f"/{user.slug}"
        origins = self.origins
        tabs = self.scenario.profile_tabs
        self.fixed[base] = self._html(user.page, base, lambda: pages.profile_page(user, tabs, origins))
        tab_page = Page()
        for tab in tabs:
            self.fixed[f"{base}/{tab}"] = self._html(
                tab_page, f"{base}/{tab}", functools.partial(pages.tab_page, user, tab, origins, tab_page)
            )
        for track in user.tracks:
            path = f"{base}/{track.slug}"
            self.fixed[path] = self._html(track.page, path, functools.partial(pages.track_page, user, track, origins))
        for playlist in user.sets:
            path = f"{base}/sets/{playlist.slug}"
            members = [self._member(ref) for ref in playlist.track_refs]
            self.fixed[path] = self._html(
                playlist.page, path, functools.partial(pages.set_page, user, playlist, members, origins)
            )

    def _member(self, ref: str) -> tuple[User, Track]:
        user_slug, track_slug = ref.split("/", 1)
        return self._users[user_slug], self._tracks[(user_slug, track_slug)]

    def _pagination(self, user: User, query: str) -> Response | None:
        """``/{user}?page=N``: a profile that always has a page N+1 (a crawler trap by design)."""
        if not user.endless_pagination:
            return None
        try:
            number = int(parse_qs(query).get("page", [""])[0])
        except ValueError:
            return None
        if number < 1:
            return None
        tabs = self.scenario.profile_tabs
        return self._html(
            user.page, f"/{user.slug}", lambda: pages.profile_page(user, tabs, self.origins, page_number=number)
        )

    def _render_lazy(self, path: str) -> Response | None:
        if path == "/sitemap.xml" or path.startswith("/sitemaps/"):
            return self._sitemap(path)
        generated = self.scenario.generated
        found = generated.parse(path) if generated else None
        if generated is None or found is None:
            return None
        number, track_number = found
        user = _generated_user(generated, number)
        if track_number is None:
            return self._html(user.page, path, lambda: pages.profile_page(user, (), self.origins))
        track = user.tracks[track_number - 1]
        return self._html(track.page, path, lambda: pages.track_page(user, track, self.origins))

    # Sitemaps: /sitemap.xml indexes gzip'd children of at most max_urls_per_file URLs each.

    def _list_sitemap_urls(self) -> dict[str, tuple[int, Callable[[int], str]]]:
        """Each child kind -> (URL count, URL by position), without listing generated URLs."""
        base = self.origins.base
        users = [f"{base}/{u.slug}" for u in self.scenario.users if u.in_sitemap]
        tracks = [f"{base}/{u.slug}/{t.slug}" for u in self.scenario.users for t in u.tracks if t.in_sitemap]
        if self.scenario.sitemaps:
            tracks += list(self.scenario.sitemaps.offsite_urls)
        gen = self.scenario.generated or Generated(users=0, tracks_per_user=0, noai_every=0)
        gen_users, gen_tracks = gen.users, gen.users * gen.tracks_per_user

        def user_at(i: int) -> str:
            return users[i] if i < len(users) else f"{base}/{gen.user_slug(i - len(users) + 1)}"

        def track_at(i: int) -> str:
            return tracks[i] if i < len(tracks) else base + gen.track_path(i - len(tracks))

        lists: dict[str, tuple[int, Callable[[int], str]]] = {
            "tracks": (len(tracks) + gen_tracks, track_at), "users": (len(users) + gen_users, user_at),
        }
        if self.scenario.items:
            items = [self.origins.of(i.host) + i.path for i in self.scenario.items if i.in_sitemap]
            lists["items"] = (len(items), lambda i: items[i])
        return lists

    def _sitemap(self, path: str) -> Response | None:
        settings = self.scenario.sitemaps
        if settings is None:
            return None
        per_file = settings.max_urls_per_file
        lists = self._sitemap_lists
        if path == "/sitemap.xml":
            children = [
                f"{self.origins.base}/sitemaps/{kind}-{n}.xml.gz"
                for kind, (count, _) in lists.items()
                for n in range(1, math.ceil(count / per_file) + 1)
            ]
            if settings.malformed_child:
                children.append(f"{self.origins.base}/sitemaps/broken-1.xml.gz")
            return Response(200, (("Content-Type", "application/xml"),), pages.sitemap_index(children).encode())
        match = re.fullmatch(r"/sitemaps/([a-z]+)-(\d+)\.xml\.gz", path)
        if not match:
            return None
        kind, number = match.group(1), int(match.group(2))
        if kind == "broken" and number == 1 and settings.malformed_child:
            return _gzip_response(pages.broken_urlset(self.origins.base))
        if kind not in lists or number < 1:
            return None
        count, url_at = lists[kind]
        start = (number - 1) * per_file
        if start >= count:
            return None
        urls = (url_at(i) for i in range(start, min(count, start + per_file)))
        return _gzip_response(pages.urlset(urls))


def _gzip_response(xml: str) -> Response:
    return Response(200, (("Content-Type", "application/gzip"),), gzip.compress(xml.encode("utf-8"), mtime=0))


def _generated_user(gen: Generated, number: int) -> User:
    """A generated user with all its tracks, built from its number alone."""
    tracks = tuple(
        Track(
            slug=gen.track_slug(t),
            title=f"Track {t} by User {number:05d}",
            id=number * 10_000 + t,
            page=Page(meta=(_NOAI_META,) if gen.has_noai(number, t) else ()),
            genre="Electronic",
        )
        for t in range(1, gen.tracks_per_user + 1)
    )
    return User(slug=gen.user_slug(number), display_name=f"User {number:05d}", id=number, page=Page(), tracks=tracks)


class MediaSite(_Site):
    """The artwork host: its own robots.txt and tdmrep.json, and a tiny JPEG per artwork."""

    def __init__(self, scenario: Scenario, origins: Origins) -> None:
        super().__init__(Response(404, (("Content-Type", "text/plain; charset=utf-8"),), b"Not Found\n"))
        self._headers = _expand_headers(scenario.media_headers, origins)
        for path, file in scenario.media_files.items():
            self.fixed[path] = _file_response(file, path, origins)
        for user in scenario.users:
            self._add_image(user.avatar_file, user.avatar, origins)
            for track in user.tracks:
                self._add_image(track.artwork_file, track.artwork, origins)
            for playlist in user.sets:
                self._add_image(playlist.artwork_file, playlist.artwork, origins)
        for item in scenario.items:
            self._add_image(item.image_file, item.image, origins)

    def _add_image(self, name: str, media: Media | None, origins: Origins) -> None:
        if media is None:
            return
        extra = self._headers + _expand_headers(media.headers, origins)
        if media.status >= 400:
            body, content_type = f"{media.status}\n".encode(), "text/plain; charset=utf-8"
        else:
            body, content_type = TINY_JPEG, "image/jpeg"
        self.fixed[f"/{name}"] = Response(media.status, (("Content-Type", content_type),) + extra, body)
