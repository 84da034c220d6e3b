"""Joining probes.jsonl rows into per-agent verdicts (noai_check/judge/probe_results.enforcement)."""

from __future__ import annotations

import pytest

from noai_check.judge.probe_results import enforcement


def row(agent: str, bucket: str, declared: bool | None, url: str = "u") -> dict[str, object]:
    return {"url": url, "agent": agent, "bucket": bucket, "declared": declared}


@pytest.mark.parametrize(("rows", "expected"), [
    ([row("A", "blocked", True), row("A", "challenge", True, "v")], ("enforced", True, {"blocked": 1, "challenge": 1}, 2)),
    ([row("A", "blocked", True), row("A", "served", False, "v")], ("enforced", "mixed", {"blocked": 1, "served": 1}, 2)),
    ([row("A", "blocked", True), row("A", "served", True, "v")], ("inconsistent", True, {"blocked": 1, "served": 1}, 2)),
    ([row("A", "served", True), row("A", "blocked", False, "v")], ("declared-only", "mixed", {"blocked": 1, "served": 1}, 2)),
    ([row("A", "error", True), row("A", "blocked", False, "v")], ("blocked-undeclared", "mixed", {"blocked": 1, "error": 1}, 2)),
    ([row("A", "blocked", False), row("A", "served", False, "v")], ("inconsistent", False, {"blocked": 1, "served": 1}, 2)),
    ([row("A", "served", True), row("A", "rate-limited", True, "v")], ("declared-only", True, {"rate-limited": 1, "served": 1}, 2)),
    ([row("A", "served", False), row("A", "served", False, "v")], ("not-declared", False, {"served": 2}, 2)),
    ([row("A", "blocked", False)], ("blocked-undeclared", False, {"blocked": 1}, 1)),
    ([row("A", "unknown", None), row("A", "error", True, "v")], ("unknown", "mixed", {"error": 1, "unknown": 1}, 2)),
    ([row("A", "blocked", None)], ("unknown", None, {"blocked": 1}, 1)),
    ([row("A", "not-sent", True), row("browser", "baseline", None)], ("unknown", None, {}, 0)),
])
def test_agent_verdict_over_pages(rows: list[dict[str, object]], expected: tuple[object, ...]) -> None:
    entry = enforcement(rows, ["A"])["A"]
    assert (entry["verdict"], entry["declared"], entry["buckets"], entry["pages"]) == expected
    assert entry["label"] == "user agent spoofed for measurement"


def test_only_probed_agents_unless_named() -> None:
    assert list(enforcement([row("B", "served", False), row("browser", "baseline", None)])) == ["B"]
    assert enforcement([]) == {}
