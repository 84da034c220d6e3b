"""The "Raw HTML vs rendered page" numbers of report.json: noai in the HTML as served, and after JavaScript.

Counted over the pages that have a readable rendered view (``-a render=sample|all``), so both shares
have the same pages under them. Pages whose two views differ are kept as evidence (the first in URL
order, so the same sample gives the same report). Verdicts are not counted here: they stay on the
raw HTML, which is what a training crawler that does not run JavaScript receives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from noai_check.judge.stats import wilson_interval

JS_SIGNALS = ("js-only-signal", "js-removed-signal", "js-changed-signal")
NOTE = ("Verdicts are read from the HTML as served: most AI training crawlers (GPTBot, CCBot and others) do not "
        "run JavaScript, so a signal that only a script adds is one they never see.")
_EXAMPLES = 10  # differing pages kept per page type


def _share(count: int, pages: int) -> dict[str, Any]:
    interval = wilson_interval(count, pages)
    return {"pages": count, "rate": round(count / pages, 4) if pages else None,
            "ci95": list(interval) if interval else None}


@dataclass
class _TypeTally:
    rendered: int = 0  # pages with a readable rendered view
    unverifiable: int = 0  # pages rendered whose rendered view could not be read
    raw_noai: int = 0
    rendered_noai: int = 0
    differing: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    examples: list[dict[str, Any]] = field(default_factory=list)

    def add(self, record: dict[str, Any], view: dict[str, Any]) -> None:
        if not view.get("verifiable"):
            self.unverifiable += 1
            reason = str(view.get("unverifiable_reason") or "unknown")
            self.reasons[reason] = self.reasons.get(reason, 0) + 1
            return
        self.rendered += 1
        self.raw_noai += bool((record.get("page") or {}).get("noai"))
        self.rendered_noai += bool(view.get("noai"))
        found = [f for f in record.get("findings") or [] if f.get("signal") in JS_SIGNALS]
        if not found:
            return
        self.differing += 1
        if len(self.examples) < _EXAMPLES or record["url"] < self.examples[-1]["url"]:
            self.examples.append({"url": record["url"], "findings": found})
            self.examples.sort(key=lambda e: e["url"])
            del self.examples[_EXAMPLES:]

    def to_json(self) -> dict[str, Any]:
        return {
            "rendered": self.rendered, "unverifiable": self.unverifiable,
            "unverifiable_reasons": dict(sorted(self.reasons.items(), key=lambda kv: (-kv[1], kv[0]))[:5]),
            "raw_noai": _share(self.raw_noai, self.rendered), "rendered_noai": _share(self.rendered_noai, self.rendered),
            "differing": self.differing, "evidence": self.examples,
        }


@dataclass
class RenderedTally:
    """Per page type, over a crawl's page records; ``to_json`` is None when no page was rendered."""

    types: dict[str, _TypeTally] = field(default_factory=dict)

    def add(self, record: dict[str, Any]) -> None:
        view = record.get("rendered")
        if isinstance(view, dict) and record.get("verifiable"):
            self.types.setdefault(record["page_type"], _TypeTally()).add(record, view)

    def to_json(self) -> dict[str, Any] | None:
        if not self.types:
            return None
        return {"note": NOTE, "page_types": {t: tally.to_json() for t, tally in sorted(self.types.items())}}
