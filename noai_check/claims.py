"""Check a platform's public claims against the crawl, page by page, keeping examples as evidence."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .platforms.base import Claim
from .registry import Registry

_EVIDENCE_EXAMPLES = 5  # of each kind (satisfying, failing) per claim

PageCheck = Callable[[dict[str, Any]], tuple[bool, str]]


def _noai_every_agent(record: dict[str, Any]) -> tuple[bool, str]:
    page = record["page"] or {}
    if page.get("noai"):
        return True, "noai addressed to every agent"
    scoped = sorted(a for a, d in (page.get("agent_directives") or {}).items() if "noai" in d)
    if scoped:
        return False, f"noai only for {', '.join(scoped)}, not for every agent"
    return False, "no noai directive in robots metas or X-Robots-Tag"


def _training_reserved(training_tokens: list[str]) -> PageCheck:
    def check(record: dict[str, Any]) -> tuple[bool, str]:
        agents = record.get("agents") or {}
        open_to = [t for t in training_tokens if t in agents and agents[t]["training"] != "reserved"]
        if not open_to:
            return True, f"training reserved for all {len(training_tokens)} training crawlers"
        shown = ", ".join(open_to[:6]) + (f" and {len(open_to) - 6} more" if len(open_to) > 6 else "")
        return False, f"training not reserved for {len(open_to)} of {len(training_tokens)} training crawlers: {shown}"

    return check


def page_check(claim: Claim, registry: Registry) -> PageCheck:
    """The per-page test that decides whether a page satisfies ``claim``."""
    if claim.check == "noai-every-agent":
        return _noai_every_agent
    if claim.check == "training-reserved-for-training-crawlers":
        return _training_reserved([a.token for a in registry.agents if a.purpose == "training"])
    raise ValueError(f"unknown claim check {claim.check!r}")


@dataclass
class ClaimTally:
    """Running count for one claim over verifiable pages of its page types."""

    claim: Claim
    check: PageCheck
    checked: int = 0
    satisfying: int = 0
    evidence: list[dict[str, Any]] = field(default_factory=list)
    _shown: dict[bool, int] = field(default_factory=lambda: {True: 0, False: 0})

    def add(self, record: dict[str, Any]) -> None:
        if not record["verifiable"] or (self.claim.page_types and record["page_type"] not in self.claim.page_types):
            return
        ok, detail = self.check(record)
        self.checked += 1
        self.satisfying += ok
        if self._shown[ok] < _EVIDENCE_EXAMPLES:
            self._shown[ok] += 1
            self.evidence.append({"url": record["url"], "page_type": record["page_type"], "satisfies": ok, "detail": detail})

    @property
    def status(self) -> str:
        if self.checked == 0:
            return "inconclusive"
        if self.satisfying == self.checked:
            return "verified"
        return "refuted" if self.satisfying == 0 else "partial"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.claim.id,
            "text": self.claim.text,
            "source": self.claim.source,
            "date": self.claim.date,
            "check": self.claim.check,
            "page_types": list(self.claim.page_types),
            "status": self.status,
            "pages_checked": self.checked,
            "pages_satisfying": self.satisfying,
            "evidence": self.evidence,
        }


def tally_claims(claims: tuple[Claim, ...], registry: Registry) -> list[ClaimTally]:
    return [ClaimTally(claim, page_check(claim, registry)) for claim in claims]
