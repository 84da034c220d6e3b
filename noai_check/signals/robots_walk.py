"""The first-match walk of RFC 9309 verdicts: one asked agent's merged group, sorted and compiled.

Kept apart from noai_check.signals.robots (the file, its fetch outcome and group selection): this is
the verdict hot path that bench/bench_robots.py measures, built lazily so a file's first verdict
costs little more than reading its lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from noai_check.signals.path_pattern import plain_prefix
from noai_check.signals.robots_groups import _Group, _Rule
from noai_check.signals.robots_lines import RobotsLine, _quote

if TYPE_CHECKING:
    from collections.abc import Callable

# Groups with fewer rules are walked every time: a walk is then cheaper than the cache of walks.
_WALK_CACHE_FROM = 64
# Groups with at least this many rules are split by the start of each rule's path (see _buckets).
_BUCKETS_FROM = 24


@dataclass(frozen=True)
class RobotsVerdict:
    """Whether an agent may fetch a URL, with the deciding line and a one-sentence reason."""

    allowed: bool
    line: RobotsLine | None  # the deciding rule; None when no rule matched or for allow-all/disallow-all
    reason: str


# (literal head every match starts with, literal every match contains ("" when the head says all),
#  full test or None when the head is the test, (rule, note for its reason))
_WalkEntry = tuple[str, str, "Callable[[str], object] | None", tuple[_Rule, str | None]]


@dataclass(frozen=True, eq=False)
class _Resolved:
    """The merged group that applies to one asked agent, compiled for a first-match loop.

    Compared and hashed by identity (eq=False): it keys the per-URL verdict memo of RobotsTxt, and
    agents share one object exactly when the same groups govern them.
    """

    label: str | None  # user-agent value as written, "*", or None when no group applies
    # (literal head, literal inside, test or None for a plain prefix, (rule, note for its reason)), longest first
    rules: tuple[_WalkEntry, ...]
    no_match: RobotsVerdict
    groups: tuple[_Group, ...]
    google_readings: tuple[str, ...] = ()  # invalid user-agent values that name the agent only as Google reads them
    source: str = "robots.txt"
    # A rule's verdict (with its reason) is built when a path first matches it: a 50,000-rule group
    # would otherwise build 50,000 reasons for its first verdict.
    verdicts: dict[int, RobotsVerdict] = field(default_factory=dict, compare=False, repr=False)
    # For a large group: the rules that can match a path starting with these two characters
    # (their head starts so, or is shorter), in walk order; ``short`` for any other path.
    buckets: dict[str, tuple[_WalkEntry, ...]] | None = field(default=None, compare=False, repr=False)
    short: tuple[_WalkEntry, ...] = field(default=(), compare=False, repr=False)

    # The verdict of every path when one applies whatever the path (no rule, or a first rule of
    # "/"), except /robots.txt itself: such a group needs no request path at all.
    blanket: RobotsVerdict | None = field(default=None, compare=False, repr=False)

    def rule_verdict(self, entry: tuple[_Rule, str | None]) -> RobotsVerdict:
        """The verdict of one matching rule; built once per rule."""
        known = self.verdicts.get(id(entry[0]))
        if known is None:
            known = self.verdicts[id(entry[0])] = _rule_verdict(entry, self.source, self.label)
        return known


def _rule_verdict(entry: tuple[_Rule, str | None], source: str, label: str | None) -> RobotsVerdict:
    rule, note = entry
    return RobotsVerdict(
        rule.allow,
        rule.line,
        f"{'allowed' if rule.allow else 'disallowed'} by {source} line {rule.line.number} "
        f"'{_quote(rule.line)}' in the group for {label}"
        + (f" (this rule's group applies because {note})" if note else ""),
    )


def _compile_groups(
    groups: tuple[_Group, ...],
    label: str | None,
    agent: str,
    source: str,
    notes: dict[int, tuple[str, str]] | None = None,
) -> _Resolved:
    """Merge rules, sort longest first (Allow first on ties), ready for the first-match walk.

    ``notes`` (see ``_groups_for``) are added to the reason of every rule of a group that only
    Google's reading of an invalid User-agent value applies, and to the no-match reason.
    """
    if label is None:
        no_match = RobotsVerdict(
            True, None, f"no rule matches: allowed (no group names {agent!r} and there is no * group)"
        )
        return _Resolved(None, (), no_match, (), blanket=no_match)
    notes = notes or {}
    groups_notes = {id(group): notes[place][1] if place in notes else None for place, group in enumerate(groups)}
    rules = sorted(
        ((rule, groups_notes[id(group)]) for group in groups for rule in group.rules),
        key=lambda item: (-item[0].length, not item[0].allow, item[0].number),
    )
    compiled = tuple((*_walk_test(rule), (rule, note)) for rule, note in rules)
    every_note = "; ".join(dict.fromkeys(note for note in groups_notes.values() if note))
    no_match = RobotsVerdict(
        True, None, f"no rule matches: allowed (group for {label}{f'; {every_note}' if every_note else ''})"
    )
    readings = tuple(value for value, _note in notes.values())
    buckets, short = _buckets(compiled) if len(compiled) >= _BUCKETS_FROM else (None, ())
    verdicts: dict[int, RobotsVerdict] = {}
    blanket = no_match if not compiled else None
    if compiled and compiled[0][0] == "/" and compiled[0][2] is None:  # the first rule to walk matches every path
        blanket = verdicts[id(compiled[0][3][0])] = _rule_verdict(compiled[0][3], source, label)
    return _Resolved(
        label, compiled, no_match, groups, readings, source, verdicts, buckets=buckets, short=short, blanket=blanket
    )


def _buckets(rules: tuple[_WalkEntry, ...]) -> tuple[dict[str, tuple[_WalkEntry, ...]] | None, tuple[_WalkEntry, ...]]:
    """Rules split by the first two characters of their head, each part in walk order (None when not worth it).

    A path can only match a rule whose head it starts with: one starting "/j" needs only the
    rules whose head starts "/j", and those with a head shorter than two characters.
    """
    short: list[_WalkEntry] = []
    buckets: dict[str, list[_WalkEntry]] = {}
    budget = 4 * len(rules)  # many short heads would copy into every bucket: give up instead
    for entry in rules:
        head = entry[0]
        if len(head) >= 2:
            bucket = buckets.get(head[:2])
            if bucket is None:
                bucket = buckets[head[:2]] = list(short)
                budget -= len(short)
            bucket.append(entry)
        else:
            short.append(entry)
            for bucket in buckets.values():
                bucket.append(entry)
            budget -= len(buckets)
        if budget < 0:
            return None, ()
    return {key: tuple(bucket) for key, bucket in buckets.items()}, tuple(short)


def _walk_test(rule: _Rule) -> tuple[str, str, Callable[[str], object] | None]:
    """(literal head every match starts with, literal every match contains, full test or None).

    The second is the longest piece of a wildcard pattern after its first "*": every match holds it
    (the pieces are found in order), so a path without it is refused without calling the test.
    """
    plain = plain_prefix(rule.value)
    if plain is not None:
        return plain, "", None
    pattern = rule.pattern
    head, _star, rest = pattern.prefix.partition("*")
    return head, max(rest.split("*"), key=len), pattern.test  # most rules end at the head
