"""`scrapy crawl sites -a domains=FILE [-a name=NAME] [-a limit=N]`: audit every domain of a list."""

from noai_check.crawl.sites import DomainListSpider


class SitesSpider(DomainListSpider):
    """Arguments: domains (the list file), name (default: the file's stem), limit, pages."""

    name = "sites"
