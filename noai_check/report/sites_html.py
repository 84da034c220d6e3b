"""report.html of a domain list: the same look and safety rules as a platform's report (report/html.py).

One self-contained page: inline CSS and SVG, a Content-Security-Policy that allows only its own
sorting script, every string from a crawled site (domains, reasons, examples) escaped by autoescape.
"""

from __future__ import annotations

from typing import Any

from noai_check.report.html import _ENV, _SORT_SCRIPT, script_csp_hash
from noai_check.report.html_views import interval_bar

# Agents shown first in the bar chart (the ones studies follow); every agent is in the table below it.
_BAR_AGENTS = 30


def _agent_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for token, entry in report.get("agents", {}).items():
        blocked, reserved = entry["blocked_at_root"], entry["training_reserved"]
        rows.append({
            "token": token, "purpose": entry["purpose"], "blocked": blocked, "reserved": reserved,
            "bar": interval_bar(blocked["rate"], blocked["ci95"], width=220),
        })
    rows.sort(key=lambda r: (-(r["blocked"]["rate"] or 0), r["token"].lower()))
    return rows


def render_sites_html(report: dict[str, Any]) -> str:
    """The list's report as one HTML string."""
    rows = _agent_rows(report)
    return _ENV.get_template("sites.html").render(
        r=report, top=rows[:_BAR_AGENTS], rows=rows,
        purposes=[{"purpose": p, **v, "bar": interval_bar(v["blocks_any"]["rate"], v["blocks_any"]["ci95"], width=220)}
                  for p, v in report.get("by_purpose", {}).items() if v["agents"]],
        ranks=report.get("by_rank", {}),
        script=_SORT_SCRIPT, script_hash=script_csp_hash(_SORT_SCRIPT),
    )
