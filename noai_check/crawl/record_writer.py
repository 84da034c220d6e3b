"""The crawl's record files, written line by line in an order that survives a kill.

Each page or media record goes to ``pages.jsonl`` / ``media.jsonl`` after its evidence (one gzip
member in ``evidence/responses.jsonl.gz``) and after its verdict map's line in ``verdicts.jsonl``
when the map is new, each flushed: an interrupted crawl keeps every record written so far and never
a record whose map is missing. Used by the RecordsPipeline in the crawl's process, or by the judging
process (judging_worker.py); no Scrapy here, so that process starts quickly.
"""

from __future__ import annotations

import fcntl
import gzip
import json
import time
from pathlib import Path
from typing import IO, Any

from noai_check.crawl.records import compact_lines
from noai_check.judge.verdict_refs import VERDICTS_FILE

EVIDENCE_FILE = Path("evidence") / "responses.jsonl.gz"
LOCK_FILE = ".writing.lock"
LOCK_WAIT = 60.0  # seconds to wait for an earlier crawl's judging process to finish writing


def hold_folder(folder: Path, wait: float = LOCK_WAIT) -> IO[bytes]:
    """Hold the folder's writing lock (released when every process holding its file has closed it).

    A crawl killed with SIGKILL leaves its judging process writing the pages already sent to it for
    a moment; a crawl resumed at once waits here rather than cut or append to files still being written.
    OSError when another crawl is still writing there after ``wait`` seconds.
    """
    lock = (folder / LOCK_FILE).open("ab")
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return lock
        except BlockingIOError:
            if time.monotonic() >= deadline:
                lock.close()
                raise OSError(f"another crawl is still writing in {folder}") from None
            time.sleep(0.05)


class RecordWriter:
    """Appends judged records to a report folder's files (``mode`` "w" starts them afresh)."""

    def __init__(self, folder: Path, mode: str, written_maps: set[str]) -> None:
        self.written_maps = written_maps  # refs already in verdicts.jsonl (a resume found them)
        (folder / EVIDENCE_FILE).parent.mkdir(parents=True, exist_ok=True)
        self.pages = (folder / "pages.jsonl").open(mode, encoding="utf-8")
        self.media = (folder / "media.jsonl").open(mode, encoding="utf-8")
        self.verdicts = (folder / VERDICTS_FILE).open(mode, encoding="utf-8")
        # One gzip member per response: a kill leaves whole members (RFC 1952 allows concatenation).
        self.evidence = (folder / EVIDENCE_FILE).open(mode + "b")

    def write(self, kind: str, record: dict[str, Any], evidence: dict[str, Any] | None) -> None:
        """One page ("page") or media ("media") record with its evidence, each line flushed."""
        if evidence is not None:
            self.evidence.write(gzip.compress((json.dumps(evidence, ensure_ascii=False) + "\n").encode(), 5, mtime=0))
            self.evidence.flush()
        ref, new_map, line = compact_lines(record, self.written_maps)
        if new_map is not None:  # flushed before the record that refers to it
            self.verdicts.write(new_map + "\n")
            self.verdicts.flush()
            self.written_maps.add(ref)
        stream = self.pages if kind == "page" else self.media
        stream.write(line + "\n")
        stream.flush()

    def close(self) -> None:
        for stream in (self.pages, self.media, self.verdicts, self.evidence):
            stream.close()
        self.written_maps = set()
