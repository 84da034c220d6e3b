"""`noai-check report`: rebuild a platform's report from what its last crawl stored."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from noai_check.errors import NoaiCheckError
from noai_check.files import read_run_meta
from noai_check.judge.registry import load_registry
from noai_check.platforms import PLATFORMS, SITE
from noai_check.platforms.base import Platform
from noai_check.report.build import write_report

# What report.json and report.html are made from; a crawl always writes them.
REPORT_NEEDS = ("platform", "base_url", "started_at", "complete")


def _platform(folder: str, meta: dict[str, object]) -> Platform:
    """The folder's platform; a `scrapy crawl site` folder is named after its host, so run.json says which."""
    platform = PLATFORMS.get(folder) or PLATFORMS.get(str(meta.get("platform")))
    if platform is not None:
        return platform
    if meta.get("platform") == SITE.name and isinstance(meta.get("base_url"), str):
        return replace(SITE, base_url=str(meta["base_url"]))
    raise NoaiCheckError(f"unknown platform {folder!r}; known: {', '.join(sorted(PLATFORMS))}, or a site crawl's folder")


def rebuild_report(reports_dir: Path, platform_name: str) -> Path:
    """Re-read run.json, sites.json and pages.jsonl; write report.json and report.html again."""
    out = reports_dir / platform_name
    meta = read_run_meta(out, required=REPORT_NEEDS)
    try:
        sites_file = out / "sites.json"
        sites = json.loads(sites_file.read_text(encoding="utf-8")) if sites_file.exists() else {}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise NoaiCheckError(f"cannot read the stored crawl in {out}: sites.json: {error}") from None
    if not isinstance(sites, dict):
        raise NoaiCheckError(f"cannot read the stored crawl in {out}: sites.json is not a JSON object")
    # The same agents as the crawl: the shipped registry plus the file it was given, if any.
    registry = load_registry((meta.get("settings") or {}).get("agents_file"))
    platform = _platform(platform_name, meta)
    try:
        return write_report(out, meta, sites, platform, registry)
    except OSError as error:  # a read-only or full disk: the previous files are left whole (noai_check.files)
        where = f": {error.filename}" if error.filename else f" in {out}"
        raise NoaiCheckError(f"report not rebuilt: {error.strerror or error}{where}") from None
