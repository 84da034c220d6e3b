"""The package's folders are its layers: import-linter checks .importlinter (cli > crawl > report > history > judge > signals)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_every_import_follows_the_layers():
    env = {**os.environ, "PYTHONPATH": str(REPO)}  # this checkout's noai_check, not an installed one
    result = subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()", "--no-cache"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
