"""`scrapy crawl mixcloud`: sample Mixcloud shows and profiles and judge their AI signals."""

from noai_check.crawl.spider import PlatformSpider
from noai_check.platforms import MIXCLOUD


class MixcloudSpider(PlatformSpider):
    """Arguments as for every platform: base_url, max_pages (200), profiles, seed, media_hosts."""

    name = "mixcloud"
    platform = MIXCLOUD
