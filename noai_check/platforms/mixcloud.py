"""Mixcloud: ``/{user}/`` profiles and ``/{user}/{show}/`` shows (DJ mixes, radio shows); URLs end in ``/``."""

from __future__ import annotations

import re

from .base import (
    RESERVED,
    SUBPAGE,
    PathRule,
    Platform,
    all_of,
    any_of,
    any_segment,
    lower_in,
    none_of,
    path_classifier,
    slash_canonical,
)

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


# Page type of a Mixcloud path: show, profile, or other/subpage/reserved.
classify_path = path_classifier(
    (
        PathRule((any_of(lower_in(RESERVED_WORDS), none_of(_SLUG)),), RESERVED, prefix=True),
        PathRule((any_segment,), "profile"),
        PathRule((any_segment, all_of(none_of(lower_in(PROFILE_SUBPAGES)), _SLUG)), "show"),
    ),
    SUBPAGE,
)


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
