"""HTML and sitemap XML shaped like SoundCloud's, written for the replica (bot walls: ``botwalls``).

The real pages are a JavaScript app shell: ``property=`` og/twitter metas in ``<head>``, a
``<noscript>`` block holding schema.org microdata with the links a non-JS crawler can follow,
and a ``window.__sc_hydration`` JSON blob. Crawlers are tested against that shape, so the
templates (``templates/soundcloud/``, ``templates/sitemaps/``) keep it. They autoescape every
text and attribute value (see ``templating``); only the page's own meta tags, the hydration
JSON and a script-placed tag's JS literal go in as ``Markup``, each built safe here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from markupsafe import Markup

from noai_check.replica.model import Link, Meta, Page, Playlist, Track, User
from noai_check.replica.templating import render

SITE_NAME = "SoundCloud"


@dataclass(frozen=True)
class Origins:
    """The replica's two origins, known only after binding; ``{base}``/``{media}`` expand to them."""

    base: str
    media: str
    hosts: tuple[tuple[str, str], ...] = ()  # (name, origin) of a scenario's extra page hosts

    def expand(self, text: str) -> str:
        for name, origin in self.hosts:
            text = text.replace(f"{{host:{name}}}", origin)
        return text.replace("{base}", self.base).replace("{media}", self.media)

    def of(self, host: str) -> str:
        """The origin of host ``main``, ``media`` or an extra host's name."""
        return {"main": self.base, "media": self.media, **dict(self.hosts)}[host]


def meta_tag(meta: Meta, origins: Origins) -> Markup:
    """One of a page's own metas; ``attribute`` comes from the scenario loader's fixed choices."""
    return Markup(f'<meta {meta.attribute}="{escape(meta.key)}" content="{escape(origins.expand(meta.content))}">')


# A page's own script (Page.script), for the raw-vs-rendered tests: each changes the robots metas
# only once it runs, so a crawler that reads raw HTML sees one thing and a browser another.
API_PATH = "/api/optout.json"  # the replica's own JSON API, answered after API_DELAY seconds
API_DELAY = 0.4
_ADD = "var m=document.createElement('meta');m.name='robots';m.content=CONTENT;document.head.appendChild(m);"
PAGE_SCRIPTS = {
    "insert": _ADD.replace("CONTENT", "'noai, noimageai'"),
    "fetch-insert": "setTimeout(function(){fetch('API').then(function(r){return r.json()})"
                    ".then(function(d){ADD})},200);".replace("API", API_PATH).replace("ADD", _ADD.replace("CONTENT", "d.robots")),
    "remove": "document.querySelectorAll('meta[name=robots]').forEach(function(m){m.remove()});",
    "change": "document.querySelectorAll('meta[name=robots]').forEach(function(m){m.content='noimageai'});",
    "never-settles": "setInterval(function(){fetch('API?t='+Date.now())},150);".replace("API", API_PATH),
    "wall": "document.title='Just a moment...';document.body.textContent='Checking your browser';",
}


def page_script(page: Page) -> Markup | None:
    """The page's own script (fixed text chosen by name, nothing from the scenario in it), or None."""
    return Markup(PAGE_SCRIPTS[page.script]) if page.script else None


def _js_string(text: str) -> str:
    """A single-quoted JS literal that keeps the tag readable (the trap) but cannot end the script."""
    inner = text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("</", "<\\/")
    return f"'{inner}'"


def placed_metas(page: Page, origins: Origins, script: Callable[[str], str] = _js_string) -> dict[str, list[Markup]]:
    """The page's metas as markup, by place: a comment's ``--`` broken up, a script's as a JS literal.

    Markup because a template must not escape them again: the tag itself is the test (a crawler must
    read the head and body ones, and must not read the commented or scripted ones).
    """
    placed: dict[str, list[Markup]] = {"head": [], "body": [], "comment": [], "script": []}
    for meta in page.meta:
        tag = meta_tag(meta, origins)
        if meta.place == "comment":
            tag = Markup(tag.replace("--", "- -"))
        elif meta.place == "script":
            tag = Markup(script(tag))
        placed[meta.place].append(tag)
    return placed


