"""One probed page's requests as records (the ``probes.jsonl`` line), and per-agent enforcement verdicts.

Pure: responses in, records out. The rules (buckets, same page, verdicts) are in ``enforcement``;
here they are applied to one page's browser baseline and its AI-agent probes, and the page's own
signals are read in every view, so a noai tag shown to browsers but not to an agent (or the
reverse) is a ``signals-differ-by-agent`` finding.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from noai_check.judge.botwall import unverifiable_reason
from noai_check.judge.enforcement import (
    LABEL,
    SERVED,
    UNKNOWN,
    View,
    baseline_readable,
    classify,
    verdict,
    view_of,
)
from noai_check.judge.registry import meta_crawler_names
from noai_check.signals.findings import Finding
from noai_check.signals.page import analyze_page
from noai_check.signals.response import Fetched

BROWSER = "browser"
BASELINE = "baseline"
NOT_SENT = "not-sent"  # a request the probe did not send (the host answered 429 earlier)
SIGNALS_DIFFER = "signals-differ-by-agent"


@dataclass(frozen=True)
class Probe:
    """One request of a probe: which agent, the user agent it sent, and what came back (None: not sent)."""

    agent: str
    user_agent: str
    response: Fetched | None


@dataclass(frozen=True)
class ProbeResult:
    """One line of ``probes.jsonl``."""

    url: str
    agent: str
    user_agent: str
    status: int | None
    bucket: str
    sha256: str | None
    same_as_browser: bool | None
    signals: dict[str, bool] | None
    reason: str | None = None
    declared: bool | None = None  # does the site reserve this agent on this URL (robots.txt or a training signal)

    def to_json(self) -> dict[str, object]:
        return {
            "url": self.url, "agent": self.agent, "user_agent": self.user_agent, "status": self.status,
            "bucket": self.bucket, "sha256": self.sha256, "same_as_browser": self.same_as_browser,
            "signals": self.signals, "reason": self.reason, "declared": self.declared, "label": LABEL,
        }


def with_declared(rows: Iterable[ProbeResult], declared: Mapping[str, bool | None]) -> list[ProbeResult]:
    """The rows with each agent's reservation on their URL filled in (the browser's row stays None)."""
    return [replace(row, declared=declared.get(row.agent)) for row in rows]


def _signals(response: Fetched, view: View) -> dict[str, bool] | None:
    """noai / noimageai as this view shows them; None when the response is not a readable page."""
    if not baseline_readable(view):
        return None
    page = analyze_page(response, meta_crawler_names())
    return {"noai": page.noai, "noimageai": page.noimageai}


def _reason(response: Fetched) -> str | None:
    """Why this response is not the readable page (a status, a wall, a fetch error), or None."""
    return unverifiable_reason(response) or response.error


def judge_page_probes(url: str, baseline: Probe, probes: Sequence[Probe]) -> tuple[list[ProbeResult], list[Finding]]:
    """Every request of one page as a record (the browser's first), and the findings its views raise."""
    if baseline.response is None:
        rows = [_not_sent(url, baseline)] + [_not_sent(url, probe) for probe in probes]
        return rows, []
    base_view = view_of(baseline.response)
    base_signals = _signals(baseline.response, base_view)
    rows = [ProbeResult(url, BROWSER, baseline.user_agent, base_view.status, BASELINE, base_view.sha256, True,
                        base_signals, _reason(baseline.response))]
    findings: list[Finding] = []
    for probe in probes:
        if probe.response is None:
            rows.append(_not_sent(url, probe))
            continue
        view = view_of(probe.response)
        bucket = classify(base_view, view)
        signals = _signals(probe.response, view)
        same = None if bucket == UNKNOWN else bucket == SERVED
        rows.append(ProbeResult(url, probe.agent, probe.user_agent, view.status, bucket, view.sha256, same, signals,
                                _reason(probe.response)))
        if bucket == SERVED and signals and base_signals and signals != base_signals:  # the same page, other signals
            findings.append(_differ(url, probe.agent, base_signals, signals))
    return rows, findings


def _not_sent(url: str, probe: Probe) -> ProbeResult:
    return ProbeResult(url, probe.agent, probe.user_agent, None, NOT_SENT, None, None, None,
                       "not sent: the host answered 429 (rate limited), so the probe stopped there")


def _show(signals: Mapping[str, bool]) -> str:
    return ", ".join(name for name, on in sorted(signals.items()) if on) or "no noai/noimageai"


def _differ(url: str, agent: str, browser: Mapping[str, bool], seen: Mapping[str, bool]) -> Finding:
    return Finding(SIGNALS_DIFFER, url, agent, f"browser sees {_show(browser)}; {agent} sees {_show(seen)}",
                   f"same URL fetched with a browser user agent and with {agent}'s ({LABEL})")


def enforcement(rows: Iterable[Mapping[str, object]], agents: Iterable[str] = ()) -> dict[str, dict[str, object]]:
    """Per agent, over ``probes.jsonl`` rows: ``declared`` (True, False, "mixed" across pages, or None),
    ``buckets`` {bucket: count}, ``pages`` probed and ``verdict``.

    The verdict is about the pages where the site reserves the agent (is it refused there?); when it
    reserves it on no probed page, about the pages where it is known not to. ``agents`` are listed
    even when no request was sent for them (``unknown``).
    """
    per_agent: dict[str, list[tuple[object, str]]] = {agent: [] for agent in agents}
    for row in rows:
        agent, bucket = str(row.get("agent")), str(row.get("bucket"))
        if agent != BROWSER and bucket != NOT_SENT:
            per_agent.setdefault(agent, []).append((row.get("declared"), bucket))
    return {agent: _agent_entry(seen) for agent, seen in sorted(per_agent.items())}


def _agent_verdict(seen: list[tuple[object, str]]) -> str:
    reserved = verdict(True, [bucket for declared, bucket in seen if declared is True])
    if reserved != UNKNOWN:
        return reserved
    return verdict(False, [bucket for declared, bucket in seen if declared is False])


def _agent_entry(seen: list[tuple[object, str]]) -> dict[str, object]:
    declared = {d for d, _ in seen} or {None}
    return {
        "declared": declared.pop() if len(declared) == 1 else "mixed",
        "buckets": dict(sorted(Counter(bucket for _, bucket in seen).items())),
        "pages": len(seen),
        "verdict": _agent_verdict(seen),
        "label": LABEL,
    }
