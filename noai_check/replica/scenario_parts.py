"""Readers of the parts of a scenario file (FILE, PAGE, META, EXPECT, users, items, ...; see ``scenario``).

Each takes a ``Reader`` over one JSON object and returns the frozen model object, failing
with a ``ScenarioError`` that names the file and the key.
"""

from __future__ import annotations

import json
import re
import zlib

from noai_check.replica.model import (
    BOTWALLS,
    META_PLACES,
    PAGE_KINDS,
    PAGE_TYPES,
    PLATFORM_PAGE_TYPES,
    SCRIPTS,
    Expect,
    ExtraPage,
    Generated,
    Headers,
    Item,
    Link,
    Media,
    Meta,
    Page,
    Playlist,
    SiteFile,
    Sitemaps,
    Track,
    User,
)
from noai_check.replica.scenario_reader import REQUIRED, Reader

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


SITE_FILES = {
    "robots": "/robots.txt",
    "tdmrep": "/.well-known/tdmrep.json",
    "ai_txt": "/ai.txt",
    "llms_txt": "/llms.txt",
}
MEDIA_FILES = {"robots": "/robots.txt", "tdmrep": "/.well-known/tdmrep.json"}


def read_files(obj: Reader, paths: dict[str, str]) -> dict[str, SiteFile]:
    found: dict[str, SiteFile] = {}
    for key, path in paths.items():
        file = obj.child(key)
        if file is not None:
            found[path] = _file(file, json_body=path.endswith(".json"))
    return found


