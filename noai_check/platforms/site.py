"""Any site without a platform definition (``scrapy crawl site -a url=...``): every page is a ``page``.

No claims (nobody said anything we could hold the site to), no media hosts of its own (images
on the site's own host are HEADed like any page's media), and no terms pages we could know.
"""

from __future__ import annotations

import re

from .base import RESERVED, PathRule, Platform, path_classifier

# Paths that are files, not pages: not worth a page request.
_NOT_A_PAGE = re.compile(
    r"\.(?:jpe?g|png|gif|webp|avif|svg|ico|bmp|tiff?|mp[34]|m4a|wav|flac|ogg|webm|mov|avi|pdf|zip|gz|tgz|bz2|7z|rar|"
    r"exe|dmg|css|js|mjs|json|xml|txt|rss|atom|woff2?|ttf|eot)$",
    re.IGNORECASE,
)


# ``/`` is the home page (fetched for discovery); files are skipped; everything else is a page.
classify_path = path_classifier((PathRule((), RESERVED, prefix=True, path=_NOT_A_PAGE.search),), "page")


SITE = Platform(
    name="site",
    base_url="https://example.com",  # replaced by the spider's url argument
    media_hosts=(),
    page_types=("page",),
    sample_weights={"page": 1.0},
    classify_path=classify_path,
    follow_links_from=("other", "page"),
    notes="A site with no platform definition: pages sampled from its sitemaps and links, judged like any platform's.",
)
