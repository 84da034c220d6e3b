"""Where the shared corpus lives (read in place, never copied) and how to read its TSV files."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

CORPUS_DIR = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"

_ESCAPE = re.compile(r"\\(x[0-9A-Fa-f]{2}|[nrt\\])")
_SIMPLE = {"n": b"\n", "r": b"\r", "t": b"\t", "\\": b"\\"}


def corpus_or_skip(*parts: str) -> Path:
    """Path inside the corpus; skip the test when the corpus (or that file) is not beside the repo."""
    path = CORPUS_DIR.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared corpus not found at {path}")
    return path


def unescape(field: str) -> bytes:
    r"""Undo the corpus TSV escaping: \n \r \t \\ and \xHH (raw bytes); other text is UTF-8."""
    out = bytearray()
    position = 0
    for match in _ESCAPE.finditer(field):
        out += field[position : match.start()].encode("utf-8")
        token = match.group(1)
        out += bytes([int(token[1:], 16)]) if token[0] == "x" else _SIMPLE[token]
        position = match.end()
    out += field[position:].encode("utf-8")
    return bytes(out)


def read_tsv(path: Path) -> list[dict[str, str]]:
    """Rows of a corpus TSV as dicts (fields still escaped)."""
    csv.field_size_limit(1 << 30)
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
