"""`scrapy crawl artstation`: sample ArtStation artworks and profiles and judge their AI signals."""

from noai_check.crawl.spider import PlatformSpider
from noai_check.platforms import ARTSTATION


class ArtStationSpider(PlatformSpider):
    """Arguments as for every platform: base_url, max_pages (200), profiles, seed, media_hosts."""

    name = "artstation"
    platform = ARTSTATION
