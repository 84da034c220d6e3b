"""A host's site files (robots.txt, tdmrep.json, ai.txt, llms.txt), fetched once and read to spec."""

from __future__ import annotations

import hashlib
from collections.abc import Hashable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from noai_check.signals.aitxt import AiTxt, parse_ai_txt
from noai_check.signals.findings import Finding
from noai_check.signals.llmstxt import LlmsTxt, parse_llms_txt
from noai_check.signals.response import Fetched
from noai_check.signals.robots import RobotsTxt, parse_robots
from noai_check.signals.tdmrep import TdmRepFile, parse_tdmrep_json

# JSON key -> path on every host; the keys are part of the stable `check --json` contract.
SITE_FILES: dict[str, str] = {
    "robots_txt": "/robots.txt",
    "tdmrep_json": "/.well-known/tdmrep.json",
    "ai_txt": "/ai.txt",
    "llms_txt": "/llms.txt",
}


def site_folder_name(origin: str) -> str:
    """The folder under ``site/`` where a crawl keeps an origin's files as served."""
    return origin.split("://", 1)[-1].replace(":", "_").replace("/", "_")


@lru_cache(maxsize=256)  # a crawl asks it several times per page, for the same few URLs in a row
def origin_of(url: str) -> str:
    """scheme://host[:port], the unit every site file belongs to (RFC 9309 2.3)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def in_origin(url: str, origin: str) -> bool:
    """True when ``url`` is a path under ``origin`` (as origin_of gives it), spelled the same way: then
    ``origin_of(url) == origin`` without parsing the URL, which is new to origin_of's cache whenever
    the crawl plans a page. False says nothing: ask origin_of."""
    return url.startswith(origin) and url[len(origin):len(origin) + 1] == "/"


def body_sha256(response: Fetched) -> str | None:
    """Hash of what was served, so a verdict can be tied to the exact bytes; None with no body."""
    if response.status is None and not response.body:
        return None
    return hashlib.sha256(response.body).hexdigest()


@dataclass(frozen=True)
class SiteFileRecord:
    """Where a site file was asked for and what came back (the evidence, not the reading)."""

    url: str
    status: int | None
    sha256: str | None
    error: str | None
    redirects: int

    def to_json(self) -> dict[str, object]:
        return {"url": self.url, "status": self.status, "sha256": self.sha256, "error": self.error}


@dataclass
class Site:
    """One origin's site files, each parsed by its own reader."""

    origin: str
    records: dict[str, SiteFileRecord]
    robots: RobotsTxt
    tdmrep: TdmRepFile
    ai_txt: AiTxt
    llms_txt: LlmsTxt
    memo: dict[Hashable, Any] = field(default_factory=dict)  # per-agent readings of these files (verdict.py)

    @property
    def findings(self) -> list[Finding]:
        return [*self.robots.findings, *self.tdmrep.findings, *self.ai_txt.findings, *self.llms_txt.findings]

    def to_json(self) -> dict[str, object]:
        return {key: record.to_json() for key, record in self.records.items()}


def read_robots(fetched: Fetched) -> RobotsTxt:
    """A fetched robots.txt read to RFC 9309, its status and redirects included."""
    return parse_robots(
        fetched.body, fetched.status, redirects=fetched.redirects, error=fetched.error, content_type=fetched.content_type
    )


def build_site(origin: str, fetched: dict[str, Fetched], robots: RobotsTxt | None = None) -> Site:
    """Read the four site files of ``origin``; ``fetched`` maps SITE_FILES keys to responses."""
    records = {
        key: SiteFileRecord(
            url=fetched[key].url,
            status=fetched[key].status,
            sha256=body_sha256(fetched[key]),
            error=fetched[key].error,
            redirects=fetched[key].redirects,
        )
        for key in SITE_FILES
    }
    tdm = fetched["tdmrep_json"]
    return Site(
        origin=origin,
        records=records,
        robots=robots or read_robots(fetched["robots_txt"]),
        tdmrep=parse_tdmrep_json(tdm.body, tdm.status, tdm.content_type),
        ai_txt=parse_ai_txt(fetched["ai_txt"].body, fetched["ai_txt"].status),
        llms_txt=parse_llms_txt(fetched["llms_txt"].body, fetched["llms_txt"].status, fetched["llms_txt"].content_type),
    )
