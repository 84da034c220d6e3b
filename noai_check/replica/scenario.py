"""What a replica site serves, read from one JSON file and checked before anything is served.

A scenario is data, not code, so a test can say "crawl this site" and a reviewer can read what
the site does and what a correct crawler must find on it, page by page, in one place.

File format (every key optional unless marked *required*; unknown keys are errors)::

    {
      "name": "soundcloud",                 # defaults to the file name without .json
      "description": "free text",
      "site": {                             # the main host
        "headers": HEADERS,                 # sent on every HTML page (not on bot walls or files)
        "robots":   FILE,                   # /robots.txt             (absent: 404)
        "tdmrep":   FILE,                   # /.well-known/tdmrep.json
        "ai_txt":   FILE,                   # /ai.txt
        "llms_txt": FILE,                   # /llms.txt
        "sitemaps": {                       # absent: no /sitemap.xml at all
          "max_urls_per_file": 10000,       # child sitemaps are split at this many URLs
          "offsite_urls": ["http://elsewhere.invalid/x"],   # listed in the tracks sitemap
          "malformed_child": true           # index also lists /sitemaps/broken-1.xml.gz (bad XML)
        },
        "profile_tabs": ["tracks", "likes", "followers"],  # /{user}/{tab} pages, linked from profiles
        "tab_expect": EXPECT                # what a crawler finds on every such tab page
      },
      "media": {                            # the second host (artwork, like i1.sndcdn.com)
        "headers": HEADERS, "robots": FILE, "tdmrep": FILE
      },
      "pages": [PAGE + {"path": "/x" or "/x?q=y" *required*, "kind": "home|terms|app|redirect" *required*,
                        "title": str, "clauses": [str], "location": "/y" (redirect only)}],
      "users": [PAGE + {
          "slug" *required*, "display_name" *required*, "id": int, "city": str, "bio": str,
          "avatar": MEDIA, "in_sitemap": true,
          "endless_pagination": false,      # /{slug}?page=N links to page N+1, forever
          "pagination_expect": EXPECT,      # what a crawler finds on every ?page=N page
          "tracks": [PAGE + {"slug" *required*, "title" *required*, "id": int, "genre": str,
                             "description": str, "artwork": MEDIA, "in_sitemap": true}],
          "sets":   [PAGE + {"slug" *required*, "title" *required*, "id": int,
                             "tracks": ["user-slug/track-slug", ...], "artwork": MEDIA}]}],
      "generated": {"users": N, "tracks_per_user": M, "noai_every": K,
                    "expect": {"profile": EXPECT, "track": EXPECT, "noai_track": EXPECT}},
      "platform": "soundcloud",             # another platform's templates draw "items" (platform_pages.py)
      "hosts": ["jeanjean"],                # extra page hosts, each on its own port; "{host:jeanjean}"
      "items": [PAGE + {"path": "/album/x" or "/watch?v=ID" *required*, "template": str *required*,
                        "host": "main" or a name in "hosts", "title": str, "by": str,
                        "image": MEDIA (served at /img/<hash>.jpg on the media host),
                        "in_sitemap": true}]
    }

    "site": {"botwall": "datadome"} answers every request to every page host (site files
    included) with that wall: a platform that shows crawlers nothing else.

    PAGE    = {"status": 200, "headers": HEADERS, "meta": [META], "links": [LINK],
               "botwall": null | "datadome" | "cloudflare" | "perimeterx" | "akamai"
                          | "status-429" | "status-503",
               "delay_ms": 0, "body_size": 0 (pad the body to at least this many bytes),
               "expect": EXPECT}
    HEADERS = [["Name", "value"], ...] or {"Name": "value" | ["value", ...]}  (repeats kept)
    META    = {"name" | "property" | "http-equiv": str, "content": str,
               "place": "head" | "body" | "comment" | "script"}
              (comment: inside <!-- -->; script: inside a JS string; neither is a real tag)
    LINK    = "/path" or {"href": str, "text": str}
    FILE    = {"status": 200, "body": str | [lines] | JSON value (tdmrep), "bom": false,
               "headers": HEADERS,
               "body_size": 0 (text files: pad to at least this many bytes with "#" comment
                               lines, put where a body line reads "{padding}", else at the end)}
    MEDIA   = true | false | {"status": 200, "headers": HEADERS, "expect": EXPECT}
    EXPECT  = {"page_type": "track|profile|set|other|media" *required*,
               (or a platform page type: album|artist|show|song|video|channel|art|artwork|photo|page)
               "verifiable": bool *required*,
               "unverifiable_reason_contains": str   (*required* when not verifiable),
               "noai": bool, "noimageai": bool      (*required* when verifiable;
                                                       directives for EVERY agent only),
               "tdm_reservation": 1 | 0 | null      (*required* when verifiable;
                                                       tdmrep.json first match < header < meta),
               "agent_directives": {"gptbot": ["noai", ...]},  (lowercase; agent-scoped only)
               "content_usage": {"train-ai": "y" | "n"}}       (the page's own header)

Text in FILE bodies, header values and links may say ``{base}`` and ``{media}``; they become the
replica's two origins once its ports are known. Expectations are written by hand in the file
and never computed from the page: the replica states the truth, the crawler has to find it.

A page with ``botwall`` answers with the wall instead of itself (status, headers and body of
the wall; ``status`` overrides the wall's usual code). A page with a 4xx/5xx ``status`` and no
wall answers with an error page. Generated users are ``user-00001`` .. and their tracks
``track-0001`` ..; the K-th track overall (counting user by user from 1) carries
``<meta name="robots" content="noai, noimageai">`` and is expected as ``noai_track``.
"""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn

