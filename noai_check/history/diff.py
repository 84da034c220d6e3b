"""What changed between two runs of a platform: robots.txt, site files, page signals, coverage, terms, claims.

Each change is a dict with ``kind``, a one-line ``summary`` and ``regression`` (true when
protection was lost: a page lost a signal, an agent became allowed, the terms' AI clauses
changed), plus the details of its kind. Only complete runs are compared: an interrupted run
did not fetch every page, so its missing pages would read as changes that never happened.
This module chooses the runs and reads them; noai_check.history.compare compares them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from noai_check.errors import NoaiCheckError
from noai_check.files import read_run_meta
from noai_check.history.compare import diff_snapshots
from noai_check.history.snapshot import RunInfo, snapshot_from_reports
from noai_check.history.store import HISTORY_FILE, History, open_history
from noai_check.judge.registry import Registry, load_registry

# ---------------------------------------------------------------- choosing the runs


def _complete_or_refuse(run: RunInfo | None, run_id: int, platform: str) -> RunInfo:
    if run is None:
        raise NoaiCheckError(f"no run {run_id} in the history")
    if run.platform != platform:
        raise NoaiCheckError(f"run {run_id} is a crawl of {run.platform}, not {platform}")
    if not run.complete:
        raise NoaiCheckError(f"run {run_id} is incomplete ({run.finish_reason}) and is never compared as if whole; pick a complete run")
    return run


def _shown_order(run: RunInfo) -> tuple[str, int]:
    """Runs in the order of the days they show: an archive audit of 2025 comes before last week's live run."""
    return run.shown_on, run.run_id


def choose_runs(history: History, platform: str, from_id: int | None = None, to_id: int | None = None) -> tuple[RunInfo, RunInfo]:
    """The pair to compare, earlier day shown first: by default the last two complete runs; incomplete ones are refused.

    Runs are ordered by the day they show (``as_of`` for an archive audit, else the day they finished),
    so ``--from`` a live run ``--to`` an archived one still reads from the past to the present.
    """
    if from_id is not None and from_id == to_id:
        raise NoaiCheckError(f"--from and --to are both run {from_id}: a run has no changes from itself; pick two runs")
    runs = history.runs(platform)
    if not runs:
        raise NoaiCheckError(f"no runs of {platform} recorded in {history.path}")
    complete = sorted((r for r in runs if r.complete), key=_shown_order)
    if to_id is not None:
        to = _complete_or_refuse(history.run(to_id), to_id, platform)
    elif complete:
        to = complete[-1]
    else:
        raise NoaiCheckError(f"no complete run of {platform} recorded ({len(runs)} incomplete): nothing to compare")
    if from_id is not None:
        first = _complete_or_refuse(history.run(from_id), from_id, platform)
        return (first, to) if _shown_order(first) <= _shown_order(to) else (to, first)
    earlier = [r for r in complete if _shown_order(r) < _shown_order(to)]
    if not earlier:
        raise NoaiCheckError(f"only one complete run of {platform} up to run {to.run_id}: nothing to compare it with yet")
    return earlier[-1], to


def diff_history(reports_dir: Path, platform: str, from_id: int | None = None, to_id: int | None = None,
                 registry: Registry | None = None) -> dict[str, Any]:
    """``noai-check diff --json``: the two runs and the changes between them."""
    with open_history(reports_dir, read_only=True) as history:
        before_run, after_run = choose_runs(history, platform, from_id, to_id)
        before, after = history.load(before_run.run_id), history.load(after_run.run_id)
        low, high = sorted((before_run.run_id, after_run.run_id))
        skipped = [{"run_id": r.run_id, "finish_reason": r.finish_reason}
                   for r in history.runs(platform) if low < r.run_id < high and not r.complete]
    changes = diff_snapshots(before, after, registry or load_registry())
    return {
        "platform": platform,
        "from": {"run_id": before.run_id, "finished_at": before.finished_at, "as_of": before_run.shown_on,
                 "archived": before_run.as_of is not None},
        "to": {"run_id": after.run_id, "finished_at": after.finished_at, "as_of": after_run.shown_on,
               "archived": after_run.as_of is not None},
        "skipped_incomplete": skipped,
        "regressions": sum(1 for c in changes if c["regression"]),
        "changes": changes,
    }


def changes_for_report(reports_dir: Path, platform: str, report: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Changes of the crawl in ``reports_dir/platform`` since the previous complete run in the history.

    Called while the report is written, before this run is recorded, so the run is read from its
    files (``report``: the report.json being built, for its claims). Never raises: a history that
    cannot be used becomes a ``note`` entry. Entries of kind ``note`` (only here, never in
    ``noai-check diff``) say what was compared, or why nothing was.
    """
    reports_dir = Path(reports_dir)
    # <platform>@<as_of> is an archive audit's folder (.<platform>@<as_of>.partial while it is written).
    folder, platform = platform, platform.partition("@")[0].lstrip(".")
    try:
        meta = read_run_meta(reports_dir / folder)  # cheap checks first: a 50k-page run is read only to compare
    except NoaiCheckError as error:
        return [_note(f"Changes could not be computed: {error}")]
    if not meta.get("complete"):
        return [_note(f"This run is incomplete ({meta.get('finish_reason')}), so it is not compared with earlier runs: "
                      "pages it did not reach would look like changes.")]
    if not (reports_dir / HISTORY_FILE).exists():
        return [_note("This is the first recorded run: there is nothing to compare with yet.")]
    this_run = (meta.get("started_at"), meta.get("finished_at"))
    shown = (meta.get("as_of") or (meta.get("finished_at") or "")[:10], meta.get("finished_at") or "")
    try:
        with open_history(reports_dir) as history:
            # The run showing the latest day before this one's (an archive audit's as_of, or a live run's day).
            earlier = sorted((r for r in history.runs(platform) if r.complete and (r.shown_on, r.finished_at) <= shown
                              and (r.started_at, r.finished_at) != this_run), key=lambda r: (r.shown_on, r.finished_at))
            if not earlier:
                return [_note("No earlier complete run is recorded: there is nothing to compare with yet.")]
            previous = history.load(earlier[-1].run_id)
            previous_info = earlier[-1]
        current = snapshot_from_reports(reports_dir / folder, report)
        changes = diff_snapshots(previous, current, load_registry())
    except Exception as error:  # noqa: BLE001 - the report must be written whatever the history holds
        return [_note(f"Changes could not be computed: {error}")]
    since = previous_info.label()
    if not changes:
        return [_note(f"No changes since {since}.")]
    regressions = sum(1 for c in changes if c["regression"])
    return [_note(f"{len(changes)} change{'s' if len(changes) != 1 else ''} since {since}"
                  + (f", {regressions} of them lost protection." if regressions else "."))] + changes


def _note(summary: str) -> dict[str, Any]:
    return {"kind": "note", "summary": summary, "regression": False}
