"""HTML and sitemap XML shaped like SoundCloud's, written for the replica (bot walls: ``botwalls``).

The real pages are a JavaScript app shell: ``property=`` og/twitter metas in ``<head>``, a
``<noscript>`` block holding schema.org microdata with the links a non-JS crawler can follow,
and a ``window.__sc_hydration`` JSON blob. Crawlers are tested against that shape, so the
templates keep it. Every text and attribute value goes through ``html.escape``.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from noai_check.replica.model import Link, Meta, Page, Playlist, Track, User

SITE_NAME = "SoundCloud"
_EPOCH = datetime.date(2019, 1, 1)


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


def meta_tag(meta: Meta, origins: Origins) -> str:
    return f'<meta {meta.attribute}="{escape(meta.key)}" content="{escape(origins.expand(meta.content))}">'


def _js_string(text: str) -> str:
    """A single-quoted JS literal that keeps the tag readable (the trap) but cannot end the script."""
    inner = text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("</", "<\\/")
    return f"'{inner}'"


def _hydration(entries: list[dict[str, Any]]) -> str:
    blob = json.dumps(entries, separators=(",", ":"), ensure_ascii=False)
    # \u escapes keep the JSON valid and leave no "<", so nothing in it can end the script.
    blob = blob.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f"<script>window.__sc_hydration = {blob};</script>"


def _published(item_id: int) -> str:
    day = _EPOCH + datetime.timedelta(days=item_id % 1800)
    return f"{day.isoformat()}T{item_id % 24:02d}:{item_id % 60:02d}:00Z"


def _duration(item_id: int) -> str:
    return f"PT00H{2 + item_id % 5:02d}M{item_id % 60:02d}S"


def _og(pairs: Iterable[tuple[str, str]]) -> str:
    return "".join(f'<meta property="{escape(key)}" content="{escape(value)}">' for key, value in pairs)


def _links(links: Sequence[Link], origins: Origins) -> str:
    if not links:
        return ""
    items = "".join(
        f'\n  <li><a href="{escape(origins.expand(link.href))}">{escape(link.text)}</a></li>' for link in links
    )
    return f'\n<ul class="links">{items}\n</ul>'


def shell(
    *,
    title: str,
    description: str,
    canonical: str,
    social: Sequence[tuple[str, str]],
    article: str,
    hydration: list[dict[str, Any]],
    page: Page,
    origins: Origins,
) -> str:
    """The app shell every SoundCloud page shares, with the page's own metas placed as asked."""
    placed: dict[str, list[str]] = {"head": [], "body": [], "comment": [], "script": []}
    for meta in page.meta:
        placed[meta.place].append(meta_tag(meta, origins))
    head_extra = "".join(placed["head"])
    comments = "".join(f"\n<!-- {tag.replace('--', '- -')} -->" for tag in placed["comment"])
    scripts = "".join(f"\n<script>window.__sc_headTemplate = {_js_string(tag)};</script>" for tag in placed["script"])
    body_metas = "".join(f"\n{tag}" for tag in placed["body"])
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="theme-color" content="#333">
<link rel="dns-prefetch" href="{escape(origins.media)}">
<title>{escape(title)}</title>
<meta content="music, audio, sounds, tracks, upload, share" name="keywords">
<meta name="referrer" content="origin">
<meta name="viewport" content="width=device-width,minimum-scale=1,maximum-scale=1,user-scalable=no">
<meta content="{SITE_NAME}" property="og:site_name">
<meta content="{SITE_NAME}" property="twitter:site">
<meta content="{SITE_NAME}" property="twitter:app:name:iphone">
<meta name="description" content="{escape(description)}">{_og(social)}{head_extra}
<link rel="canonical" href="{escape(canonical)}">{comments}{scripts}
<link rel="stylesheet" href="{escape(origins.media)}/assets/app.css">
</head>
<body class="sc-classic">
<div id="app">
<div role="banner" class="header"><a href="/" title="Home" class="header__logoLink">{SITE_NAME}</a></div>
</div>
<noscript class="errorPage__inner"><p class="errorTitle">JavaScript is disabled</p>
<p class="errorText">You need to enable JavaScript to use {SITE_NAME}</p></noscript>
<noscript>{article}{_links(page.links, origins)}
</noscript>{body_metas}
<script>window.__sc_version="1715000000"</script>
{_hydration(hydration)}
<script crossorigin src="{escape(origins.media)}/assets/app.js"></script>
</body>
</html>
"""


def pad(body: bytes, size: int) -> bytes:
    """Grow a page to ``size`` bytes with a big inline blob, the way heavy hydration data would."""
    missing = size - len(body)
    if missing <= 0:
        return body
    opening, closing = b'<script>window.__sc_waveform = "', b'";</script>\n</body>'
    filler = b"A" * max(0, missing - len(opening) - len(closing) + len(b"</body>"))
    end = body.rindex(b"</body>")
    return body[:end] + opening + filler + closing + body[end + len(b"</body>") :]


def _artist_block(user: User) -> str:
    return (
        '<div itemscope itemprop="byArtist" itemtype="http://schema.org/MusicGroup">'
        f'<meta itemprop="name" content="{escape(user.display_name)}">'
        f'<meta itemprop="url" content="/{escape(user.slug)}"></div>'
    )


def _track_item(user: User, track: Track, tag: str = "h2") -> str:
    return f"""
    <article class="audible" itemprop="track" itemscope itemtype="http://schema.org/MusicRecording">
      <{tag} itemprop="name"><a itemprop="url" href="/{escape(user.slug)}/{escape(track.slug)}">{escape(track.title)}</a>
      by <a href="/{escape(user.slug)}">{escape(user.display_name)}</a></{tag}>
      published on <time pubdate>{_published(track.id)}</time>
      <meta itemprop="duration" content="{_duration(track.id)}">
    </article>"""


def track_page(user: User, track: Track, origins: Origins) -> str:
    path = f"/{user.slug}/{track.slug}"
    url = origins.base + path
    artwork = f"{origins.media}/{track.artwork_file}" if track.artwork else ""
    description = track.description or f"{track.title} by {user.display_name}"
    social = [
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
    image = (
        f'\n    <img src="{escape(artwork)}" width="500" height="500" alt="{escape(track.title)}" itemprop="image">'
        if artwork
        else ""
    )
    genre = f"\n  <dl>\n    <dt>Genre</dt>\n    <dd>{escape(track.genre)}</dd>\n  </dl>" if track.genre else ""
    article = f"""<article itemscope itemtype="http://schema.org/MusicRecording">
  <header>
    <h1 itemprop="name"><a itemprop="url" href="{escape(path)}">{escape(track.title)}</a>
