"""One spider per platform; each is a few lines over noai_check.crawl.spider.PlatformSpider."""
