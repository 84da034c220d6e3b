"""Audiomack: ``/{artist}`` profiles, ``/{artist}/song/{slug}`` songs, ``/{artist}/album/{slug}`` albums."""

from __future__ import annotations

import re

from .base import OTHER, RESERVED, SUBPAGE, Platform, segments

RESERVED_WORDS = frozenset(
    """
    trending top-songs top-albums top-playlists playlists search upload login join signup logout about
    premium creators world news browse recent songs albums podcast podcasts dashboard settings
    notifications messages feed library embed oembed api help support privacy-policy terms-of-service
    contact-us amp sitemap robots.txt monetization accounts charts genre genres stats
    """.split()
)
_SLUG = re.compile(r"^[A-Za-z0-9_-]+$")


def classify_path(path: str) -> str:
    """Page type of an Audiomack path: song, album, artist, or other/subpage/reserved."""
    parts = segments(path)
    if not parts:
        return OTHER
    if parts[0].lower() in RESERVED_WORDS or not _SLUG.match(parts[0]):
        return RESERVED
    if len(parts) == 1:
        return "artist"
    if len(parts) == 3 and parts[1] in ("song", "album") and _SLUG.match(parts[2]):
        return parts[1]
    return SUBPAGE


AUDIOMACK = Platform(
    name="audiomack",
    base_url="https://audiomack.com",
    media_hosts=("assets.audiomack.com",),
    page_types=("song", "album", "artist"),
    sample_weights={"song": 0.45, "album": 0.25, "artist": 0.3},
    classify_path=classify_path,
    follow_links_from=("other", "artist", "album"),
    terms_paths=("/about/terms-of-service",),
    claims=(),  # no public statement on AI opt-out signals in the sources we hold
    notes="Audiomack is a JavaScript app; its HTML serves og metas and a state blob, which is what is crawled.",
    profile_type="artist",
)
