"""Terms of service as clauses: extract them from HTML, mark the ones about AI.

The story behind noai-check is a terms clause about AI training that went unnoticed for a
year, so a terms change must be found clause by clause and an AI clause must stand out.
Pure functions, no Scrapy: the history and the diff call them on stored HTML; comparing two
versions is noai_check.history.terms_watch.

What counts as an AI clause (word-boundary regexes, case-insensitive unless noted):
artificial/machine intelligence, machine/deep learning, "AI"/"A.I." (upper case only, so the
word "ai" in other languages is not read as AI), generative, neural, LLM, (large) language
model, foundation model, text and data mining, data mining, "TDM" (upper case only),
dataset/data set, scraping/scraper/crawler, and "train" only near a model word (models,
algorithms, AI, artificial, machine, neural, data, datasets) or "model training".
So "training sessions for staff" and "calls recorded for training purposes" are NOT AI
clauses: the word "train" alone is too common in terms of service to mean model training.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import lxml.html
from lxml import etree

# Elements whose text is never a clause: code, styling and page chrome around the terms.
_DROPPED_TAGS = ("script", "style", "template", "nav", "header", "footer", "aside", "form", "button", "svg")
# ARIA landmarks that are page chrome too (SoundCloud's header is a <div role="banner">).
_DROPPED_ROLES = ("banner", "navigation", "contentinfo", "search")
# Blocks that hold a clause of their own; text nested in one of them belongs to it, not its parent.
_BLOCK_TAGS = frozenset(
    ["p", "li", "dd", "dt", "td", "th", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "div", "section", "article", "main", "body", "noscript", "ol", "ul", "dl", "table", "tr", "tbody", "thead", "details", "summary", "figcaption", "caption", "address"]
)
_SPACE = re.compile(r"\s+")

_I = re.IGNORECASE
_MODEL_WORD = r"(?:models?|algorithms?|AI|artificial|machine|neural|data|datasets?)"
AI_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("artificial intelligence", re.compile(r"\bartificial[\s-]+intelligence\b", _I)),
    ("machine intelligence", re.compile(r"\bmachine[\s-]+intelligence\b", _I)),
    ("machine learning", re.compile(r"\b(?:machine|deep)[\s-]+learning\b", _I)),
    ("AI", re.compile(r"(?<![\w.])(?:AI|A\.I\.)(?![\w])")),
    ("generative", re.compile(r"\bgenerative\b", _I)),
    ("neural", re.compile(r"\bneural\b", _I)),
    ("LLM", re.compile(r"\bLLMs?\b", _I)),
    ("language model", re.compile(r"\b(?:large[\s-]+)?language[\s-]+models?\b", _I)),
    ("foundation model", re.compile(r"\bfoundation[\s-]+models?\b", _I)),
    ("text and data mining", re.compile(r"\btext[\s-]+(?:and|&)[\s-]+data[\s-]+mining\b", _I)),
    ("data mining", re.compile(r"\bdata[\s-]+mining\b", _I)),
    ("TDM", re.compile(r"\bTDM\b")),
    ("dataset", re.compile(r"\bdata[\s-]?sets?\b", _I)),
    ("scraping", re.compile(r"\bscrap(?:e|es|ed|ing|ers?)\b", _I)),
    ("crawler", re.compile(r"\bcrawl(?:ers?|ing)\b", _I)),
    ("training models", re.compile(rf"\btrain(?:s|ed|ing)?\b(?:\W+\w+){{0,6}}?\W+{_MODEL_WORD}\b", _I)),
    ("model training", re.compile(r"\b(?:models?|algorithms?)[\s-]+training\b", _I)),
)


@dataclass(frozen=True)
class Clause:
    """One paragraph or list item of the terms, whitespace-normalised, with the AI words it uses."""

    text: str
    ai_terms: tuple[str, ...] = ()

    @property
    def ai(self) -> bool:
        return bool(self.ai_terms)

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "ai": self.ai, "ai_terms": list(self.ai_terms)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Clause:
        return cls(data["text"], tuple(data.get("ai_terms") or ()))


def ai_terms(text: str) -> tuple[str, ...]:
    """The AI vocabulary ``text`` uses (labels from AI_PATTERNS), empty when it is not about AI."""
    return tuple(label for label, pattern in AI_PATTERNS if pattern.search(text))


def clause(text: str) -> Clause:
    return Clause(text, ai_terms(text))


def normalise(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _dropped(element: Any) -> bool:
    return element.tag in _DROPPED_TAGS or (element.get("role") or "").lower() in _DROPPED_ROLES


def _content_roots(root: Any) -> list[Any]:
    """Where the terms are: every <main>, else every <article>, else the body (or the whole page)."""
    for tag in ("main", "article"):
        found = [e for e in root.iter(tag) if not any(a.tag == tag for a in e.iterancestors())]
        if found:
            return found
    body = root.find(".//body")
    return [body if body is not None else root]


def _collect(element: Any, out: list[str]) -> None:
    """Append the clauses under ``element``: its own inline text is one clause, nested blocks their own."""
    pieces: list[str] = [element.text or ""]
    for child in element:
        if not isinstance(child.tag, str) or _dropped(child):
            pieces.append(child.tail or "")
            continue
        if child.tag in _BLOCK_TAGS:
            _flush(pieces, out)
            _collect(child, out)
        elif child.tag == "br":
            _flush(pieces, out)
        else:
            pieces.append(_inline_text(child))
        pieces.append(child.tail or "")
    _flush(pieces, out)


def _inline_text(element: Any) -> str:
    if _dropped(element):
        return ""
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str):
            parts.append(_inline_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _flush(pieces: list[str], out: list[str]) -> None:
    text = normalise("".join(pieces))
    if text:
        out.append(text)
    pieces.clear()


def extract_clauses(html: str | bytes) -> list[Clause]:
    """The clauses of a terms page, in page order; page chrome, scripts and styles are left out."""
    if not html or not html.strip():
        return []
    try:
        root = lxml.html.fromstring(html)
    except (etree.ParserError, ValueError):
        return []
    texts: list[str] = []
    for content in _content_roots(root):
        _collect(content, texts)
    return [clause(text) for text in texts]


def clauses_text(clauses: list[Clause]) -> str:
    return "\n\n".join(c.text for c in clauses)
