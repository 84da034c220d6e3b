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
#  full test or None when the head is the test, place of the rule in the merged group's walk order)
_WalkEntry = tuple[str, str, "Callable[[str], object] | None", int]


@dataclass(frozen=True, eq=False)
class _Walk:
    """The compiled first-match walk over one sequence of rule values (longest first).

    It depends on the rule values alone, so merged groups whose rules read the same (LinkedIn names
    dozens of bots, each with the same list) share one walk: a page's path is walked once for all of
    them. Compared and hashed by identity.
    """

    rules: tuple[_WalkEntry, ...]
    # For a large group: the rules that can match a path starting with these two characters
    # (their head starts so, or is shorter), in walk order; ``short`` for any other path.
    buckets: dict[str, tuple[_WalkEntry, ...]] | None = None
    short: tuple[_WalkEntry, ...] = ()


_NO_RULES = _Walk(())


@dataclass(frozen=True, eq=False)
class _Resolved:
    """The merged group that applies to one asked agent, compiled for a first-match loop.

    Compared and hashed by identity (eq=False): it keys the per-URL verdict memo of RobotsTxt, and
    agents share one object exactly when the same groups govern them.
    """

    label: str | None  # user-agent value as written, "*", or None when no group applies
    walk: _Walk
    entries: tuple[tuple[_Rule, str | None], ...]  # (rule, note for its reason), in the walk's order
    no_match: RobotsVerdict
    groups: tuple[_Group, ...]
    google_readings: tuple[str, ...] = ()  # invalid user-agent values that name the agent only as Google reads them
    source: str = "robots.txt"
    # A rule's verdict (with its reason) is built when a path first matches it: a 50,000-rule group
    # would otherwise build 50,000 reasons for its first verdict.
    verdicts: dict[int, RobotsVerdict] = field(default_factory=dict, compare=False, repr=False)
    # The verdict of every path when one applies whatever the path (no rule, or a first rule of
    # "/"), except /robots.txt itself: such a group needs no request path at all.
    blanket: RobotsVerdict | None = field(default=None, compare=False, repr=False)

    def verdict_at(self, place: int) -> RobotsVerdict:
        """The verdict of the rule at ``place`` in walk order (-1: no rule matched); built once per rule."""
        if place < 0:
            return self.no_match
        known = self.verdicts.get(place)
        if known is None:
            known = self.verdicts[place] = _rule_verdict(self.entries[place], self.source, self.label)
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
    walks: dict[tuple[str, ...], _Walk] | None = None,
) -> _Resolved:
    """Merge rules, sort longest first (Allow first on ties), ready for the first-match walk.

    ``notes`` (see ``_groups_for``) are added to the reason of every rule of a group that only
    Google's reading of an invalid User-agent value applies, and to the no-match reason. ``walks``
    (rule values in walk order -> walk) lets groups whose rules read the same share one walk.
    """
    if label is None:
        no_match = RobotsVerdict(
            True, None, f"no rule matches: allowed (no group names {agent!r} and there is no * group)"
        )
        return _Resolved(None, _NO_RULES, (), no_match, (), blanket=no_match)
    notes = notes or {}
    groups_notes = {id(group): notes[place][1] if place in notes else None for place, group in enumerate(groups)}
    entries = tuple(
        sorted(
            ((rule, groups_notes[id(group)]) for group in groups for rule in group.rules),
            key=lambda item: (-item[0].length, not item[0].allow, item[0].number),
        )
    )
    every_note = "; ".join(dict.fromkeys(note for note in groups_notes.values() if note))
    no_match = RobotsVerdict(
        True, None, f"no rule matches: allowed (group for {label}{f'; {every_note}' if every_note else ''})"
    )
    readings = tuple(value for value, _note in notes.values())
    walk = _shared_walk(entries, {} if walks is None else walks)
    verdicts: dict[int, RobotsVerdict] = {}
    blanket = no_match if not entries else None
    if entries and walk.rules[0][0] == "/" and walk.rules[0][2] is None:  # the first rule to walk matches every path
        blanket = verdicts[0] = _rule_verdict(entries[0], source, label)
    return _Resolved(label, walk, entries, no_match, groups, readings, source, verdicts, blanket)


def _shared_walk(entries: tuple[tuple[_Rule, str | None], ...], walks: dict[tuple[str, ...], _Walk]) -> _Walk:
    """The walk over these rules' values, compiled once per distinct sequence of values."""
    values = tuple(rule.value for rule, _note in entries)
    walk = walks.get(values)
    if walk is None:
        compiled = tuple((*_walk_test(rule), place) for place, (rule, _note) in enumerate(entries))
        buckets, short = _buckets(compiled) if len(compiled) >= _BUCKETS_FROM else (None, ())
        walk = walks[values] = _Walk(compiled, buckets, short)
    return walk


def _first_match(walk: _Walk, path: str, walked: dict[tuple[int, str], int]) -> int:
    """The place (in walk order) of the first rule matching ``path``, or -1.

    A long walk is kept in ``walked`` for a path asked again later (groups sharing the walk on one
    page get RobotsTxt's per-URL memo): a 20,000-rule walk costs ms.
    """
    rules = walk.rules
    if walk.buckets is not None:
        rules = walk.buckets.get(path[:2], walk.short)
    if len(rules) < _WALK_CACHE_FROM:
        for head, inside, test, place in rules:
            if path.startswith(head) and inside in path and (test is None or test(path)):
                return place
        return -1
    key = (id(walk), path)  # a walk lives as long as its file: RobotsTxt keeps every one it built
    known = walked.get(key)
    if known is not None:
        return known
    found = -1
    for head, inside, test, place in rules:
        if path.startswith(head) and inside in path and (test is None or test(path)):
            found = place
            break
    if len(walked) >= 2048:
        walked.clear()
    walked[key] = found
    return found


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
