"""What each section of report.html shows, computed from report.json: claims, coverage, the agents
matrix, the site files line by line, and the notable findings.

Plain data for the templates (noai_check.report.html renders it); nothing here escapes or formats HTML.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from noai_check.judge.registry import Registry

MAX_FILE_LINES = 400  # lines of a site file shown in full; flagged lines beyond are still shown
MAX_FLAGGED_LINES = 200
MAX_LINE_CHARS = 300
MAX_FILE_FINDINGS = 100
_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # as robots.py numbers lines
_FIELD = re.compile(r"^\s*([A-Za-z-]+)\s*:")
_CITED_LINE = re.compile(r"^(robots\.txt|ai\.txt|llms\.txt) line (\d+)")
_SITE_FILES = (("robots_txt", "robots.txt"), ("tdmrep_json", "tdmrep.json"), ("ai_txt", "ai.txt"), ("llms_txt", "llms.txt"))


PURPOSE_ORDER = ("training", "control", "ai-search", "user-fetch", "other-ai", "unknown")
PURPOSE_TITLES = {
    "training": ("Training crawlers", "collect data for model training or datasets; a robots.txt block reserves training"),
    "control": ("Control tokens", "no crawler of their own (Google-Extended, Applebot-Extended); a block reserves training"),
    "ai-search": ("AI search", "index pages for AI search and answer engines"),
    "user-fetch": ("User fetches", "fetch a page because a user asked an assistant to"),
    "other-ai": ("Other AI agents", "ads checks, customer-configured RAG, link previews and the like"),
    "unknown": ("Not in the registry", "agents named in the crawl but not in this registry"),
}
STATUS = {
    "verified": {"label": "Verified", "icon": "i-ok", "cls": "st-ok"},
    "partial": {"label": "Partly true", "icon": "i-part", "cls": "st-part"},
    "refuted": {"label": "Refuted", "icon": "i-no", "cls": "st-no"},
    "inconclusive": {"label": "Inconclusive", "icon": "i-unk", "cls": "st-unk"},
}
CHECKS = {
    "noai-every-agent": "a noai directive addressed to every agent (robots meta tag or X-Robots-Tag) on the page",
    "training-reserved-for-training-crawlers": (
        "AI training reserved for every training crawler and control token in the agent registry "
        "(by robots.txt, noai, TDMRep, Content-Usage or Content-Signal) on the page"
    ),
}


def pct(value: object, digits: int = 0) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "–"
    return f"{value * 100:.{digits}f}%"


def clip(value: object, limit: int = 300) -> str:
    """Long crawled text cut to ``limit`` characters, saying how much was left out."""
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[:limit] + f" … ({len(text) - limit:,} more characters)"


# ---------------------------------------------------------------- claims and coverage


def claim_view(claim: dict[str, Any]) -> dict[str, Any]:
    checked, ok = claim["pages_checked"], claim["pages_satisfying"]
    share = claim.get("share")
    types = " and ".join(claim.get("page_types") or ["all"])
    if claim["status"] == "inconclusive":
        headline = f"No {' or '.join(claim.get('page_types') or [''])} page could be read, so there is nothing to judge."
    elif claim["status"] == "verified":
        headline = f"All {checked:,} readable {types} pages satisfy it."
    elif claim["status"] == "refuted":
        headline = f"None of the {checked:,} readable {types} pages satisfies it."
    else:
        headline = f"Only {ok:,} of {checked:,} readable {types} pages ({pct(share)}) satisfy it."
    return {
        **claim,
        "status_view": STATUS.get(claim["status"], STATUS["inconclusive"]),
        "headline": headline,
        "checks": CHECKS.get(claim.get("check", ""), claim.get("check", "")),
        "bar": interval_bar(share, claim.get("share_ci95")),
        "failures": claim.get("failures", []),
        "unverifiable": claim.get("pages_unverifiable", 0),
    }


def interval_bar(rate: float | None, ci: list[float] | None, width: int = 260) -> dict[str, Any] | None:
    """SVG geometry of a share and its Wilson 95% interval on a 0-100% axis."""
    if rate is None or not ci:
        return None
    return {
        "width": width,
        "x": round(rate * width, 1),
        "lo": round(ci[0] * width, 1),
        "w": round(max(ci[1] - ci[0], 0.004) * width, 1),
        "label": f"{pct(rate)} (95% interval {pct(ci[0])}–{pct(ci[1])})",
    }


def coverage_view(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows per page type, claimed types first, with the noai share drawn as a bar."""
    claimed: list[str] = []
    for claim in report.get("claims", []):
        claimed += [t for t in claim.get("page_types", []) if t not in claimed]
    types = report.get("page_types", {})
    order = [t for t in claimed if t in types] + sorted((t for t in types if t not in claimed), key=lambda t: -types[t]["pages"])
    rows = [{"type": t, **types[t], "bar": interval_bar(types[t]["noai_rate"], types[t]["noai_ci95"])} for t in order]
    media = report.get("media")
    if media:
        rows.append({"type": "media", **media, "bar": interval_bar(media["noai_rate"], media["noai_ci95"])})
    return rows


