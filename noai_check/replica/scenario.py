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
        "agent_rules": {"GPTBot": "block"}, # user-agent substring -> answer (replica/agent_rules.py)
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
               "script": null | "insert" | "fetch-insert" | "remove" | "change" | "never-settles" | "wall"
                         (what the page's own JavaScript does to its robots metas; pages.PAGE_SCRIPTS),
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

This module loads a file and checks what spans objects (duplicate paths, set members); the
readers of each part are in ``scenario_parts``, the strict JSON object reader in ``scenario_reader``.
"""

from __future__ import annotations

import json
from dataclasses import replace
from importlib import resources
from pathlib import Path

from noai_check.replica.agent_rules import AGENT_ANSWERS
from noai_check.replica.model import BOTWALLS, Expect, Scenario
from noai_check.replica.scenario_parts import (
    MEDIA_FILES,
    SITE_FILES,
    read_expect,
    read_extra_page,
    read_files,
    read_generated,
    read_headers,
    read_item,
    read_sitemaps,
    read_slugs,
    read_user,
)
from noai_check.replica.scenario_reader import Reader, ScenarioError

__all__ = ["Expect", "Scenario", "ScenarioError", "load_scenario"]


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
        return _parse_scenario(Reader(raw, "", source), stem)
    except RecursionError:  # [[[[...]]]] nested past the interpreter's limit
        raise ScenarioError(f"{source}: JSON nested too deeply to be a scenario") from None


def _read_source(name_or_path: str | Path) -> tuple[str, str, str]:
    as_text = str(name_or_path)
    looks_like_path = isinstance(name_or_path, Path) or "/" in as_text or as_text.endswith(".json")
    if not looks_like_path:
        packaged = resources.files("noai_check.replica").joinpath("scenarios").joinpath(f"{as_text}.json")
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


def _parse_scenario(top: Reader, stem: str) -> Scenario:
    site = top.child("site") or Reader({}, "site", top.source)
    media = top.child("media") or Reader({}, "media", top.source)
    site_files = read_files(site, SITE_FILES)
    media_files = read_files(media, MEDIA_FILES)
    sitemaps = site.child("sitemaps")
    scenario = Scenario(
        name=top.text("name", stem),
        source=top.source,
        description=top.text("description", ""),
        site_headers=read_headers(site, "headers"),
        site_files=site_files,
        media_headers=read_headers(media, "headers"),
        media_files=media_files,
        sitemaps=read_sitemaps(sitemaps) if sitemaps is not None else None,
        profile_tabs=read_slugs(site, "profile_tabs"),
        tab_expect=read_expect(site.child("tab_expect")),
        pages=tuple(read_extra_page(item) for item in top.children("pages")),
        users=tuple(read_user(item) for item in top.children("users")),
        generated=read_generated(top.child("generated")),
        platform=top.text("platform", "soundcloud"),
        hosts=read_slugs(top, "hosts"),
        site_botwall=site.choice("botwall", BOTWALLS, None),
        agent_rules=_agent_rules(site.child("agent_rules")),
    )
    items = tuple(read_item(obj, scenario.hosts) for obj in top.children("items"))
    if items:
        scenario = replace(scenario, items=items)
    for reader in (site, media, top):
        reader.done()
    _check_references(scenario, top)
    return scenario


def _agent_rules(rules: Reader | None) -> tuple[tuple[str, str], ...]:
    """``site.agent_rules``: {user-agent substring: answer}, in file order."""
    if rules is None:
        return ()
    return tuple((needle, rules.choice(needle, AGENT_ANSWERS)) for needle in list(rules.raw))


def _check_references(scenario: Scenario, top: Reader) -> None:
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
