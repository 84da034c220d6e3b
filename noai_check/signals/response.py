"""What a fetch returned, in a form the pure parsers read (no Scrapy, no network here)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


def make_headers(pairs: Iterable[tuple[str, str]] | Mapping[str, str | list[str]]) -> dict[str, list[str]]:
    """Fold header pairs (or a mapping) into {lowercase name: [values in order]}, keeping repeats."""
    folded: dict[str, list[str]] = {}
    items = pairs.items() if isinstance(pairs, Mapping) else pairs
    for name, value in items:
        values = value if isinstance(value, list) else [value]
        folded.setdefault(name.strip().lower(), []).extend(str(v) for v in values)
    return folded


@dataclass(frozen=True)
class Fetched:
    """One HTTP exchange's outcome: status None means nothing came back (see ``error``)."""

    url: str
    status: int | None
    headers: dict[str, list[str]] = field(default_factory=dict)
    body: bytes = b""
    error: str | None = None
    redirects: int = 0
    final_url: str | None = None

    def header_values(self, name: str) -> list[str]:
        """Every value of one header, in order (several headers are never collapsed to one)."""
        return self.headers.get(name.lower(), [])

    @property
    def content_type(self) -> str:
        values = self.header_values("content-type")
        return values[0].split(";", 1)[0].strip().lower() if values else ""
