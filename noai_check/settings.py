"""Scrapy settings for noai-check: a polite crawler that names itself and obeys robots.txt per RFC 9309."""

from noai_check import __version__

BOT_NAME = "noai_check"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
COMMANDS_MODULE = "noai_check.commands"

USER_AGENT = f"noai-check/{__version__} (+https://github.com/noai-check/noai-check; AI opt-out audit)"
# Our own robots.txt obedience, read to RFC 9309 (a 5xx robots.txt disallows all), replaces
# Scrapy's middleware, which reads any error page as allow-all. ROBOTSTXT_OBEY still switches it.
ROBOTSTXT_OBEY = True
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "noai_check.middlewares.OwnRobotsMiddleware": 100,
}
ITEM_PIPELINES = {"noai_check.pipelines.RecordsPipeline": 300}
EXTENSIONS = {"noai_check.progress.CrawlProgress": 500}

CONCURRENT_REQUESTS = 16
# A page yields one or two items; Scrapy starts this many asyncio workers per callback, so the
# default (100) costs more than the items themselves.
CONCURRENT_ITEMS = 4
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
RETRY_TIMES = 1
REDIRECT_MAX_TIMES = 10
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # no control port opened by an audit crawl
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

NOAI_REPORTS_DIR = "reports"
NOAI_MAX_SITEMAPS = 20
NOAI_AGENTS_FILE = None
NOAI_PROGRESS = True
