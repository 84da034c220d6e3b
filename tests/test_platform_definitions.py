"""Each platform's URL space: content page types, and features, sub-pages and other sites that are never content."""

from __future__ import annotations

import pytest

from noai_check.judge.registry import load_registry
from noai_check.platforms import PLATFORMS, SITE
from noai_check.platforms.base import path_canonical
from noai_check.report.claims import ClaimTally, page_check

CASES = {
    "bandcamp": [
        ("https://bandcamp.com/", "other"),
        ("https://bandcamp.com/discover", "reserved"),
        ("https://bandcamp.com/tag/ambient", "reserved"),
        ("https://jeanjean.bandcamp.com/", "artist"),
        ("https://jeanjean.bandcamp.com/album/symmetry", "album"),
        ("https://jeanjean.bandcamp.com/track/coquin-l-l-phant", "track"),
        ("https://jeanjean.bandcamp.com/merch", "subpage"),
        ("https://jeanjean.bandcamp.com/terms_of_use", "subpage"),
        ("https://bandcamp.com/jaredremillard?from=fanthanks", "reserved"),
        ("https://superstardestroyer.co.uk/album/droids", None),
        ("https://jeanjean.bandcamp.com/album/symmetry/extra", "subpage"),
        ("https://daily.bandcamp.com/features/x", None),
        ("https://f4.bcbits.com/img/a1_5.jpg", None),
        ("https://bandcamp.com.evil.example/album/x", None),
    ],
    "mixcloud": [
        ("https://www.mixcloud.com/", "other"),
        ("https://www.mixcloud.com/nightdrive/", "profile"),
        ("https://www.mixcloud.com/nightdrive/episode-12/", "show"),
        ("https://www.mixcloud.com/nightdrive/favorites/", "subpage"),
        ("https://www.mixcloud.com/nightdrive/episode-12/listeners/", "subpage"),
        ("https://www.mixcloud.com/discover/techno/", "reserved"),
        ("https://www.mixcloud.com/upload/", "reserved"),
    ],
    "audiomack": [
        ("https://audiomack.com/kilo-tide", "artist"),
        ("https://audiomack.com/kilo-tide/song/low-sun", "song"),
        ("https://audiomack.com/kilo-tide/album/harbour-tapes", "album"),
        ("https://audiomack.com/kilo-tide/playlists", "subpage"),
        ("https://audiomack.com/kilo-tide/playlist/x", "subpage"),
        ("https://audiomack.com/trending", "reserved"),
        ("https://audiomack.com/top-songs", "reserved"),
    ],
    "youtube": [
        ("https://www.youtube.com/", "other"),
        ("https://www.youtube.com/watch?v=arj7oStGLkU", "video"),
        ("https://www.youtube.com/watch?v=arj7oStGLkU&t=42s", "video"),
        ("https://www.youtube.com/watch", "reserved"),
        ("https://www.youtube.com/watch?v=short", "reserved"),
        ("https://www.youtube.com/@paperlanterns", "channel"),
        ("https://www.youtube.com/@paperlanterns/videos", "subpage"),
        ("https://www.youtube.com/channel/UCuZeHD5SGecQomz2pVDHGzg", "channel"),
        ("https://www.youtube.com/channel/UCuZeHD5SGecQomz2pVDHGzg/about", "subpage"),
        ("https://www.youtube.com/shorts/arj7oStGLkU", "subpage"),
        ("https://www.youtube.com/results?search_query=x", "reserved"),
        ("https://www.youtube.com/playlist?list=PL1", "reserved"),
        ("https://consent.youtube.com/m?continue=x", None),
    ],
    "spotify": [
        ("https://open.spotify.com/track/5yi43xg7XU7zZIfWfYl5DC", "track"),
        ("https://open.spotify.com/album/7s66wU1XJ2NsUuWM2NKiUV", "album"),
        ("https://open.spotify.com/artist/1gR0gsQYfi6joyO1dlp76N", "artist"),
        ("https://open.spotify.com/artist/1gR0gsQYfi6joyO1dlp76N/discography/album", "subpage"),
        ("https://open.spotify.com/intl-id/album/7s66wU1XJ2NsUuWM2NKiUV", "subpage"),
        ("https://open.spotify.com/playlist/2wcDIOxuye6WDZjqsDlxmQ", "subpage"),
        ("https://open.spotify.com/album/tooshort", "reserved"),
        ("https://open.spotify.com/search", "reserved"),
    ],
    "deviantart": [
        ("https://www.deviantart.com/sakimichan/art/Misty-510056679", "art"),
        ("https://www.deviantart.com/sakimichan", "profile"),
        ("https://www.deviantart.com/sakimichan/gallery", "subpage"),
        ("https://www.deviantart.com/sakimichan/art/no-number", "subpage"),
        ("https://www.deviantart.com/art/Misty-510056679", "reserved"),
        ("https://www.deviantart.com/team/journal/UPDATE-All-Deviations-Are-Opted-Out-of-AI-Datasets-934500371", "reserved"),
        ("https://www.deviantart.com/daily-deviations", "reserved"),
        ("https://www.deviantart.com/morelikethis/1", "reserved"),
        ("https://www.deviantart.com/community", "reserved"),
        ("https://sakimichan.deviantart.com/journal/x-1", None),
    ],
    "artstation": [
        ("https://www.artstation.com/artwork/Xk2bLq", "artwork"),
        ("https://www.artstation.com/mira-voss", "profile"),
        ("https://www.artstation.com/mira-voss/likes", "subpage"),
        ("https://www.artstation.com/artwork/Xk2bLq/comments", "subpage"),
        ("https://www.artstation.com/learning", "reserved"),
        ("https://www.artstation.com/marketplace/p/x", "reserved"),
    ],
    "flickr": [
        ("https://www.flickr.com/photos/desescribir/", "profile"),
        ("https://www.flickr.com/photos/desescribir/17244790083/", "photo"),
        ("https://www.flickr.com/photos/desescribir/albums/", "subpage"),
        ("https://www.flickr.com/photos/desescribir/17244790083/sizes/l/", "subpage"),
        ("https://www.flickr.com/photos/tags/sea/", "reserved"),
        ("https://www.flickr.com/explore/", "reserved"),
        ("https://www.flickr.com/help/terms", "reserved"),
    ],
}


