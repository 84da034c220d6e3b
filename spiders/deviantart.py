"""`scrapy crawl deviantart`: sample DeviantArt art pages and profiles and judge their AI signals."""

from noai_check.crawl.spider import PlatformSpider
from noai_check.platforms import DEVIANTART


class DeviantArtSpider(PlatformSpider):
    """Arguments as for every platform: base_url, max_pages (200), profiles, seed, media_hosts."""

    name = "deviantart"
    platform = DEVIANTART
