"""Claims judged page by page: the four statuses, page-type scope, unreadable pages, evidence."""

from __future__ import annotations

from typing import Any

import pytest

from noai_check.judge.page_records import Verdicts
from noai_check.judge.registry import TRAINING_PURPOSES, load_registry
from noai_check.platforms.base import Claim
from noai_check.report.claims import page_check, tally_claims

REGISTRY = load_registry()
TRAINING = sorted(a.token for a in REGISTRY.agents if a.purpose in TRAINING_PURPOSES)
NOAI = Claim("no-ai-tag", "A 'no AI' tag on our site.", "a statement", "2025-05", "noai-every-agent", ("track", "profile"))
TRAINING_CLAIM = Claim(
    "no-training", "No AI training.", "a statement", "2025-05", "training-reserved-for-training-crawlers", ("track", "profile")
)


def page(url: str, *, page_type: str = "track", noai: bool = False, scoped: dict[str, list[str]] | None = None,
         verifiable: bool = True, open_to: tuple[str, ...] = ()) -> dict[str, Any]:
    """A pages.jsonl record: training reserved for every training token except ``open_to``."""
    agents = {
        token: {"images": "none", "reasons": ["r"], "robots_allowed": True, "robots_line": None,
                "training": "none" if token in open_to else "reserved"}
        for token in TRAINING
    }
    return {
        "url": url, "page_type": page_type, "verifiable": verifiable, "sha256": "ab" * 32,
        "unverifiable_reason": None if verifiable else "bot wall: DataDome (status 403)",
        "page": {"noai": noai, "noimageai": False, "agent_directives": scoped or {}} if verifiable else None,
        "agents": agents, "findings": [],
    }


def judge(claim: Claim, records: list[dict[str, Any]]) -> dict[str, Any]:
    [tally] = tally_claims((claim,), REGISTRY)
    for record in records:
        tally.add(record)
    return tally.to_json()


def test_every_readable_page_satisfies_it_verified():
    result = judge(NOAI, [page("https://x/a/1", noai=True), page("https://x/a", page_type="profile", noai=True)])
    assert (result["status"], result["pages_checked"], result["pages_satisfying"]) == ("verified", 2, 2)
    assert result["share"] == 1.0 and result["share_ci95"][1] == 1.0 and result["failures"] == []


def test_some_pages_partial_with_failure_kinds_counted():
    records = [page("https://x/a/1", noai=True), page("https://x/a/2"), page("https://x/a/3"),
               page("https://x/a/4", scoped={"gptbot": ["noai"]})]
    result = judge(NOAI, records)
    assert result["status"] == "partial" and (result["pages_checked"], result["pages_satisfying"]) == (4, 1)
    assert {"detail": "no noai directive in robots metas or X-Robots-Tag", "pages": 2} in result["failures"]
    assert {"detail": "noai only for gptbot, not for every agent", "pages": 1} in result["failures"]
    low, high = result["share_ci95"]
    assert low < 0.25 < high


def test_no_page_satisfies_it_refuted():
    result = judge(NOAI, [page("https://x/a/1"), page("https://x/a/2")])
    assert (result["status"], result["pages_satisfying"]) == ("refuted", 0)


def test_no_readable_page_is_inconclusive_and_unreadable_pages_are_counted_apart():
    result = judge(NOAI, [page("https://x/a/1", verifiable=False), page("https://x/a", page_type="profile", verifiable=False)])
    assert result["status"] == "inconclusive"
    assert (result["pages_checked"], result["pages_unverifiable"], result["share"]) == (0, 2, None)


def test_pages_outside_the_claims_types_are_not_judged():
    result = judge(NOAI, [page("https://x/a/sets/s", page_type="set"), page("https://x/", page_type="other")])
    assert (result["status"], result["pages_checked"], result["pages_unverifiable"]) == ("inconclusive", 0, 0)


def test_evidence_keeps_a_few_examples_of_each_kind_with_hashes():
    records = [page(f"https://x/a/{i}", noai=i % 2 == 0) for i in range(30)]
    evidence = judge(NOAI, records)["evidence"]
    assert sum(e["satisfies"] for e in evidence) == 5 and sum(not e["satisfies"] for e in evidence) == 5
    assert all(e["sha256"] == "ab" * 32 and e["url"].startswith("https://x/a/") for e in evidence)


def test_a_claims_result_does_not_depend_on_the_order_pages_arrived_in():
    """Responses interleave differently on every run; the same pages must give the same report."""
    import random

    tokens = sorted(TRAINING)
    records = [page(f"https://x/a/{i:02d}", open_to=tuple(tokens[: i % 13])) for i in range(40)]
    first = judge(TRAINING_CLAIM, records)
    shuffled = list(records)
    random.Random(7).shuffle(shuffled)
    assert judge(TRAINING_CLAIM, shuffled) == first
    assert len(first["failures"]) == 10  # more distinct failure details than are reported
    assert [e["url"] for e in first["evidence"] if not e["satisfies"]] == [f"https://x/a/{i:02d}" for i in range(1, 6)]


def test_training_claim_counts_control_tokens_and_names_what_is_open():
    assert "Google-Extended" in TRAINING and "GPTBot" in TRAINING
    ok = page("https://x/a/1")
    open_page = page("https://x/a/2", open_to=("Google-Extended", "GPTBot"))
    result = judge(TRAINING_CLAIM, [ok, open_page])
    assert result["status"] == "partial"
    failing = next(e["detail"] for e in result["evidence"] if not e["satisfies"])
    assert failing.startswith(f"training not reserved for 2 of {len(TRAINING)}") and "Google-Extended, GPTBot" in failing


def test_training_check_is_judged_once_per_distinct_agents_map():
    check = page_check(TRAINING_CLAIM, REGISTRY)
    record = page("https://x/a/1", open_to=("CCBot",))
    verdicts = Verdicts(record["agents"])
    first = check(record, verdicts)
    assert check(dict(record, url="https://x/a/2"), verdicts) is first  # the same answer object: memoised
    assert first[0] is False and "CCBot" in first[1]


def test_unknown_check_is_an_error():
    with pytest.raises(ValueError, match="unknown claim check"):
        page_check(Claim("x", "x", "x", "x", "made-up"), REGISTRY)