from noai_check.errors import NoaiCheckError
from noai_check.replica.model import (
    BOTWALLS,
    META_PLACES,
    PAGE_KINDS,
    PAGE_TYPES,
    PLATFORM_PAGE_TYPES,
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
    Scenario,
    SiteFile,
    Sitemaps,
    Track,
    User,
)

__all__ = ["Expect", "Scenario", "ScenarioError", "load_scenario"]

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_REQUIRED: Any = object()


class ScenarioError(NoaiCheckError, ValueError):
    """A scenario file that cannot be served; the message is one line naming file and key."""


def load_scenario(name_or_path: str | Path | Scenario) -> Scenario:
    """A scenario by name (a file in ``noai_check/replica/scenarios``) or by path to a JSON file."""
    if isinstance(name_or_path, Scenario):
        return name_or_path
    text, source, stem = _read_source(name_or_path)
    try:
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as error:
            raise ScenarioError(f"{source}: not JSON: {error}") from None
        return _parse_scenario(_Obj(raw, "", source), stem)
    except RecursionError:  # [[[[...]]]] nested past the interpreter's limit
        raise ScenarioError(f"{source}: JSON nested too deeply to be a scenario") from None


def _read_source(name_or_path: str | Path) -> tuple[str, str, str]:
    as_text = str(name_or_path)
    looks_like_path = isinstance(name_or_path, Path) or "/" in as_text or as_text.endswith(".json")
    if not looks_like_path:
        packaged = resources.files("noai_check.replica").joinpath("scenarios", f"{as_text}.json")
        if not packaged.is_file():
            raise ScenarioError(f"{as_text}.json: no such scenario in noai_check/replica/scenarios")
        return packaged.read_text(encoding="utf-8"), f"{as_text}.json", as_text
    path = Path(name_or_path)
    try:
        return path.read_bytes().decode("utf-8-sig"), str(path), path.stem
    except OSError as error:
        raise ScenarioError(f"{path}: cannot read: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise ScenarioError(f"{path}: not a JSON scenario (not UTF-8 text at byte {error.start})") from None


class _Obj:
    """A JSON object being read that knows where it sits, so errors can name the bad key."""

    def __init__(self, raw: Any, where: str, source: str) -> None:
        self.where = where
        self.source = source
        if not isinstance(raw, dict):
            self.fail(None, f"expected an object, got {type(raw).__name__}")
        self.raw: dict[str, Any] = raw
        self.used: set[str] = set()

    def at(self, key: str | None) -> str:
        if key is None:
            return self.where or "(top level)"
        return f"{self.where}.{key}" if self.where else key

    def fail(self, key: str | None, problem: str) -> NoReturn:
        raise ScenarioError(f"{self.source}: {self.at(key)}: {problem}")

    def value(self, key: str, kinds: tuple[type, ...], default: Any = _REQUIRED) -> Any:
        self.used.add(key)
        if key not in self.raw:
            if default is _REQUIRED:
                self.fail(key, "missing")
            return default
        found = self.raw[key]
        if found is None and default is None:
            return None
        if isinstance(found, bool) and bool not in kinds or not isinstance(found, kinds):
            wanted = " or ".join(kind.__name__ for kind in kinds)
            self.fail(key, f"expected {wanted}, got {json.dumps(found)[:40]}")
        return found

    def text(self, key: str, default: Any = _REQUIRED) -> Any:
        return self.value(key, (str,), default)

    def number(self, key: str, default: Any = _REQUIRED, low: int = 0) -> Any:
        found = self.value(key, (int,), default)
        if isinstance(found, int) and found < low:
            self.fail(key, f"must be >= {low}")
        return found

    def flag(self, key: str, default: Any = _REQUIRED) -> Any:
        return self.value(key, (bool,), default)

    def choice(self, key: str, choices: tuple[str, ...], default: Any = _REQUIRED) -> Any:
        found = self.text(key, default)
        if found is not None and found not in choices:
            self.fail(key, f"{found!r} is not one of {', '.join(choices)}")
        return found

    def child(self, key: str) -> _Obj | None:
        found = self.value(key, (dict,), None)
        return None if found is None else _Obj(found, self.at(key), self.source)

    def children(self, key: str) -> list[_Obj]:
        items = self.value(key, (list,), [])
        return [_Obj(item, f"{self.at(key)}[{i}]", self.source) for i, item in enumerate(items)]

    def texts(self, key: str) -> tuple[str, ...]:
        items = self.value(key, (list,), [])
        for i, item in enumerate(items):
            if not isinstance(item, str):
                self.fail(f"{key}[{i}]", "expected a string")
        return tuple(items)

    def done(self) -> None:
        for key in self.raw:
            if key not in self.used:
                self.fail(key, "unknown key")


def _parse_scenario(top: _Obj, stem: str) -> Scenario:
    site = top.child("site") or _Obj({}, "site", top.source)
    media = top.child("media") or _Obj({}, "media", top.source)
    site_files = _files(site, _SITE_FILES)
    media_files = _files(media, _MEDIA_FILES)
    sitemaps = site.child("sitemaps")
    scenario = Scenario(
        name=top.text("name", stem),
        source=top.source,
        description=top.text("description", ""),
        site_headers=_headers(site, "headers"),
        site_files=site_files,
        media_headers=_headers(media, "headers"),
        media_files=media_files,
        sitemaps=_sitemaps(sitemaps) if sitemaps is not None else None,
        profile_tabs=_slugs(site, "profile_tabs"),
        tab_expect=_expect(site.child("tab_expect")),
        pages=tuple(_extra_page(item) for item in top.children("pages")),
        users=tuple(_user(item) for item in top.children("users")),
        generated=_generated(top.child("generated")),
        platform=top.text("platform", "soundcloud"),
        hosts=_slugs(top, "hosts"),
        site_botwall=site.choice("botwall", BOTWALLS, None),
    )
    items = tuple(_item(obj, scenario.hosts) for obj in top.children("items"))
    if items:
        scenario = replace(scenario, items=items)
    for reader in (site, media, top):
        reader.done()
    _check_references(scenario, top)
    return scenario


_SITE_FILES = {
    "robots": "/robots.txt",
    "tdmrep": "/.well-known/tdmrep.json",
    "ai_txt": "/ai.txt",
    "llms_txt": "/llms.txt",
}
_MEDIA_FILES = {"robots": "/robots.txt", "tdmrep": "/.well-known/tdmrep.json"}


def _files(obj: _Obj, paths: dict[str, str]) -> dict[str, SiteFile]:
    found: dict[str, SiteFile] = {}
    for key, path in paths.items():
        file = obj.child(key)
        if file is not None:
            found[path] = _file(file, json_body=path.endswith(".json"))
    return found


def _headers(obj: _Obj, key: str) -> Headers:
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


def _slugs(obj: _Obj, key: str) -> tuple[str, ...]:
    found = obj.texts(key)
    for item in found:
        if not _SLUG.match(item):
            obj.fail(key, f"{item!r} is not a lowercase slug")
    return found


def _file(obj: _Obj, json_body: bool = False) -> SiteFile:
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
        headers=_headers(obj, "headers"),
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


def _media(obj: _Obj, key: str) -> Media | None:
    raw = obj.value(key, (bool, dict), False)
    if raw is False:
        return None
    if raw is True:
        return Media()
    reader = _Obj(raw, obj.at(key), obj.source)
    found = Media(
        status=reader.number("status", 200, low=100),
        headers=_headers(reader, "headers"),
        expect=_expect(reader.child("expect")),
    )
    reader.done()
    return found


def _meta(obj: _Obj) -> Meta:
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


def _links(obj: _Obj) -> tuple[Link, ...]:
    found: list[Link] = []
    for i, item in enumerate(obj.value("links", (list,), [])):
        if isinstance(item, str):
            found.append(Link(item, item))
            continue
        reader = _Obj(item, f"{obj.at('links')}[{i}]", obj.source)
        href = reader.text("href")
        found.append(Link(href, reader.text("text", href)))
        reader.done()
    return tuple(found)


def _page(obj: _Obj) -> Page:
    """Read the shared per-page keys; the caller reads its own keys and calls ``done``."""
    return Page(
        status=obj.number("status", None, low=100),
        headers=_headers(obj, "headers"),
        meta=tuple(_meta(item) for item in obj.children("meta")),
        links=_links(obj),
        botwall=obj.choice("botwall", BOTWALLS, None),
        delay_ms=obj.number("delay_ms", 0),
        body_size=obj.number("body_size", 0),
        expect=_expect(obj.child("expect")),
    )


def _expect(obj: _Obj | None) -> Expect | None:
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


def _slug(obj: _Obj, reserved: tuple[str, ...] = ()) -> str:
    """The object's ``slug``: lowercase URL-safe, and not a word the site's paths already use."""
    slug: str = obj.text("slug")
    if not _SLUG.match(slug) or slug in reserved:
        obj.fail("slug", f"{slug!r} is not a lowercase slug" + (f" (nor {', '.join(reserved)})" if reserved else ""))
    return slug


def _track(obj: _Obj, user_slug: str) -> Track:
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


def _playlist(obj: _Obj, user_slug: str) -> Playlist:
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


def _user(obj: _Obj) -> User:
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
        pagination_expect=_expect(obj.child("pagination_expect")),
        tracks=tuple(_track(item, slug) for item in obj.children("tracks")),
        sets=tuple(_playlist(item, slug) for item in obj.children("sets")),
    )
    obj.done()
    return found


