"""The comparison of two runs of a platform: robots.txt, site files, page signals, coverage, terms, claims.

Each change is a dict with ``kind``, a one-line ``summary`` and ``regression`` (true when
protection was lost: a page lost a signal, an agent became allowed, the terms' AI clauses
changed), plus the details of its kind. Only complete runs are compared: an interrupted run
did not fetch every page, so its missing pages would read as changes that never happened
(noai_check.history.diff chooses the runs; this module compares two snapshots).
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

from noai_check.history.snapshot import PageRow, RunSnapshot, SiteFileRow, TermsRow
from noai_check.history.terms_watch import compare_clauses
from noai_check.judge.registry import Registry
from noai_check.signals.robots import RobotsTxt, parse_robots
from noai_check.signals.terms import Clause

KINDS = ("robots.txt", "site-file", "terms", "page-signal", "coverage", "claim")
MAX_PATHS_PER_TYPE = 200  # sampled paths checked per page type for robots.txt flips
MAX_DIFF_LINES = 400
_PAGE_FIELDS = ("noai", "noimageai", "agent_directives", "tdm_reservation", "content_usage")


def diff_snapshots(before: RunSnapshot, after: RunSnapshot, registry: Registry) -> list[dict[str, Any]]:
    """Every change from ``before`` to ``after``, in KINDS order.

    ``before``'s pages may be streamed (``page_rows``, e.g. from the history): they are read
    row by row and only what the changes need is kept; ``after``'s are held in ``pages``.
    """
    changes = (
        _site_file_changes(before, after, registry)
        + _terms_changes(before, after)
        + _page_signal_changes(before, after)
        + _coverage_changes(before, after)
        + _claim_changes(before, after)
    )
    return sorted(changes, key=lambda c: KINDS.index(c["kind"]))


def _run_label(snapshot: RunSnapshot) -> str:
    return f"run {snapshot.run_id}" if snapshot.run_id is not None else "this run"


def _file_state(row: SiteFileRow | None) -> dict[str, Any] | None:
    return None if row is None else {"status": row.status, "sha256": row.sha256, "error": row.error}


def _text(content: bytes | None) -> str | None:
    return None if content is None else content.decode("utf-8-sig", "replace")


def _unified(before: SiteFileRow | None, after: SiteFileRow | None, labels: tuple[str, str]) -> str | None:
    old, new = _text(before.content if before else b""), _text(after.content if after else b"")
    if old is None or new is None:
        return None  # the content of one side was not stored: its hash still says it changed
    lines = list(difflib.unified_diff(old.splitlines(), new.splitlines(), labels[0], labels[1], lineterm=""))
    if len(lines) > MAX_DIFF_LINES:
        lines = lines[:MAX_DIFF_LINES] + [f"... ({len(lines) - MAX_DIFF_LINES} more diff lines)"]
    return "\n".join(lines)


def _site_file_changes(before: RunSnapshot, after: RunSnapshot, registry: Registry) -> list[dict[str, Any]]:
    changes = []
    for key in sorted(set(before.site_files) | set(after.site_files)):
        old, new = before.site_files.get(key), after.site_files.get(key)
        if _file_state(old) == _file_state(new):
            continue
        origin, name = key
        labels = (f"{name} ({_run_label(before)})", f"{name} ({_run_label(after)})")
        change: dict[str, Any] = {
            "kind": "robots.txt" if name == "robots.txt" else "site-file", "host": origin, "name": name,
            "url": next((row.url for row in (new, old) if row is not None), None),
            "before": _file_state(old), "after": _file_state(new), "diff": _unified(old, new, labels),
        }
        what = _status_words(old, new)
        if name == "robots.txt":
            flips = _agent_flips(old, new, origin, before, after, registry)
            change["agent_flips"] = flips
            change["regression"] = any(f["before"] == "blocked" and f["after"] == "allowed" for f in flips)
            change["summary"] = f"robots.txt on {origin} changed{what}" + _flips_words(flips)
        else:
            change["regression"] = False
            change["summary"] = f"{name} on {origin} changed{what}"
        changes.append(change)
    return changes


def _status_words(old: SiteFileRow | None, new: SiteFileRow | None) -> str:
    if old is None or new is None:
        return " (not fetched in the earlier run)" if old is None else " (not fetched in the later run)"
    if old.status != new.status:
        return f" (status {old.status} -> {new.status})"
    return ""


def _flips_words(flips: list[dict[str, Any]]) -> str:
    root = {f["agent"]: f for f in flips if f["path"] == "/"}
    other = sorted({f["agent"] for f in flips} - set(root))
    words = [f"{a} {f['before']} -> {f['after']} at /" for a, f in sorted(root.items())]
    words += [f"{a} on some sampled paths" for a in other]
    return ": " + "; ".join(words) if words else ": no agent's verdict changed on / or the sampled paths"


def _robots(row: SiteFileRow | None) -> RobotsTxt | None:
    if row is None or (row.content is None and row.sha256 and row.status is not None and 200 <= row.status < 300):
        return None  # served but not stored: cannot be re-read
    return parse_robots(row.content or b"", row.status, error=row.error)


def _rows(snapshot: RunSnapshot) -> Iterator[PageRow]:
    """A run's page rows, streamed when it streams them."""
    return snapshot.page_rows() if snapshot.page_rows is not None else iter(snapshot.pages.values())


