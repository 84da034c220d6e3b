"""Read the JSON-lines files a crawl writes (pages.jsonl, media.jsonl, terms.jsonl)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def iter_records(path: Path, buffering: int = -1) -> Iterator[dict[str, Any]]:
    """Whole records of a JSON-lines file, skipping a torn last line left by a hard kill."""
    if not path.exists():
        return
    # errors="replace": a line cut inside a UTF-8 sequence is skipped like any torn line, not raised.
    with path.open(encoding="utf-8", errors="replace", buffering=buffering) as stream:
        for line in stream:
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                continue
