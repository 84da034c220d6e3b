"""Check a platform's public claims against the crawl, page by page, keeping examples as evidence.

A claim is judged on the verifiable pages of its page types only: ``verified`` when every one
satisfies it, ``partial`` when some do, ``refuted`` when none do, ``inconclusive`` when no page
in scope could be read. Pages in scope that could not be read are counted beside it, never as a
failure or a success.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from noai_check.judge.page_records import Verdicts
from noai_check.judge.registry import TRAINING_PURPOSES, Registry
from noai_check.judge.stats import wilson_interval
from noai_check.platforms.base import Claim
from noai_check.report.summary import ranked

_EVIDENCE_EXAMPLES = 5  # of each kind (satisfying, failing) per claim
_FAILURE_KINDS = 10  # distinct failure details reported per claim, most frequent first
_FAILURE_KINDS_COUNTED = 1000  # distinct details counted before new ones are dropped (bounded memory)
_MEMO_LIMIT = 4096

# (record without its agents map, the page's reduced verdicts) -> (satisfied, one-line why)
PageCheck = Callable[[dict[str, Any], Verdicts], tuple[bool, str]]


def _noai_every_agent(record: dict[str, Any], verdicts: Verdicts) -> tuple[bool, str]:
    page = record.get("page") or {}
    if page.get("noai"):
        return True, "noai addressed to every agent"
    scoped = sorted(a for a, d in (page.get("agent_directives") or {}).items() if "noai" in d)
    if scoped:
        return False, f"noai only for {', '.join(scoped)}, not for every agent"
    return False, "no noai directive in robots metas or X-Robots-Tag"


def _noai_or_noimageai_every_agent(record: dict[str, Any], verdicts: Verdicts) -> tuple[bool, str]:
    """DeviantArt's convention: either token, addressed to every agent, opts the work out."""
    page = record.get("page") or {}
    found = [d for d in ("noai", "noimageai") if page.get(d)]
    if found:
        return True, f"{' and '.join(found)} addressed to every agent"
    return False, "neither noai nor noimageai addressed to every agent"


def _noai_where_opted_in(record: dict[str, Any], verdicts: Verdicts) -> tuple[bool | None, str]:
    """An opt-in tag (ArtStation's NoAI): a page without noai may just be untagged, so it is not counted."""
    if (record.get("page") or {}).get("noai"):
        return True, "noai addressed to every agent: the work is opted out"
    return None, "no noai: untagged, or tagged and not honoured; which cannot be told from outside"


def _training_reserved(training_tokens: list[str]) -> PageCheck:
    """Training reserved for every training crawler and control token (Google-Extended...) judged on the page."""
    wanted = frozenset(training_tokens)
    memo: dict[Verdicts, tuple[bool, str]] = {}

    def judge(verdicts: Verdicts) -> tuple[bool, str]:
        judged = [token for token, *_ in verdicts.rows if token in wanted]
        open_to = sorted((t for t in verdicts.not_reserved if t in wanted), key=str.lower)
        if not open_to:
            return True, f"training reserved for all {len(judged)} training crawlers and control tokens"
        shown = ", ".join(open_to[:6]) + (f" and {len(open_to) - 6} more" if len(open_to) > 6 else "")
        return False, f"training not reserved for {len(open_to)} of {len(judged)} training crawlers and control tokens: {shown}"

    def check(record: dict[str, Any], verdicts: Verdicts) -> tuple[bool, str]:
        found = memo.get(verdicts)
        if found is None:
            if len(memo) >= _MEMO_LIMIT:
                memo.clear()
            found = memo[verdicts] = judge(verdicts)
        return found

    return check


def page_check(claim: Claim, registry: Registry) -> PageCheck:
    """The per-page test that decides whether a page satisfies ``claim``."""
    if claim.check == "noai-every-agent":
        return _noai_every_agent
    if claim.check == "noai-or-noimageai-every-agent":
        return _noai_or_noimageai_every_agent
    if claim.check == "noai-where-opted-in":  # None: the page says nothing about the claim
        return _noai_where_opted_in  # type: ignore[return-value]
    if claim.check == "training-reserved-for-training-crawlers":
        return _training_reserved([a.token for a in registry.agents if a.purpose in TRAINING_PURPOSES])
    raise ValueError(f"unknown claim check {claim.check!r}")