def _sampled_paths(origin: str, *snapshots: RunSnapshot) -> dict[str, list[str]]:
    """Paths (with query) of the pages each run fetched on ``origin``, by page type, capped per type."""
    by_type: dict[str, set[str]] = defaultdict(set)
    for snapshot in snapshots:
        for page in _rows(snapshot):
            parts = urlsplit(page.url)
            if f"{parts.scheme}://{parts.netloc}".lower() != origin.lower():
                continue
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            if path != "/":
                by_type[page.page_type or "other"].add(path)
    return {t: sorted(paths)[:MAX_PATHS_PER_TYPE] for t, paths in sorted(by_type.items())}


def _word(allowed: bool) -> str:
    return "allowed" if allowed else "blocked"


def _agent_flips(old: SiteFileRow | None, new: SiteFileRow | None, origin: str, before: RunSnapshot,
                 after: RunSnapshot, registry: Registry) -> list[dict[str, Any]]:
    """Registry agents whose robots.txt verdict changed at / or on a page type's sampled paths.

    One entry per agent at "/", and per (agent, page type, direction) with the first path that
    flipped and how many of the type's sampled paths flipped that way.
    """
    old_robots, new_robots = _robots(old), _robots(new)
    if old_robots is None or new_robots is None:
        return []
    paths = _sampled_paths(origin, before, after)
    flips: list[dict[str, Any]] = []
    for agent in registry.agents:
        token = agent.token
        was, now = old_robots.verdict("/", token).allowed, new_robots.verdict("/", token).allowed
        if was != now:
            flips.append({"agent": token, "path": "/", "page_type": None, "before": _word(was), "after": _word(now),
                          "paths_changed": 1, "paths_checked": 1})
        for page_type, type_paths in paths.items():
            moved: dict[tuple[bool, bool], list[str]] = defaultdict(list)
            for path in type_paths:
                was, now = old_robots.verdict(path, token).allowed, new_robots.verdict(path, token).allowed
                if was != now:
                    moved[(was, now)].append(path)
            for (was, now), changed in sorted(moved.items()):
                flips.append({"agent": token, "path": changed[0], "page_type": page_type, "before": _word(was),
                              "after": _word(now), "paths_changed": len(changed), "paths_checked": len(type_paths)})
    return flips


# -- terms


def _clause_json(clause: Clause) -> dict[str, Any]:
    return clause.to_json()


def _quote(text: str, limit: int = 160) -> str:
    return "\u201c" + (text if len(text) <= limit else text[: limit - 1] + "\u2026") + "\u201d"


