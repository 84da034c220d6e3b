"""The one HTML sniffer: is this body an HTML document, whatever the URL or the file's name promised?

Two kinds of caller, one rule each way the Content-Type can point:

- a page (signals/page.py) is read for metas when its server says HTML (``trust_content_type=True``):
  a browser would parse ``text/html`` as HTML even when it opens with text, and a robots meta further
  down would count;
- a site file (tdmrep.json, llms.txt) is read as the file unless it *is* an HTML page (a soft 404, an
  app shell, a login wall): ``text/html`` on a body that does not open with ``<`` is a mislabelled file.

Without an HTML Content-Type both sniff the body: after a UTF-8 BOM, whitespace and any number of
``<!-- -->`` comments it must open with one of the tags an HTML page starts with.
"""

from __future__ import annotations

import re

__all__ = ["looks_like_html"]

_BOM = b"\xef\xbb\xbf"
_HTML_TAG = re.compile(rb"<(?:!doctype\s+html|html|head|body|meta|title|script|link|style)\b", re.IGNORECASE)
_SPACE = re.compile(rb"\s*")
_COMMENT_OPEN, _COMMENT_CLOSE = b"<!--", b"-->"


def looks_like_html(body: bytes | str, content_type: str = "", *, trust_content_type: bool = False) -> bool:
    """True for an HTML document; see the module docstring for what ``trust_content_type`` decides.

    >>> looks_like_html(b"<!-- built 2026 --><!DOCTYPE html><title>404</title>")
    True
    >>> looks_like_html('[{"location": "/"}]', "text/html")
    False
    >>> looks_like_html(b"Hello <meta name=robots content=noai>", "text/html", trust_content_type=True)
    True
    """
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    if _declares_html(content_type) and (trust_content_type or raw.startswith(b"<", _skip_space(raw, _skip_bom(raw)))):
        return True
    return _HTML_TAG.match(raw, _after_leading_comments(raw)) is not None


def _declares_html(content_type: str) -> bool:
    """text/html, application/xhtml+xml and the like, parameters aside."""
    return "html" in content_type.partition(";")[0].strip().lower()


def _skip_bom(raw: bytes) -> int:
    return len(_BOM) if raw.startswith(_BOM) else 0


def _skip_space(raw: bytes, position: int) -> int:
    match = _SPACE.match(raw, position)
    return match.end() if match else position


def _after_leading_comments(raw: bytes) -> int:
    # A plain scan: a regex with a repeated lazy comment group backtracks exponentially here.
    position = _skip_space(raw, _skip_bom(raw))
    while raw.startswith(_COMMENT_OPEN, position):
        end = raw.find(_COMMENT_CLOSE, position + len(_COMMENT_OPEN))
        if end < 0:
            return position
        position = _skip_space(raw, end + len(_COMMENT_CLOSE))
    return position
