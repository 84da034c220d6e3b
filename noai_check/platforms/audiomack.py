"""Audiomack: ``/{artist}`` profiles, ``/{artist}/song/{slug}`` songs, ``/{artist}/album/{slug}`` albums."""

from __future__ import annotations

import re

from .base import RESERVED, SUBPAGE, PathRule, Platform, any_of, any_segment, lower_in, none_of, path_classifier

RESERVED_WORDS = frozenset(
    """
    trending top-songs top-albums top-playlists playlists search upload login join signup logout about
    premium creators world news browse recent songs albums podcast podcasts dashboard settings
    notifications messages feed library embed oembed api help support privacy-policy terms-of-service
    contact-us amp sitemap robots.txt monetization accounts charts genre genres stats
    """.split()
)
_SLUG = re.compile(r"^[A-Za-z0-9_-]+$")


# Page type of an Audiomack path: song, album, artist, or other/subpage/reserved.
classify_path = path_classifier(
    (
        PathRule((any_of(lower_in(RESERVED_WORDS), none_of(_SLUG)),), RESERVED, prefix=True),
        PathRule((any_segment,), "artist"),
        PathRule((any_segment, "song", _SLUG), "song"),
        PathRule((any_segment, "album", _SLUG), "album"),
    ),
    SUBPAGE,
)


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
