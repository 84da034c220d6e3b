"""Find the ``<meta>`` tags that carry AI signals in an HTML page, without building a DOM.

A SoundCloud page is mostly inline script; parsing it into a tree just to read a
handful of metas costs more than the rest of the analysis. One regex pass finds
metas while skipping comments and raw-text elements (``<script>``, ``<style>``,
``<textarea>``, ``<template>``), where a ``<meta`` is text, not a tag.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

_TOKENS = re.compile(
    r"""<!--.*?(?:-->|\Z)"""
    r"""|<(script|style|textarea|template|title)\b(?:[^>"']|"[^"]*"|'[^']*')*>.*?(?:</\1\s*>|\Z)"""
    r"""|<(/?)noscript\b[^>]*>"""
    r"""|<meta\b((?:[^>"']|"[^"]*"|'[^']*')*)>""",
    re.I | re.S,
)
_ATTR = re.compile(
    r"""([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""",
)
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.I)


@dataclass(frozen=True)
class MetaTag:
    """One meta tag: lowercased attribute names, values unescaped, and the tag as written."""

    attrs: dict[str, str]
    raw: str
    in_noscript: bool

    @property
    def name(self) -> str:
        return self.attrs.get("name", "").strip().lower()

    @property
    def http_equiv(self) -> str:
        return self.attrs.get("http-equiv", "").strip().lower()

    @property
    def content(self) -> str:
        return self.attrs.get("content", "")

    @property
    def evidence(self) -> str:
        where = " (inside <noscript>)" if self.in_noscript else ""
        return f"{self.raw[:300]}{where}"


def _attributes(text: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for match in _ATTR.finditer(text):
        key = match.group(1).lower()
        if key in attrs:  # HTML keeps the first of duplicate attributes
            continue
        value = next((g for g in match.group(2, 3, 4) if g is not None), "")
        attrs[key] = html.unescape(value)
    return attrs


def iter_meta_tags(document: str) -> list[MetaTag]:
    """Every ``<meta>`` outside comments and raw-text elements, in document order."""
    tags: list[MetaTag] = []
    noscript_depth = 0
    for match in _TOKENS.finditer(document):
        attr_text = match.group(3)
        if attr_text is not None:
            tags.append(MetaTag(_attributes(attr_text), match.group(0), noscript_depth > 0))
        elif match.group(2) is not None:
            noscript_depth = max(0, noscript_depth + (-1 if match.group(2) == "/" else 1))
    return tags


def decode_html(body: bytes, content_type: str = "") -> tuple[str, str | None]:
    """Text of an HTML body and a problem note when its bytes did not decode cleanly."""
    charset = None
    if "charset=" in content_type.lower():
        charset = content_type.lower().split("charset=", 1)[1].split(";")[0].strip(" \"'")
    if charset is None:
        found = _CHARSET.search(body[:4096])
        charset = found.group(1).decode("ascii").lower() if found else "utf-8"
    try:
        return body.decode(charset), None
    except (LookupError, UnicodeDecodeError) as exc:
        return body.decode("utf-8", errors="replace"), f"body is not valid {charset}: {exc.__class__.__name__}"


def looks_like_html(body: bytes, content_type: str = "") -> bool:
    """True for an HTML document, whatever a file's name promised (soft 404s, error pages)."""
    if "html" in content_type:
        return True
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body"))