def read_headers(obj: Reader, key: str) -> Headers:
    raw = obj.value(key, (list, dict), ())
    pairs: list[tuple[str, str]] = []
    if isinstance(raw, dict):
        for name, values in raw.items():
            for value in values if isinstance(values, list) else [values]:
                pairs.append((name, value))
    else:
        for i, pair in enumerate(raw):
            if not (isinstance(pair, list) and len(pair) == 2):
                obj.fail(f"{key}[{i}]", 'expected ["Name", "value"]')
            pairs.append((pair[0], pair[1]))
    for name, value in pairs:
        if not (isinstance(name, str) and re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", name)):
            obj.fail(key, f"bad header name {name!r}")
        if not isinstance(value, str) or "\r" in value or "\n" in value:
            obj.fail(key, f"bad value for header {name}: {value!r}")
    return tuple(pairs)


def read_slugs(obj: Reader, key: str) -> tuple[str, ...]:
    found = obj.texts(key)
    for item in found:
        if not _SLUG.match(item):
            obj.fail(key, f"{item!r} is not a lowercase slug")
    return found


def _file(obj: Reader, json_body: bool = False) -> SiteFile:
    """A site file; tdmrep.json takes any JSON value as body, text files take a string or lines."""
    if json_body:
        body = obj.value("body", (str, list, dict, int, float, bool), "")
        text = body if isinstance(body, str) else json.dumps(body, indent=2) + "\n"
    else:
        lines = obj.value("body", (str, list), "")
        text = lines if isinstance(lines, str) else "\n".join(obj.texts("body")) + "\n"
        text = _padded(text, obj.number("body_size", 0))
    found = SiteFile(
        status=obj.number("status", 200, low=100),
        body=text,
        bom=obj.flag("bom", False),
        headers=read_headers(obj, "headers"),
    )
    obj.done()
    return found


_PADDING_MARK = "{padding}\n"
_PADDING_LINE = "# " + "-" * 77 + "\n"  # 80 bytes: a comment every robots.txt parser skips


def _padded(text: str, size: int) -> str:
    """Grow a text file to ``size`` bytes with comment lines, where "{padding}" stands (else at the end).

    Lets a scenario serve a robots.txt past a parser's size limit (RFC 9309 2.5: 500 KiB) with
    rules both before and after the cut, without a megabyte of JSON.
    """
    head, mark, tail = text.partition(_PADDING_MARK)
    if not mark:
        head, tail = text, ""
    missing = size - len((head + tail).encode("utf-8"))
    if missing <= 0:
        return head + tail
    filler = _PADDING_LINE * (-(-missing // len(_PADDING_LINE)))
    return head + filler + tail


def _media(obj: Reader, key: str) -> Media | None:
    raw = obj.value(key, (bool, dict), False)
    if raw is False:
        return None
    if raw is True:
        return Media()
    reader = Reader(raw, obj.at(key), obj.source)
    found = Media(
        status=reader.number("status", 200, low=100),
        headers=read_headers(reader, "headers"),
        expect=read_expect(reader.child("expect")),
    )
    reader.done()
    return found


def _meta(obj: Reader) -> Meta:
    present = [attribute for attribute in ("name", "property", "http-equiv") if attribute in obj.raw]
    if len(present) != 1:
        obj.fail(None, 'needs exactly one of "name", "property", "http-equiv"')
    found = Meta(
        attribute=present[0],
        key=obj.text(present[0]),
        content=obj.text("content"),
        place=obj.choice("place", META_PLACES, "head"),
    )
    obj.done()
    return found


def _links(obj: Reader) -> tuple[Link, ...]:
    found: list[Link] = []
    for i, item in enumerate(obj.value("links", (list,), [])):
        if isinstance(item, str):
            found.append(Link(item, item))
            continue
        reader = Reader(item, f"{obj.at('links')}[{i}]", obj.source)
        href = reader.text("href")
        found.append(Link(href, reader.text("text", href)))
        reader.done()
    return tuple(found)


def _page(obj: Reader) -> Page:
    """Read the shared per-page keys; the caller reads its own keys and calls ``done``."""
    return Page(
        status=obj.number("status", None, low=100),
        headers=read_headers(obj, "headers"),
        meta=tuple(_meta(item) for item in obj.children("meta")),
        links=_links(obj),
        botwall=obj.choice("botwall", BOTWALLS, None),
        delay_ms=obj.number("delay_ms", 0),
        body_size=obj.number("body_size", 0),
        expect=read_expect(obj.child("expect")),
        script=obj.choice("script", SCRIPTS, None),
    )


def read_expect(obj: Reader | None) -> Expect | None:
    if obj is None:
        return None
    page_type = obj.choice("page_type", PAGE_TYPES + PLATFORM_PAGE_TYPES)
    verifiable = obj.flag("verifiable")
    if not verifiable:
        reason = obj.text("unverifiable_reason_contains")
        if not reason:
            obj.fail("unverifiable_reason_contains", "must not be empty")
        obj.done()  # an unverifiable page has no signals to expect
        return Expect(page_type, False, unverifiable_reason_contains=reason)
    if "tdm_reservation" not in obj.raw:
        obj.fail("tdm_reservation", "missing (write null when nothing reserves)")
    tdm = obj.value("tdm_reservation", (int,), None)
    if tdm not in (None, 0, 1):
        obj.fail("tdm_reservation", "must be 1, 0 or null")
    agents = obj.value("agent_directives", (dict,), {})
    for agent, directives in agents.items():
        ok = isinstance(directives, list) and all(isinstance(d, str) and d == d.lower() for d in directives)
        if agent != agent.lower() or not ok:
            obj.fail(f"agent_directives.{agent}", "lowercase agent -> list of lowercase directives")
    usage = obj.value("content_usage", (dict,), {})
    for key, value in usage.items():
        if value not in ("y", "n"):
            obj.fail(f"content_usage.{key}", 'must be "y" or "n"')
    found = Expect(
        page_type=page_type,
        verifiable=True,
        noai=obj.flag("noai"),
        noimageai=obj.flag("noimageai"),
        tdm_reservation=tdm,
        agent_directives={agent: list(directives) for agent, directives in agents.items()},
        content_usage=dict(usage),
    )
    obj.done()
    return found


def _default_id(*parts: str) -> int:
    """A stable SoundCloud-looking numeric id when the scenario does not give one."""
    return 100_000_000 + zlib.crc32("/".join(parts).encode()) % 900_000_000


def _slug(obj: Reader, reserved: tuple[str, ...] = ()) -> str:
    """The object's ``slug``: lowercase URL-safe, and not a word the site's paths already use."""
    slug: str = obj.text("slug")
    if not _SLUG.match(slug) or slug in reserved:
        obj.fail("slug", f"{slug!r} is not a lowercase slug" + (f" (nor {', '.join(reserved)})" if reserved else ""))
    return slug


def _track(obj: Reader, user_slug: str) -> Track:
    slug = _slug(obj, reserved=("sets",))
    found = Track(
        slug=slug,
        title=obj.text("title"),
        id=obj.number("id", _default_id(user_slug, slug), low=1),
        page=_page(obj),
        genre=obj.text("genre", ""),
        description=obj.text("description", ""),
        artwork=_media(obj, "artwork"),
        in_sitemap=obj.flag("in_sitemap", True),
    )
    obj.done()
    return found


def _playlist(obj: Reader, user_slug: str) -> Playlist:
    slug = _slug(obj)
    found = Playlist(
        slug=slug,
        title=obj.text("title"),
        id=obj.number("id", _default_id(user_slug, "sets", slug), low=1),
        page=_page(obj),
        track_refs=obj.texts("tracks"),
        artwork=_media(obj, "artwork"),
    )
    obj.done()
    return found


def read_user(obj: Reader) -> User:
    slug = _slug(obj)
    found = User(
        slug=slug,
        display_name=obj.text("display_name"),
        id=obj.number("id", _default_id(slug), low=1),
        page=_page(obj),
        city=obj.text("city", ""),
        bio=obj.text("bio", ""),
        avatar=_media(obj, "avatar"),
        in_sitemap=obj.flag("in_sitemap", True),
        endless_pagination=obj.flag("endless_pagination", False),
        pagination_expect=read_expect(obj.child("pagination_expect")),
        tracks=tuple(_track(item, slug) for item in obj.children("tracks")),
        sets=tuple(_playlist(item, slug) for item in obj.children("sets")),
    )
    obj.done()
    return found


def read_extra_page(obj: Reader) -> ExtraPage:
    path = obj.text("path")
    if not path.startswith("/"):
        obj.fail("path", "must start with / (a query is allowed: /search?q=x)")
    kind = obj.choice("kind", PAGE_KINDS)
    found = ExtraPage(
        path=path,
        kind=kind,
        page=_page(obj),
        title=obj.text("title", ""),
        clauses=obj.texts("clauses"),
        location=obj.text("location", REQUIRED if kind == "redirect" else ""),
    )
    obj.done()
    return found


def read_item(obj: Reader, hosts: tuple[str, ...]) -> Item:
    path = obj.text("path")
    if not path.startswith("/"):
        obj.fail("path", "must start with /")
    found = Item(
        path=path,
        template=obj.text("template"),
        page=_page(obj),
        host=obj.choice("host", ("main", *hosts), "main"),
        title=obj.text("title", ""),
        by=obj.text("by", ""),
        image=_media(obj, "image"),
        in_sitemap=obj.flag("in_sitemap", True),
    )
    obj.done()
    return found


def read_sitemaps(obj: Reader) -> Sitemaps:
    found = Sitemaps(
        max_urls_per_file=obj.number("max_urls_per_file", 10_000, low=1),
        offsite_urls=obj.texts("offsite_urls"),
        malformed_child=obj.flag("malformed_child", False),
    )
    obj.done()
    return found


def read_generated(obj: Reader | None) -> Generated | None:
    if obj is None:
        return None
    expect = obj.child("expect") or Reader({}, obj.at("expect"), obj.source)
    found = Generated(
        users=obj.number("users", low=1),
        tracks_per_user=obj.number("tracks_per_user", low=0),
        noai_every=obj.number("noai_every", 0),
        profile_expect=read_expect(expect.child("profile")),
        track_expect=read_expect(expect.child("track")),
        noai_track_expect=read_expect(expect.child("noai_track")),
    )
    if found.users > 99_999 or found.tracks_per_user > 9_999:
        obj.fail("users", "at most 99999 users of at most 9999 tracks (slugs have fixed width)")
    expect.done()
    obj.done()
    return found

