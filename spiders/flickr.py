"""`scrapy crawl flickr`: sample Flickr photos and photostreams and judge their AI signals."""

from noai_check.crawl.spider import PlatformSpider
from noai_check.platforms import FLICKR


class FlickrSpider(PlatformSpider):
    """Arguments as for every platform: base_url, max_pages (200), profiles, seed, media_hosts."""

    name = "flickr"
    platform = FLICKR
