"""A stored crawl's page and media records as one file, each with its verdict map inline.

pages.jsonl and media.jsonl name their maps by ``agents_ref`` (verdicts.jsonl beside them); people
loading a crawl into pandas or a spreadsheet want one file. JSON lines give each record exactly as
it was written before the maps moved out (``agents`` inline, keys sorted); CSV gives one row per
record: its scalar fields, the scalar fields of its ``page``, and per agent (registry order) a
``robots:<agent>`` (allowed/blocked) and a ``training:<agent>`` column.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, TypeVar

from noai_check.errors import NoaiCheckError
from noai_check.files import RUN_FILE, iter_numbered_records, read_run_meta
from noai_check.judge.registry import load_registry
from noai_check.judge.verdict_refs import REF_KEY, VerdictMaps, record_line

RECORD_FILES = ("pages.jsonl", "media.jsonl")
FORMATS = ("jsonl", "csv")
# The columns a page record always has, first, in this order; any other scalar field follows.
_FIRST_COLUMNS = ("url", "final_url", "page_type", "status", "verifiable", "unverifiable_reason", "fetched_at", "sha256")

T = TypeVar("T")


def _records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, record) of a JSON-lines file; a torn last line is skipped, as every reader does."""
    for number, record in iter_numbered_records(path, buffering=1 << 20):
        if isinstance(record, dict):
            yield number, record


def _expanded(out: Path, convert: Callable[[dict[str, Any]], T]) -> Iterator[tuple[dict[str, Any], T]]:
    """(record without its map, the converted map) for pages.jsonl then media.jsonl, either form."""
    maps = VerdictMaps(out, convert)
    for name in RECORD_FILES:
        for number, record in _records(out / name):
            if REF_KEY in record:
                yield record, maps.get(record.pop(REF_KEY), f"{name} line {number}")
            else:  # written before verdicts.jsonl: the map is inline
                yield record, convert(record.pop("agents", None) or {})


def _encoded(agents: dict[str, Any]) -> str:
    return json.dumps(agents, ensure_ascii=False, sort_keys=True)


def check_stored(out: Path) -> None:
    """A folder a crawl wrote records to, or a NoaiCheckError saying what is missing."""
    if not (out / RECORD_FILES[0]).is_file():
        raise NoaiCheckError(f"no stored crawl in {out}: {RECORD_FILES[0]} is missing")


def write_jsonl(out: Path, stream: IO[str]) -> int:
    """Every record with ``agents`` inline, as the crawl wrote it before verdicts.jsonl; records written."""
    count = 0
    for record, text in _expanded(out, _encoded):
        stream.write(record_line(record, text) + "\n")
        count += 1
    return count


def _cells(agents: dict[str, Any]) -> dict[str, str]:
    """The agent columns of one verdict map."""
    cells: dict[str, str] = {}
    for token, verdict in agents.items():
        if isinstance(verdict, dict):
            cells[f"robots:{token}"] = "allowed" if verdict.get("robots_allowed", True) else "blocked"
            cells[f"training:{token}"] = str(verdict.get("training", "unknown"))
    return cells


def _scalars(record: dict[str, Any]) -> dict[str, str]:
    """The record's scalar fields and its page's (and rendered view's), as CSV text (true/false, empty for null)."""
    fields = {key: value for key, value in record.items() if key not in ("page", "rendered")}
    for nested in ("page", "rendered"):  # objects (null when not read): their fields are columns, not they
        view = record.get(nested)
        fields.update({f"{nested}.{k}": v for k, v in view.items()} if isinstance(view, dict) else {})
    return {key: _text(value) for key, value in fields.items() if value is None or isinstance(value, (str, int, float, bool))}


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _columns(out: Path, registry_tokens: list[str]) -> list[str]:
    """Every column the records need: the first columns, other scalars as met, then two per agent."""
    scalars: dict[str, None] = dict.fromkeys(_FIRST_COLUMNS)
    tokens: set[str] = set()
    for record, cells in _expanded(out, _cells):
        scalars.update(dict.fromkeys(_scalars(record)))
        tokens.update(column.split(":", 1)[1] for column in cells)
    order = [t for t in registry_tokens if t in tokens] + sorted(tokens.difference(registry_tokens))
    return [*scalars, *(f"{kind}:{token}" for token in order for kind in ("robots", "training"))]


def write_csv(out: Path, stream: IO[str]) -> int:
    """One row per record (pages, then media files), agents in registry order; records written."""
    # The crawl's agents (run.json names its --agents-file); a killed crawl has no run.json yet.
    meta = read_run_meta(out) if (out / RUN_FILE).exists() else {}
    registry = load_registry((meta.get("settings") or {}).get("agents_file"))
    writer = csv.DictWriter(stream, fieldnames=_columns(out, registry.tokens()), restval="")
    writer.writeheader()
    count = 0
    for record, cells in _expanded(out, _cells):
        writer.writerow({**_scalars(record), **cells})
        count += 1
    return count
