"""One crawl run as the history and the diff see it, read from either source.

The rows of a run (pages, site files, terms pages) and ``snapshot_from_reports``, which reads them
straight from a crawl's files: the report is written before the run is recorded in history.sqlite
(noai_check.history.store) and still wants to compare with the runs before it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from noai_check.errors import NoaiCheckError
from noai_check.files import iter_records, read_run_meta
from noai_check.judge.page_records import Verdicts, iter_judged
from noai_check.signals.site_files import SITE_FILES, site_folder_name
from noai_check.signals.terms import Clause, extract_clauses


def compact_json(value: Any) -> str:
    """JSON as the history stores it: sorted keys, no spaces, so equal values are equal strings."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


@dataclass
class PageRow:
    """What a page said in one run, compactly (the full record stays in pages.jsonl)."""

    url: str
    page_type: str | None
    status: int | None
    verifiable: bool
    reason: str | None
    sha256: str | None
    noai: bool | None
    noimageai: bool | None
    agent_directives: dict[str, list[str]]
    tdm: int | None
    content_usage: dict[str, str]
    # Compact JSON {token: [robots_allowed, training]}, kept as text (identical maps share one string)
    # because 165 agents x 20k pages as dicts would not fit in memory; None when not loaded.
    agents_json: str | None = None

    def agents(self) -> dict[str, list[Any]]:
        return json.loads(self.agents_json) if self.agents_json else {}


@dataclass
class SiteFileRow:
    origin: str
    name: str  # robots.txt, tdmrep.json, ai.txt, llms.txt
    url: str | None
    status: int | None
    sha256: str | None
    error: str | None
    content: bytes | None  # None when not served or not stored


@dataclass
class TermsRow:
    url: str
    status: int | None
    verifiable: bool
    reason: str | None
    sha256: str | None
    fetched_at: str | None
    clauses: list[Clause] | None  # None when the page could not be read: its clauses are unknown


@dataclass
class RunSnapshot:
    """One crawl as the diff needs it: facts, claims, pages, site files and terms."""

    platform: str
    run_id: int | None
    base_url: str | None
    started_at: str | None
    finished_at: str
    complete: bool
    finish_reason: str | None
    settings: dict[str, Any] = field(default_factory=dict)
    tool_version: str | None = None
    registry_version: str | None = None
    claims: list[dict[str, Any]] = field(default_factory=list)
    page_types: dict[str, Any] = field(default_factory=dict)
    pages: dict[str, PageRow] = field(default_factory=dict)
    # Set instead of ``pages`` when recording: the rows stream from pages.jsonl into the database,
    # so recording a 20,000-page run does not hold 20,000 rows in memory.
    page_rows: Callable[[], Iterator[PageRow]] | None = None
    site_files: dict[tuple[str, str], SiteFileRow] = field(default_factory=dict)
    terms: dict[str, TermsRow] = field(default_factory=dict)

    def ref(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "started_at": self.started_at, "finished_at": self.finished_at}


@dataclass(frozen=True)
class RunInfo:
    run_id: int
    platform: str
    started_at: str | None
    finished_at: str
    complete: bool
    finish_reason: str | None
    as_of: str | None = None  # an archive audit's day (YYYY-MM-DD); None for a live run

    @property
    def shown_on(self) -> str:
        """The day the run shows the site: an archive audit's ``as_of``, else the day it finished."""
        return self.as_of or self.finished_at[:10]

    def ref(self) -> dict[str, Any]:
        ref = {"run_id": self.run_id, "started_at": self.started_at, "finished_at": self.finished_at}
        return {**ref, "as_of": self.as_of} if self.as_of else ref

    def label(self) -> str:
        state = "" if self.complete else f", incomplete: {self.finish_reason}"
        seen = f", archive as of {self.as_of}" if self.as_of else ""
        return f"run {self.run_id} (finished {self.finished_at}{seen}{state})"


def _compact_claims(claims: list[dict[str, Any]]) -> list[dict[str, Any]]:
    keys = ("id", "text", "status", "pages_checked", "pages_satisfying", "page_types")
    return [{k: claim.get(k) for k in keys} for claim in claims]


def _page_row(record: dict[str, Any], agents_json: str | None) -> PageRow:
    page = record.get("page") or {}
    return PageRow(
        url=record["url"], page_type=record.get("page_type"), status=record.get("status"),
        verifiable=bool(record.get("verifiable")), reason=record.get("unverifiable_reason"),
        sha256=record.get("sha256"), noai=page.get("noai"), noimageai=page.get("noimageai"),
        agent_directives=page.get("agent_directives") or {}, tdm=page.get("tdm_reservation"),
        content_usage=page.get("content_usage") or {},
        agents_json=agents_json,
    )


