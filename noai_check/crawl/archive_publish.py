"""An archive audit's report is written in a hidden folder beside its place and moved there at the end.

``reports/.soundcloud@2025-05-15.partial`` becomes ``reports/soundcloud@2025-05-15`` when the run is
complete, or when there is no earlier report of that day to lose. An incomplete run (the archive was
down or refused us) never replaces a report that is already there: it stays in the hidden folder and
the caller says so in one line.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

from noai_check.report.index import write_index


def staging_folder(final: Path) -> Path:
    """Where an archive audit writes until it is done (hidden: the reports index skips it)."""
    return final.with_name(f".{final.name}.partial")


def publish(staged: Path, final: Path, logger: logging.Logger | logging.LoggerAdapter[Any]) -> tuple[Path, str | None]:
    """Move ``staged`` to ``final`` unless that would replace a report with an incomplete one.

    Returns report.json's path and, when the earlier report was kept, the one line that says why.
    """
    run = json.loads((staged / "run.json").read_text(encoding="utf-8"))
    if not run.get("complete") and (final / "report.json").exists():
        line = (f"the archive run is incomplete ({run.get('finish_reason')}): the earlier report in {final} is kept; "
                f"this run's report is in {staged}")
        logger.error("noai-check %s", line)
        return staged / "report.json", line
    old = final.with_name(f".{final.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.rename(old)
    staged.rename(final)
    shutil.rmtree(old, ignore_errors=True)
    write_index(final.parent)
    return final / "report.json", None