@pytest.mark.parametrize("name, url, expected", [(n, u, e) for n, cases in CASES.items() for u, e in cases])
def test_classify(name, url, expected):
    platform = PLATFORMS[name]
    assert platform.classify(url, platform.base_url) == expected


def test_every_platform_is_tested_and_complete():
    assert set(CASES) == set(PLATFORMS) - {"soundcloud"}
    for platform in PLATFORMS.values():
        assert platform.page_types and set(platform.sample_weights) == set(platform.page_types)
        assert set(platform.follow_links_from) <= {*platform.page_types, "other"}
        assert platform.media_hosts and platform.notes


def test_youtube_keeps_the_video_in_its_canonical_url():
    youtube = PLATFORMS["youtube"]
    assert youtube.canonicalize("https://www.youtube.com/watch?v=arj7oStGLkU&t=42s&list=PL1") == "https://www.youtube.com/watch?v=arj7oStGLkU"
    assert youtube.canonicalize("https://WWW.youtube.com/@x/?si=abc") == "https://www.youtube.com/@x"
    assert path_canonical("https://www.youtube.com/watch?v=arj7oStGLkU") == "https://www.youtube.com/watch"


def test_trailing_slash_platforms_keep_it():
    assert PLATFORMS["flickr"].canonicalize("https://www.flickr.com/photos/x/123?foo=1") == "https://www.flickr.com/photos/x/123/"
    assert PLATFORMS["mixcloud"].canonicalize("https://www.mixcloud.com/x/show/") == "https://www.mixcloud.com/x/show/"


def test_bandcamp_artist_hosts_and_profiles():
    bandcamp = PLATFORMS["bandcamp"]
    replica = ("127.0.0.1:4001",)
    assert bandcamp.classify("http://127.0.0.1:4001/album/x", "http://127.0.0.1:4000", replica) == "album"
    assert bandcamp.classify("http://127.0.0.1:4001/", "http://127.0.0.1:4000", replica) == "artist"
    assert bandcamp.classify("http://127.0.0.1:4002/album/x", "http://127.0.0.1:4000", replica) is None
    assert bandcamp.profile_url and bandcamp.profile_url(bandcamp.base_url, "jeanjean") == "https://jeanjean.bandcamp.com/"
    assert bandcamp.is_media_host("f4.bcbits.com")


def test_site_platform_takes_pages_not_files():
    assert SITE.classify_path("/") == "other"
    assert SITE.classify_path("/books/x") == "page"
    assert SITE.classify_path("/feed.xml") == "reserved" and SITE.classify_path("/a/B.JPG") == "reserved"
    assert SITE.claims == ()


def test_claims_name_their_source_and_a_known_check():
    registry = load_registry()
    for platform in PLATFORMS.values():
        for claim in platform.claims:
            assert claim.source and claim.date and set(claim.page_types) <= set(platform.page_types)
            page_check(claim, registry)  # raises for an unknown check
    assert "934500371" in PLATFORMS["deviantart"].claims[0].source


def _record(page_type: str, **page: bool) -> dict:
    return {"url": "u", "page_type": page_type, "verifiable": True, "page": page, "agents": {}}


def test_deviantart_claim_counts_either_token():
    claim = PLATFORMS["deviantart"].claims[0]
    tally = ClaimTally(claim, page_check(claim, load_registry()))
    for page in ({"noimageai": True}, {"noai": True}, {}):
        tally.add(_record("art", **page))
    tally.add(_record("profile"))  # out of scope
    assert (tally.checked, tally.satisfying, tally.status) == (3, 2, "partial")


def test_artstation_opt_in_claim_is_inconclusive_until_a_tagged_work_is_seen():
    claim = PLATFORMS["artstation"].claims[0]
    tally = ClaimTally(claim, page_check(claim, load_registry()))
    tally.add(_record("artwork"))
    tally.add(_record("artwork", noimageai=True))
    assert (tally.checked, tally.status) == (0, "inconclusive")
    tally.add(_record("artwork", noai=True))
    assert (tally.checked, tally.satisfying, tally.status) == (1, 1, "verified")
