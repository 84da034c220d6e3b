"""One representative path per content page type, per platform: where the timeline asks robots.txt.

An archived robots.txt is judged for every AI agent at the site root and at each of these paths
(a path is judged as robots.txt matching sees it, so any user or track name of the same shape
gets the same answer unless a rule names it). tests/test_timeline.py checks each classifies as
its page type. A ``scrapy crawl site`` target has no page types: only the root is judged; nor has
Bandcamp's own host (its tracks, albums and artists live on <artist>.bandcamp.com, each with its
own robots.txt).
"""

from __future__ import annotations

SAMPLE_PATHS: dict[str, dict[str, str]] = {
    "soundcloud": {"track": "/example-artist/example-track", "profile": "/example-artist",
                   "set": "/example-artist/sets/example-set"},
    "mixcloud": {"show": "/example-artist/example-show/", "profile": "/example-artist/"},
    "audiomack": {"song": "/example-artist/song/example-song", "album": "/example-artist/album/example-album",
                  "artist": "/example-artist"},
    "youtube": {"video": "/watch?v=dQw4w9WgXcQ", "channel": "/@example-channel"},
    "spotify": {"track": "/track/4uLU6hMCjMI75M1A2tKUQC", "album": "/album/1DFixLWuPkv3KT3TnV35m3",
                "artist": "/artist/0OdUWJ0sBjDrqHygGUXeCF"},
    "deviantart": {"art": "/example-artist/art/example-work-123456789", "profile": "/example-artist"},
    "artstation": {"artwork": "/artwork/aB3dE5", "profile": "/example-artist"},
    "flickr": {"photo": "/photos/example-user/52345678901/", "profile": "/photos/example-user/"},
}


def sample_paths(platform: str) -> dict[str, str]:
    """The platform's sample path per page type (none for an unknown platform or a site crawl)."""
    return dict(SAMPLE_PATHS.get(platform, {}))
