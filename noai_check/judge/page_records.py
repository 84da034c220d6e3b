"""Read pages.jsonl fast: each record with its agents map reduced to ``Verdicts``, equal maps parsed once.

A record names its map by ``agents_ref`` (the map is in verdicts.jsonl, see verdict_refs.py), or,
written before that, holds it inline: a line of ~40-80 KB, nearly all of it the agents map, and
most pages share a handful of maps, so parsing every such line whole would cost more than
everything else the report and the history do.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from noai_check.judge.verdict_refs import REF_KEY, VerdictMaps


class Verdicts:
    """One page's agents map reduced to what the report counts: (token, allowed, line, training) rows.

    Compared by identity: the reader shares one instance between pages whose maps are equal.
    """

    __slots__ = ("not_reserved", "rows")

    def __init__(self, agents: Mapping[str, Any]) -> None:
        try:  # the record's own shape: one lookup per field, no conversions (a page may have its own map)
            rows = [(token, v["robots_allowed"], v["robots_line"], v["training"]) for token, v in agents.items()]
        except (KeyError, TypeError):
            rows = [
                (token, bool(v.get("robots_allowed", True)), v.get("robots_line"), str(v.get("training", "unknown")))
                for token, v in agents.items()
            ]
        self.rows: tuple[tuple[str, bool, int | None, str], ...] = tuple(rows)
        self.not_reserved: frozenset[str] = frozenset([row[0] for row in rows if row[3] != "reserved"])


NO_VERDICTS = Verdicts({})


# pages.jsonl lines are written with sort_keys and json's default separators, so "agents" comes
# first and ends right before the next key: ', "ai_txt": ' (media records) or ', "fetched_at": '.
# A quote outside an escape is always JSON syntax, so such a marker cannot occur inside a
# string; both halves are still parsed as JSON, and a line that does not split cleanly is read whole.
_AGENTS_PREFIX = b'{"agents": '
_AFTER_AGENTS = (b', "ai_txt": ', b', "fetched_at": ')
_CACHE_BYTES = 256 << 20  # distinct agents maps remembered (by their bytes) before starting over
_SAMPLE_STRIDE = 61  # bytes between the ones sampled to find a cached map
_BUCKET_SIZE = 16  # same-sample maps kept; more are read every time
_ROWS_KEPT = 4096  # distinct reduced maps kept for sharing
_READ_BUFFER = 1 << 20  # lines are ~80 KB: a small buffer makes reading them the slowest part


@dataclass
class _VerdictCache:
    """Agents maps already read, found by length and a strided sample, then checked byte for byte.

    Hashing every 80 KB map whole would cost more than everything else the report does; the
    sample only picks the candidates, ``startswith`` (a memcmp, in place) decides.
    """

    buckets: dict[tuple[int, bytes], list[tuple[bytes, Verdicts]]] = field(default_factory=dict)
    size: int = 0
    # Maps that differ only in their reasons reduce to the same rows: one Verdicts for all of them,
    # so the counts and the claim checks still see one value shared by many pages.
    by_rows: dict[tuple[tuple[str, bool, int | None, str], ...], Verdicts] = field(default_factory=dict)

    def intern(self, verdicts: Verdicts) -> Verdicts:
        found = self.by_rows.get(verdicts.rows)
        if found is None:
            if len(self.by_rows) >= _ROWS_KEPT:
                self.by_rows.clear()
            found = self.by_rows[verdicts.rows] = verdicts
        return found

    def get(self, line: bytes, start: int, end: int) -> Verdicts:
        """The Verdicts of the agents map ``line[start:end]``."""
        key = (end - start, line[start:end:_SAMPLE_STRIDE])
        bucket = self.buckets.get(key)
        if bucket is not None:
            for raw, found in bucket:
                if line.startswith(raw, start):
                    return found
        raw = line[start:end]
        found = self.intern(Verdicts(json.loads(raw)))
        if bucket is None or len(bucket) < _BUCKET_SIZE:
            if self.size + len(raw) > _CACHE_BYTES:
                self.buckets.clear()
                self.size = 0
            self.buckets.setdefault(key, []).append((raw, found))
            self.size += len(raw)
        return found


def iter_judged(path: Path) -> Iterator[tuple[dict[str, Any], Verdicts]]:
    """(record, its reduced agents map) per line; the record's ``agents`` or ``agents_ref`` key is left out.

    Equal agents maps are parsed once and share one ``Verdicts``, which is what makes a
    50,000-page report take seconds rather than minutes. A ref missing from verdicts.jsonl is
    a NoaiCheckError naming the file and the ref, never an empty map.
    """
    if not path.exists():
        return
    cache = _VerdictCache()
    maps = VerdictMaps(path.parent, lambda agents: cache.intern(Verdicts(agents)))
    with path.open("rb", buffering=_READ_BUFFER) as stream:
        for number, line in enumerate(stream, 1):
            judged = _split_line(line, cache)
            if judged is None:
                try:
                    record = json.loads(line)
                except (json.JSONDecodeError, UnicodeDecodeError):
                    continue  # a torn last line
                if not isinstance(record, dict):
                    continue
                if REF_KEY in record:
                    judged = record, maps.get(record.pop(REF_KEY), f"{path.name} line {number}")
                else:
                    judged = record, cache.intern(Verdicts(record.pop("agents", None) or {}))
            yield judged


def _split_line(line: bytes, cache: _VerdictCache) -> tuple[dict[str, Any], Verdicts] | None:
    if not line.startswith(_AGENTS_PREFIX):
        return None
    for marker in _AFTER_AGENTS:
        end = line.rfind(marker)  # from the end: the agents map is most of the line
        if end >= 0:
            break
    else:
        return None
    try:
        record = json.loads(b"{" + line[end + 2:])
        if not isinstance(record, dict) or "agents" in record:
            return None
        verdicts = cache.get(line, len(_AGENTS_PREFIX), end)
    except (json.JSONDecodeError, UnicodeDecodeError, AttributeError, TypeError):
        return None
    return record, verdicts
