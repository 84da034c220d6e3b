"""llms.txt (llmstxt.org): a Markdown map of a site written for language models.

It is an invitation, not an opt-out: a served llms.txt tells AI systems what to read, so
it can contradict a site's "no AI" claim, and is reported as its own finding. The format
asks for an H1 title (required), then an optional blockquote summary, prose, and H2
sections of Markdown link lists. A 200 answer that is an HTML page (app shell, soft 404)
or plain text with none of that structure is not counted as an llms.txt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from noai_check.signals.findings import Finding
from noai_check.signals.html_sniff import looks_like_html

SOURCE = "llms.txt"

_HEADING_OPEN = re.compile(r" {0,3}(#{1,6})(?:[ \t]|$)")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_BLOCKQUOTE = re.compile(r" {0,3}>[ \t]?(.*)$")
# An inline link [text](target), not an image ![alt](src). Brackets and parentheses are kept
# out of the target so that no two match attempts scan the same run (linear on hostile lines).
_LINK = re.compile(r"(?<!!)\[[^\[\]\n]*\]\([ \t]*[^()\[\]\s]+(?:[ \t]+\"[^\"\n]*\")?[ \t]*\)")


@dataclass(frozen=True)
class LlmsTxt:
    """What /llms.txt held; ``present`` False means no llms.txt was served."""

    present: bool
    status: int | None
    title: str | None = None
    sections: list[str] = field(default_factory=list)
    links: int = 0
    findings: list[Finding] = field(default_factory=list)
    summary: str | None = None


@dataclass
class _Outline:
    """Headings, summary and link count gathered from the Markdown outside code blocks."""

    h1s: list[tuple[int, str]] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    summary: str | None = None
    links: int = 0
    first_content_line: int | None = None


def parse_llms_txt(body: bytes, status: int | None, content_type: str = "") -> LlmsTxt:
    """Read a /llms.txt response: present only for a 2xx Markdown body, never for an HTML page."""
    where = f"llms.txt (HTTP {status})" if status is not None else "llms.txt (no response)"
    if status is None or not 200 <= status < 300:
        return LlmsTxt(False, status)
    text = body.decode("utf-8", errors="replace").lstrip("\ufeff")
    if not text.strip():
        return _not_llms_txt(status, "llms.txt answered 200 with an empty body: not an llms.txt", where)
    if looks_like_html(text, content_type):
        problem = "llms.txt answered 200 with an HTML page (app shell or soft 404): not an llms.txt"
        return _not_llms_txt(status, problem, f"{where}: {_first_line(text)}")
    outline = outline_markdown(text)
    if not outline.h1s and not outline.sections and not outline.links:
        problem = "llms.txt answered 200 with text that has no H1, no sections and no links: not counted as an llms.txt"
        return _not_llms_txt(status, problem, f"{where}: {_first_line(text)}")
    title = outline.h1s[0][1] if outline.h1s else None
    findings = _structure_findings(outline, text, where)
    if "\ufffd" in text:
        findings.append(Finding("note", SOURCE, None, "llms.txt is not valid UTF-8 (bad bytes replaced)", where))
    quoted_title = f"'# {title}'" if title is not None else "no H1 title"
    evidence = f"llms.txt: {quoted_title} with {outline.links} links"
    findings.insert(0, Finding("llms.txt", SOURCE, None, "present", evidence))
    return LlmsTxt(True, status, title, outline.sections, outline.links, findings, outline.summary)


def _not_llms_txt(status: int, problem: str, evidence: str) -> LlmsTxt:
    return LlmsTxt(False, status, findings=[Finding("note", SOURCE, None, problem, evidence)])


def _structure_findings(outline: _Outline, text: str, where: str) -> list[Finding]:
    findings: list[Finding] = []
    if not outline.h1s:
        evidence = f"{where}: {_first_line(text)}"
        findings.append(Finding("protocol-error", SOURCE, None, "llms.txt has no H1 title (required)", evidence))
        return findings
    line_number, title = outline.h1s[0]
    if outline.first_content_line is not None and line_number != outline.first_content_line:
        evidence = f"{where} line {line_number}: # {title}"
        findings.append(Finding("note", SOURCE, None, "llms.txt does not open with its H1", evidence))
    if len(outline.h1s) > 1:
        value = f"llms.txt has {len(outline.h1s)} H1 headings; the first is the title"
        findings.append(Finding("note", SOURCE, None, value, where))
    return findings


def outline_markdown(text: str) -> _Outline:
    """Collect H1s, H2 section names, the first blockquote and inline links, skipping code."""
    outline = _Outline()
    fence: str | None = None
    for line_number, line in enumerate(text.splitlines(), start=1):
        fence_match = _FENCE.match(line)
        if fence_match and (fence is None or fence_match.group(1).startswith(fence)):
            fence = fence_match.group(1)[:3] if fence is None else None
            continue
        if fence is not None or not line.strip():
            continue
        if outline.first_content_line is None:
            outline.first_content_line = line_number
        _read_line(line_number, line, outline)
    return outline


def _read_line(line_number: int, line: str, outline: _Outline) -> None:
    heading = _HEADING_OPEN.match(line)
    if heading:
        level, name = len(heading.group(1)), heading_text(line[heading.end() :])
        if level == 1:
            outline.h1s.append((line_number, name))
        elif level == 2:
            outline.sections.append(name)
        return
    quote = _BLOCKQUOTE.match(line)
    if quote and outline.summary is None and outline.h1s and not outline.sections:
        outline.summary = quote.group(1).strip()
    outline.links += len(_LINK.findall(line))


def heading_text(rest: str) -> str:
    """An ATX heading's text: trimmed, without an optional closing run of '#'."""
    text = rest.strip(" \t")
    without_closing = text.rstrip("#")
    if not without_closing or without_closing[-1] in " \t":
        text = without_closing.rstrip(" \t")
    return text


def _first_line(text: str, limit: int = 100) -> str:
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first if len(first) <= limit else first[:limit] + "..."
