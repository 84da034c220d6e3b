"""Spotify: ``open.spotify.com/track/ID``, ``/album/ID``, ``/artist/ID`` (22-character base62 IDs).

Spotify's pages are mostly rendered by JavaScript: what is crawled is what the HTML serves,
an app shell with og metas, a canonical link and, on some pages, server-rendered links.
"""

from __future__ import annotations

import re

from .base import RESERVED, SUBPAGE, PathRule, Platform, any_segment, path_classifier

_ID = re.compile(r"^[A-Za-z0-9]{22}$")
CONTENT = ("track", "album", "artist")


# Page type of an open.spotify.com path: track, album, artist, or other/subpage/reserved.
classify_path = path_classifier(
    (
        PathRule((lambda first: first.startswith("intl-"),), SUBPAGE, prefix=True),  # the same page in another language
        *(PathRule((kind, _ID), kind) for kind in CONTENT),
        PathRule((frozenset(CONTENT), _ID), SUBPAGE, prefix=True),  # /artist/ID/discography/album
        PathRule((frozenset({"playlist", "episode", "show", "user"}), any_segment), SUBPAGE, prefix=True),  # not sampled
    ),
    RESERVED,  # search, genre, collection, local, download, embed, oembed
)


SPOTIFY = Platform(
    name="spotify",
    base_url="https://open.spotify.com",
    media_hosts=("i.scdn.co",),
    page_types=("track", "album", "artist"),
    sample_weights={"track": 0.45, "album": 0.3, "artist": 0.25},
    classify_path=classify_path,
    follow_links_from=("other", "artist", "album"),
    terms_paths=(),  # the terms are on www.spotify.com/legal, another host
    claims=(),  # no public statement on AI opt-out signals in the sources we hold
    notes=(
        "Spotify's pages are mostly rendered by JavaScript; what is crawled is what the HTML serves "
        "(og metas, canonical, and the links present in the markup). A 2024 capture of an album page "
        "answered 403 to a non-browser client. robots.txt (2024) disallows GPTBot, CCBot, "
        "Google-Extended, anthropic-ai and others."
    ),
    profile_path=lambda artist_id: f"/artist/{artist_id.strip('/')}",
    profile_type="artist",
)