def _terms_changes(before: RunSnapshot, after: RunSnapshot) -> list[dict[str, Any]]:
    changes: list[dict[str, Any]] = []
    for url in sorted(set(before.terms) | set(after.terms)):
        old, new = before.terms.get(url), after.terms.get(url)
        comparison = compare_clauses(old.clauses if old else None, new.clauses if new else None)
        if comparison.status == "same":
            continue
        if comparison.status == "unknown":
            why = [f"{label}: {row.reason if row else 'not fetched'}"
                   for label, row in ((_run_label(before), old), (_run_label(after), new)) if row is None or row.clauses is None]
            detail = "; ".join(why) or (comparison.reason or "")
            changes.append({
                "kind": "terms", "url": url, "status": "unknown", "reason": comparison.reason, "regression": False,
                "before": _terms_state(old), "after": _terms_state(new),
                "added_clauses": [], "removed_clauses": [], "changed_clauses": [],
                "summary": f"terms at {url}: unknown, not compared ({detail})",
            })
            continue
        ai_added, ai_removed, ai_changed = comparison.ai_added, comparison.ai_removed, comparison.ai_changed
        parts = []
        if ai_added:
            parts.append(f"AI CLAUSE ADDED: {_quote(ai_added[0].text)}" + (f" and {len(ai_added) - 1} more" if len(ai_added) > 1 else ""))
        if ai_removed:
            parts.append(f"AI clause removed: {_quote(ai_removed[0].text)}")
        if ai_changed:
            parts.append(f"AI clause changed: {_quote(ai_changed[0][1].text)}")
        counts = f"{len(comparison.added)} added, {len(comparison.removed)} removed, {len(comparison.changed)} changed"
        changes.append({
            "kind": "terms", "url": url, "status": "changed", "reason": None,
            "before": _terms_state(old), "after": _terms_state(new),
            "added_clauses": [_clause_json(c) for c in comparison.added],
            "removed_clauses": [_clause_json(c) for c in comparison.removed],
            "changed_clauses": [{"before": b.text, "after": a.text, "similarity": r, "ai": a.ai or b.ai,
                                 "ai_terms": sorted(set(a.ai_terms) | set(b.ai_terms))} for b, a, r in comparison.changed],
            "ai_clause_added": bool(ai_added),
            "regression": bool(ai_added or ai_removed or ai_changed),
            "summary": f"terms at {url} changed ({counts})" + (": " + "; ".join(parts) if parts else ""),
        })
    return changes


def _terms_state(row: TermsRow | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"status": row.status, "verifiable": row.verifiable, "sha256": row.sha256, "reason": row.reason}


# -- pages


def _page_value(page: PageRow, name: str) -> Any:
    return page.tdm if name == "tdm_reservation" else getattr(page, name)


def _lost(name: str, old: Any, new: Any) -> bool:
    """Did the page stop saying something that reserved AI use?"""
    if name in ("noai", "noimageai"):
        return bool(old) and not bool(new)
    if name == "tdm_reservation":
        return bool(old == 1 and new != 1)
    if name == "agent_directives":
        return any(d not in (new or {}).get(agent, []) for agent, ds in (old or {}).items() for d in ds)
    if name == "content_usage":
        return any(v == "n" and (new or {}).get(k) != "n" for k, v in (old or {}).items())
    return False


def _page_signal_changes(before: RunSnapshot, after: RunSnapshot) -> list[dict[str, Any]]:
    """Signal changes on URLs verifiable in both runs (others are coverage, not lost signals)."""
    changes = []
    for old in _rows(before):  # streamed: only the changes are kept, then put in URL order
        url, new = old.url, after.pages.get(old.url)
        if new is None or not (old.verifiable and new.verifiable):
            continue
        for name in _PAGE_FIELDS:
            was, now = _page_value(old, name), _page_value(new, name)
            if was == now:
                continue
            lost = _lost(name, was, now)
            changes.append({
                "kind": "page-signal", "url": url, "page_type": new.page_type, "field": name,
                "before": was, "after": now, "lost": lost, "regression": lost,
                "summary": f"{url}: {name} {_show(was)} -> {_show(now)}" + (" (signal lost)" if lost else ""),
            })
    return sorted(changes, key=lambda change: change["url"])  # stable: a URL's fields stay in order


def _show(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return str(value).lower() if value is not None else "none"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {v}" for k, v in sorted(value.items())) + "}"
    return str(value)


class _Counts:
    """A page type's counts in one run, added up row by row."""

    def __init__(self, pages: Iterable[PageRow] = ()) -> None:
        self.pages = self.verifiable = self.noai = self.noimageai = 0
        for page in pages:
            self.add(page)

    def add(self, page: PageRow) -> None:
        self.pages += 1
        if page.verifiable:
            self.verifiable += 1
            self.noai += bool(page.noai)
            self.noimageai += bool(page.noimageai)

    def to_json(self) -> dict[str, Any]:
        n = self.verifiable
        return {
            "pages": self.pages, "verifiable": n,
            "verifiable_rate": round(n / self.pages, 4) if self.pages else None,
            "noai_rate": round(self.noai / n, 4) if n else None,
            "noimageai_rate": round(self.noimageai / n, 4) if n else None,
        }


def _type_of(page: PageRow) -> str:
    return page.page_type or "other"


