"""`scrapy crawl soundcloud`: sample SoundCloud tracks, profiles and sets and judge their AI signals."""

from noai_check.crawl.spider import PlatformSpider
from noai_check.platforms import SOUNDCLOUD


class SoundCloudSpider(PlatformSpider):
    """Arguments: base_url, max_pages (200), profiles (comma-separated users), seed, media_hosts."""

    name = "soundcloud"
    platform = SOUNDCLOUD
