"""SoundCloud's URL space: tracks, profiles, sets; sub-pages and reserved words are never content."""

import pytest

from noai_check.platforms import SOUNDCLOUD
from noai_check.platforms.soundcloud import classify_path

BASE = "https://soundcloud.com"


@pytest.mark.parametrize(
    "path, expected",
    [
        ("/", "other"),
        ("/zedsdead", "profile"),
        ("/zedsdead/", "profile"),
        ("/zedsdead/zeds-dead-twin-shadow-lost-you", "track"),
        ("/zedsdead/sets/northern-lights", "set"),
        ("/zedsdead/tracks", "subpage"),
        ("/zedsdead/likes", "subpage"),
        ("/zedsdead/followers", "subpage"),
        ("/zedsdead/reposts", "subpage"),
        ("/zedsdead/some-track/likes", "subpage"),
        ("/zedsdead/some-track/reposts", "subpage"),
        ("/zedsdead/sets/x/likes", "subpage"),
        ("/discover", "reserved"),
        ("/charts/top", "reserved"),
        ("/search", "reserved"),
        ("/upload", "reserved"),
        ("/you/likes", "reserved"),
        ("/terms-of-use", "reserved"),
        ("/pages/cookies", "reserved"),
        ("/stations/track/x/y", "reserved"),
        ("/robots.txt", "reserved"),
        ("/user.name", "reserved"),
    ],
)
def test_classify(path, expected):
    assert classify_path(path) == expected


def test_off_site_and_query():
    assert SOUNDCLOUD.classify("https://elsewhere.example/zedsdead", BASE) is None
    assert SOUNDCLOUD.classify("https://soundcloud.com/zedsdead?page=3", BASE) == "profile"
    assert SOUNDCLOUD.classify("mailto:x@soundcloud.com", BASE) is None


def test_media_hosts():
    assert SOUNDCLOUD.is_media_host("i1.sndcdn.com")
    assert not SOUNDCLOUD.is_media_host("sndcdn.com.evil.example")
    assert SOUNDCLOUD.is_media_host("127.0.0.1:8001", ("127.0.0.1:8001",))


def test_claims_have_sources_and_checks():
    assert {c.id for c in SOUNDCLOUD.claims} == {"no-ai-tag", "no-third-party-training"}
    assert all(c.source and c.date and c.page_types == ("track", "profile") for c in SOUNDCLOUD.claims)
