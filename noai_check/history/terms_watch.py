"""Compare a terms page's clauses between two runs: added, removed and changed clauses, AI ones apart.

The clauses come from noai_check.signals.terms; a terms clause about AI that changes must
stand out in `noai-check diff` and in the report's changes.
"""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass, field

from noai_check.signals.terms import Clause

SIMILAR = 0.6  # difflib ratio at or above which a removed and an added clause are one changed clause


@dataclass
class TermsComparison:
    """How a terms page changed between two runs; ``status`` "unknown" means it could not be compared."""

    status: str  # "same", "changed" or "unknown"
    added: list[Clause] = field(default_factory=list)
    removed: list[Clause] = field(default_factory=list)
    changed: list[tuple[Clause, Clause, float]] = field(default_factory=list)  # (before, after, similarity)
    reason: str | None = None  # why it is unknown

    @property
    def ai_added(self) -> list[Clause]:
        """AI clauses that are new, or that were not about AI before they changed."""
        return [c for c in self.added if c.ai] + [after for before, after, _ in self.changed if after.ai and not before.ai]

    @property
    def ai_removed(self) -> list[Clause]:
        return [c for c in self.removed if c.ai] + [before for before, after, _ in self.changed if before.ai and not after.ai]

    @property
    def ai_changed(self) -> list[tuple[Clause, Clause, float]]:
        return [(b, a, r) for b, a, r in self.changed if b.ai and a.ai]


def _unmatched(clauses: list[Clause], others: list[Clause]) -> list[Clause]:
    """The clauses with no equal text left in ``others`` (each text in ``others`` matches once)."""
    remaining = Counter(c.text for c in others)
    unmatched: list[Clause] = []
    for clause in clauses:
        if remaining[clause.text] > 0:
            remaining[clause.text] -= 1
        else:
            unmatched.append(clause)
    return unmatched


def unknown(reason: str) -> TermsComparison:
    return TermsComparison("unknown", reason=reason)


def compare_clauses(before: list[Clause] | None, after: list[Clause] | None) -> TermsComparison:
    """Added, removed and changed clauses; None on either side (a page that did not load) is "unknown"."""
    if before is None or after is None:
        return unknown("the terms page could not be read in " + ("both runs" if before is None and after is None
                                                                  else "the earlier run" if before is None else "the later run"))
    if before and not after:
        # A page that loaded but shows no text (a JavaScript shell, an error page served as 200)
        # must not read as "every clause was removed".
        return unknown("no terms text was found on the page in the later run")
    if after and not before:
        return unknown("no terms text was found on the page in the earlier run")
    removed, added = _unmatched(before, after), _unmatched(after, before)
    changed = _pair_changed(removed, added)
    for old, new, _ in changed:
        removed.remove(old)
        added.remove(new)
    status = "changed" if added or removed or changed else "same"
    return TermsComparison(status, added=added, removed=removed, changed=changed)


def _pair_changed(removed: list[Clause], added: list[Clause]) -> list[tuple[Clause, Clause, float]]:
    """Pair each removed clause with its most similar added one (best pairs first), when similar enough."""
    scored: list[tuple[float, int, int]] = []
    for i, old in enumerate(removed):
        for j, new in enumerate(added):
            matcher = difflib.SequenceMatcher(None, old.text, new.text, autojunk=False)
            if matcher.real_quick_ratio() < SIMILAR or matcher.quick_ratio() < SIMILAR:
                continue
            ratio = matcher.ratio()
            if ratio >= SIMILAR:
                scored.append((ratio, i, j))
    used_old: set[int] = set()
    used_new: set[int] = set()
    pairs: list[tuple[int, int, float]] = []
    for ratio, i, j in sorted(scored, key=lambda s: (-s[0], s[1], s[2])):
        if i not in used_old and j not in used_new:
            used_old.add(i)
            used_new.add(j)
            pairs.append((i, j, ratio))
    return [(removed[i], added[j], round(ratio, 3)) for i, j, ratio in sorted(pairs)]
