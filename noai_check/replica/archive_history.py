"""A SoundCloud-like archive history, 2019-2026: what the tests and ``noai-check demo --at`` crawl.

Every capture is one row of a table below: add a row to add a capture. ``ROBOTS`` is the robots.txt
story (AI-crawler groups added from August 2023, one removed in 2025, GPTBot unblocked in 2026, a
503 capture in 2024), ``TERMS`` the terms page that gains an AI-training clause on 2024-02-07,
``SITE_FILES`` the other site files (404 captures mean "absent then"; ai.txt is never captured:
unknown; llms.txt redirects in 2025), ``PAGES`` the track and profile captures of May 2025, some with noai (meta or archived
``X-Robots-Tag``), some without, a revisit, a redirect, 404 and 503 captures and a truncated replay.

``expected_pages_2025()`` says what a correct archive crawl at 2025-05-15 (window 30) finds.
"""

from __future__ import annotations

from noai_check.replica.archive import Snapshot

HOST = "https://soundcloud.com"
HTML = (("Content-Type", "text/html; charset=utf-8"),)
TEXT = (("Content-Type", "text/plain; charset=utf-8"),)

_BASE_ROBOTS = "User-agent: *\nDisallow: /search\nDisallow: /you/\n\nSitemap: https://soundcloud.com/sitemap.txt\n"
_GPTBOT = "User-agent: GPTBot\nDisallow: /\n"
_CCBOT = "User-agent: CCBot\nDisallow: /\n"
_GOOGLE_EXT = "User-agent: Google-Extended\nDisallow: /\n"
_CLAUDE = "User-agent: ClaudeBot\nDisallow: /\n"

# (timestamp, status, body or None for a revisit of the previous body)
ROBOTS: tuple[tuple[str, int, str | None], ...] = (
    ("20190315083000", 200, _BASE_ROBOTS),
    ("20200601120000", 200, None),
    ("20230822101500", 200, _BASE_ROBOTS + "\n" + _GPTBOT),
    ("20231010090000", 200, _BASE_ROBOTS + "\n" + _GPTBOT + "\n" + _CCBOT + "\n" + _GOOGLE_EXT),
    ("20240612000000", 503, "<h1>503 Service Unavailable</h1>"),
    ("20250301070000", 200, _BASE_ROBOTS + "\n" + _GPTBOT + "\n" + _GOOGLE_EXT + "\n" + _CLAUDE),
    ("20250510111111", 200, None),
    ("20260115080000", 200, _BASE_ROBOTS + "\n" + _GOOGLE_EXT + "\n" + _CLAUDE),
)

_TERMS_BEFORE = (
    "<p>1. These Terms of Use govern your use of the Platform.</p>"
    "<p>2. You retain all rights in the Content you upload.</p>"
)
TERMS_AI_CLAUSE = (
    "You may not use any Content for the purpose of training artificial intelligence or machine learning "
    "models without our express written permission."
)
# (timestamp, clauses HTML or None for a revisit)
TERMS: tuple[tuple[str, str | None], ...] = (
    ("20230601000000", _TERMS_BEFORE),
    ("20240207150000", _TERMS_BEFORE + f"<p>3. {TERMS_AI_CLAUSE}</p>"),
    ("20240801000000", None),
    ("20250512000000", None),
)

# (path, timestamp, status, headers, body)
SITE_FILES: tuple[tuple[str, str, int, tuple[tuple[str, str], ...], str], ...] = (
    ("/.well-known/tdmrep.json", "20250420000000", 404, HTML, "<h1>Not Found</h1>"),
    ("/llms.txt", "20230505000000", 404, HTML, "<h1>Not Found</h1>"),
    # In 2025 llms.txt redirects to llms-full.txt: the crawl follows it to that file's own capture.
    ("/llms.txt", "20250505000000", 301, HTML + (("Location", HOST + "/llms-full.txt"),), ""),
    ("/llms-full.txt", "20250506000000", 200, TEXT, "# SoundCloud\n\n> Music and audio.\n"),
)

