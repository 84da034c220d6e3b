"""`noai-check report`: rebuild a platform's report from what its last crawl stored."""

from __future__ import annotations

import json
from pathlib import Path

from .errors import NoaiCheckError
from .platforms import PLATFORMS
from .registry import load_registry
from .report import write_report


def rebuild_report(reports_dir: Path, platform_name: str) -> Path:
    """Re-read run.json, sites.json and pages.jsonl; write report.json and report.html again."""
    out = reports_dir / platform_name
    run_file = out / "run.json"
    if not run_file.exists():
        raise NoaiCheckError(f"no stored crawl for {platform_name!r}: {run_file} is missing")
    platform = PLATFORMS.get(platform_name)
    if platform is None:
        raise NoaiCheckError(f"unknown platform {platform_name!r}; known: {', '.join(sorted(PLATFORMS))}")
    try:
        meta = json.loads(run_file.read_text(encoding="utf-8"))
        sites_file = out / "sites.json"
        sites = json.loads(sites_file.read_text(encoding="utf-8")) if sites_file.exists() else {}
    except (OSError, json.JSONDecodeError) as error:
        raise NoaiCheckError(f"cannot read the stored crawl in {out}: {error}") from None
    return write_report(out, meta, sites, platform, load_registry())