def _coverage_changes(before: RunSnapshot, after: RunSnapshot) -> list[dict[str, Any]]:
    """Per page type: counts and rates before and after, and the URLs whose verifiability changed.

    ``before`` is read once, row by row; of it only its counts, the URLs missing from ``after``
    and the rows whose verifiability differs in ``after`` are kept.
    """
    old_counts: dict[str, _Counts] = defaultdict(_Counts)
    only_before: dict[str, set[str]] = defaultdict(set)
    differs: dict[str, PageRow] = {}  # URL -> the earlier row, when ``after`` has it with the other verifiability
    kept: dict[str, int] = defaultdict(int)  # page type -> URLs in both runs with that type
    for page in _rows(before):
        page_type = _type_of(page)
        old_counts[page_type].add(page)
        later = after.pages.get(page.url)
        if later is not None and later.verifiable != page.verifiable:
            differs[page.url] = page
        if later is not None and _type_of(later) == page_type:
            kept[page_type] += 1
        else:
            only_before[page_type].add(page.url)
    new_by_type: dict[str, list[PageRow]] = defaultdict(list)
    for page in after.pages.values():
        new_by_type[_type_of(page)].append(page)
    changes = []
    for page_type in sorted(set(old_counts) | set(new_by_type)):
        new = new_by_type.get(page_type, [])
        was, now = old_counts[page_type].to_json(), _Counts(new).to_json()
        lost_sight, regained = [], []
        for page in new:
            earlier = differs.get(page.url)
            if earlier is None:
                continue
            if earlier.verifiable:
                lost_sight.append({"url": page.url, "reason": page.reason})
            else:
                regained.append({"url": page.url, "earlier_reason": earlier.reason})
        only_old = sorted(only_before.get(page_type, ()))
        only_new = _only_after(before, page_type, new) if kept[page_type] != len(new) else []
        if was == now and not (lost_sight or regained or only_old or only_new):
            continue
        changes.append(_coverage_change(page_type, was, now, lost_sight, regained, only_old, only_new))
    return changes


def _only_after(before: RunSnapshot, page_type: str, new: list[PageRow]) -> list[str]:
    """URLs of ``new`` (``after``'s pages of this type) that ``before`` did not have with this type.

    Asked only when some are missing, so the usual weekly run never holds the set of shared URLs.
    """
    urls = {p.url for p in new}
    shared = {p.url for p in _rows(before) if p.url in urls and _type_of(p) == page_type}
    return sorted(urls - shared)


def _coverage_change(page_type: str, was: dict[str, Any], now: dict[str, Any], lost_sight: list[dict[str, Any]],
                     regained: list[dict[str, Any]], only_before: list[str], only_after: list[str]) -> dict[str, Any]:
    words = [f"verifiable {was['verifiable']}/{was['pages']} -> {now['verifiable']}/{now['pages']}"]
    for rate in ("noai_rate", "noimageai_rate"):
        if was[rate] != now[rate]:
            words.append(f"{rate.replace('_', ' ')} {_pct(was[rate])} -> {_pct(now[rate])}")
    if lost_sight:
        words.append(f"{len(lost_sight)} page(s) could no longer be verified")
    if regained:
        words.append(f"{len(regained)} page(s) became verifiable")
    return {
        "kind": "coverage", "page_type": page_type, "before": was, "after": now,
        "became_unverifiable": lost_sight, "became_verifiable": regained,
        "only_in_earlier_run": only_before, "only_in_later_run": only_after, "regression": False,
        "summary": f"{page_type} pages: " + ", ".join(words),
    }


def _pct(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate * 100:.1f}%"


# -- claims


def _claim_changes(before: RunSnapshot, after: RunSnapshot) -> list[dict[str, Any]]:
    old = {c["id"]: c for c in before.claims}
    changes = []
    for claim in after.claims:
        earlier = old.get(claim["id"])
        if earlier is None or earlier.get("status") == claim.get("status"):
            continue
        changes.append({
            "kind": "claim", "id": claim["id"], "text": claim.get("text"),
            "before": earlier.get("status"), "after": claim.get("status"),
            "before_pages": [earlier.get("pages_satisfying"), earlier.get("pages_checked")],
            "after_pages": [claim.get("pages_satisfying"), claim.get("pages_checked")],
            "regression": False,
            "summary": f"claim {claim['id']}: {earlier.get('status')} -> {claim.get('status')} "
                       f"({claim.get('pages_satisfying')} of {claim.get('pages_checked')} pages satisfy it)",
        })
    return changes
