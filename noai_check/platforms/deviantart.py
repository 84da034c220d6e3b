"""DeviantArt: art pages ``/{user}/art/{Title-123456}`` and profiles ``/{user}``; images on wixmp.com.

DeviantArt started the noai/noimageai convention. In the stored 2024 captures art pages carry
``noimageai`` in their robots meta (not ``noai``); its announcement says the image file itself
is served with ``noai`` in an X-Robots-Tag header, which the media HEADs read.
"""

from __future__ import annotations

import re

from .base import OTHER, RESERVED, SUBPAGE, Claim, Platform, segments

# Top-level paths that are DeviantArt features (robots.txt, navigation, footer), never users.
RESERVED_WORDS = frozenset(
    """
    about team join users morelikethis download checkout global api critiques prints _stash stash
    search tag tags topic topics popular watch notifications settings core-membership shop
    daily-deviations developers submit studio groups art deviations status-update journal forum
    chat messages account login logout signup register help privacy terms policy dreamup
    subscriptions points badges llama commissions marketplace jobs press advertise sitemap community
    comments
    robots.txt
    """.split()
)
_USER = re.compile(r"^[A-Za-z0-9-]+$")
_ART_SLUG = re.compile(r"^[^/]+-\d+$")  # Misty-510056679


def classify_path(path: str) -> str:
    """Page type of a DeviantArt path: art, profile, or other/subpage/reserved."""
    parts = segments(path)
    if not parts:
        return OTHER
    if parts[0].lower() in RESERVED_WORDS or not _USER.match(parts[0]):
        return RESERVED
    if len(parts) == 1:
        return "profile"
    if len(parts) == 3 and parts[1] == "art" and _ART_SLUG.match(parts[2]):
        return "art"
    return SUBPAGE


DEVIANTART = Platform(
    name="deviantart",
    base_url="https://www.deviantart.com",
    media_hosts=("*.wixmp.com",),
    page_types=("art", "profile"),
    sample_weights={"art": 0.75, "profile": 0.25},
    classify_path=classify_path,
    follow_links_from=("other", "profile"),
    terms_paths=("/about/policy/service/",),
    claims=(
        Claim(
            id="all-deviations-opted-out",
            text=(
                "All deviations are opted out of AI datasets by default: pages carry noimageai in a robots meta "
                "tag and image downloads carry noai in an HTTP header."
            ),
            source=(
                "DeviantArt team journal \"UPDATE: All Deviations Are Opted Out of AI Datasets\", "
                "https://www.deviantart.com/team/journal/UPDATE-All-Deviations-Are-Opted-Out-of-AI-Datasets-934500371 "
                "(summarised, not quoted)"
            ),
            date="2022-11",
            check="noai-or-noimageai-every-agent",
            page_types=("art",),
        ),
    ),
    notes=(
        "Art pages are server-rendered (og/twitter metas, robots meta, canonical). The claim is judged on art "
        "pages; the image side (noai on the download) is in the report's media counts, from HEAD requests."
    ),
)
