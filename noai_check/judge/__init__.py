"""What a site's signals mean per AI agent: the agent registry and its data, the verdicts, bot walls, statistics.

Owns the registry (data/agents.json), the verdict rules per agent, a page's judgement, the
offline evaluation of a saved robots.txt, bot-wall detection, the Wilson interval, and the
reader of stored verdicts (page_records: pages.jsonl with each agents map reduced once).
May import noai_check.signals, noai_check.errors and noai_check.files; never Scrapy or rich.
"""
