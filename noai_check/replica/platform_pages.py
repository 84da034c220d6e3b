"""HTML shaped like the other platforms' pages (Bandcamp, Mixcloud, ..., Flickr), for the replica.

Each look is modelled on what the platform's HTML serves to a client without JavaScript,
written from scratch: which metas sit in ``<head>`` (``property=`` or ``name=``), how the
canonical URL is written, whether the content is in the markup (Bandcamp, Flickr) or only in a
JSON blob for the app (Spotify, YouTube, Mixcloud, ArtStation). Robots metas are never part
of a look: the scenario says which a page carries, so its expectations state the truth.
The markup is in ``templates/platform/`` (``base.html`` and one template per look), autoescaped.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from noai_check.replica.model import ExtraPage, Item, Scenario
from noai_check.replica.pages import Origins, page_script, placed_metas
from noai_check.replica.templating import render


@dataclass(frozen=True)
class Look:
    """How one platform writes its pages: site name, og:type per template, its template, meta details."""

    site_name: str
    og_types: dict[str, str]
    template: str  # templates/platform/<template>.html
    relative_canonical: bool = False  # Flickr writes href="/photos/x/"
    meta_attribute: str = "property"  # how twitter: metas are written
    root: str = ""  # app looks: the id of the empty element the app mounts on
    state: str = ""  # app looks: the variable the state blob is assigned to


def _app(site_name: str, og_types: dict[str, str], root: str, state: str, meta_attribute: str = "property") -> Look:
    return Look(site_name, og_types, "app", meta_attribute=meta_attribute, root=root, state=state)


LOOKS: dict[str, Look] = {
    "bandcamp": Look("Bandcamp", {"track": "song", "album": "album", "artist": "band"}, "bandcamp"),
    "mixcloud": _app("Mixcloud", {"show": "music.song", "profile": "profile"}, "react-root", "window.__APOLLO_STATE__"),
    "audiomack": _app(
        "Audiomack", {"song": "music.song", "album": "music.album", "artist": "profile"}, "root", "window.__INITIAL_STATE__"
    ),
    "youtube": Look("YouTube", {"video": "video.other", "channel": "profile"}, "youtube", meta_attribute="name"),
    "spotify": _app(
        "Spotify",
        {"track": "music.song", "album": "music.album", "artist": "profile"},
        "main",
        "window.__initialState",
        meta_attribute="name",
    ),
    "deviantart": Look("DeviantArt", {"art": "website", "profile": "profile"}, "deviantart", meta_attribute="name"),
    "artstation": _app("ArtStation", {"artwork": "article", "profile": "profile"}, "app-root", "window.cache"),
    "site": Look("Example site", {"page": "article"}, "site"),
    "flickr": Look("Flickr", {"photo": "article", "profile": "article"}, "flickr", relative_canonical=True),
}


def plain_page(scenario: Scenario, extra: ExtraPage, origins: Origins) -> str:
    """Home, terms and feature pages of ``scenario.platform``: its look, a heading, numbered paragraphs, links."""
    item = Item(path=extra.path, template=extra.kind, page=extra.page, title=extra.title)
    return item_page(scenario, item, origins, paragraphs=extra.clauses)


def _social(scenario: Scenario, item: Item, url: str, image: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The og: and twitter: metas of an item page, in the look's order."""
    look = LOOKS[scenario.platform]
    site_name = look.site_name if scenario.platform != "bandcamp" else item.by or look.site_name
    og = [("og:site_name", site_name),
          ("og:type", look.og_types.get(item.template, "website")), ("og:title", item.title), ("og:url", url),
          ("og:description", f"{item.title} by {item.by}" if item.by else item.title)]
    if image:
        og.append(("og:image", image))
    twitter = [("twitter:card", "summary_large_image" if image else "summary"), ("twitter:title", item.title)]
    if image:
        twitter.append(("twitter:image", image))
    return og, twitter


def item_page(scenario: Scenario, item: Item, origins: Origins, paragraphs: Sequence[str] = ()) -> str:
    """One content page of ``scenario.platform`` in that platform's look, with the item's metas placed as asked."""
    look = LOOKS[scenario.platform]
    home = origins.of(item.host)
    url = home + item.path
    image = f"{origins.media}/{item.image_file}" if item.image else ""
    og, twitter = _social(scenario, item, url, image)
    return render(
        f"platform/{look.template}.html",
        look=look,
        item=item,
        url=url,
        home=home,
        image=image,
        links=[(origins.expand(link.href), link.text) for link in item.page.links],
        title=f"{item.title} | {item.by}" if item.by else item.title,
        og=og,
        twitter=twitter,
        canonical=item.path if look.relative_canonical else url,
        # Another look's scripted tag: a JSON string literal (json.dumps), not SoundCloud's JS one.
        placed=placed_metas(item.page, origins, script=json.dumps),
        page_script=page_script(item.page),
        paragraphs=paragraphs,
    )