@dataclass
class ClaimTally:
    """Running count for one claim over verifiable pages of its page types."""

    claim: Claim
    check: PageCheck
    checked: int = 0
    satisfying: int = 0
    unverifiable: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    as_of: str | None = None  # the day the run shows (an archive audit's ``at``); a dated claim is judged as of it
    _examples: dict[bool, list[dict[str, Any]]] = field(default_factory=lambda: {False: [], True: []})

    @property
    def evidence(self) -> list[dict[str, Any]]:
        """A few example pages of each kind, failing ones first."""
        return self._examples[False] + self._examples[True]

    def add(self, record: dict[str, Any], verdicts: Verdicts | None = None) -> None:
        if self.claim.page_types and record["page_type"] not in self.claim.page_types:
            return
        if not record["verifiable"]:
            self.unverifiable += 1
            return
        if verdicts is None:
            verdicts = Verdicts(record.get("agents") or {})
        ok, detail = self.check(record, verdicts)
        if ok is None:  # not in scope after all (an opt-in claim on a page that did not opt in)
            return
        self.checked += 1
        self.satisfying += ok
        if not ok and (detail in self.failures or len(self.failures) < _FAILURE_KINDS_COUNTED):
            self.failures[detail] += 1
        # The examples are the first URLs in sort order, not in crawl order: the same sample gives
        # the same report however the responses happened to interleave.
        examples = self._examples[ok]
        if len(examples) < _EVIDENCE_EXAMPLES or record["url"] < examples[-1]["url"]:
            examples.append({
                "url": record["url"], "page_type": record["page_type"], "satisfies": ok, "detail": detail,
                "sha256": record.get("sha256"),
                **({"archive_url": record["archive_url"]} if record.get("archive_url") else {}),
            })
            examples.sort(key=lambda e: e["url"])
            del examples[_EVIDENCE_EXAMPLES:]

    @property
    def status(self) -> str:
        if self.checked == 0:
            return "inconclusive"
        if self.satisfying == self.checked:
            return "verified"
        return "refuted" if self.satisfying == 0 else "partial"

    def to_json(self) -> dict[str, Any]:
        interval = wilson_interval(self.satisfying, self.checked)
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
            "pages_unverifiable": self.unverifiable,
            "share": round(self.satisfying / self.checked, 4) if self.checked else None,
            "share_ci95": list(interval) if interval else None,
            "failures": [{"detail": d, "pages": n} for d, n in ranked(self.failures)[:_FAILURE_KINDS]],
            "evidence": self.evidence,
            **({"judged_as_of": self.as_of, "timing": claim_timing(self.claim.date, self.as_of)} if self.as_of else {}),
        }


def claim_timing(claim_date: str | None, as_of: str) -> str:
    """One line: does the run show the site when the claim was made?

    >>> claim_timing("2025-05", "2025-05-15")
    'judged as of 2025-05-15, when the claim (2025-05) was made'
    >>> claim_timing("2025-05", "2026-12-05")
    'judged as of 2026-12-05, not when the claim (2025-05) was made: an archive audit (-a at=2025-05-15) shows then'
    """
    if not claim_date:
        return f"judged as of {as_of}"
    if as_of.startswith(claim_date) or claim_date.startswith(as_of):
        return f"judged as of {as_of}, when the claim ({claim_date}) was made"
    day = claim_date + "-15" if len(claim_date) == 7 else claim_date
    return f"judged as of {as_of}, not when the claim ({claim_date}) was made: an archive audit (-a at={day}) shows then"


def tally_claims(claims: tuple[Claim, ...], registry: Registry, as_of: str | None = None) -> list[ClaimTally]:
    return [ClaimTally(claim, page_check(claim, registry), as_of=as_of) for claim in claims]
