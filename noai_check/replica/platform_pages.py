"""HTML shaped like the other platforms' pages (Bandcamp, Mixcloud, ..., Flickr), for the replica.

Each look is modelled on what the platform's HTML serves to a client without JavaScript,
written from scratch: which metas sit in ``<head>`` (``property=`` or ``name=``), how the
canonical URL is written, whether the content is in the markup (Bandcamp, Flickr) or only in a
JSON blob for the app (Spotify, YouTube, Mixcloud, ArtStation). Robots metas are never part
of a look: the scenario says which a page carries, so its expectations state the truth.
Every text and attribute value goes through ``html.escape``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from noai_check.replica.model import ExtraPage, Item, Scenario
from noai_check.replica.pages import Origins, meta_tag


@dataclass(frozen=True)
class _Context:
    item: Item
    url: str  # the page's absolute URL
    home: str  # the origin the page lives on
    image: str  # absolute image URL or ""
    links: str  # the page's links as <li> items


@dataclass(frozen=True)
class Look:
    """How one platform writes its pages: site name, og:type per template, head extras, body."""

    site_name: str
    og_types: dict[str, str]
    head: Callable[[_Context], str]
    body: Callable[[_Context], str]
    relative_canonical: bool = False  # Flickr writes href="/photos/x/"
    meta_attribute: str = "property"  # how twitter: metas are written


def _blob(name: str, data: object) -> str:
    text = json.dumps(data, separators=(",", ":")).replace("<", "\\u003c")
    return f"<script>{name} = {text};</script>"


def _img(c: _Context, css: str = "") -> str:
    return f'<img class="{css}" src="{escape(c.image)}" alt="{escape(c.item.title)}">' if c.image else ""


def _bandcamp_head(c: _Context) -> str:
    kind = {"track": "t", "album": "a"}.get(c.item.template, "b")
    props = escape(json.dumps({"item_type": kind, "item_id": len(c.item.path) * 7919, "tralbum_page_version": 0}))
    return (
        f'<meta name="bc-page-properties" content="{props}">\n'
        '<meta name="generator" content="Bandcamp">\n'
        f'<meta property="twitter:player" content="{escape(c.home)}/EmbeddedPlayer/v=2/size=large/">'
    )


def _bandcamp_body(c: _Context) -> str:
    item = c.item
    ld = json.dumps({"@type": "MusicRecording" if item.template == "track" else "MusicAlbum", "name": item.title,
                     "byArtist": {"@type": "MusicGroup", "name": item.by}}).replace("<", "\\u003c")
    return f"""<div id="centerWrapper"><div id="pgBd">
<div id="name-section"><h2 class="trackTitle">{escape(item.title)}</h2>
<h3>by <span><a href="{escape(c.home)}">{escape(item.by)}</a></span></h3></div>
<div id="tralbumArt"><a class="popupImage" href="{escape(c.image)}">{_img(c)}</a></div>
<ol id="music-grid" class="music-grid">{c.links}
</ol>
</div></div>
<script type="application/ld+json">{ld}</script>"""


def _app_body(root: str, blob: str) -> Callable[[_Context], str]:
    """A JavaScript app: an empty root, a <noscript> note, the links and a state blob."""

    def body(c: _Context) -> str:
        state = _blob(blob, {"page": c.item.template, "title": c.item.title, "by": c.item.by, "image": c.image or None})
        return f"""<div id="{root}"></div>
<noscript><p>Please enable JavaScript to use this site.</p></noscript>
<nav><ul>{c.links}
</ul></nav>
{state}"""

    return body


def _youtube_head(c: _Context) -> str:
    return (
        f'<meta name="title" content="{escape(c.item.title)}">\n'
        f'<link rel="alternate" type="application/json+oembed" href="{escape(c.home)}/oembed?format=json&amp;url={escape(c.url)}">\n'
        '<meta itemprop="datePublished" content="2024-04-06T09:59:35-07:00">'
    )


def _youtube_body(c: _Context) -> str:
    return f"""<div id="watch7-content" itemscope itemtype="http://schema.org/VideoObject">
<meta itemprop="name" content="{escape(c.item.title)}"><link itemprop="url" href="{escape(c.url)}">
<span itemprop="author" itemscope itemtype="http://schema.org/Person"><meta itemprop="name" content="{escape(c.item.by)}"></span>
</div>
<ytd-app></ytd-app>
<ul>{c.links}
</ul>
{_blob("var ytInitialData", {"contents": {"title": c.item.title, "owner": c.item.by}})}"""


def _deviantart_head(c: _Context) -> str:
    return (
        '<meta name="application-name" content="DeviantArt">\n'
        '<meta name="pinterest" content="nopin">\n'
        f'<meta property="da:appurl" content="DeviantArt://deviation/{len(c.item.path):08X}">'
    )


def _deviantart_body(c: _Context) -> str:
    return f"""<div id="root"><main>
