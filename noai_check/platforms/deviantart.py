"""DeviantArt: art pages ``/{user}/art/{Title-123456}`` and profiles ``/{user}``; images on wixmp.com.

DeviantArt started the noai/noimageai convention. In the stored 2024 captures art pages carry
``noimageai`` in their robots meta (not ``noai``); its announcement says the image file itself
is served with ``noai`` in an X-Robots-Tag header, which the media HEADs read.
"""

from __future__ import annotations

import re

from .base import RESERVED, SUBPAGE, Claim, PathRule, Platform, any_of, any_segment, lower_in, none_of, path_classifier

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


# Page type of a DeviantArt path: art, profile, or other/subpage/reserved.
classify_path = path_classifier(
    (
        PathRule((any_of(lower_in(RESERVED_WORDS), none_of(_USER)),), RESERVED, prefix=True),
        PathRule((any_segment,), "profile"),
        PathRule((any_segment, "art", _ART_SLUG), "art"),
    ),
    SUBPAGE,
)


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