by <a href="/{escape(user.slug)}">{escape(user.display_name)}</a></h1>
published on <time pubdate>{_published(track.id)}</time>
    <meta itemprop="duration" content="{_duration(track.id)}">
    <meta itemprop="genre" content="{escape(track.genre)}">
    {_artist_block(user)}
  </header>
  <p>{image}
    {escape(description)}
  </p>{genre}
  <footer>License: all-rights-reserved</footer>
</article>"""
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
        title=f"Stream {track.title} by {user.display_name} | Listen online for free on {SITE_NAME}",
        description=f"Stream {track.title} by {user.display_name} on desktop and mobile.",
        canonical=url,
        social=social,
        article=article,
        hydration=hydration,
        page=track.page,
        origins=origins,
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
    image = (
        f'\n    <img src="{escape(avatar)}" width="500" height="500" alt="{escape(user.display_name)}’s avatar" itemprop="image">'
        if avatar
        else ""
    )
    nav = "".join(
        f'\n    <li><a href="/{escape(user.slug)}/{escape(tab)}">{escape(tab.capitalize())}</a></li>' for tab in tabs
    )
    tracks = "".join(_track_item(user, track) for track in user.tracks)
    sets = "".join(
        f'\n    <article class="playlist" itemscope itemtype="http://schema.org/MusicPlaylist">'
        f'<h2 itemprop="name"><a itemprop="url" href="/{escape(user.slug)}/sets/{escape(s.slug)}">'
        f"{escape(s.title)}</a></h2></article>"
        for s in user.sets
    )
    more = (
        f'\n  <a rel="next" href="/{escape(user.slug)}?page={page_number + 1}">More tracks</a>'
        if user.endless_pagination
        else ""
    )
    article = f"""<article itemscope itemtype="http://schema.org/MusicGroup">
  <header>
    <h1 itemprop="name"><a itemprop="url" href="/{escape(user.slug)}">{escape(user.display_name)}</a></h1>
    <p>{escape(user.city)}</p>{image}
  </header>
  <p itemprop="description">{escape(user.bio)}</p>
  <nav><ul>{nav}
  </ul></nav>
  <section>
    <h2>{escape(user.display_name)}’s tracks</h2>{tracks}
  </section>
  <section>
    <h2>{escape(user.display_name)}’s playlists</h2>{sets}
  </section>{more}
