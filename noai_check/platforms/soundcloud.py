"""SoundCloud: /{user} profiles, /{user}/{track} tracks, /{user}/sets/{set} sets; media on *.sndcdn.com."""

from __future__ import annotations

import re

from .base import (
    RESERVED,
    SUBPAGE,
    Claim,
    PathRule,
    Platform,
    all_of,
    any_of,
    any_segment,
    lower_in,
    none_of,
    path_classifier,
)

# Top-level paths that are SoundCloud features, never user names (from the site's own
# navigation, footer, help and legal links).
RESERVED_WORDS = frozenset(
    """
    discover search charts stream upload you tags pages terms-of-use settings messages people
    stations mobile notifications popular jobs imprint community-guidelines creators artists premium
    go pro connect login logout signin signup signout register help press apps blog legal tracks
    playlists groups explore embed oembed player widget getting-started business for sitemap
    robots.txt feed library likes following followers sets api developers checkout gifts
    cookies privacy copyright trending next-pro artist-pro sc-opensearch.xml webmanifest.json
    home welcome onboarding oauth oauth2 authorize account activity insights dashboard
    subscriptions subscription subscribe premium-upsell student go-plus ads advertising brand
    brand-guidelines partners press-kit contact support status terms cookie-policy dmca
    impressum about company careers for-artists artist-tools mastering distribution repost
    the-upload search-results genre genres new hot top recommended curated featured audio
    """.split()
)
# /{user}/<word> that are views of a profile, not tracks.
PROFILE_SUBPAGES = frozenset(
    """
    tracks albums sets likes followers following reposts popular-tracks comments spotlight
    info playlists toptracks stations groups favorites favourites top-tracks
    """.split()
)
# /{user}/{track}/<word> that are views of a track.
TRACK_SUBPAGES = frozenset(
    "likes reposts sets comments recommended albums playlists stats s-embed embed".split()
)
_SLUG = re.compile(r"^[A-Za-z0-9_-]+$")


# Page type of a SoundCloud path: track, profile, set, or other/subpage/reserved.
classify_path = path_classifier(
    (
        PathRule((any_of(lower_in(RESERVED_WORDS), none_of(_SLUG)),), RESERVED, prefix=True),
        PathRule((any_segment,), "profile"),
        PathRule((any_segment, all_of(none_of(lower_in(PROFILE_SUBPAGES)), _SLUG)), "track"),
        PathRule((any_segment, lower_in(frozenset({"sets"})), _SLUG), "set"),
    ),
    SUBPAGE,
)


SOUNDCLOUD = Platform(
    name="soundcloud",
    base_url="https://soundcloud.com",
    media_hosts=("*.sndcdn.com",),
    page_types=("track", "profile", "set"),
    sample_weights={"track": 0.5, "profile": 0.3, "set": 0.2},
    classify_path=classify_path,
    follow_links_from=("other", "profile", "set"),
    terms_paths=("/terms-of-use",),
    claims=(
        Claim(
            id="no-ai-tag",
            text="We implemented technical safeguards, including a 'no AI' tag on our site to explicitly prohibit unauthorized use.",
            source="SoundCloud statement to Pitchfork and The Verge, May 2025 (reported by music.mxdwn.com 2025-05-12)",
            date="2025-05",
            check="noai-every-agent",
            page_types=("track", "profile"),
        ),
        Claim(
            id="no-third-party-training",
            text="Nor do we allow third parties to scrape or use SoundCloud content from our platform for AI training purposes.",
            source="SoundCloud statement, May 2025 (reported by youredm.com 2025-05-14)",
            date="2025-05",
            check="training-reserved-for-training-crawlers",
            page_types=("track", "profile"),
        ),
    ),
    notes="SoundCloud is a JavaScript app; its HTML serves an app shell with og/twitter metas and a <noscript> copy of the content, which is what is crawled.",
)
