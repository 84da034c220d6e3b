"""A list of domains to audit (`scrapy crawl sites -a domains=FILE`), read as a stream.

Three shapes: one domain per line; a CSV whose header has a ``domain`` column (and maybe ``rank``);
Tranco's headerless ``rank,domain``. Lines are read one at a time, so a list of a million domains
is never held whole; only a set of 8-byte digests of the domains seen is kept, to skip duplicates.
A line that is not a domain is skipped and counted by reason, with the first example kept.
"""

from __future__ import annotations

import csv
import hashlib
import ipaddress
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

# A hostname: dot-separated labels of letters, digits and hyphens (IDNA as xn--), at least two labels.
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_DOMAIN = re.compile(rf"^(?:{_LABEL}\.)+[a-z][a-z0-9-]{{0,62}}(?<!-)$")

# Reasons a line is skipped (keys of ``DomainList.skipped``).
EMPTY = "empty"
COMMENT = "comment"
HEADER = "header"
URL_WITH_PATH = "url with a path"
IP_ADDRESS = "ip address"
NOT_A_DOMAIN = "not a domain"
BAD_RANK = "bad rank"
DUPLICATE = "duplicate"


def normalise_domain(text: str) -> tuple[str | None, str | None]:
    """(domain, None) for a usable domain, or (None, reason). A bare ``https://host/`` is the host.

    >>> normalise_domain("Example.COM.")
    ('example.com', None)
    >>> normalise_domain("https://example.com/")
    ('example.com', None)
    >>> normalise_domain("https://example.com/blog")
    (None, 'url with a path')
    >>> normalise_domain("192.0.2.1")
    (None, 'ip address')
    >>> normalise_domain("bücher.de")
    ('xn--bcher-kva.de', None)
    """
    value = text.strip().lower()
    if "://" in value:
        value = value.split("://", 1)[1]
    host, slash, rest = value.partition("/")
    if slash and rest.strip():
        return None, URL_WITH_PATH
    host = host.rstrip(".")
    try:
        ipaddress.ip_address(host.strip("[]"))
        return None, IP_ADDRESS
    except ValueError:
        pass
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        return None, NOT_A_DOMAIN
    if len(host) > 253 or not _DOMAIN.match(host):
        return None, NOT_A_DOMAIN
    return host, None


@dataclass
class DomainList:
    """Reads (rank, domain) pairs from lines; ``skipped`` and ``examples`` say what was left out and why."""

    lines: Iterable[str]
    skipped: dict[str, int] = field(default_factory=dict)
    examples: dict[str, str] = field(default_factory=dict)
    read: int = 0  # domains yielded
    _seen: set[bytes] = field(default_factory=set)

    def skip(self, reason: str, line: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1
        self.examples.setdefault(reason, line.strip()[:200])

    def __iter__(self) -> Iterator[tuple[int | None, str]]:
        columns: tuple[int, int | None] | None = None  # (domain column, rank column) of a CSV
        for line in self.lines:
            text = line.strip().lstrip("\ufeff")
            if not text:
                self.skip(EMPTY, line)
                continue
            if text.startswith("#"):
                self.skip(COMMENT, line)
                continue
            if columns is None and "," in text:
                columns = _header_columns(text)
                if columns is not None:
                    self.skip(HEADER, line)
                    continue
                columns = (1, 0)  # no header: Tranco's rank,domain
            pair = self._pair(text, columns, line)
            if pair is not None:
                yield pair

    def _pair(self, text: str, columns: tuple[int, int | None] | None, line: str) -> tuple[int | None, str] | None:
        rank: int | None = None
        name = text
        if columns is not None:
            cells = next(csv.reader([text]))
            domain_at, rank_at = columns
            if domain_at >= len(cells):
                self.skip(NOT_A_DOMAIN, line)
                return None
            name = cells[domain_at]
            if rank_at is not None:
                rank = _rank(cells[rank_at] if rank_at < len(cells) else "")
                if rank is None:
                    self.skip(BAD_RANK, line)
                    return None
        domain, reason = normalise_domain(name)
        if domain is None:
            self.skip(reason or NOT_A_DOMAIN, line)
            return None
        digest = hashlib.blake2b(domain.encode(), digest_size=8).digest()
        if digest in self._seen:
            self.skip(DUPLICATE, line)
            return None
        self._seen.add(digest)
        self.read += 1
        return rank, domain

    def skipped_json(self) -> dict[str, dict[str, object]]:
        """{reason: {"count": n, "example": line}} for report.json and the log."""
        return {reason: {"count": n, "example": self.examples[reason]} for reason, n in sorted(self.skipped.items())}


def _header_columns(text: str) -> tuple[int, int | None] | None:
    """(domain column, rank column) when ``text`` is a CSV header naming a ``domain`` column, else None."""
    cells = [cell.strip().lower() for cell in next(csv.reader([text]))]
    if "domain" not in cells:
        return None
    return cells.index("domain"), cells.index("rank") if "rank" in cells else None


def _rank(text: str) -> int | None:
    try:
        rank = int(text.strip())
    except ValueError:
        return None
    return rank if rank >= 1 else None
