"""The crawl's side of the judging process (judging_worker.py): start it, feed it, wait for it.

Pages go down a pipe in batches of BATCH, and at least every FLUSH_SECONDS (the pipeline's timer):
a blocking write, so when the judging process falls behind, the crawl waits for it rather than
piling pages up in memory. A page written to the pipe survives the crawl's process being killed:
the judging process still reads and writes it; a page still in a batch is fetched again by a
JOBDIR resume, as a page still downloading is.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import IO, Any

from noai_check.crawl.judging_worker import fetched_fields, frame
from noai_check.judge.registry import Registry
from noai_check.signals.response import Fetched

_PIPE_BYTES = 1 << 20  # room for a few dozen pages in flight (Linux's default pipe holds 64 KiB)
_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)
FLUSH_SECONDS = 0.1
BATCH = 16  # pages handed over at once: waking the judging process costs tens of us on a virtual machine
CLOSE_TIMEOUT = 120.0  # seconds the crawl waits at its end for the last pages to be written


class JudgingProcessFailed(RuntimeError):
    """The judging process is gone or failed: pages sent to it may have no record."""


def wanted(setting: bool | None) -> bool:
    """On when asked, off when refused; by default on when this process may use two cores or more."""
    if setting is not None:
        return setting
    return len(os.sched_getaffinity(0)) >= 2 if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1) >= 2


class JudgingProcess:
    """One judging process per crawl, writing into ``folder`` (whose files the caller opened first)."""

    def __init__(self, folder: Path, written_maps: set[str], registry: Registry, lock: IO[bytes]) -> None:
        # ``lock``: the folder's writing lock (record_writer.hold_folder), held by the judging process
        # too, so that it stays held while that process writes, even after this one is killed.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "noai_check.crawl.judging_worker"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, pass_fds=(lock.fileno(),),
        )
        assert self.process.stdin is not None
        self._fd = self.process.stdin.fileno()
        try:
            fcntl.fcntl(self._fd, _SETPIPE_SZ, _PIPE_BYTES)
        except OSError:  # a smaller pipe only means the crawl waits for the judge sooner
            pass
        self._restore_affinity = _own_cores(self.process.pid)
        self._site_files: dict[str, dict[str, Fetched]] = {}
        self._batch: list[bytes] = []
        self._send("setup", {"folder": str(folder), "written_maps": written_maps, "registry": registry})
        self.flush()  # it reads the registry while the crawl fetches robots.txt

    def judge(
        self, fetched: Fetched, page_type: str, reason: str | None, origin: str, site_files: dict[str, Fetched] | None,
        fetched_at: str, extra: dict[str, Any],
    ) -> None:
        """Have a page judged and written against its origin's site files as fetched (None: it cannot
        be, and ``reason`` says why). The judging process reads those files itself, once per origin."""
        if site_files is not None and self._site_files.get(origin) is not site_files:
            self._send("site", (origin, site_files))
            self._site_files[origin] = site_files
        self._send("judge", {
            "fetched": fetched_fields(fetched), "page_type": page_type, "reason": reason, "origin": origin if site_files else None,
            "fetched_at": fetched_at, "extra": extra,
        })

    def write(self, kind: str, record: dict[str, Any], evidence: dict[str, Any] | None) -> None:
        """A record judged here (a rendered page's): written in its turn among the others."""
        self._send("write", (kind, record, evidence))

    def _send(self, tag: str, payload: Any) -> None:
        self._batch.append(frame(tag, payload))
        if len(self._batch) >= BATCH:
            self.flush()

    def flush(self) -> None:
        """Hand the pages batched so far to the judging process (the crawl also calls this on a timer)."""
        if not self._batch:
            return
        data = memoryview(b"".join(self._batch))
        self._batch = []
        try:
            while data:
                data = data[os.write(self._fd, data):]
        except BrokenPipeError:
            raise JudgingProcessFailed(f"the judging process stopped (exit code {self.process.poll()})") from None

    def close(self) -> dict[str, int]:
        """Wait for every page sent to be written; what the judging process says it did."""
        try:
            self.flush()
        except JudgingProcessFailed:  # it is gone: its exit code, read below, says so
            pass
        try:  # closes its input: the judging process ends once it has written everything
            out, _ = self.process.communicate(timeout=CLOSE_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise JudgingProcessFailed(f"the judging process did not finish within {CLOSE_TIMEOUT:.0f} s") from None
        finally:
            _give_back(self._restore_affinity)
        if self.process.returncode != 0:
            raise JudgingProcessFailed(f"the judging process stopped (exit code {self.process.returncode})")
        summary: dict[str, int] = json.loads(out.decode().splitlines()[-1])
        return summary


def _own_cores(pid: int) -> set[int] | None:
    """Give the judging process a core of its own and keep this thread off it; the cores to give back.

    Without this, a scheduler that packs tasks onto few cores (as on the virtual machines this was
    measured on) runs the judging process on the crawl's core whenever a page wakes it, and the
    crawl waits while it judges: 260 us a page handed over, against 8 us with a core each.
    """
    if not hasattr(os, "sched_setaffinity"):
        return None
    allowed = os.sched_getaffinity(0)
    if len(allowed) < 2:
        return None
    judge_core = max(allowed)
    try:
        os.sched_setaffinity(pid, {judge_core})
        os.sched_setaffinity(0, allowed - {judge_core})
    except OSError:  # not allowed here: the two processes share the cores as the scheduler likes
        return None
    return allowed


def _give_back(cores: set[int] | None) -> None:
    if cores is not None:
        try:
            os.sched_setaffinity(0, cores)
        except OSError:
            pass
