"""report.html: one self-contained page, every crawled string escaped by Jinja's autoescape.

Everything a crawled site controls (metas, headers, robots.txt lines, URLs, file text) is
untrusted: it is only ever put in the page as escaped text, and only ``http(s)`` URLs become
links. A Content-Security-Policy meta forbids any request and any script but the page's own.
What each section shows is computed in noai_check.report.html_views; this module renders it.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import (
    BytecodeCache,
    Environment,
    FileSystemBytecodeCache,
    PackageLoader,
    StrictUndefined,
    select_autoescape,
)

from noai_check.judge.registry import Registry
from noai_check.report.html_views import (
    STATUS,
    claim_view,
    clip,
    coverage_view,
    hosts_in_order,
    interval_bar,
    matrix_view,
    notable_view,
    pct,
    rendered_view,
    site_view,
)
from noai_check.timestamps import parse_timestamp

EXTRA_FILES = ("evidence/responses.jsonl.gz", "terms.jsonl", "timeline.html")  # linked when the crawl left them
MAX_HOSTS_IN_FULL = 12  # hosts whose files are shown line by line; the rest get their status row only

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
        "copies": (report.get("archive") or {}).get("replayed") or {},  # an archive audit: URL -> its archived copy
        "name": report_name(report),
        "claims": [claim_view(c) for c in report.get("claims", [])],
        "answer": short_answer(report.get("claims", [])),
        "coverage": coverage_view(report),
        "rendered": rendered_view(report),
        "matrix": matrix_view(report, registry),
        "sites": [
            site_view(origin, site, report, out if i < MAX_HOSTS_IN_FULL else None)
            for i, (origin, site) in enumerate(hosts_in_order(report))
        ],
        "hosts_in_full": MAX_HOSTS_IN_FULL,
        "notable": notable_view(report),
        "pages": page_rows or [],
        "pages_total": report.get("pages_total", sum(t["pages"] for t in report.get("page_types", {}).values())),
        "script": _SORT_SCRIPT,
        "script_hash": script_csp_hash(_SORT_SCRIPT),
        "verifiable_total": sum(t["verifiable"] for t in report.get("page_types", {}).values()),
        "extra_files": [name for name in EXTRA_FILES if out is not None and (out / name).is_file()],
        **_enforcement_context(report),
    }
    return _ENV.get_template("report.html").render(**context)


def _enforcement_context(report: dict[str, Any]) -> dict[str, Any]:
    """"Declared vs enforced" (only when the crawl probed), and the claims that show its line."""
    from noai_check.report.enforcement import ENFORCEMENT_CLAIM_CHECKS, enforcement_line

    data = report.get("enforcement")
    return {
        "enforcement": data, "probes": report.get("probes"),
        "enforcement_line": enforcement_line(data) if data else None,
        "enforcement_claims": {c.get("id") for c in report.get("claims", []) if c.get("check") in ENFORCEMENT_CLAIM_CHECKS},
    }


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
