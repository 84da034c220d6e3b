"""A replica host that answers some user agents differently: the "declared vs enforced" scenario.

``site.agent_rules`` in a scenario maps a user-agent substring (case-insensitive, first match
wins) to an answer: ``block`` (403), ``challenge`` (a Cloudflare challenge), ``stub`` (200 with
another, near-empty page), ``rate-limit`` (429), ``paywall`` (402), or ``hide-noai`` (the page
itself, with its noai/noimageai robots metas removed, so only browsers see them).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from noai_check.replica.botwalls import botwall

if TYPE_CHECKING:
    from noai_check.replica.routes import Response

AGENT_ANSWERS = ("block", "challenge", "stub", "rate-limit", "paywall", "hide-noai")
_NOAI_META_RE = re.compile(rb"<meta\b[^>]*\bnoai[^>]*>", re.IGNORECASE)
_HTML = (("Content-Type", "text/html; charset=utf-8"),)
_STUB = b"<!doctype html><html><head><title>Welcome</title></head><body><p>Nothing to see here.</p></body></html>"


def answer_for(rules: tuple[tuple[str, str], ...], user_agent: str, response: Response, url: str) -> Response:
    """The answer this user agent gets instead of ``response`` (``response`` itself when no rule matches)."""
    agent = user_agent.lower()
    answer = next((answer for needle, answer in rules if needle.lower() in agent), None)
    if answer is None:
        return response
    if answer == "hide-noai":
        return replace(response, body=_NOAI_META_RE.sub(b"", response.body))
    if answer == "challenge":
        status, headers, wall = botwall("cloudflare", url)
        return replace(response, status=status, headers=headers, body=wall.encode("utf-8"))
    status, body = {"block": (403, b"<html><title>403 Forbidden</title></html>"), "stub": (200, _STUB),
                    "rate-limit": (429, b"<html><title>429 Too Many Requests</title></html>"),
                    "paywall": (402, b"<html><title>402 Payment Required</title></html>")}[answer]
    return replace(response, status=status, headers=_HTML, body=body)
