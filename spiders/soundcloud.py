"""`scrapy crawl soundcloud`: sample SoundCloud tracks, profiles and sets and judge their AI signals."""

from noai_check.platforms import SOUNDCLOUD
from noai_check.spider import PlatformSpider


class SoundCloudSpider(PlatformSpider):
    """Arguments: base_url, max_pages (200), profiles (comma-separated users), seed, media_hosts."""

    name = "soundcloud"
    platform = SOUNDCLOUD