def rendered_view(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Raw HTML vs rendered: per page type, both noai shares as bars, and the pages that differ."""
    section = report.get("rendered") or {}
    rows = []
    for page_type, t in (section.get("page_types") or {}).items():
        raw, after = t["raw_noai"], t["rendered_noai"]
        rows.append({"type": page_type, **t, "raw_bar": interval_bar(raw["rate"], raw["ci95"]),
                     "rendered_bar": interval_bar(after["rate"], after["ci95"])})
    return rows


# ---------------------------------------------------------------- agents by purpose x page type


def _share(n: int, of: int) -> dict[str, Any]:
    return {"n": n, "of": of, "share": (n / of) if of else None}


def matrix_view(report: dict[str, Any], registry: Registry | None) -> dict[str, Any]:
    """Agents grouped by purpose; per page type, where robots.txt blocks them and where training is reserved."""
    by_type = report.get("agents_by_page_type", {})
    order = [row["type"] for row in coverage_view(report) if row["type"] in by_type]
    operators = {a.token: a.operator for a in registry.agents} if registry else {}
    groups: dict[str, list[dict[str, Any]]] = {}
    for token, counts in report.get("agents", {}).items():
        cells: list[dict[str, Any] | None] = []
        for page_type in order:
            c = by_type[page_type].get(token)
            if c is None:
                cells.append(None)
                continue
            of = c["verifiable_pages"]
            cells.append({"blocked": _share(c["robots_blocked"], of), "reserved": _share(c["training"].get("reserved", 0), of)})
        blocked_all = counts["verifiable_pages"] and counts["robots_blocked"] == counts["verifiable_pages"]
        groups.setdefault(counts.get("purpose", "unknown"), []).append({
            "token": token, "operator": operators.get(token, ""), "cells": cells,
            "blocked": counts["robots_blocked"], "reserved": counts["training"].get("reserved", 0),
            "pages": counts["verifiable_pages"], "blocked_all": bool(blocked_all),
        })
    out = []
    for purpose in sorted(groups, key=lambda p: PURPOSE_ORDER.index(p) if p in PURPOSE_ORDER else len(PURPOSE_ORDER)):
        agents = sorted(groups[purpose], key=lambda a: (-a["blocked"], -a["reserved"], a["token"].lower()))
        title, about = PURPOSE_TITLES.get(purpose, (purpose, ""))
        out.append({
            "purpose": purpose, "title": title, "about": about, "agents": agents,
            "blocked_anywhere": sum(1 for a in agents if a["blocked"]),
            "blocked_everywhere": sum(1 for a in agents if a["blocked_all"]),
            "reserved_everywhere": sum(1 for a in agents if a["pages"] and a["reserved"] == a["pages"]),
            "open": purpose in ("training", "control"),
        })
    return {"page_types": order, "groups": out}


# ---------------------------------------------------------------- site files


def _read_text(path: Path) -> tuple[str | None, int]:
    try:
        raw = path.read_bytes()
    except OSError:
        return None, 0
    return raw.decode("utf-8-sig", "replace"), len(raw)


def _file_lines(text: str, notes: dict[int, list[tuple[str, str]]]) -> dict[str, Any]:
    """Numbered lines of a site file, capped; lines with a note are kept even past the cap."""
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    shown: list[dict[str, Any]] = []
    flagged_beyond = 0
    last = 0
    for number, line in enumerate(lines, start=1):
        marks = notes.get(number, [])
        if number > MAX_FILE_LINES:
            if not marks or flagged_beyond >= MAX_FLAGGED_LINES:
                continue
            flagged_beyond += 1
        if number != last + 1:
            shown.append({"gap": number - last - 1})
        shown.append({"n": number, "text": clip(line), "marks": marks, "cls": " ".join(sorted({k for k, _ in marks}))})
        last = number
    hidden = len(lines) - sum(1 for entry in shown if "n" in entry)
    return {"lines": shown, "total": len(lines), "hidden": hidden}


def _robots_notes(text: str, decided: list[dict[str, Any]], findings: list[dict[str, Any]]) -> dict[int, list[tuple[str, str]]]:
    notes: dict[int, list[tuple[str, str]]] = {}
    for entry in decided:
        agents = ", ".join(entry["agents"]) + (f" and {entry['agents_total'] - len(entry['agents'])} more" if entry["agents_total"] > len(entry["agents"]) else "")
        verb = "blocks" if entry["effect"] == "disallow" else "allows"
        notes.setdefault(entry["line"], []).append(("decides", f"{verb} {agents} ({entry['decisions']:,} page verdicts)"))
    for number, line in enumerate(_LINE_BREAK.split(text), start=1):
        match = _FIELD.match(line)
        if match and match.group(1).lower() in ("content-signal", "content-usage"):
            notes.setdefault(number, []).append(("signal", match.group(1)))
    _cite_findings(notes, findings, "robots.txt")
    return notes


def _cite_findings(notes: dict[int, list[tuple[str, str]]], findings: list[dict[str, Any]], file: str) -> None:
    for finding in findings:
        match = _CITED_LINE.match(finding.get("evidence") or "")
        if match and match.group(1) == file:
            notes.setdefault(int(match.group(2)), []).append(("finding", f"{finding['signal']}: {finding['value']}"))


def hosts_in_order(report: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The crawled site's own host first, then hosts by how many verdicts their robots.txt decided."""
    base = str(report.get("base_url") or "").rstrip("/").lower()
    weight = {o: sum(e["decisions"] for e in lines) for o, lines in report.get("robots_lines", {}).items()}
    return sorted(report.get("site", {}).items(), key=lambda item: (item[0] != base, -weight.get(item[0], 0), item[0]))


def site_view(origin: str, site: dict[str, Any], report: dict[str, Any], out: Path | None) -> dict[str, Any]:
    """One host's site files: status, hash, the text as served (capped) with deciding lines marked."""
    from noai_check.report.build import site_folder

    folder = site_folder(Path("."), origin).name
    findings = site.get("findings") or []
    decided = report.get("robots_lines", {}).get(origin, [])
    files = []
    for key, name in _SITE_FILES:
        record = site.get(key) or {}
        status = record.get("status")
        served = isinstance(status, int) and 200 <= status < 300
        text, size = _read_text(out / "site" / folder / name) if out is not None and served else (None, 0)
        file_findings = [f for f in findings if f.get("source") == name]
        view: dict[str, Any] = {
            "key": key, "name": name, "url": record.get("url"), "status": status, "error": record.get("error"),
            "sha256": record.get("sha256"), "served": served, "size": size,
            "stored": f"site/{quote(folder)}/{quote(name)}" if text is not None else None,
            "findings": file_findings[:MAX_FILE_FINDINGS], "findings_hidden": max(0, len(file_findings) - MAX_FILE_FINDINGS),
            "present": site.get(f"{key}_present"),
        }
        if text is not None:
            if key == "robots_txt":
                notes = _robots_notes(text, decided, file_findings)
            else:
                notes = {}
                _cite_findings(notes, file_findings, name)
            view["body"] = _file_lines(text, notes)
        files.append(view)
    other = [f for f in findings if f.get("source") not in {name for _, name in _SITE_FILES}]
    return {
        "origin": origin, "files": files, "outcome": site.get("robots_outcome"), "sitemaps": site.get("sitemaps") or [],
        "other_findings": other[:MAX_FILE_FINDINGS], "decided": decided,
    }


# ---------------------------------------------------------------- conflicts


def notable_view(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Conflicts and parser disagreements: page findings (counted) first, then each host's own."""
    rows = [dict(f, where="pages") for f in report.get("notable_findings", [])]
    rows += [dict(f, where="media") for f in report.get("media_notable_findings", [])]
    for origin, site in report.get("site", {}).items():
        for finding in site.get("findings") or []:
            if finding.get("signal") in ("conflict", "parser-disagreement"):
                rows.append(dict(finding, where=origin, pages=None, examples=[]))
    for origin, compared in report.get("parser_disagreements", {}).items():
        if not compared.get("compared"):
            rows.append({"signal": "parser-disagreement", "source": "robots.txt", "agent": None, "where": origin,
                         "value": "not compared", "evidence": compared.get("note", ""), "pages": None, "examples": []})
        for finding in _group_disagreements(compared.get("findings", [])):
            rows.append(dict(finding, where=origin, pages=None, examples=[]))
    return rows


def _group_disagreements(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (value, cause) with the agents it hits, instead of one per agent and URL."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for finding in findings:
        agents = grouped.setdefault((finding.get("value") or "", finding.get("evidence") or ""), [])
        if finding.get("agent") and finding["agent"] not in agents:
            agents.append(finding["agent"])
    return [{"signal": "parser-disagreement", "source": "robots.txt (protego vs RFC 9309)", "agent": ", ".join(agents),
             "value": value, "evidence": evidence} for (value, evidence), agents in grouped.items()]