_NOAI_META = '<meta name="robots" content="noai, noimageai">'
_NOAI_HEADER = (("X-Robots-Tag", "noai, noimageai"),)
# (path, timestamp, status, extra original headers, noai meta?, kind): kind "" | "revisit" | "truncated" | "redirect:<path>"
PAGES: tuple[tuple[str, str, int, tuple[tuple[str, str], ...], bool, str], ...] = (
    ("/", "20250510000000", 200, (), False, ""),
    ("/nina-beats", "20250512093000", 200, _NOAI_HEADER, False, ""),
    ("/nina-beats/night-drive", "20250513100000", 200, (), True, ""),
    ("/nina-beats/night-drive", "20250520100000", 200, (), True, "revisit"),
    ("/djmarlo", "20250514120000", 200, (), False, ""),
    ("/djmarlo/sunset-loop", "20250516080000", 200, (), False, ""),
    ("/djmarlo/old-mix", "20250517000000", 404, (), False, ""),
    ("/kora-sound/glass", "20250515000000", 503, (), False, ""),
    ("/kora-sound/glass", "20250601000000", 200, (), True, ""),
    ("/kora-sound", "20250519000000", 301, (), False, "redirect:/kora-sound-official"),
    ("/kora-sound-official", "20250519000100", 200, (), True, ""),
    ("/lena-v/rain", "20250511000000", 200, (), True, "truncated"),
    ("/old-artist/2019-track", "20190401000000", 200, (), False, ""),
)


def page_html(path: str, noai: bool) -> str:
    """A captured SoundCloud-like page: the app shell's head and a <noscript> copy of the content."""
    meta = _NOAI_META if noai else ""
    title = path.strip("/").replace("/", " - ") or "SoundCloud"
    links = "".join(f'<a href="{HOST}{p}">{p}</a>' for p, *_ in PAGES if p != path and p.count("/") >= 1)
    return (
        f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}</title>{meta}"
        f'<meta property="og:title" content="{title}"></head>'
        f"<body><noscript><h1>{title}</h1><p>{'Listen on SoundCloud. ' * 20}</p>{links}</noscript></body></html>"
    )


def terms_html(clauses: str) -> str:
    return f"<!DOCTYPE html><html><head><title>Terms of Use</title></head><body><main><h1>Terms of Use</h1>{clauses}</main></body></html>"


def _robots() -> list[Snapshot]:
    return [
        Snapshot(f"{HOST}/robots.txt", stamp, status, TEXT if status == 200 else HTML, (body or "").encode(), body is None)
        for stamp, status, body in ROBOTS
    ]


def _terms() -> list[Snapshot]:
    return [
        Snapshot(f"{HOST}/terms-of-use", stamp, 200, HTML, terms_html(body or "").encode(), body is None)
        for stamp, body in TERMS
    ]


def _page(path: str, stamp: str, status: int, headers: tuple[tuple[str, str], ...], noai: bool, kind: str) -> Snapshot:
    if kind.startswith("redirect:"):
        headers = headers + (("Location", HOST + kind.partition(":")[2]),)
    body = page_html(path, noai) if status == 200 else f"<h1>{status}</h1>"
    return Snapshot(HOST + path, stamp, status, HTML + headers, body.encode(), kind == "revisit", kind == "truncated")


def soundcloud_history() -> list[Snapshot]:
    """Every capture of the SoundCloud-like history (unsorted: the archive replica sorts)."""
    files = [Snapshot(HOST + path, stamp, status, headers, body.encode()) for path, stamp, status, headers, body in SITE_FILES]
    return _robots() + _terms() + files + [_page(*row) for row in PAGES]


def expected_pages_2025() -> dict[str, str]:
    """What a correct crawl at 2025-05-15 (window 30) says per content page: "noai", "none" or "unverifiable"."""
    return {
        f"{HOST}/nina-beats": "noai",  # X-Robots-Tag, archived
        f"{HOST}/nina-beats/night-drive": "noai",  # meta
        f"{HOST}/djmarlo": "none",
        f"{HOST}/djmarlo/sunset-loop": "none",
        f"{HOST}/kora-sound/glass": "noai",  # the 503 capture is skipped; the 200 of 2025-06-01 is in the window
        f"{HOST}/kora-sound-official": "noai",
        f"{HOST}/lena-v/rain": "unverifiable",  # truncated replay
    }
