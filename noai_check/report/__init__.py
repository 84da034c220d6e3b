"""What is shown: report.json built from the records, platform claims, the HTML and terminal renderers.

Owns report building (build), the per-platform numbers (summary), claim checks (claims),
the HTML report and its templates, the reports index, the terminal tables, and rebuilding
a report from a stored crawl. Renders the "changes since the previous run" that
noai_check.history computes. May import noai_check.history, judge, signals, files and
platforms; not Scrapy.
"""
