"""The judging process: judges fetched pages and writes their records while the crawl fetches more.

A crawl is CPU-bound: Scrapy's own work per request and noai-check's judging (page analysis, 165
verdicts, the record and its evidence) share one core. With ``NOAI_JUDGE_PROCESS`` on (the default
on a machine with two cores or more), the crawl's process sends each fetched page here through a
pipe and this process, on another core, judges it and writes it with the same RecordWriter, in the
order the pages were sent: the files are the same as a crawl judged in one process gives.

Messages on stdin: a 4-byte little-endian length, then a pickle of ``(tag, payload)``:
``setup`` (the report folder, the verdict maps already written, the agent registry), ``site``
(an origin's site files as fetched), ``judge`` (a page to judge and write, its Fetched as the tuple
of its fields: pickled in half the time of the dataclass), ``write`` (a record judged in
the crawl's process, e.g. after rendering). End of input (the crawl closing, or its process
killed) ends this process once everything received is written. On stdout, once, at the end: a JSON
line with how many records were written and how many pages failed to be judged (each failure's
traceback goes to stderr). Ctrl-C is ignored here: the crawl's process decides when to stop.
Run as ``python -m noai_check.crawl.judging_worker``; the pickles come only from that parent.
"""

from __future__ import annotations

import dataclasses
import json
import operator
import os
import pickle
import signal
import struct
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from noai_check.crawl.record_writer import RecordWriter
from noai_check.crawl.records import judged_item
from noai_check.judge.registry import Registry
from noai_check.signals.response import Fetched
from noai_check.signals.site_files import Site, build_site

_LENGTH = struct.Struct("<I")
# A page's Fetched crosses the pipe as the tuple of its fields, in the order Fetched(*fields) takes them.
fetched_fields: Callable[[Fetched], tuple[Any, ...]] = operator.attrgetter(*(f.name for f in dataclasses.fields(Fetched)))


def frame(tag: str, payload: Any) -> bytes:
    """One message as the worker reads it."""
    body = pickle.dumps((tag, payload), protocol=pickle.HIGHEST_PROTOCOL)
    return _LENGTH.pack(len(body)) + body


def read_message(stream: IO[bytes]) -> tuple[str, Any] | None:
    """The next message; None at the end of input (a message cut short by a killed sender included)."""
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None
    (size,) = _LENGTH.unpack(head)
    body = stream.read(size)
    if len(body) < size:
        return None
    tag, payload = pickle.loads(body)
    return str(tag), payload


class Worker:
    """Judges and writes what the crawl's process sends, in order."""

    def __init__(self, setup: dict[str, Any]) -> None:
        self.writer = RecordWriter(Path(setup["folder"]), "a", set(setup["written_maps"]))
        self.registry: Registry = setup["registry"]
        self.sites: dict[str, Site] = {}
        self.written = 0
        self.failed = 0

    def handle(self, tag: str, payload: Any) -> None:
        if tag == "site":  # an origin's site files as fetched, read here as the crawl read them
            origin, files = payload
            self.sites[origin] = build_site(origin, files)
        elif tag == "judge":
            self._judge(payload)
        elif tag == "write":
            kind, record, evidence = payload
            self.writer.write(kind, record, evidence)
            self.written += 1
        else:
            raise ValueError(f"unknown message {tag!r}")

    def _judge(self, job: dict[str, Any]) -> None:
        fetched = Fetched(*job["fetched"])
        site = self.sites[job["origin"]] if job["origin"] is not None else None
        try:
            item = judged_item(fetched, job["page_type"], job["reason"], site, self.registry, job["fetched_at"], job["extra"])
        except Exception:  # noqa: BLE001 - a bug: the page has no record, the crawl says so at the end
            self.failed += 1
            sys.stderr.write(f"noai-check: judging {fetched.url} failed:\n{traceback.format_exc()}")
            sys.stderr.flush()
            return
        self.writer.write(item["_kind"], item["record"], item["evidence"])
        self.written += 1


def main() -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stream = sys.stdin.buffer
    first = read_message(stream)
    if first is None or first[0] != "setup":
        return 2
    worker = Worker(first[1])
    while (message := read_message(stream)) is not None:
        worker.handle(*message)
    worker.writer.close()
    sys.stdout.write(json.dumps({"written": worker.written, "failed": worker.failed}) + "\n")
    sys.stdout.flush()
    return 0


def exit_now(code: int) -> None:
    """End without Python's teardown: every file is closed and the summary flushed by now, and the
    crawl's clock waits for this exit (about 15 ms of freeing modules and objects nobody needs)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    exit_now(main())
