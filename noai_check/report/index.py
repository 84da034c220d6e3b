"""reports/index.html: every platform's latest report on one page, rewritten whenever a report is."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from noai_check.files import locked, write_atomic
from noai_check.timestamps import now

INDEX_NAME = "index.html"
LOCK_NAME = ".index.lock"  # held while the index is rebuilt, so two crawls ending at once both appear


def _summary(folder: Path) -> dict[str, Any] | None:
    """What the index shows of one platform folder; None when it holds no report at all."""
    path = folder / "report.json"
    if not path.is_file():
        return None
    entry: dict[str, Any] = {
        "folder": folder.name,
        "href": quote(folder.name) + "/report.html" if (folder / "report.html").is_file() else None,
        "error": None, "platform": folder.name, "claims": [], "coverage": [],
        "finished_at": None, "complete": None, "finish_reason": None, "base_url": None,
        "blocked": {"every": [], "some": [], "agents": 0},
    }
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(report, dict):
            raise TypeError("not a JSON object")
        entry.update(
            platform=str(report.get("platform") or folder.name),
            base_url=report.get("base_url"),
            finished_at=report.get("finished_at"),
            complete=report.get("complete"),
            finish_reason=report.get("finish_reason"),
            claims=[{"id": c.get("id"), "text": c.get("text"), "status": c.get("status"),
                     "pages_checked": c.get("pages_checked"), "pages_satisfying": c.get("pages_satisfying")}
                    for c in report.get("claims") or []],
            blocked=_blocked_agents(report.get("agents") or {}),
            coverage=[{"type": t, "pages": c.get("pages"), "verifiable": c.get("verifiable"), "noai": c.get("noai"),
                       "noai_rate": c.get("noai_rate"), "noai_ci95": c.get("noai_ci95")}
                      for t, c in (report.get("page_types") or {}).items()],
        )
    except (OSError, ValueError, AttributeError, TypeError) as error:
        entry["error"] = f"report.json could not be read: {error}"
    return entry


def _blocked_agents(agents: dict[str, Any]) -> dict[str, Any]:
    """The AI crawlers robots.txt blocks on every readable page, and on some of them."""
    every, some = [], []
    for token, counts in agents.items():
        readable, blocked = counts.get("verifiable_pages") or 0, counts.get("robots_blocked") or 0
        if readable and blocked == readable:
            every.append(str(token))
        elif blocked:
            some.append(str(token))
    return {"every": sorted(every, key=str.lower), "some": sorted(some, key=str.lower), "agents": len(agents)}


def write_index(reports_dir: Path) -> Path:
    """Write ``reports_dir/index.html`` listing each platform folder that holds a report.json.

    The folders are read and the index written under one lock: a crawl that finishes while
    another is writing the index waits, then reads both reports, so neither drops out.
    """
    from noai_check.report.html import render_index

    path = reports_dir / INDEX_NAME
    with locked(reports_dir / LOCK_NAME):
        entries = []
        for folder in sorted((p for p in reports_dir.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name.lower()):
            entry = _summary(folder)
            if entry is not None:
                entries.append(entry)
        write_atomic(path, render_index(entries, now()))
    return path
