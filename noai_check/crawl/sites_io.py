"""Where `scrapy crawl sites` takes its domains from and where each finished domain's record goes.

Two seams, chosen by setting so a distributed mode can swap both without touching the spider:

- ``NOAI_DOMAIN_SOURCE`` (default ``FileDomainSource``): an object with ``domains()``, an async
  iterator of (rank, domain); ``finished(domain)``, called once the domain's record is stored (a
  shared queue can drop its lease then); ``skipped()``, the lines left out by reason; ``close(reason)``.
- ``NOAI_RESULT_SINK`` (default ``JsonlResultSink``): ``write(record)``, called once per domain, and
  ``close(reason)``; the file sink writes ``domains.jsonl`` (one flushed line per domain) and, at
  close, the report.

Both are built with ``from_spider(spider)``; the spider gives them ``list_name``, ``domains_file``,
``limit``, ``out_dir``, ``registry``, ``config`` and ``crawler``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

from noai_check.crawl.jobdir import cut_partial_line
from noai_check.judge.domain_list import DomainList
from noai_check.timestamps import now as now_iso

if TYPE_CHECKING:
    from noai_check.crawl.sites import DomainListSpider

DOMAINS_FILE = "domains.jsonl"


class DomainSource(Protocol):
    """Where the domains to audit come from."""

    def domains(self) -> AsyncIterator[tuple[int | None, str]]: ...
    def finished(self, domain: str) -> None: ...
    def skipped(self) -> dict[str, dict[str, object]]: ...
    def close(self, reason: str) -> None: ...


class ResultSink(Protocol):
    """Where each finished domain's record goes."""

    def write(self, record: dict[str, Any]) -> None: ...
    def close(self, reason: str) -> None: ...


def open_domain_list(path: str | Path) -> IO[str]:
    """The list file as text (UTF-8, a BOM dropped, undecodable bytes replaced); OSError if unreadable."""
    return open(path, encoding="utf-8-sig", errors="replace", newline="")


def domain_list_problem(path: str | None) -> str | None:
    """Why the domains file cannot be read, in one line, or None (asked before the crawl starts)."""
    if not path:
        return "the sites spider needs -a domains=FILE (one domain per line, or a CSV with a domain column)"
    try:
        with open_domain_list(path) as stream:
            stream.read(1)
    except IsADirectoryError:
        return f"cannot read domains file {path}: it is a directory"
    except OSError as error:
        return f"cannot read domains file {path}: {error.strerror or error}"
    return None


class FileDomainSource:
    """The domains of a list file, read one line at a time; ``skip_done`` skips domains already recorded."""

    def __init__(self, path: str | Path, limit: int | None = None, skip_done: frozenset[str] = frozenset()) -> None:
        self._stream = open_domain_list(path)
        self.list = DomainList(self._stream)
        self._limit = limit
        self._skip_done = skip_done

    @classmethod
    def from_spider(cls, spider: DomainListSpider) -> FileDomainSource:
        return cls(spider.domains_file, spider.limit, spider.already_done)

    async def domains(self) -> AsyncIterator[tuple[int | None, str]]:
        taken = 0
        for rank, domain in self.list:
            if self._limit is not None and taken >= self._limit:
                break
            taken += 1
            if domain in self._skip_done:
                continue
            yield rank, domain

    def finished(self, domain: str) -> None:
        """Nothing to release: a file is read once."""

    def skipped(self) -> dict[str, dict[str, object]]:
        return self.list.skipped_json()

    def close(self, reason: str) -> None:
        self._stream.close()


class JsonlResultSink:
    """Appends each record to ``out_dir/domains.jsonl`` (flushed); at close, writes the report."""

    def __init__(self, spider: DomainListSpider) -> None:
        self.spider = spider
        self.path = spider.out_dir / DOMAINS_FILE
        spider.out_dir.mkdir(parents=True, exist_ok=True)
        # A fresh run starts a fresh list; a JOBDIR resume appends to what the killed run recorded,
        # after cutting the line it was writing when killed (else the next record would be glued to it).
        if spider.resuming:
            cut_partial_line(self.path)
        self._stream = self.path.open("a" if spider.resuming else "w", encoding="utf-8")
        self.written = 0

    @classmethod
    def from_spider(cls, spider: DomainListSpider) -> JsonlResultSink:
        return cls(spider)

    def write(self, record: dict[str, Any]) -> None:
        self._stream.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
        self._stream.flush()
        self.written += 1

    def close(self, reason: str) -> None:
        self._stream.close()
        from noai_check.crawl.sites_report import write_sites_outputs

        write_sites_outputs(self.spider, reason, finished_at=now_iso())
