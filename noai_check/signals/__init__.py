"""What a site says: pure parsers of every machine-readable AI opt-out signal, and the page analysis.

Owns robots.txt (with the one path matcher shared with tdmrep.json), robots metas and
X-Robots-Tag, TDMRep, IETF aipref Content-Usage, Cloudflare Content-Signal, ai.txt, llms.txt,
sitemaps, terms clauses, the site files of an origin, and the ``Fetched`` / ``Finding`` values
they take and give: bytes in, dataclasses out. May import nothing of noai_check outside this
folder except noai_check.errors; no Scrapy, no rich, no I/O (the callers fetch and read files).
"""
