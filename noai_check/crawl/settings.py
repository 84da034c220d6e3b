"""Scrapy settings for noai-check: a polite crawler that names itself and obeys robots.txt per RFC 9309."""

from noai_check import __version__

BOT_NAME = "noai_check"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
COMMANDS_MODULE = "noai_check.crawl.commands"

# The one User-Agent of noai-check: the crawl and `noai-check check` (fetch_one.py) both send it.
USER_AGENT = f"noai-check/{__version__} (+https://github.com/noai-check/noai-check; AI opt-out audit)"
# Our own robots.txt obedience, read to RFC 9309 (a 5xx robots.txt disallows all), replaces
# Scrapy's middleware, which reads any error page as allow-all. ROBOTSTXT_OBEY still switches it.
ROBOTSTXT_OBEY = True
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "noai_check.crawl.middlewares.OwnRobotsMiddleware": 100,
    # Paces requests to the Internet Archive and honours its Retry-After (an archive audit only, -a at=);
    # above RetryMiddleware (550), so it sees a 429 first (Scrapy's retry would ask again at once).
    "noai_check.crawl.archive_middleware.ArchivePolitenessMiddleware": 650,
    # An archive audit (-a at=): platform URLs as raw replays and back; between the politeness (which
    # sees refusals first) and RedirectMiddleware (600), which then only sees the page's own answers.
    "noai_check.crawl.archive_replay.ArchiveReplayMiddleware": 640,
    # Cookies are off (COOKIES_ENABLED); None also spares importing the middleware at start-up.
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,
    # Scrapy's meta-refresh redirects, in Scrapy's place (580), with pages that cannot hold one
    # ruled out from their bytes (crawl/meta_refresh.py).
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "noai_check.crawl.meta_refresh.QuickMetaRefreshMiddleware": 580,
}
# Scrapy's HTTP/1.1 handler plus NOAI_CONNECT_TO (crawl/connect_to.py): one replica for many hosts.
DOWNLOAD_HANDLERS = {
    "http": "noai_check.crawl.connect_to.ConnectToDownloadHandler",
    "https": "noai_check.crawl.connect_to.ConnectToDownloadHandler",
}
ITEM_PIPELINES = {"noai_check.crawl.pipelines.RecordsPipeline": 300}
EXTENSIONS = {
    "noai_check.crawl.progress.CrawlProgress": 500,
    # Twisted's asyncio reactor keeps cancelled download timeouts for minutes: a fast crawl's memory
    # grew by 14 MB over 20,000 pages (crawl/timers.py).
    "noai_check.crawl.timers.CancelledTimers": 500,
    # No telnet console and no remote-control port during an audit crawl; None also spares
    # importing them (the remote-control extension pulls in pydantic: ~0.1 s of start-up).
    "scrapy.extensions.telnet.TelnetConsole": None,
    "scrapy.extensions.remote_control.RemoteControl": None,
    # Its "scraped N items" would read 0: page records are written by the RecordsPipeline
    # directly, not sent as items. CrawlProgress logs pages judged and responses instead.
    "scrapy.extensions.logstats.LogStats": None,
    # JOBDIR: Scrapy pickles spider.state only at close (a kill -9 never saves it). noai-check keeps
    # its own resume files instead (noai_check/crawl/jobdir.py), so this pickle would only mislead.
    "scrapy.extensions.spiderstate.SpiderState": None,
}
# JOBDIR: no disk request queue (a kill can cut it mid-write and hang the resume) and no
# requests.seen; a resume rebuilds the frontier from the seed and the records (jobdir.py).
SCHEDULER = "noai_check.crawl.jobdir.MemoryScheduler"
DUPEFILTER_CLASS = "noai_check.crawl.jobdir.MemoryDupeFilter"

CONCURRENT_REQUESTS = 16
# Scrapy starts this many asyncio workers for each callback's output (a page's is a request or
# two: its record goes to the pipeline directly), so the default (100) costs more than the output.
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
# Scrapy re-reads a generator callback's source (inspect + ast) whenever its weak cache loses the
# bound method: up to 0.3 ms a page. tests/test_crawl.py runs the same check on every callback once.
WARN_ON_GENERATOR_RETURN_VALUE = False
# A page's callback hands the requests it leads to straight to the scheduler (PageJudging.scheduled),
# so Scrapy's spider middlewares see only some requests. Two of them are made to act on none:
# - Scrapy's Referer would name whichever page's callback released the next planned page, which
#   never linked to it. noai-check sets Referer itself where it is true (a media file: the page
#   showing it); "no-referrer" keeps the middleware (redirects ask it) but has it add none.
# - UrlLengthMiddleware drops a URL over 2,083 characters with a debug line: a sampled page would
#   vanish without a record. Such a page is fetched and recorded with whatever the server answers.
REFERRER_POLICY = "no-referrer"
URLLENGTH_LIMIT = 0
LOG_LEVEL = "INFO"
# noai-check's own NOAI_* settings and their defaults: noai_check/crawl/config.py (CrawlConfig).
