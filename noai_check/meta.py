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

# One pass over the document's bytes, lowercased (ASCII only, so offsets do not move). Comments and
# raw-text elements are consumed whole (written as "unrolled loops" so the engine runs through them
# in C); a "<meta" inside them is text, not a tag. Metas without name= or http-equiv= (og:/twitter:
# properties) cannot carry a signal and are not matched. Bytes and no IGNORECASE: twice as fast.
_TOKENS = re.compile(
    rb"""<(?:!--[^-]*(?:-(?!->)[^-]*)*(?:-->|\Z)"""
    rb"""|(script|style|textarea|template|title)\b[^>]*>[^<]*(?:<(?!/\1)[^<]*)*"""
    rb"""|(/?)noscript\b[^>]*>"""
    rb"""|meta\b(?=[^>]*?(?:name|http-equiv)\s*=)((?:[^>"']|"[^"]*"|'[^']*')*)>)""",
)
_ASCII_SUPERSETS = ("utf-8", "utf8", "ascii", "us-ascii", "iso-8859-1", "latin-1", "latin1", "windows-1252", "cp1252")
_ATTR = re.compile(
    r"""([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""",
)
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)


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
        attrs[key] = html.unescape(value) if "&" in value else value
    return attrs


def iter_meta_tags(document: str | bytes, encoding: str = "utf-8") -> list[MetaTag]:
    """Every ``<meta>`` with a name or http-equiv, outside comments and raw-text elements, in order.

    An unclosed comment or raw-text element runs to the end of the document, as in a browser.
    Bytes are scanned as they are when ``encoding`` keeps ASCII in place (nearly every page).
    """
    if isinstance(document, str):
        raw, encoding = document.encode("utf-8", "surrogatepass"), "utf-8"
    elif encoding.lower() not in _ASCII_SUPERSETS:
        raw, encoding = document.decode(encoding, "replace").encode("utf-8"), "utf-8"
    else:
        raw = document
    tags: list[MetaTag] = []
    noscript_depth = 0
    for match in _TOKENS.finditer(raw.lower()):
        if match.start(3) >= 0:
            attr_text = raw[match.start(3) : match.end(3)].decode(encoding, "replace")
            tag_text = raw[match.start() : match.end()].decode(encoding, "replace")
            tags.append(MetaTag(_attributes(attr_text), tag_text, noscript_depth > 0))
        elif match.group(2) is not None:
            noscript_depth = max(0, noscript_depth + (-1 if match.group(2) == b"/" else 1))
    return tags


def html_charset(body: bytes, content_type: str = "") -> tuple[str, str | None]:
    """The charset an HTML body declares (header, then meta; default UTF-8) and a problem note
    when its bytes do not decode cleanly in it."""
    charset = None
    if "charset=" in content_type.lower():
        charset = content_type.lower().split("charset=", 1)[1].split(";")[0].strip(" \"'")
    if charset is None:
        found = _CHARSET.search(body[:4096])
        charset = found.group(1).decode("ascii").lower() if found else "utf-8"
    try:
        body.decode(charset)
    except LookupError:
        return "utf-8", f"unknown charset {charset!r}; read as UTF-8"
    except UnicodeDecodeError as exc:
        return charset, f"body is not valid {charset}: {exc.reason} at byte {exc.start}"
    return charset, None


def looks_like_html(body: bytes, content_type: str = "") -> bool:
    """True for an HTML document, whatever a file's name promised (soft 404s, error pages)."""
    if "html" in content_type:
        return True
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body"))
