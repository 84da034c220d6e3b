"""verdicts.jsonl: each distinct per-agent verdict map of a crawl, written once and named by a hash.

A page's verdict map (165 agents with their reasons, ~44 KB) is the same for most pages of a site,
so pages.jsonl and media.jsonl carry ``agents_ref`` and the map itself is a line of
``{"agents": {...}, "ref": ...}`` beside them. The ref is a hash of the encoded map, so the same
map has the same ref in every run and after every resume. Records written before (``agents``
inline) are still read as they are.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Generic, TypeVar

from noai_check.errors import NoaiCheckError
from noai_check.files import iter_records

VERDICTS_FILE = "verdicts.jsonl"
REF_KEY = "agents_ref"
_REF_DIGITS = 16  # 64 bits: a collision among a crawl's few hundred maps is out of reach

T = TypeVar("T")


def ref_of(encoded_map: str) -> str:
    """The ref of an agents map, from its JSON text (json.dumps, sort_keys, ensure_ascii=False)."""
    return hashlib.sha256(encoded_map.encode("utf-8")).hexdigest()[:_REF_DIGITS]


def verdicts_line(ref: str, encoded_map: str) -> str:
    """A verdicts.jsonl line, as json.dumps(sort_keys=True) writes it, without encoding the map again."""
    return '{"agents": ' + encoded_map + ', "ref": ' + json.dumps(ref) + "}"


def record_line(record: dict[str, Any], encoded_map: str) -> str:
    """``json.dumps({**record, "agents": map}, sort_keys=True, ensure_ascii=False)`` from the map's text."""
    before = json.dumps({k: v for k, v in record.items() if k < "agents"}, ensure_ascii=False, sort_keys=True)
    after = json.dumps({k: v for k, v in record.items() if k > "agents"}, ensure_ascii=False, sort_keys=True)
    pieces = [piece[1:-1] for piece in (before, after) if piece != "{}"]
    pieces.insert(1 if before != "{}" else 0, '"agents": ' + encoded_map)
    return "{" + ", ".join(pieces) + "}"


def iter_verdict_maps(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(ref, agents map) per whole line of a verdicts.jsonl; a torn or foreign line is skipped."""
    # A torn last line is skipped by the reader: no page line refers to it (a map is written first).
    for entry in iter_records(path, buffering=1 << 20):
        if isinstance(entry, dict) and isinstance(entry.get("ref"), str) and isinstance(entry.get("agents"), dict):
            yield entry["ref"], entry["agents"]


class VerdictMaps(Generic[T]):
    """The verdict maps of one crawl folder, read on the first ref asked for, each converted once."""

    def __init__(self, folder: Path, convert: Callable[[dict[str, Any]], T]) -> None:
        self.path = folder / VERDICTS_FILE
        self._convert = convert
        self._maps: dict[str, T] | None = None

    def get(self, ref: object, where: str) -> T:
        """The map ``ref`` names; ``where`` (file and line) is named when it is missing."""
        if self._maps is None:
            self._maps = {key: self._convert(agents) for key, agents in iter_verdict_maps(self.path)}
        found = self._maps.get(ref) if isinstance(ref, str) else None
        if found is None:
            raise NoaiCheckError(f"{self.path}: no verdict map with ref {ref!r} ({where} refers to it)")
        return found