def _extra_page(obj: _Obj) -> ExtraPage:
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
        location=obj.text("location", _REQUIRED if kind == "redirect" else ""),
    )
    obj.done()
    return found


def _item(obj: _Obj, hosts: tuple[str, ...]) -> Item:
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


def _sitemaps(obj: _Obj) -> Sitemaps:
    found = Sitemaps(
        max_urls_per_file=obj.number("max_urls_per_file", 10_000, low=1),
        offsite_urls=obj.texts("offsite_urls"),
        malformed_child=obj.flag("malformed_child", False),
    )
    obj.done()
    return found


def _generated(obj: _Obj | None) -> Generated | None:
    if obj is None:
        return None
    expect = obj.child("expect") or _Obj({}, obj.at("expect"), obj.source)
    found = Generated(
        users=obj.number("users", low=1),
        tracks_per_user=obj.number("tracks_per_user", low=0),
        noai_every=obj.number("noai_every", 0),
        profile_expect=_expect(expect.child("profile")),
        track_expect=_expect(expect.child("track")),
        noai_track_expect=_expect(expect.child("noai_track")),
    )
    if found.users > 99_999 or found.tracks_per_user > 9_999:
        obj.fail("users", "at most 99999 users of at most 9999 tracks (slugs have fixed width)")
    expect.done()
    obj.done()
    return found


