"""report.html: one self-contained page, every crawled string escaped by Jinja's autoescape.

Everything a crawled site controls (metas, headers, robots.txt lines, URLs, file text) is
untrusted: it is only ever put in the page as escaped text, and only ``http(s)`` URLs become
links. A Content-Security-Policy meta forbids any request and any script but the page's own.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import (
    BytecodeCache,
    Environment,
    FileSystemBytecodeCache,
    PackageLoader,
    StrictUndefined,
    select_autoescape,
)

from noai_check.judge.registry import Registry
from noai_check.timestamps import parse_timestamp

MAX_FILE_LINES = 400  # lines of a site file shown in full; flagged lines beyond are still shown
MAX_FLAGGED_LINES = 200
MAX_LINE_CHARS = 300
MAX_FILE_FINDINGS = 100
EXTRA_FILES = ("evidence/responses.jsonl.gz", "terms.jsonl")  # linked when the crawl left them
MAX_HOSTS_IN_FULL = 12  # hosts whose files are shown line by line; the rest get their status row only
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

_SORT_SCRIPT = """
document.querySelectorAll("table.sortable th").forEach(function (th, i) {
  th.tabIndex = 0; th.title = "sort";
  th.addEventListener("click", function () {
    var body = th.closest("table").tBodies[0], asc = th.dataset.dir !== "asc";
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[i].dataset.sort || a.cells[i].textContent, y = b.cells[i].dataset.sort || b.cells[i].textContent;
      var n = parseFloat(x) - parseFloat(y);
      var d = isNaN(n) ? x.localeCompare(y) : n;
      return asc ? d : -d;
    });
    th.dataset.dir = asc ? "asc" : "desc";
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
"""


def is_http_url(value: object) -> bool:
    """True only for an absolute http(s) URL without spaces or control characters: the only kind that becomes a link."""
    if not isinstance(value, str) or not value or len(value) > 4096:
        return False
    if any(ord(c) <= 0x20 or c == "\x7f" for c in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


DISPLAY_NAMES = {
    "soundcloud": "SoundCloud", "youtube": "YouTube", "deviantart": "DeviantArt", "artstation": "ArtStation",
    "bandcamp": "Bandcamp", "mixcloud": "Mixcloud", "audiomack": "Audiomack", "spotify": "Spotify", "flickr": "Flickr",
}


def display_name(platform: str) -> str:
    """A platform as its owner writes it; any other name as given."""
    return DISPLAY_NAMES.get(platform, clip(platform, 100))


def report_name(report: dict[str, Any]) -> str:
    """Who the report is about: the platform's name, or the host for `scrapy crawl site`."""
    platform = str(report.get("platform") or "?")
    if platform == "site" and isinstance(report.get("base_url"), str):
        return clip(urlsplit(report["base_url"]).netloc or report["base_url"], 100)
    return display_name(platform)


def when(value: object) -> str:
    """An ISO timestamp as a reader says it: 26 November 2026, 13:05 UTC (anything else as given)."""
    text = "" if value is None else str(value)
    try:
        moment = parse_timestamp(text)
    except ValueError:
        return clip(text, 60) or "unknown"
    return f"{moment.day} {moment:%B %Y, %H:%M} UTC"


def short_answer(claims: list[dict[str, Any]]) -> dict[str, Any]:
    """The hero's one-word answer to "does it do what it says?", from the claims' statuses."""
    statuses = [c["status"] for c in claims]
    if not statuses or all(s == "inconclusive" for s in statuses):
        return {"status": "inconclusive", "word": "We could not tell", "why": "No claim could be checked on a readable page"}
    if all(s == "verified" for s in statuses):
        return {"status": "verified", "word": "Yes", "why": "Every claim holds on every page we could read"}
    # (a mix: say how many of each, in the order verified, partly true, refuted, inconclusive)
    if all(s in ("refuted", "inconclusive") for s in statuses):
        return {"status": "refuted", "word": "No", "why": "No claim holds on any page we could read"}
    counts = ", ".join(f"{statuses.count(k)} {STATUS[k]['label'].lower()}" for k in STATUS if statuses.count(k))
    return {"status": "partial", "word": "Partly", "why": f"Of its {len(statuses)} public claims: {counts}"}


def pct(value: object, digits: int = 0) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "–"
    return f"{value * 100:.{digits}f}%"


def clip(value: object, limit: int = 300) -> str:
    """Long crawled text cut to ``limit`` characters, saying how much was left out."""
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[:limit] + f" … ({len(text) - limit:,} more characters)"


def agent_list(value: object, shown: int = 8) -> str:
    """A comma-separated agent list (a finding for many agents at once) shortened to its first few."""
    if not value:
        return "every agent"
    names = [n.strip() for n in str(value).split(",") if n.strip()]
    if len(names) <= shown:
        return clip(", ".join(names), 200)
    return clip(", ".join(names[:shown]), 200) + f" and {len(names) - shown} more"


def short_url(url: object, base: object) -> str:
    """A URL on the crawled origin shown as its path; any other shown whole (capped)."""
    text = "" if url is None else str(url)
    if isinstance(base, str) and base and text.startswith(base.rstrip("/") + "/"):
        text = text[len(base.rstrip("/")):]
    return clip(text, 120)


def setting(value: object) -> str:
    """A run setting as a person reads it: yes/no, a list joined, nothing as a dash."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) or "none"
    return clip(value, 300)


def _bytecode_cache() -> BytecodeCache | None:
    """Compiled templates kept between runs (jinja's private per-user temp folder, keyed by the
    template's checksum): compiling them costs more than rendering a 1,000-page report."""
    try:
        return FileSystemBytecodeCache()
    except (OSError, RuntimeError):  # no safe folder for it: compile every time
        return None


def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("noai_check.report", "templates"),
        bytecode_cache=_bytecode_cache(),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.tests["http_url"] = is_http_url
    env.filters["pct"] = pct
    env.filters["thousands"] = lambda n: f"{n:,}" if isinstance(n, int) else n
    env.filters["short_hash"] = lambda h: (h or "")[:12]
    env.filters["clip"] = clip
    env.filters["setting"] = setting
    env.filters["when"] = when
    env.filters["agent_list"] = agent_list
    env.globals["short_url"] = short_url
    env.globals["STATUS"] = STATUS
    return env


_ENV = _env()


def script_csp_hash(script: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")


def render_html(report: dict[str, Any], out: Path | None = None, page_rows: list[dict[str, Any]] | None = None,
                registry: Registry | None = None, changes: list[dict[str, Any]] | None = None) -> str:
    """The whole report as one HTML string; ``out`` is the report folder (for the stored site files).

    ``changes`` (noai_check.history.diff.changes_for_report) adds "Changes since the previous run" under the claims.
    """
    context = {
        "changes": changes,
        "r": report,
        "name": report_name(report),
        "claims": [claim_view(c) for c in report.get("claims", [])],
        "answer": short_answer(report.get("claims", [])),
        "coverage": coverage_view(report),
        "matrix": matrix_view(report, registry),
        "sites": [
            site_view(origin, site, report, out if i < MAX_HOSTS_IN_FULL else None)
            for i, (origin, site) in enumerate(_hosts_in_order(report))
        ],
        "hosts_in_full": MAX_HOSTS_IN_FULL,
        "notable": notable_view(report),
        "pages": page_rows or [],
        "pages_total": report.get("pages_total", sum(t["pages"] for t in report.get("page_types", {}).values())),
        "script": _SORT_SCRIPT,
        "script_hash": script_csp_hash(_SORT_SCRIPT),
        "verifiable_total": sum(t["verifiable"] for t in report.get("page_types", {}).values()),
        "extra_files": [name for name in EXTRA_FILES if out is not None and (out / name).is_file()],
    }
    return _ENV.get_template("report.html").render(**context)


def render_index(platforms: list[dict[str, Any]], generated_at: str) -> str:
    """reports/index.html from report_index's summaries: one card per platform, answer first."""
    for entry in platforms:
        entry["name"] = report_name({"platform": entry["platform"], "base_url": entry.get("base_url")})
        entry["answer"] = short_answer([c for c in entry["claims"] if c.get("status") in STATUS]) if entry["claims"] else None
        entry["coverage"] = sorted(entry["coverage"], key=lambda c: -(c.get("pages") or 0) if isinstance(c.get("pages"), int) else 0)
        for row in entry["coverage"]:
            ok = isinstance(row.get("noai_rate"), (int, float)) and isinstance(row.get("noai_ci95"), list) and len(row["noai_ci95"]) == 2
            row["bar"] = interval_bar(row["noai_rate"], row["noai_ci95"], width=200) if ok else None
    return _ENV.get_template("index.html").render(
        platforms=platforms, generated_at=generated_at, script="", script_hash=script_csp_hash(""),
    )


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


def _hosts_in_order(report: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
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
