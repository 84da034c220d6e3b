"""The platform definitions against real material in the shared corpus (read in place, skipped without it).

Captured page URLs must classify as the content they are, and each platform's terms pages must be
ones its real robots.txt lets noai-check fetch (YouTube's /t/terms is not, so YouTube has none).
"""

from __future__ import annotations

import pytest

from noai_check.platforms import PLATFORMS
from noai_check.signals.robots import parse_robots
from tests.corpus import corpus_or_skip, read_tsv

# platform -> its latest robots.txt in corpus/robots
ROBOTS = {
    "bandcamp": "bandcamp.com__2024-05-19.txt",
    "mixcloud": "mixcloud.com__egonkm-2024-05-26.txt",
    "deviantart": "deviantart.com__2024-04-28.txt",
    "artstation": "www.artstation.com__unknown-date__indexid18352695835.txt",
    "youtube": "youtube.com__2024-05-26.txt",
    "spotify": "open.spotify.com__egonkm-2024-05-26.txt",
    "flickr": "flickr.com__egonkm-2024-05-26.txt",
}


def test_captured_pages_classify_as_their_content():
    rows = read_tsv(corpus_or_skip("html", "index.tsv"))
    checked = 0
    for row in rows:
        name, url = row["platform"], row["page_url"]
        platform = PLATFORMS.get(name)
        if platform is None or name == "soundcloud" or not url.startswith(("https://", "http://")):
            continue
        page_type = platform.classify(url, platform.base_url)
        if page_type is None:
            continue  # a consent host, web.500px-like mirrors: not the platform's pages
        assert page_type in platform.page_types, (name, url, page_type)
        checked += 1
    assert checked >= 10


@pytest.mark.parametrize("name", sorted(ROBOTS))
def test_terms_pages_are_fetchable_under_the_real_robots_txt(name):
    body = corpus_or_skip("robots", ROBOTS[name]).read_bytes()
    robots = parse_robots(body, 200)
    platform = PLATFORMS[name]
    if name == "flickr":  # Flickr allows only crawlers it names: noai-check may fetch nothing there
        assert not robots.verdict(platform.base_url + "/photos/x/", "noai-check").allowed
        return
    for path in platform.terms_paths:
        assert robots.verdict(platform.base_url + path, "noai-check").allowed, (name, path)
    if name == "youtube":
        assert not robots.verdict(platform.base_url + "/t/terms", "noai-check").allowed and not platform.terms_paths
