"""Joining probes.jsonl rows into per-agent verdicts (noai_check/judge/probe_results.enforcement)."""

from __future__ import annotations

import hashlib

import pytest

from noai_check.judge.probe_results import Probe, enforcement, judge_page_probes, with_declared
from noai_check.signals.response import Fetched


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


URL = "https://example.com/t"
PAGE = (b"<html><head><title>T</title><meta name='robots' content='noai'><meta name='GPTBot' content='noimageai'></head>"
        b"<body><p>one two three four five six</p></body></html>")
BARE = PAGE.replace(b"<meta name='robots' content='noai'>", b"")


def probe(agent: str, body: bytes | None, status: int | None = 200) -> Probe:
    response = None if body is None else Fetched(URL, status, {}, body, final_url=URL)
    return Probe(agent, f"{agent}/1.0", response)


def test_one_page_rows_and_the_signals_differ_finding() -> None:
    rows, findings = judge_page_probes(URL, probe("browser", PAGE), [
        probe("A", BARE), probe("B", PAGE, 403), probe("C", b"<title>Other</title>"), probe("D", None)])
    assert [(r.agent, r.bucket, r.status, r.same_as_browser) for r in rows] == [
        ("browser", "baseline", 200, True), ("A", "served", 200, True), ("B", "blocked", 403, False),
        ("C", "served-different", 200, False), ("D", "not-sent", None, None)]
    assert rows[0].signals == {"noai": True, "noimageai": False} and rows[1].signals == {"noai": False, "noimageai": False}
    assert rows[2].signals is None and rows[2].reason == "status 403" and rows[1].reason is None
    assert rows[4].reason is not None and "429" in rows[4].reason
    assert [(f.signal, f.agent, f.source) for f in findings] == [("signals-differ-by-agent", "A", URL)]
    assert findings[0].value == "browser sees noai; A sees no noai/noimageai"
    assert findings[0].evidence == "same URL fetched with a browser user agent and with A's (user agent spoofed for measurement)"
    assert rows[1].to_json() == {
        "url": URL, "agent": "A", "user_agent": "A/1.0", "status": 200, "bucket": "served", "sha256": rows[1].sha256,
        "same_as_browser": True, "signals": {"noai": False, "noimageai": False}, "reason": None, "declared": None,
        "label": "user agent spoofed for measurement"}
    assert rows[0].sha256 == hashlib.sha256(PAGE).hexdigest() and rows[1].sha256 == hashlib.sha256(BARE).hexdigest()
    assert [(r.url, r.user_agent) for r in rows] == [(URL, "browser/1.0"), (URL, "A/1.0"), (URL, "B/1.0"), (URL, "C/1.0"),
                                                     (URL, "D/1.0")]
    assert rows[4].reason == "not sent: the host answered 429 (rate limited), so the probe stopped there"


def test_both_signals_named_and_a_gap_in_the_middle() -> None:
    both = PAGE.replace(b"content='noai'", b"content='noai, noimageai'")
    rows, findings = judge_page_probes(URL, probe("browser", both), [probe("A", None), probe("B", BARE)])
    assert [r.bucket for r in rows] == ["baseline", "not-sent", "served"]
    assert findings[0].value == "browser sees noai, noimageai; B sees no noai/noimageai"


def test_same_signals_no_finding_and_unreadable_baseline() -> None:
    rows, findings = judge_page_probes(URL, probe("browser", PAGE), [probe("A", PAGE)])
    assert findings == [] and rows[1].bucket == "served"
    rows, findings = judge_page_probes(URL, probe("browser", PAGE, 503), [probe("A", BARE)])
    assert [(r.bucket, r.same_as_browser) for r in rows] == [("baseline", True), ("unknown", None)]
    assert rows[0].signals is None and rows[0].reason == "status 503: server error" and findings == []


def test_a_baseline_not_sent_sends_nothing() -> None:
    rows, findings = judge_page_probes(URL, probe("browser", None), [probe("A", None)])
    assert [(r.url, r.agent, r.user_agent, r.bucket) for r in rows] == [
        (URL, "browser", "browser/1.0", "not-sent"), (URL, "A", "A/1.0", "not-sent")] and findings == []


def test_with_declared_fills_each_agent() -> None:
    rows, _ = judge_page_probes(URL, probe("browser", PAGE), [probe("A", PAGE), probe("B", PAGE)])
    declared = with_declared(rows, {"A": True, "B": False})
    assert [r.declared for r in declared] == [None, True, False]
