"""How pages are fetched: the Scrapy spider, settings, middlewares, pipelines, records, progress, job state.

Owns everything that runs inside Scrapy (the spider samples, fetches and hands off to the
judge; the pipeline writes pages.jsonl and the report and records the run in the history),
the in-process crawl runner and the one-URL urllib fetch behind `noai-check check`.
May import every layer below it (report, history, judge, signals), the shared top-level
modules, and Scrapy; only noai_check.cli may import it.
"""
