"""``noai-check verify``: the CI gate. Did the latest complete run lose protection since the one before?

Failure categories (``--fail-on``, default ``regression``):

- ``regression``: a page lost a signal (noai, noimageai, an agent-scoped directive, TDM
  reservation 1, Content-Usage ``n``), an agent became allowed by robots.txt, or an AI clause
  of the terms was added, removed or changed (the tool cannot tell a grant from a restriction,
  so any AI clause change needs a person to read it).
- ``claims``: a platform claim in the latest run is not ``verified``.
- ``incomplete``: the newest run is incomplete. Without it an interrupted run is only a warning
  and the latest *complete* run is the one checked.

Whatever ``--fail-on`` says, a checked run that could read no page at all fails (category
``unreadable``): a site that was down lost no signal, but nothing was verified either.

A terms page that could not be read is a warning ("unknown"), never a removal of its clauses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from noai_check.errors import NoaiCheckError
from noai_check.history.compare import diff_snapshots
from noai_check.history.diff import choose_runs
from noai_check.history.snapshot import RunInfo, RunSnapshot
from noai_check.history.store import open_history
from noai_check.judge.registry import Registry, load_registry

FAIL_ON = ("regression", "claims", "incomplete")
UNREADABLE = "unreadable"  # always fails: a run that read nothing cannot pass
EXIT_OK, EXIT_FAIL = 0, 1


def parse_fail_on(text: str) -> tuple[str, ...]:
    """``regression,claims`` -> ("regression", "claims"); unknown names are a usage error."""
    names = tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    unknown = [n for n in names if n not in FAIL_ON]
    if unknown or not names:
        raise NoaiCheckError(f"--fail-on takes a comma-separated list of {', '.join(FAIL_ON)}; got {text!r}")
    return names


@dataclass
class Verification:
    platform: str
    fail_on: tuple[str, ...]
    run: RunInfo
    previous: RunInfo | None
    failures: list[dict[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return EXIT_FAIL if self.failures else EXIT_OK

    def fail(self, category: str, summary: str) -> None:
        if category in self.fail_on:
            self.failures.append({"category": category, "summary": summary})

    def to_json(self) -> dict[str, Any]:
        return {
            "platform": self.platform, "fail_on": list(self.fail_on), "passed": not self.failures,
            "run": self.run.ref(), "previous": self.previous.ref() if self.previous else None,
            "failures": self.failures, "warnings": self.warnings, "changes": self.changes,
        }


def verify(reports_dir: Path, platform: str, fail_on: tuple[str, ...] = ("regression",),
           registry: Registry | None = None) -> Verification:
    """Check the latest complete run of ``platform``; raise NoaiCheckError when there is none."""
    with open_history(reports_dir, read_only=True) as history:
        runs = history.runs(platform)
        complete = [r for r in runs if r.complete]
        if not complete:
            raise NoaiCheckError(
                f"no complete run of {platform} recorded in {reports_dir}" + (f" ({len(runs)} incomplete)" if runs else "")
            )
        latest = complete[-1]
        previous = choose_runs(history, platform)[0] if len(complete) > 1 else None
        after = history.load(latest.run_id)
        before = history.load(previous.run_id) if previous else None
    result = Verification(platform, fail_on, latest, previous)
    _fail_unless_a_page_was_read(result, after)
    newest = runs[-1]
    if not newest.complete:
        message = f"the newest {newest.label()} is not checked; {latest.label()} is"
        result.warnings.append(message)
        result.fail("incomplete", message)
    if before is None:
        result.warnings.append(f"{latest.label()} is the first complete run of {platform}: nothing to compare it with")
    else:
        result.changes = diff_snapshots(before, after, registry or load_registry())
        for reason in regression_reasons(result.changes):
            result.fail("regression", reason)
        result.warnings += [c["summary"] for c in result.changes if c["kind"] == "terms" and c["status"] == "unknown"]
    for claim in after.claims:
        if claim.get("status") != "verified":
            result.fail("claims", f"claim {claim['id']} is {claim.get('status')}: {claim.get('pages_satisfying')} of "
                                  f"{claim.get('pages_checked')} checked pages satisfy it")
    if "claims" in fail_on and not after.claims:
        result.warnings.append(f"{latest.label()} has no claims recorded")
    return result


def _fail_unless_a_page_was_read(result: Verification, run: RunSnapshot) -> None:
    """A run that read no page at all (the site was down, or every page hit a bot wall) proves nothing:
    no lost signal is not "no regression". This fails whatever ``--fail-on`` says."""
    if any(page.verifiable for page in run.pages.values()):
        return
    tried = f"all {len(run.pages)} pages it fetched were unreadable" if run.pages else "it recorded no page"
    result.failures.append({"category": UNREADABLE, "summary": f"{result.run.label()} could read no page at all "
                            f"({tried}): the site may have been down or blocking; nothing was verified"})


def regression_reasons(changes: list[dict[str, Any]]) -> list[str]:
    """One line per way protection was lost."""
    reasons: list[str] = []
    for change in changes:
        if not change["regression"]:
            continue
        if change["kind"] == "robots.txt":
            reasons += _allowed_reasons(change)
        elif change["kind"] == "page-signal":
            reasons.append(f"page lost a signal: {change['summary'].replace(' (signal lost)', '')}")
        elif change["kind"] == "terms":
            reasons += _terms_reasons(change)
        else:
            reasons.append(change["summary"])
    return reasons


def _allowed_reasons(change: dict[str, Any]) -> list[str]:
    where: dict[str, list[str]] = {}
    for flip in change["agent_flips"]:
        if flip["before"] == "blocked" and flip["after"] == "allowed":
            where.setdefault(flip["agent"], []).append(
                "/" if flip["page_type"] is None else f"{flip['paths_changed']} of {flip['paths_checked']} sampled {flip['page_type']} paths"
            )
    return [f"agent became allowed by robots.txt on {change['host']}: {agent} at {', '.join(places)}"
            for agent, places in sorted(where.items())]


def _terms_reasons(change: dict[str, Any]) -> list[str]:
    url = change["url"]
    reasons = [f"AI clause added to the terms at {url}: \u201c{c['text']}\u201d" for c in change["added_clauses"] if c["ai"]]
    reasons += [f"AI clause removed from the terms at {url}: \u201c{c['text']}\u201d" for c in change["removed_clauses"] if c["ai"]]
    reasons += [f"AI clause changed in the terms at {url}: now \u201c{c['after']}\u201d" for c in change["changed_clauses"] if c["ai"]]
    return reasons or [change["summary"]]
