"""One domain of a `scrapy crawl sites` list, judged: its record in ``domains.jsonl`` (a plain dict).

Pure: the fetch outcomes (``Fetched``) of its site files and home page in, a JSON-ready dict out, so
a single-machine crawl, a Redis worker and the tests all build the same record.

Per agent, the record keeps ``robots_allowed`` at the root (``/``) and ``training`` on the home page,
compactly: the verdict most agents share is ``agents.default`` and only the agents that differ are
listed in ``agents.except`` (165 agents spelled out would be ~9 KB a domain, 0.9 GB for 100,000).
``expand_agents`` gives the full map back.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from noai_check.judge.botwall import bot_wall_vendor, unverifiable_reason
from noai_check.judge.page_judgement import analyze
from noai_check.judge.registry import Registry
from noai_check.signals.content_signal import combine_signals, parse_content_signal
from noai_check.signals.response import Fetched
from noai_check.signals.site_files import SITE_FILES, Site, build_site

SCHEMA = 1
MAX_FINDINGS = 20  # per domain; a broken robots.txt can yield hundreds
_REFUSED = frozenset({401, 403, 429})  # a refusal (auth, bot wall, rate limit), not "no robots.txt"
# Cloudflare's managed robots.txt wraps its block in these comments (with Content-Signal lines).
_MANAGED_BLOCK = re.compile(rb"#\s*BEGIN Cloudflare Managed", re.IGNORECASE)
_SIGNALS_WORDS = re.compile(rb"content signals?", re.IGNORECASE)
_CDN_SCAN = 512 * 1024  # bytes of robots.txt looked at


def _signals_comment_then_line(body: bytes) -> bool:
    """A comment line about "content signals", more comment lines, then a line with ``Content-Signal:``.

    Line by line, in one pass: a regex with ``.*`` on both sides went quadratic on a long ``#`` line
    (a hostile robots.txt could stall a worker for minutes).
    """
    lines = body.split(b"\n")
    i = 0
    while i < len(lines) - 1:  # the policy comment line ends with a newline
        hash_at = lines[i].find(b"#")
        if hash_at < 0 or not _SIGNALS_WORDS.search(lines[i], hash_at):
            i += 1
            continue
        j = i + 1
        while j < len(lines):
            if b"content-signal:" in lines[j].lower():
                return True
            if not lines[j].startswith(b"#") or j == len(lines) - 1:  # only comment lines may come between
                break
            j += 1
        i = j
    return False


def robots_readable(fetched: Fetched | None) -> tuple[bool, str | None]:
    """Does robots.txt say something (2xx, or 4xx = no rules, RFC 9309 2.3.1.3)? Else why not."""
    if fetched is None:
        return False, "robots.txt not fetched"
    if fetched.status is None:
        return False, f"robots.txt unreachable: {fetched.error or 'no response'}"
    vendor = bot_wall_vendor(fetched)
    if vendor:
        return False, f"robots.txt: bot wall: {vendor} (status {fetched.status})"
    if 200 <= fetched.status < 300 or 400 <= fetched.status < 500 and fetched.status not in _REFUSED:
        return True, None
    return False, f"robots.txt answered {fetched.status}"


def _file_json(fetched: Fetched | None) -> dict[str, object] | None:
    if fetched is None:
        return None
    sha = hashlib.sha256(fetched.body).hexdigest() if fetched.status is not None or fetched.body else None
    return {"url": fetched.url, "status": fetched.status, "sha256": sha, "error": fetched.error}


def _missing(origin: str, key: str, why: str) -> Fetched:
    return Fetched(origin + SITE_FILES[key], None, error=why)


def compact_agents(agents: Mapping[str, Mapping[str, object]]) -> dict[str, Any]:
    """{token: {robots_allowed, training}} as the most common verdict plus the exceptions."""
    pairs = {token: (v["robots_allowed"], v["training"]) for token, v in agents.items()}
    common = Counter(pairs.values()).most_common(1)
    allowed, training = common[0][0] if common else (None, None)
    return {
        "default": {"robots_allowed": allowed, "training": training},
        "except": {
            token: {"robots_allowed": a, "training": t} for token, (a, t) in pairs.items() if (a, t) != (allowed, training)
        },
    }


def expand_agents(compact: Mapping[str, Any], tokens: list[str]) -> dict[str, dict[str, object]]:
    """The full {token: {robots_allowed, training}} map of ``tokens`` from a record's ``agents``."""
    default, exceptions = compact.get("default") or {}, compact.get("except") or {}
    return {token: dict(exceptions.get(token) or default) for token in tokens}


