"""Mixcloud: ``/{user}/`` profiles and ``/{user}/{show}/`` shows (DJ mixes, radio shows); URLs end in ``/``."""

from __future__ import annotations

import re

from .base import OTHER, RESERVED, SUBPAGE, Platform, segments, slash_canonical

# Top-level paths that are Mixcloud features (navigation, footer, robots.txt), never users.
RESERVED_WORDS = frozenset(
    """
    discover upload select pro live search categories tag tags dashboard settings messages notifications
    favorites oauth short pigeon developers about terms privacy cookies copyright jobs press help
    login signup logout register mobile apps widget embed player media sitemap robots.txt
    creators blog contact advertise partners charts trending new popular for-you feed stream
    """.split()
)
PROFILE_SUBPAGES = frozenset(
    "uploads favorites listens followers following playlists stream activity reposts stats shows hosts".split()
)
_SLUG = re.compile(r"^[A-Za-z0-9_.-]+$")


def classify_path(path: str) -> str:
    """Page type of a Mixcloud path: show, profile, or other/subpage/reserved."""
    parts = segments(path)
    if not parts:
        return OTHER
    if parts[0].lower() in RESERVED_WORDS or not _SLUG.match(parts[0]):
        return RESERVED
    if len(parts) == 1:
        return "profile"
    if len(parts) == 2 and parts[1].lower() not in PROFILE_SUBPAGES and _SLUG.match(parts[1]):
        return "show"
    return SUBPAGE


MIXCLOUD = Platform(
    name="mixcloud",
    base_url="https://www.mixcloud.com",
    media_hosts=("thumbnailer.mixcloud.com",),
    page_types=("show", "profile"),
    sample_weights={"show": 0.6, "profile": 0.4},
    classify_path=classify_path,
    follow_links_from=("other", "profile"),
    terms_paths=("/terms/",),
    claims=(),  # no public statement on AI opt-out signals in the sources we hold
    notes=(
        "Mixcloud is a JavaScript app; its HTML serves og metas and a state blob, which is what is crawled. "
        "robots.txt (2024) disallows GPTBot, CCBot, anthropic-ai, Google-Extended and others; its Sitemap "
        "line points to sitemaps.mixcloud.com, another host, which is not followed."
    ),
    profile_path=lambda user: f"/{user.strip('/')}/",
    canonicalize=slash_canonical,
)