def _links(links: Sequence[Link], origins: Origins) -> list[tuple[str, str]]:
    return [(origins.expand(link.href), link.text) for link in links]


def shell(template: str, *, page: Page, origins: Origins, **context: Any) -> str:
    """A SoundCloud page: ``template`` extends the app shell, with the page's own metas placed as asked."""
    return render(
        f"soundcloud/{template}.html",
        site=SITE_NAME,
        origins=origins,
        placed=placed_metas(page, origins),
        links=_links(page.links, origins),
        **context,
    )


def pad(body: bytes, size: int) -> bytes:
    """Grow a page to ``size`` bytes with a big inline blob, the way heavy hydration data would."""
    missing = size - len(body)
    if missing <= 0:
        return body
    opening, closing = b'<script>window.__sc_waveform = "', b'";</script>\n</body>'
    filler = b"A" * max(0, missing - len(opening) - len(closing) + len(b"</body>"))
    end = body.rindex(b"</body>")
    return body[:end] + opening + filler + closing + body[end + len(b"</body>") :]


def _track_social(
    user: User, track: Track, origins: Origins, url: str, artwork: str, description: str
) -> list[tuple[str, str]]:
    """A track page's twitter:, og: and soundcloud: metas, in SoundCloud's order."""
    return [
        ("twitter:title", track.title),
        ("twitter:description", description),
        ("twitter:card", "player"),
        ("twitter:player", f"{origins.base}/player/?url={origins.base}/tracks/{track.id}"),
        ("twitter:url", url),
        *([("twitter:image", artwork)] if artwork else []),
        ("og:type", "music.song"),
        ("og:url", url),
        ("og:title", track.title),
        *([("og:image", artwork), ("og:image:width", "500"), ("og:image:height", "500")] if artwork else []),
        ("og:description", description),
        ("soundcloud:user", f"{origins.base}/{user.slug}"),
        ("soundcloud:play_count", str(track.id % 100_000)),
    ]


def track_page(user: User, track: Track, origins: Origins) -> str:
    path = f"/{user.slug}/{track.slug}"
    url = origins.base + path
    artwork = f"{origins.media}/{track.artwork_file}" if track.artwork else ""
    description = track.description or f"{track.title} by {user.display_name}"
    social = _track_social(user, track, origins, url, artwork, description)
    hydration: list[dict[str, Any]] = [
        {"hydratable": "anonymousId", "data": f"{track.id % 999_983}-{user.id % 999_983}"},
        {
            "hydratable": "sound",
            "data": {
                "id": track.id,
                "kind": "track",
                "permalink": track.slug,
                "permalink_url": url,
                "title": track.title,
                "genre": track.genre,
                "artwork_url": artwork or None,
                "user": {"id": user.id, "permalink": user.slug, "username": user.display_name},
            },
        },
    ]
    return shell(
        "track",
        title=f"Stream {track.title} by {user.display_name} | Listen online for free on {SITE_NAME}",
        description=f"Stream {track.title} by {user.display_name} on desktop and mobile.",
        canonical=url,
        social=social,
        hydration=hydration,
        page=track.page,
        origins=origins,
        user=user,
        track=track,
        path=path,
        artwork=artwork,
        track_description=description,
    )


def profile_page(user: User, tabs: Sequence[str], origins: Origins, page_number: int = 1) -> str:
    """A profile; with endless pagination every page links to the next one, without end."""
    url = f"{origins.base}/{user.slug}"
    avatar = f"{origins.media}/{user.avatar_file}" if user.avatar else ""
    social = [
        ("og:type", "profile"),
        ("og:url", url),
        ("og:title", user.display_name),
        *([("og:image", avatar)] if avatar else []),
        ("twitter:card", "summary"),
        ("twitter:title", user.display_name),
        *([("twitter:image", avatar)] if avatar else []),
    ]
    hydration: list[dict[str, Any]] = [
        {
            "hydratable": "user",
            "data": {
                "id": user.id,
                "kind": "user",
                "permalink": user.slug,
                "username": user.display_name,
                "city": user.city or None,
                "avatar_url": avatar or None,
                "track_count": len(user.tracks),
                "playlist_count": len(user.sets),
            },
        }
    ]
    suffix = f" (page {page_number})" if page_number > 1 else ""
    return shell(
        "profile",
        title=f"{user.display_name}{suffix} | Listen online for free on {SITE_NAME}",
        description=f"Play {user.display_name} and discover followers on {SITE_NAME}.",
        canonical=url,
        social=social,
        hydration=hydration,
        page=user.page,
        origins=origins,
        user=user,
        tabs=tabs,
        avatar=avatar,
        page_number=page_number,
    )


