"""Bandcamp: every artist is its own host, ``<artist>.bandcamp.com``, with ``/album/x`` and ``/track/x``.

The artist home (``/`` on the artist's host) is the profile. bandcamp.com itself is the hub
(home, discover, tags): it is crawled for discovery only. Media (cover art) is on ``f4.bcbits.com``.

Subdomains and the replica: a loopback replica cannot have DNS names per artist, so artist
hosts are given to the spider as ``-a artist_hosts=127.0.0.1:P1,127.0.0.1:P2`` (the replica
runs one port per artist, each with its own site files, as every real artist host has) and are
treated exactly as ``*.bandcamp.com`` hosts are on the real site. Each artist host is its own
origin: its robots.txt, tdmrep.json, ai.txt and llms.txt are read before any page there.
"""

from __future__ import annotations

from .base import RESERVED, SUBPAGE, PathRule, Platform, any_segment, path_classifier

# <name>.bandcamp.com hosts that are Bandcamp's own services, never artists.
SERVICE_HOSTS = tuple(
    f"{name}.bandcamp.com"
    for name in "www daily blog get help m s4 api bandcamp-daily merch-app artists fans shop".split()
)


# bandcamp.com: the home page is for discovery; everything else is a feature (discover, tag, help).
classify_hub_path = path_classifier((), RESERVED)

# An artist host: ``/`` artist, ``/album/x`` album, ``/track/x`` track, the rest sub-pages.
classify_artist_path = path_classifier(
    (PathRule(("album", any_segment), "album"), PathRule(("track", any_segment), "track")), SUBPAGE, home="artist"
)


BANDCAMP = Platform(
    name="bandcamp",
    base_url="https://bandcamp.com",
    media_hosts=("*.bcbits.com",),
    page_types=("track", "album", "artist"),
    sample_weights={"track": 0.4, "album": 0.35, "artist": 0.25},
    classify_path=classify_hub_path,
    follow_links_from=("other", "artist", "album"),
    terms_paths=("/terms_of_use",),
    claims=(),  # no public statement on AI opt-out signals in the sources we hold
    notes=(
        "Artist pages are server-rendered HTML (title, og metas, bc-page-properties, track list, JSON-LD). "
        "In the stored 2024 capture the only robots meta is max-image-preview:large. "
        "robots.txt (2024) disallows GPTBot, CCBot, ClaudeBot, Google-Extended and others. Discovery: the "
        "hub's links, links between artist pages, and -a profiles=<artist>; artists on their own domains are not followed."
    ),
    profile_type="artist",
    content_hosts=("*.bandcamp.com",),
    excluded_hosts=SERVICE_HOSTS,
    classify_content_host_path=classify_artist_path,
    profile_url=lambda base_url, name: f"https://{name.strip('/')}.bandcamp.com/",
)