</article>"""
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
        title=f"{user.display_name}{suffix} | Listen online for free on {SITE_NAME}",
        description=f"Play {user.display_name} and discover followers on {SITE_NAME}.",
        canonical=url,
        social=social,
        article=article,
        hydration=hydration,
        page=user.page,
        origins=origins,
    )


def tab_page(user: User, tab: str, origins: Origins, page: Page) -> str:
    """``/{user}/tracks``, ``/likes``, ``/followers``: listing tabs, not tracks named "likes"."""
    listed = "".join(_track_item(user, track) for track in user.tracks) if tab == "tracks" else ""
    article = f"""<article>
  <h1><a href="/{escape(user.slug)}">{escape(user.display_name)}</a>: {escape(tab)}</h1>
  <section>{listed}
  </section>
</article>"""
    return shell(
        title=f"{user.display_name}’s {tab} | Listen online for free on {SITE_NAME}",
        description=f"{tab.capitalize()} of {user.display_name} on {SITE_NAME}.",
        canonical=f"{origins.base}/{user.slug}/{tab}",
        social=[("og:type", "website"), ("og:url", f"{origins.base}/{user.slug}/{tab}")],
        article=article,
        hydration=[{"hydratable": "user", "data": {"id": user.id, "permalink": user.slug}}],
        page=page,
        origins=origins,
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
    image = f'\n    <img src="{escape(artwork)}" alt="{escape(playlist.title)}" itemprop="image">' if artwork else ""
    items = "".join(_track_item(owner, track) for owner, track in members)
    article = f"""<article itemscope itemtype="http://schema.org/MusicPlaylist">
  <header>
    <h1 itemprop="name"><a itemprop="url" href="{escape(path)}">{escape(playlist.title)}</a>
by <a href="/{escape(user.slug)}">{escape(user.display_name)}</a></h1>{image}
    <meta itemprop="numTracks" content="{len(members)}">
  </header>
  <section>{items}
  </section>
</article>"""
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
        title=f"Stream {playlist.title} by {user.display_name} | Listen online for free on {SITE_NAME}",
        description=f"Listen to {playlist.title} by {user.display_name} on {SITE_NAME}.",
        canonical=url,
        social=social,
        article=article,
        hydration=hydration,
        page=playlist.page,
        origins=origins,
    )


def plain_page(*, title: str, path: str, paragraphs: Sequence[str], page: Page, origins: Origins) -> str:
    """Home, terms and app pages: a heading, numbered paragraphs, and the page's links."""
    body = "".join(f'\n  <p id="clause-{i}">{escape(text)}</p>' for i, text in enumerate(paragraphs, 1))
    article = f"<article>\n  <h1>{escape(title)}</h1>{body}\n</article>"
    return shell(
        title=f"{title} | {SITE_NAME}" if path != "/" else title,
        description=title,
        canonical=origins.base + path,
        social=[("og:type", "website"), ("og:url", origins.base + path), ("og:title", title)],
        article=article,
        hydration=[{"hydratable": "anonymousId", "data": "0-0"}],
        page=page,
        origins=origins,
    )


def redirect_page(location: str) -> str:
    return f'<!DOCTYPE html>\n<html><body><a href="{escape(location)}">Moved</a></body></html>\n'


def error_page(status: int) -> str:
    """SoundCloud answers missing and broken pages with a small branded HTML page."""
    message = "We can’t find that page." if status == 404 else "Something went wrong."
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{SITE_NAME} - Hear the world’s sounds</title></head>
<body class="sc-classic">
<div class="errorPage__inner">
<p class="errorTitle">Sorry! {escape(message)}</p>
<p class="errorText">HTTP {status}</p>
<a href="/">Go to the home page</a>
</div>
</body>
</html>
"""


def sitemap_index(locations: Iterable[str]) -> str:
    entries = "".join(
        f"\n  <sitemap><loc>{escape(loc, quote=False)}</loc><lastmod>2025-05-14</lastmod></sitemap>"
        for loc in locations
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}\n</sitemapindex>\n'
    )


def urlset(locations: Iterable[str]) -> str:
    entries = "".join(
        f"\n  <url><loc>{escape(loc, quote=False)}</loc><changefreq>weekly</changefreq></url>" for loc in locations
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}\n</urlset>\n'
    )


def broken_urlset(base: str) -> str:
    """A child sitemap cut off mid-entry, with a bare ampersand: not XML at all."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"  <url><loc>{base}/charts/top?genre=r&b</loc></url>\n"
        f"  <url><loc>{base}/discover/sets/weekly"
    )