def _check_references(scenario: Scenario, top: _Obj) -> None:
    """Catch what each object alone cannot: duplicate paths and sets naming missing tracks."""
    paths: set[str] = {page.path for page in scenario.pages}
    if len(paths) != len(scenario.pages):
        top.fail("pages", "two pages share a path")
    for i, item in enumerate(scenario.items):
        where = item.path if item.host == "main" else f"{item.host}:{item.path}"
        if where in paths:
            top.fail(f"items[{i}]", f"path {where} is defined twice")
        paths.add(where)
    known_tracks = {f"{user.slug}/{track.slug}" for user in scenario.users for track in user.tracks}
    for i, user in enumerate(scenario.users):
        where = f"users[{i}]"
        owned = [f"/{user.slug}"] + [f"/{user.slug}/{t.slug}" for t in user.tracks]
        owned += [f"/{user.slug}/sets/{s.slug}" for s in user.sets]
        owned += [f"/{user.slug}/{tab}" for tab in scenario.profile_tabs]
        for path in owned:
            if path in paths:
                top.fail(where, f"path {path} is defined twice")
            paths.add(path)
        if scenario.generated and scenario.generated.parse(f"/{user.slug}"):
            top.fail(f"{where}.slug", f"{user.slug!r} collides with a generated user")
        for j, playlist in enumerate(user.sets):
            for ref in playlist.track_refs:
                if ref not in known_tracks:
                    top.fail(f"{where}.sets[{j}].tracks", f"no track {ref!r}")
