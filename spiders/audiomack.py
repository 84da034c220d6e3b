"""`scrapy crawl audiomack`: sample Audiomack songs, albums and artists and judge their AI signals."""

from noai_check.crawl.spider import PlatformSpider
from noai_check.platforms import AUDIOMACK


class AudiomackSpider(PlatformSpider):
    """Arguments as for every platform: base_url, max_pages (200), profiles, seed, media_hosts."""

    name = "audiomack"
    platform = AUDIOMACK
