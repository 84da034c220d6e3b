"""`scrapy crawl spotify`: sample Spotify tracks, albums and artists (what the HTML serves) and judge their AI signals."""

from noai_check.crawl.spider import PlatformSpider
from noai_check.platforms import SPOTIFY


class SpotifySpider(PlatformSpider):
    """Arguments as for every platform: base_url, max_pages (200), profiles (artist IDs), seed, media_hosts."""

    name = "spotify"
    platform = SPOTIFY
