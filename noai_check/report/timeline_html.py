"""timeline.html: the AI-policy timeline as one self-contained page, with the safety rules of report.html.

Every archived string (robots.txt lines, terms clauses, URLs) is escaped by Jinja's autoescape,
only http(s) URLs become links, and the page makes no request and runs no script. The lanes are
SVG drawn from numbers computed here: one lane per AI agent (the root, then a thin stripe per page
type's sample path), marks where an AI clause entered or left the terms.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from noai_check.report.html import _ENV, display_name, script_csp_hash
from noai_check.timestamps import parse_timestamp

WIDTH = 900  # the lanes' drawing width, in SVG units
LABEL = 170  # the agent names' column
ROOT_HEIGHT, STRIPE_HEIGHT, GAP = 10, 4, 6
COLOURS = {"blocked": "#0b5f9e", "allowed": "#e69f00", "unknown": "#d5d9df"}


class _Scale:
    """Moments in the range mapped to x in [0, WIDTH]."""

    def __init__(self, start: str, end: str) -> None:
        self.start, self.end = parse_timestamp(start), parse_timestamp(end)
        self.span = max((self.end - self.start).total_seconds(), 1.0)

    def x(self, moment: str | datetime) -> float:
        when = parse_timestamp(moment) if isinstance(moment, str) else moment
        offset = (min(max(when, self.start), self.end) - self.start).total_seconds()
        return round(offset / self.span * WIDTH, 2)

    def years(self) -> list[dict[str, Any]]:
        """A tick at each 1 January inside the range (at most about a dozen labels)."""
        years = list(range(self.start.year + 1, self.end.year + 1))
        step = max(1, len(years) // 12 + 1)
        return [{"x": self.x(self.start.replace(year=y, month=1, day=1, hour=0, minute=0, second=0)), "year": y}
                for y in years[::step]]


def _rects(intervals: list[dict[str, str]], scale: _Scale, y: float, height: float, where: str) -> list[dict[str, Any]]:
    rects = []
    for interval in intervals:
        x0, x1 = scale.x(interval["from"]), scale.x(interval["to"])
        label = f"{where}: {interval['state']} from {interval['from'][:10]} to {interval['to'][:10]}"
        if interval.get("reason"):
            label += f" ({interval['reason']})"
        rects.append({"x": x0, "y": y, "w": max(x1 - x0, 0.6), "h": height, "fill": COLOURS.get(interval["state"], "#888"),
                      "label": label})
    return rects


def lanes_view(timeline: dict[str, Any], scale: _Scale) -> tuple[list[dict[str, Any]], float]:
    """One lane per agent, ever-blocked agents first (earliest first), then the rest in registry order."""
    agents = list(timeline["agents"])
    first = timeline["first_blocked"]
    order = sorted(agents, key=lambda a: (first.get(a) is None, first.get(a) or "", agents.index(a)))
    page_types = list(timeline.get("agents_by_page_type", {}))
    lane_height = ROOT_HEIGHT + len(page_types) * STRIPE_HEIGHT + GAP
    lanes = []
    for i, token in enumerate(order):
        y = 22 + i * lane_height
        rects = _rects(timeline["agents"][token], scale, y, ROOT_HEIGHT, f"{token} at /")
        for j, page_type in enumerate(page_types):
            path = timeline["sample_paths"].get(page_type, "")
            stripe_y = y + ROOT_HEIGHT + j * STRIPE_HEIGHT
            rects += _rects(timeline["agents_by_page_type"][page_type][token], scale, stripe_y, STRIPE_HEIGHT - 1,
                            f"{token} on {page_type} pages ({path})")
        lanes.append({"token": token, "y": y, "first_blocked": first.get(token), "rects": rects})
    return lanes, 22 + len(order) * lane_height


def terms_marks(timeline: dict[str, Any], scale: _Scale) -> list[dict[str, Any]]:
    """A mark at each terms version where an AI clause came or went."""
    marks = []
    for entry in timeline.get("terms", []):
        added, removed = entry.get("ai_clauses_added") or [], entry.get("ai_clauses_removed") or []
        changed = entry.get("ai_clauses_changed") or []
        if not (added or removed or changed):
            continue
        kind = "added" if added and not removed else "removed" if removed and not added else "changed"
        texts = [f"+ {t}" for t in added] + [f"- {t}" for t in removed] + [f"~ {c['after']}" for c in changed]
        label = f"terms {entry['captured_at'][:10]}: AI clause {kind}: " + " | ".join(texts)
        marks.append({"x": scale.x(entry["captured_at"]), "kind": kind, "label": label[:600]})
    return marks


def _pretty(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def render_timeline_html(timeline: dict[str, Any], *, has_report: bool = False) -> str:
    """The whole timeline page as one HTML string; ``has_report`` links the report.html beside it."""
    scale = _Scale(timeline["from"], timeline["to"])
    lanes, height = lanes_view(timeline, scale)
    changes = [dict(c, before_text=_pretty(c["before"]), after_text=_pretty(c["after"])) for c in timeline.get("changes", [])]
    return _ENV.get_template("timeline.html").render(
        t=timeline,
        name=display_name(str(timeline.get("platform") or "?")),
        lanes=lanes,
        height=height,
        width=WIDTH,
        label_width=LABEL,
        years=scale.years(),
        marks=terms_marks(timeline, scale),
        colours=COLOURS,
        changes=changes,
        blocked_ever=[(lane["token"], lane["first_blocked"]) for lane in lanes if lane["first_blocked"]],
        has_report=has_report,
        script="",
        script_hash=script_csp_hash(""),
    )