def tab_page(user: User, tab: str, origins: Origins, page: Page) -> str:
    """``/{user}/tracks``, ``/likes``, ``/followers``: listing tabs, not tracks named "likes"."""
    return shell(
        "tab",
        title=f"{user.display_name}’s {tab} | Listen online for free on {SITE_NAME}",
        description=f"{tab.capitalize()} of {user.display_name} on {SITE_NAME}.",
        canonical=f"{origins.base}/{user.slug}/{tab}",
        social=[("og:type", "website"), ("og:url", f"{origins.base}/{user.slug}/{tab}")],
        hydration=[{"hydratable": "user", "data": {"id": user.id, "permalink": user.slug}}],
        page=page,
        origins=origins,
        user=user,
        tab=tab,
    )


def set_page(user: User, playlist: Playlist, members: Sequence[tuple[User, Track]], origins: Origins) -> str:
    path = f"/{user.slug}/sets/{playlist.slug}"
    url = origins.base + path
    artwork = f"{origins.media}/{playlist.artwork_file}" if playlist.artwork else ""
    social = [
        ("og:type", "music.playlist"),
        ("og:url", url),
        ("og:title", playlist.title),
        *([("og:image", artwork)] if artwork else []),
        ("twitter:card", "player"),
        ("twitter:title", playlist.title),
    ]
    hydration: list[dict[str, Any]] = [
        {
            "hydratable": "playlist",
            "data": {
                "id": playlist.id,
                "kind": "playlist",
                "permalink": playlist.slug,
                "title": playlist.title,
                "tracks": [{"id": track.id, "permalink": track.slug} for _, track in members],
                "user": {"id": user.id, "permalink": user.slug},
            },
        }
    ]
    return shell(
        "set",
        title=f"Stream {playlist.title} by {user.display_name} | Listen online for free on {SITE_NAME}",
        description=f"Listen to {playlist.title} by {user.display_name} on {SITE_NAME}.",
        canonical=url,
        social=social,
        hydration=hydration,
        page=playlist.page,
        origins=origins,
        user=user,
        playlist=playlist,
        members=members,
        path=path,
        artwork=artwork,
    )


def plain_page(*, title: str, path: str, paragraphs: Sequence[str], page: Page, origins: Origins) -> str:
    """Home, terms and app pages: a heading, numbered paragraphs, and the page's links."""
    return shell(
        "plain",
        title=f"{title} | {SITE_NAME}" if path != "/" else title,
        description=title,
        canonical=origins.base + path,
        social=[("og:type", "website"), ("og:url", origins.base + path), ("og:title", title)],
        hydration=[{"hydratable": "anonymousId", "data": "0-0"}],
        page=page,
        origins=origins,
        heading=title,
        paragraphs=paragraphs,
    )


def redirect_page(location: str) -> str:
    return render("soundcloud/redirect.html", location=location)


def error_page(status: int) -> str:
    """SoundCloud answers missing and broken pages with a small branded HTML page."""
    message = "We can’t find that page." if status == 404 else "Something went wrong."
    return render("soundcloud/error.html", site=SITE_NAME, message=message, status=status)


def sitemap_index(locations: Iterable[str]) -> str:
    return render("sitemaps/index.xml", locations=locations)


def urlset(locations: Iterable[str]) -> str:
    return render("sitemaps/urlset.xml", locations=locations)


def broken_urlset(base: str) -> str:
    """A child sitemap cut off mid-entry, with a bare ampersand: not XML at all."""
    return render("sitemaps/broken.xml", base=base)
