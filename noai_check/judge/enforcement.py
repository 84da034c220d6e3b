"""Declared vs enforced: what a server served each AI user agent, beside what it declared.

Pure (no network, no Scrapy). A probe fetches one page with a browser's user agent (the
baseline) and once with each AI crawler's published user agent, spoofed from our own address:
this measures user-agent-based enforcement only (a site that verifies crawlers by IP address
or reverse DNS may treat the real crawler differently).

"Same page" (bucket ``served``): the same body sha256, or the same ``<title>`` (not empty)
and a Jaccard similarity of at least ``SAME_PAGE_JACCARD`` (0.8) between the sets of
5-word shingles of the visible text (tags, comments, ``<script>`` and ``<style>`` removed,
case folded). A page that carries a per-request token, a timestamp or another ad slot stays
the same page; a stub ("nothing here"), a login page or another track does not.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass

from noai_check.judge.botwall import bot_wall_vendor
from noai_check.signals.response import Fetched

LABEL = "user agent spoofed for measurement"
SAME_PAGE_JACCARD = 0.8
SHINGLE_WORDS = 5

SERVED, SERVED_DIFFERENT, BLOCKED, CHALLENGE = "served", "served-different", "blocked", "challenge"
RATE_LIMITED, PAYWALL, ERROR, REDIRECTED, UNKNOWN = "rate-limited", "paywall", "error", "redirected", "unknown"
BUCKETS = (SERVED, SERVED_DIFFERENT, BLOCKED, CHALLENGE, RATE_LIMITED, PAYWALL, ERROR, REDIRECTED, UNKNOWN)

ENFORCED, DECLARED_ONLY, NOT_DECLARED = "enforced", "declared-only", "not-declared"
BLOCKED_UNDECLARED, INCONSISTENT = "blocked-undeclared", "inconsistent"
VERDICTS = (ENFORCED, DECLARED_ONLY, NOT_DECLARED, BLOCKED_UNDECLARED, INCONSISTENT, UNKNOWN)

# Buckets where the agent did not get the page the browser got (the server withheld it).
WITHHELD = frozenset({SERVED_DIFFERENT, BLOCKED, CHALLENGE, PAYWALL})
# Buckets that say nothing about enforcement: a busy server, a fault, a move.
NEUTRAL = frozenset({RATE_LIMITED, ERROR, REDIRECTED, UNKNOWN})

_BLOCK_STATUSES = frozenset({401, 403, 451})
_HIDDEN_RE = re.compile(rb"<!--.*?-->|<(script|style|template|noscript)\b[^>]*>.*?</\1\s*>", re.DOTALL | re.IGNORECASE)
_TAG_RE = re.compile(rb"<[^>]*>")
_TITLE_RE = re.compile(rb"<title\b[^>]*>(.*?)</title", re.DOTALL | re.IGNORECASE)
_WORD_RE = re.compile(r"\w+")


@dataclass(frozen=True)
class View:
    """One response as a probe compares it: status, where it ended, and what it showed."""

    status: int | None
    final_url: str
    sha256: str
    title: str
    shingles: frozenset[str]
    wall: str | None = None  # the bot-wall vendor, if the detector names one
    error: str | None = None


def visible_words(body: bytes) -> list[str]:
    """The words of the visible text, case folded (tags, comments, scripts and styles removed)."""
    text = _TAG_RE.sub(b" ", _HIDDEN_RE.sub(b" ", body)).decode(errors="replace")
    return _WORD_RE.findall(html.unescape(text).casefold())


def shingles(words: list[str], size: int = SHINGLE_WORDS) -> frozenset[str]:
    """The set of ``size``-word runs; a text shorter than ``size`` words is one shingle."""
    if not words:
        return frozenset()
    return frozenset(" ".join(words[i : i + size]) for i in range(max(1, len(words) - size + 1)))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """|a & b| / |a | b|; two empty sets are identical (1.0)."""
    union = a | b
    return len(a & b) / len(union) if union else 1.0


def _title(body: bytes) -> str:
    found = _TITLE_RE.search(body)
    if not found:
        return ""
    return " ".join(html.unescape(found.group(1).decode(errors="replace")).split())


def view_of(response: Fetched) -> View:
    """Reduce one response to what the comparison needs."""
    body = response.body
    return View(
        status=response.status,
        final_url=response.final_url or response.url,
        sha256=hashlib.sha256(body).hexdigest(),
        title=_title(body),
        shingles=shingles(visible_words(body)),
        wall=bot_wall_vendor(response),
        error=response.error,
    )


def same_page(a: View, b: View) -> bool:
    """True when both views show the same page (see the module docstring for the measure)."""
    if a.sha256 == b.sha256:
        return True
    return bool(a.title) and a.title == b.title and jaccard(a.shingles, b.shingles) >= SAME_PAGE_JACCARD


def baseline_readable(baseline: View) -> bool:
    """A baseline is usable when a browser got a 2xx page that is not a bot wall."""
    return baseline.status is not None and 200 <= baseline.status < 300 and baseline.wall is None


def classify(baseline: View, probe: View) -> str:
    """The bucket of one probe, given what the browser got for the same URL."""
    if not baseline_readable(baseline):
        return UNKNOWN  # never "blocked" when the browser could not see the page either
    if probe.status is None:
        refused = probe.error is not None and "refused" in probe.error.lower()
        return BLOCKED if refused else ERROR
    if probe.wall:
        return CHALLENGE
    return _by_status(baseline, probe, probe.status)


def _by_status(baseline: View, probe: View, status: int) -> str:
    if status == 429:
        return RATE_LIMITED
    if status == 402:
        return PAYWALL
    if status in _BLOCK_STATUSES:
        return BLOCKED
    if probe.final_url != baseline.final_url:
        return REDIRECTED
    if 200 <= status < 300:
        return SERVED if same_page(baseline, probe) else SERVED_DIFFERENT
    return ERROR  # 5xx, and other statuses (404 to one agent) that are not a documented refusal


def verdict(declared: bool | None, buckets: Iterable[str]) -> str:
    """One agent's verdict from its declared reservation (None: unknown) and its buckets over pages."""
    telling = [bucket for bucket in buckets if bucket not in NEUTRAL]
    if declared is None or not telling:
        return UNKNOWN
    withheld = [bucket in WITHHELD for bucket in telling]
    if any(withheld) and not all(withheld):
        return INCONSISTENT
    if all(withheld):
        return ENFORCED if declared else BLOCKED_UNDECLARED
    return DECLARED_ONLY if declared else NOT_DECLARED


def declared_from(robots_allowed: bool | None, training: str | None) -> bool | None:
    """Does the site reserve this agent on this URL: robots.txt blocks it or a signal reserves training.

    None when neither could be read (robots_allowed None and training unknown/None).
    """
    if robots_allowed is False or training == "reserved":
        return True
    if robots_allowed is None and training in (None, "unknown"):
        return None
    return False
