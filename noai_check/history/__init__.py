"""What changed over time: the run store (history.sqlite), snapshots, the diff, verify, the terms watch.

Owns recording a crawl, reading runs back, comparing two runs (diff, terms_watch) and the
CI gate (verify). Reads the stored records through noai_check.judge.page_records and
noai_check.files. May import noai_check.judge, signals, files and errors; never
noai_check.report (the report renders what the history returns), never Scrapy.
"""
