"""`scrapy crawl flickr`: sample Flickr photos and photostreams and judge their AI signals."""

from noai_check.platforms import FLICKR
from noai_check.spider import PlatformSpider


class FlickrSpider(PlatformSpider):
    """Arguments as for every platform: base_url, max_pages (200), profiles, seed, media_hosts."""

    name = "flickr"
    platform = FLICKR
