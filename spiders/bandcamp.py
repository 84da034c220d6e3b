"""`scrapy crawl bandcamp`: sample Bandcamp tracks, albums and artist homes and judge their AI signals."""

from typing import Any

from noai_check.crawl.spider import PlatformSpider
from noai_check.platforms import BANDCAMP


class BandcampSpider(PlatformSpider):
    """Arguments as for every platform, plus artist_hosts: host:port list treated like <artist>.bandcamp.com (a replica's)."""

    name = "bandcamp"
    platform = BANDCAMP

    def __init__(self, artist_hosts: str = "", **kwargs: Any) -> None:
        super().__init__(content_hosts=artist_hosts, **kwargs)
