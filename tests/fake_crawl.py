"""A crawl's files written by hand (run.json, pages.jsonl, sites.json, site/, terms.jsonl, report.json).

History, diff and verify read only these files, so unit tests can build any run in milliseconds
instead of crawling the replica.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from noai_check.history.store import record_crawl

BASE = "https://sc.example"
ROBOTS_V1 = b"User-agent: *\nDisallow:\n\nUser-agent: GPTBot\nDisallow: /\n"
ROBOTS_V2 = b"User-agent: *\nDisallow:\n\nUser-agent: ClaudeBot\nDisallow: /\n"
TERMS_V1 = "<html><body><main><p>You keep your rights.</p><p>We may change these terms.</p></main></body></html>"
TERMS_V2 = ("<html><body><main><p>You keep your rights.</p><p>We may change these terms.</p>"
            "<p>Your content may be used to train artificial intelligence models.</p></main></body></html>")


def page(path: str, page_type: str = "track", *, noai: bool = False, noimageai: bool = False, verifiable: bool = True,
         reason: str | None = None, agent_directives: dict[str, list[str]] | None = None, tdm: int | None = 1,
         content_usage: dict[str, str] | None = None, base: str = BASE) -> dict[str, Any]:
    """One pages.jsonl record with the keys history reads."""
    return {
        "url": base + path, "final_url": base + path, "page_type": page_type, "status": 200 if verifiable else 403,
        "verifiable": verifiable, "unverifiable_reason": None if verifiable else (reason or "bot wall: DataDome (status 403)"),
        "sha256": hashlib.sha256(path.encode()).hexdigest(),
        "page": {"noai": noai, "noimageai": noimageai, "agent_directives": agent_directives or {}, "directives": [],
                 "tdm_reservation": tdm, "content_usage": content_usage or {}} if verifiable else None,
        "agents": {"GPTBot": {"robots_allowed": True, "training": "none", "robots_line": None, "images": "none", "reasons": []}},
        "findings": [],
    }


def claim(claim_id: str, status: str, satisfying: int = 1, checked: int = 2) -> dict[str, Any]:
    return {"id": claim_id, "text": f"claim {claim_id}", "status": status, "pages_checked": checked,
            "pages_satisfying": satisfying, "page_types": ["track"], "evidence": []}


def write_crawl(reports: Path, *, finished_at: str, started_at: str | None = None, platform: str = "soundcloud",
                complete: bool = True, finish_reason: str | None = None, pages: list[dict[str, Any]] | None = None,
                robots: bytes | None = ROBOTS_V1, robots_status: int = 200, terms_html: str | None = TERMS_V1,
                terms_status: int = 200, claims: list[dict[str, Any]] | None = None, write_report: bool = True) -> Path:
    """Write (or overwrite, as a new crawl does) reports/<platform>/ and return that folder."""
    out = reports / platform
    out.mkdir(parents=True, exist_ok=True)
    reason = finish_reason or ("finished" if complete else "closespider_pagecount")
    meta = {"platform": platform, "base_url": BASE, "started_at": started_at or finished_at, "finished_at": finished_at,
            "finish_reason": reason, "complete": complete, "tool_version": "0.1.0", "registry_version": "test",
            "settings": {"max_pages": 200, "seed": "7"}}
    (out / "run.json").write_text(json.dumps(meta), encoding="utf-8")
    records = pages if pages is not None else [page("/a/one"), page("/a", "profile")]
    (out / "pages.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    (out / "media.jsonl").write_text("", encoding="utf-8")
    site_dir = out / "site" / "sc.example"
    site_dir.mkdir(parents=True, exist_ok=True)
    robots_record = {"url": BASE + "/robots.txt", "status": robots_status, "error": None,
                     "sha256": hashlib.sha256(robots).hexdigest() if robots is not None else None}
    if robots:
        (site_dir / "robots.txt").write_bytes(robots)
    sites = {BASE: {"robots_txt": robots_record, "origin": BASE, "findings": []}}
    (out / "sites.json").write_text(json.dumps(sites), encoding="utf-8")
    ok = terms_status == 200 and terms_html is not None
    terms = {"url": BASE + "/terms-of-use", "final_url": BASE + "/terms-of-use", "status": terms_status, "verifiable": ok,
             "unverifiable_reason": None if ok else f"status {terms_status}: server error",
             "sha256": hashlib.sha256((terms_html or "").encode()).hexdigest(), "fetched_at": finished_at,
             "html": terms_html if ok else None}
    (out / "terms.jsonl").write_text(json.dumps(terms) + "\n", encoding="utf-8")
    report = {**meta, "claims": claims if claims is not None else [claim("no-ai-tag", "partial")], "page_types": {}}
    if write_report:
        (out / "report.json").write_text(json.dumps(report), encoding="utf-8")
    else:
        (out / "report.json").unlink(missing_ok=True)
    return out


def crawl(reports: Path, n: int, **kwargs: Any) -> int:
    """Write crawl number ``n`` (finished 2026-01-0n) with ``write_crawl`` and record it in the history; its run id."""
    run_id = record_crawl(write_crawl(reports, finished_at=f"2026-01-0{n}T00:00:00Z", **kwargs))
    assert run_id is not None
    return run_id