<div data-hook="art_stage">{_img(c)}</div>
<h1 data-hook="deviation_title">{escape(c.item.title)}</h1>
<a data-hook="user_link" href="/{escape(c.item.by)}">{escape(c.item.by)}</a>
<ul>{c.links}
</ul></main></div>
<script>window.__INITIAL_STATE__ = JSON.parse("{{}}");</script>"""


def _flickr_head(c: _Context) -> str:
    return f'<meta property="og:updated_time" content="2024-04-04T15:21:53.596Z">\n<meta name="title" content="{escape(c.item.title)}" data-dynamic="true">'


def _flickr_body(c: _Context) -> str:
    return f"""<div id="content"><div class="photo-well-view">{_img(c, "main-photo")}</div>
<div class="attribution-view"><a class="owner-name" href="/photos/{escape(c.item.by)}/">{escape(c.item.by)}</a></div>
<div class="photo-list-view">{c.links}
</div></div>"""


def _site_body(c: _Context) -> str:
    """Any server-rendered site: a header, the article, a footer of links."""
    return f"""<header><a href="/">Home</a></header>
<main><article><h1>{escape(c.item.title)}</h1>{_img(c)}</article></main>
<footer><ul>{c.links}
</ul></footer>"""


def _plain_head(c: _Context) -> str:
    return ""


LOOKS: dict[str, Look] = {
    "bandcamp": Look("Bandcamp", {"track": "song", "album": "album", "artist": "band"}, _bandcamp_head, _bandcamp_body),
    "mixcloud": Look("Mixcloud", {"show": "music.song", "profile": "profile"}, _plain_head, _app_body("react-root", "window.__APOLLO_STATE__")),
    "audiomack": Look("Audiomack", {"song": "music.song", "album": "music.album", "artist": "profile"}, _plain_head, _app_body("root", "window.__INITIAL_STATE__")),
    "youtube": Look("YouTube", {"video": "video.other", "channel": "profile"}, _youtube_head, _youtube_body, meta_attribute="name"),
    "spotify": Look("Spotify", {"track": "music.song", "album": "music.album", "artist": "profile"}, _plain_head, _app_body("main", "window.__initialState"), meta_attribute="name"),
    "deviantart": Look("DeviantArt", {"art": "website", "profile": "profile"}, _deviantart_head, _deviantart_body, meta_attribute="name"),
    "artstation": Look("ArtStation", {"artwork": "article", "profile": "profile"}, _plain_head, _app_body("app-root", "window.cache")),
    "site": Look("Example site", {"page": "article"}, _plain_head, _site_body),
    "flickr": Look("Flickr", {"photo": "article", "profile": "article"}, _flickr_head, _flickr_body, relative_canonical=True),
}


def plain_page(scenario: Scenario, extra: ExtraPage, origins: Origins) -> str:
    """Home, terms and feature pages of ``scenario.platform``: its look, a heading, numbered paragraphs, links."""
    item = Item(path=extra.path, template=extra.kind, page=extra.page, title=extra.title)
    return item_page(scenario, item, origins, paragraphs=extra.clauses)


def item_page(scenario: Scenario, item: Item, origins: Origins, paragraphs: Sequence[str] = ()) -> str:
    """One content page of ``scenario.platform`` in that platform's look, with the item's metas placed as asked."""
    look = LOOKS[scenario.platform]
    home = origins.of(item.host)
    url = home + item.path
    image = f"{origins.media}/{item.image_file}" if item.image else ""
    links = "".join(
        f'\n  <li><a href="{escape(origins.expand(link.href))}">{escape(link.text)}</a></li>' for link in item.page.links
    )
    c = _Context(item, url, home, image, links)
    placed: dict[str, list[str]] = {"head": [], "body": [], "comment": [], "script": []}
    for meta in item.page.meta:
        placed[meta.place].append(meta_tag(meta, origins))
    title = f"{item.title} | {item.by}" if item.by else item.title
    og = [("og:site_name", look.site_name if scenario.platform != "bandcamp" else item.by or look.site_name),
          ("og:type", look.og_types.get(item.template, "website")), ("og:title", item.title), ("og:url", url),
          ("og:description", f"{item.title} by {item.by}" if item.by else item.title)]
    if image:
        og.append(("og:image", image))
    twitter = [("twitter:card", "summary_large_image" if image else "summary"), ("twitter:title", item.title)]
    if image:
        twitter.append(("twitter:image", image))
    metas = "".join(f'\n<meta property="{k}" content="{escape(v)}">' for k, v in og)
    metas += "".join(f'\n<meta {look.meta_attribute}="{k}" content="{escape(v)}">' for k, v in twitter)
    canonical = item.path if look.relative_canonical else url
    extras = "".join(f"\n{tag}" for tag in placed["head"])
    comments = "".join(f"\n<!-- {tag.replace('--', '- -')} -->" for tag in placed["comment"])
    scripts = "".join(f"\n<script>window.__headTemplate = {json.dumps(tag)};</script>" for tag in placed["script"])
    body_metas = "".join(f"\n{tag}" for tag in placed["body"])
    body_metas += "".join(f'\n<p id="clause-{i}">{escape(text)}</p>' for i, text in enumerate(paragraphs, 1))
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="description" content="{escape(item.title)}">{metas}
{look.head(c)}{extras}
<link rel="canonical" href="{escape(canonical)}">{comments}{scripts}
</head>
<body>
{look.body(c)}{body_metas}
</body>
</html>
"""
