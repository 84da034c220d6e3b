"""YouTube: watch pages ``/watch?v=ID`` and channels ``/@handle``, ``/channel/UC...``.

A video's identity is its query (``v``), so YouTube brings its own canonicalisation: the
generic one, which drops the query, would fold every video into ``/watch``.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit, urlunsplit

from .base import RESERVED, SUBPAGE, PathRule, Platform, path_canonical, path_classifier

_VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_CHANNEL_ID = re.compile(r"^UC[A-Za-z0-9_-]{22}$")
_HANDLE = re.compile(r"^@[A-Za-z0-9_.-]{3,30}$")


def _video_id(query: str) -> str | None:
    found = parse_qs(query).get("v", [""])[0]
    return found if _VIDEO_ID.match(found) else None


# Page type of a YouTube path with its query: video, channel, or other/subpage/reserved.
classify_path = path_classifier(
    (
        PathRule(("watch",), "video", query=_video_id),
        PathRule(("watch",), RESERVED),
        PathRule((_HANDLE,), "channel"),
        PathRule((_HANDLE,), SUBPAGE, prefix=True),  # /@x/videos, /@x/about
        PathRule(("channel", _CHANNEL_ID), "channel"),
        PathRule(("channel", _CHANNEL_ID), SUBPAGE, prefix=True),
        PathRule(("shorts",), SUBPAGE, prefix=True),  # the same videos in another player
    ),
    RESERVED,  # results, feed, playlist, premium, about, t, c, user (legacy, redirecting)
    with_query=True,
)


def canonical(url: str) -> str:
    """``/watch?v=ID`` keeps ``v`` (and nothing else: ``&t=``, ``&list=`` are the same video); other pages drop the query."""
    parts = urlsplit(url)
    video = _video_id(parts.query) if parts.path.rstrip("/") == "/watch" else None
    if video is None:
        return path_canonical(url)
    return urlunsplit((parts.scheme, parts.netloc.lower(), "/watch", f"v={video}", ""))


YOUTUBE = Platform(
    name="youtube",
    base_url="https://www.youtube.com",
    media_hosts=("i.ytimg.com", "*.ytimg.com", "yt3.ggpht.com"),
    page_types=("video", "channel"),
    sample_weights={"video": 0.7, "channel": 0.3},
    classify_path=classify_path,
    follow_links_from=("other", "channel"),
    terms_paths=(),  # /t/terms is disallowed to every crawler by YouTube's robots.txt
    claims=(),  # no public statement on AI opt-out signals in the sources we hold
    notes=(
        "YouTube pages are a JavaScript app: the HTML carries og/itemprop metas and a ytInitialData blob, "
        "which is what is crawled; links to other videos sit mostly in that blob. From the EU the site "
        "redirects to consent.youtube.com, which is recorded as a redirect to another host."
    ),
    profile_path=lambda handle: f"/@{handle.strip('/').lstrip('@')}",
    profile_type="channel",
    canonicalize=canonical,
    query_in_identity=True,
)