def cdn_findings(robots: Fetched | None) -> list[dict[str, object]]:
    """A finding when robots.txt looks written by a CDN's managed feature rather than by the site."""
    if robots is None or robots.status is None or not 200 <= robots.status < 300:
        return []
    body = robots.body[:_CDN_SCAN]
    if _MANAGED_BLOCK.search(body):
        what = "BEGIN Cloudflare Managed content"
    elif _signals_comment_then_line(body):
        what = "Cloudflare's content-signals policy comment before a Content-Signal line"
    else:
        return []
    return [{"signal": "cdn-managed-robots", "source": "robots.txt", "agent": None, "value": "cloudflare",
             "evidence": what}]


def _content_signal(site: Site) -> dict[str, bool]:
    lines = site.robots.group_lines("*", "content-signal")
    return dict(sorted(combine_signals(parse_content_signal(line.value) for line in lines).items()))


def _signals(site: Site, home_page: dict[str, object] | None) -> dict[str, Any]:
    tdm = site.tdmrep.match("/")
    return {
        "content_signal": _content_signal(site),
        "tdmrep": {"present": site.tdmrep.present, "reservation_at_root": tdm.reservation if tdm else None},
        "ai_txt": {"present": site.ai_txt.present, "allows_root": site.ai_txt.allows("/").allowed
                   if site.ai_txt.present else None},
        "llms_txt": {"present": site.llms_txt.present, "title": site.llms_txt.title},
        "home_noai": None if home_page is None else home_page["noai"],
        "home_noimageai": None if home_page is None else home_page["noimageai"],
    }


def _unreachable(record: dict[str, Any], reason: str, files: Mapping[str, Fetched], home: Fetched | None) -> dict[str, Any]:
    """The record of a domain where nothing answered: unverifiable with the reason, no verdicts."""
    record.update(status="unverifiable", unverifiable_reason=reason, robots_readable=False,
                  site_files={key: _file_json(files.get(key)) for key in SITE_FILES}, home=_file_json(home),
                  agents=None, signals=None, findings=[])
    return record


def build_domain_record(
    domain: str,
    rank: int | None,
    registry: Registry,
    *,
    origin: str | None,
    files: Mapping[str, Fetched],
    home: Fetched | None,
    redirect: Mapping[str, str] | None = None,
    failure: str | None = None,
    pages: Sequence[Fetched] = (),
) -> dict[str, Any]:
    """The domains.jsonl record of one finished domain.

    ``origin`` is the origin reached (None when neither https nor http answered: then the record is
    ``unverifiable`` with ``failure`` as its reason, never "no policy"). ``files`` maps SITE_FILES
    keys to outcomes (a missing key was never fetched); ``home`` is the home page's outcome; ``pages``
    the sitemap pages fetched (``-a pages=K``), each judged like the home page.
    """
    record: dict[str, Any] = {
        "schema": SCHEMA, "domain": domain, "rank": rank, "origin": origin, "redirect": dict(redirect or {}) or None,
    }
    robots_ok, robots_reason = robots_readable(files.get("robots_txt"))
    if origin is None:
        return _unreachable(record, failure or robots_reason or "unreachable", files, home)
    fetched = {key: files.get(key) or _missing(origin, key, "not fetched") for key in SITE_FILES}
    site = build_site(origin, fetched)
    page = home or Fetched(origin + "/", None, error="home page not fetched")
    home_problem = unverifiable_reason(page)
    analysis = analyze(page, site, registry, page_readable=home_problem is None)
    home_page = analysis.page_json()
    agents = {token: v.to_json() for token, v in analysis.agents.items()}
    readable = robots_ok or home_page is not None
    record.update(
        status="ok" if readable else "unverifiable",
        unverifiable_reason=None if readable else f"{robots_reason}; home page: {home_problem}",
        robots_readable=robots_ok,
        robots_unverifiable_reason=robots_reason,
        site_files={key: _file_json(files.get(key)) for key in SITE_FILES},
        home={**(_file_json(home) or {"url": origin + "/", "status": None, "sha256": None, "error": "not fetched"}),
              "readable": home_page is not None, "unverifiable_reason": home_problem},
        agents=compact_agents(agents),
        signals=_signals(site, home_page),
        findings=(cdn_findings(files.get("robots_txt")) + [f.to_json() for f in site.findings])[:MAX_FINDINGS],
    )
    if pages:
        record["pages"] = [_page_json(page, site, registry) for page in pages]
    return record


def _page_json(page: Fetched, site: Site, registry: Registry) -> dict[str, Any]:
    """A sitemap page: its own signals and per-agent verdicts, like the home page's."""
    problem = unverifiable_reason(page)
    analysis = analyze(page, site, registry, page_readable=problem is None)
    signals = analysis.page_json()
    return {
        **(_file_json(page) or {}), "unverifiable_reason": problem,
        "noai": None if signals is None else signals["noai"],
        "noimageai": None if signals is None else signals["noimageai"],
        "agents": compact_agents({token: v.to_json() for token, v in analysis.agents.items()}),
    }