_COMPACT_KEPT = 4096


def _compact_agents(verdicts: Verdicts, known: dict[int, tuple[Verdicts, str]]) -> str | None:
    """{token: [robots_allowed, training]} as stored JSON, built once per distinct agents map."""
    if not verdicts.rows:
        return None
    found = known.get(id(verdicts))
    if found is None or found[0] is not verdicts:  # the Verdicts is held, so its id is not reused
        if len(known) >= _COMPACT_KEPT:
            known.clear()
        found = known[id(verdicts)] = (verdicts, compact_json({token: [allowed, training] for token, allowed, _, training in verdicts.rows}))
    return found[1]


def _served_content(folder: Path, name: str, sha256: str | None) -> bytes | None:
    """The file as served this run: the pipeline never deletes an older copy, so the hash must match."""
    if not sha256:
        return None
    try:
        body = (folder / name).read_bytes()
    except OSError:
        return None
    return body if hashlib.sha256(body).hexdigest() == sha256 else None


def terms_row(record: dict[str, Any]) -> TermsRow:
    html = record.get("html")
    readable = bool(record.get("verifiable")) and isinstance(html, str)
    return TermsRow(
        url=record["url"], status=record.get("status"), verifiable=readable,
        reason=record.get("unverifiable_reason") or (None if readable else "no page body"),
        sha256=record.get("sha256"), fetched_at=record.get("fetched_at"),
        clauses=extract_clauses(html) if readable and html is not None else None,
    )


def snapshot_from_reports(
    out: Path, report: dict[str, Any] | None = None, *, with_agents: bool = False, stream_pages: bool = False
) -> RunSnapshot:
    """The run whose files are in ``out`` (reports/<platform>); ``report`` is its report.json content if known."""
    meta = read_run_meta(out)
    try:
        if report is None and (out / "report.json").exists():
            on_disk = json.loads((out / "report.json").read_text(encoding="utf-8"))
            same_run = (on_disk.get("started_at"), on_disk.get("finished_at")) == (meta.get("started_at"), meta.get("finished_at"))
            report = on_disk if same_run else None
        sites = json.loads((out / "sites.json").read_text(encoding="utf-8")) if (out / "sites.json").exists() else {}
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as error:
        raise NoaiCheckError(f"cannot read the stored crawl in {out}: {error}") from None
    report = report or {}
    compact: dict[int, tuple[Verdicts, str]] = {}
    snapshot = RunSnapshot(
        # An archive audit's folder is <platform>@<as_of>: its runs are the platform's runs, told apart by as_of.
        platform=out.name.partition("@")[0] if meta.get("source") == "archive" else out.name, run_id=None, base_url=meta.get("base_url"), started_at=meta.get("started_at"),
        finished_at=meta.get("finished_at") or report.get("finished_at") or "",
        complete=bool(meta.get("complete")), finish_reason=meta.get("finish_reason"),
        settings=meta.get("settings") or {}, tool_version=meta.get("tool_version"),
        registry_version=meta.get("registry_version"), claims=_compact_claims(report.get("claims") or []),
        page_types=report.get("page_types") or {},
    )
    def page_rows() -> Iterator[PageRow]:
        for name in ("pages.jsonl", "media.jsonl"):
            for record, verdicts in iter_judged(out / name):
                if "url" in record:
                    yield _page_row(record, _compact_agents(verdicts, compact) if with_agents else None)

    if stream_pages:
        snapshot.page_rows = page_rows
    else:
        for row in page_rows():
            snapshot.pages[row.url] = row  # a resumed crawl's later record wins
    for origin, site in sites.items():
        folder = out / "site" / site_folder_name(origin)
        for key, path in SITE_FILES.items():
            record = site.get(key)
            if not isinstance(record, dict):
                continue
            name = Path(path).name
            snapshot.site_files[(origin, name)] = SiteFileRow(
                origin=origin, name=name, url=record.get("url"), status=record.get("status"),
                sha256=record.get("sha256"), error=record.get("error"),
                content=_served_content(folder, name, record.get("sha256")),
            )
    for record in iter_records(out / "terms.jsonl"):
        if isinstance(record, dict) and "url" in record:
            snapshot.terms[record["url"]] = terms_row(record)
    return snapshot
