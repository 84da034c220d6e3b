"""Flickr: photos ``/photos/{user}/{id}/`` and photostreams ``/photos/{user}/``; images on *.staticflickr.com.

Flickr's robots.txt (2024) allows a list of named crawlers and ends with ``User-agent: *`` /
``Disallow: /``. noai-check obeys robots.txt for its own agent, so against the real site it
fetches no page and reports every one as not fetched: auditing Flickr needs Flickr's
permission (and ``-s ROBOTSTXT_OBEY=False``). The replica scenario allows noai-check by name.
"""

from __future__ import annotations

import re

from .base import (
    RESERVED,
    SUBPAGE,
    PathRule,
    Platform,
    any_of,
    any_segment,
    lower_in,
    none_of,
    path_classifier,
    slash_canonical,
)

# /photos/<word> that are features, not users.
RESERVED_USERS = frozenset("tags upload organize friends me".split())
_USER = re.compile(r"^[A-Za-z0-9_@.-]+$")
_PHOTO_ID = re.compile(r"^\d{5,}$")


# Page type of a Flickr path: photo, profile, or other/subpage/reserved. Anything not under
# /photos/<user> is a feature: explore, groups, help, search, services, about, prints, jobs.
classify_path = path_classifier(
    (
        PathRule(("photos", any_of(lower_in(RESERVED_USERS), none_of(_USER))), RESERVED, prefix=True),
        PathRule(("photos", any_segment), "profile"),
        PathRule(("photos", any_segment, _PHOTO_ID), "photo"),
        PathRule(("photos", any_segment), SUBPAGE, prefix=True),  # albums, favorites, galleries, page2, /in/...
    ),
    RESERVED,
)


FLICKR = Platform(
    name="flickr",
    base_url="https://www.flickr.com",
    media_hosts=("*.staticflickr.com",),
    page_types=("photo", "profile"),
    sample_weights={"photo": 0.75, "profile": 0.25},
    classify_path=classify_path,
    follow_links_from=("other", "profile"),
    terms_paths=("/help/terms",),
    claims=(),  # no public statement on AI opt-out signals in the sources we hold
    notes=(
        "Flickr's robots.txt disallows every crawler it does not name, noai-check included: a crawl of the "
        "real site without permission records every page as not fetched. A 2021 photostream capture carries "
        "robots metas 'archive' and 'noarchive' (noarchive is a Bing AI-training signal). Photostreams list "
        "their photos through JavaScript, not links, so photos are found through the robots.txt sitemaps."
    ),
    profile_path=lambda user: f"/photos/{user.strip('/')}/",
    canonicalize=slash_canonical,
)
