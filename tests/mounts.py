"""A real full disk and a real read-only folder for one command, without touching the machine's mounts.

The command runs in its own mount namespace (``unshare -m`` as root, ``unshare -Urm`` otherwise:
a user namespace in which the test user may mount). There, a tmpfs (filled up) or a read-only
bind mount covers the folder; the rest of the file system, and the network, are the test's own.
Where namespaces are not allowed (some containers), ``mounts_or_skip`` skips the test.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

# Inside the namespace: cover $1 with a tmpfs holding a copy of it, fill the tmpfs, run the
# command, then copy what it left (without the filler) to $2 so the test can read it.
_FULL = """
set -e
dir=$1 out=$2; shift 2
mkdir -p "$out.src" && cp -a "$dir/." "$out.src/"
mount -t tmpfs -o size=4m tmpfs "$dir"
cp -a "$out.src/." "$dir/" && rm -rf "$out.src"
cat /dev/zero > "$dir/.filler" 2>/dev/null || true
set +e
"$@"; rc=$?
rm -f "$dir/.filler"
mkdir -p "$out" && cp -a "$dir/." "$out/"
exit $rc
"""
# Inside the namespace: bind $1 onto itself read-only, then run the command.
_READ_ONLY = """
set -e
dir=$1; shift 1
mount --bind "$dir" "$dir"
mount -o remount,bind,ro "$dir"
exec "$@"
"""


@functools.cache
def _unshare() -> tuple[str, ...] | None:
    """The unshare prefix that lets this user mount a tmpfs, or None."""
    if shutil.which("unshare") is None:
        return None
    prefixes = [("unshare", "-m"), ("unshare", "-Urm")] if os.geteuid() == 0 else [("unshare", "-Urm")]
    with tempfile.TemporaryDirectory() as probe:
        for prefix in prefixes:
            result = subprocess.run([*prefix, "sh", "-c", f"mount -t tmpfs -o size=64k tmpfs {probe}"],
                                    capture_output=True, check=False, timeout=30)
            if result.returncode == 0:
                return prefix
    return None


def mounts_or_skip() -> tuple[str, ...]:
    prefix = _unshare()
    if prefix is None:
        pytest.skip("cannot mount in a private namespace here (unshare/mount not permitted)")
    return prefix


def run_on_full_disk(folder: Path, result_copy: Path, argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` while ``folder`` is a full tmpfs holding a copy of it; what it left is copied to ``result_copy``."""
    prefix = mounts_or_skip()
    return subprocess.run([*prefix, "sh", "-c", _FULL, "sh", str(folder), str(result_copy), *argv],
                          capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]


def run_read_only(folder: Path, argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` while ``folder`` (and everything under it) is mounted read-only."""
    prefix = mounts_or_skip()
    return subprocess.run([*prefix, "sh", "-c", _READ_ONLY, "sh", str(folder), *argv],
                          capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]
