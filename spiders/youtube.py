"""`scrapy crawl youtube`: sample YouTube watch pages and channels and judge their AI signals."""

from noai_check.crawl.spider import PlatformSpider
from noai_check.platforms import YOUTUBE


class YouTubeSpider(PlatformSpider):
    """Arguments as for every platform: base_url, max_pages (200), profiles (channel handles), seed, media_hosts."""

    name = "youtube"
    platform = YOUTUBE
