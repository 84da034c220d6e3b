"""ArtStation: artworks ``/artwork/{hash}`` and profiles ``/{user}``; images on cdn*.artstation.com.

Its NoAI tag (December 2022) is opt-in: an artist tags a project "NoAI" (or sets it for the
account) and the page gets a noai meta tag. So "every page carries noai" is not the claim,
and a page without noai is not a failure: it may simply be untagged. Which works are tagged
cannot be seen from outside, so the claim's check counts only pages that show the tag's
effect (noai) and stays inconclusive otherwise. The share of artworks carrying noai is in the
report's page-type counts.
"""

from __future__ import annotations

import re

from .base import RESERVED, SUBPAGE, Claim, PathRule, Platform, any_of, any_segment, lower_in, none_of, path_classifier

RESERVED_WORDS = frozenset(
    """
    artwork learning marketplace prints jobs blogs blog search channels challenges contests about tos
    privacy users api registration sign_in sign_up users studio pro plus guides community
    explore magazine subscribe settings messages notifications cart checkout help sitemap.xml
    robots.txt legal cookies dmca
    """.split()
)
_USER = re.compile(r"^[A-Za-z0-9_-]+$")
_HASH = re.compile(r"^[A-Za-z0-9]{5,12}$")


# Page type of an ArtStation path: artwork, profile, or other/subpage/reserved.
classify_path = path_classifier(
    (
        PathRule(("artwork", _HASH), "artwork"),
        PathRule(("artwork",), SUBPAGE, prefix=True),
        PathRule((any_of(lower_in(RESERVED_WORDS), none_of(_USER)),), RESERVED, prefix=True),
        PathRule((any_segment,), "profile"),
    ),
    SUBPAGE,
)


ARTSTATION = Platform(
    name="artstation",
    base_url="https://www.artstation.com",
    media_hosts=("cdn*.artstation.com",),
    page_types=("artwork", "profile"),
    sample_weights={"artwork": 0.75, "profile": 0.25},
    classify_path=classify_path,
    follow_links_from=("other", "profile"),
    terms_paths=("/tos",),
    claims=(
        Claim(
            id="noai-tag-opt-in",
            text=(
                "Works an artist tags \"NoAI\" (a project tag or an account setting, opt-in) carry a noai meta tag, "
                "and the terms of service forbid training on them."
            ),
            source="ArtStation, December 2022, as summarised in noai-check's signals reference (no primary text stored; summarised, not quoted)",
            date="2022-12",
            check="noai-where-opted-in",
            page_types=("artwork",),
        ),
    ),
    notes=(
        "ArtStation is a JavaScript app; its HTML serves og metas and a state blob, which is what is crawled. "
        "Its NoAI tag is opt-in, so the noai share of artworks measures adoption, not compliance; see the claim's check."
    ),
)
