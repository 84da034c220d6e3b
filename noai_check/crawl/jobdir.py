"""What a JOBDIR crawl keeps so that a kill -9 at any moment resumes without losing or repeating a page.

Scrapy's own JOBDIR state does not survive a hard kill: ``spider.state`` is pickled only when
the spider closes, and its disk request queue, cut mid-write, can stop a resume for good
(queuelib ``OSError: [Errno 22]``). noai-check therefore keeps its frontier out of Scrapy:

- ``noai-run.json`` (written atomically when the first run opens): the seed and start time. The
  sample is a function of the seed and the URLs discovered, so this is all the plan needs.
- ``pages.jsonl`` / ``media.jsonl`` in the report folder: what is done. A page is done once its
  line is written (its evidence is written first), so a resume skips it and never writes it again.
  Its verdict map is in ``verdicts.jsonl`` (written before it); a resume reads the refs there
  so a map is written once, and cuts a half-written last line like the others.
- ``noai-links.jsonl``: per done page, the content links and media it showed. A resume that skips
  a page replays them at the point the page would have been fetched, so later waves are the same.

Discovery (site files, sitemaps, seed pages) is simply done again on resume. Scrapy's scheduler
and duplicate filter are kept in memory (no ``requests.queue``, no ``requests.seen``).
"""

from __future__ import annotations

import json
import pickle
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scrapy.core.scheduler import Scheduler
from scrapy.dupefilters import RFPDupeFilter
from scrapy.utils.misc import build_from_crawler, load_object

from noai_check.files import write_atomic

RUN_FILE = "noai-run.json"
LINKS_FILE = "noai-links.jsonl"
_CHUNK = 1 << 16


def load_run(jobdir: Path) -> dict[str, Any] | None:
    """The first run's facts (seed, start time), or None when this JOBDIR is new.

    A JOBDIR paused by an earlier noai-check holds no run file but Scrapy's ``spider.state``
    pickle, whose seed is read (``"legacy": True`` then says the run file is still to be written).
    """
    try:
        run = json.loads((jobdir / RUN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return _legacy_run(jobdir)
    return run if isinstance(run, dict) and isinstance(run.get("seed"), str) else None


def save_run(jobdir: Path, run: dict[str, Any]) -> None:
    """Write the run file whole or not at all."""
    jobdir.mkdir(parents=True, exist_ok=True)
    write_atomic(jobdir / RUN_FILE, json.dumps(run, sort_keys=True))


# Scrapy's SpiderState pickle, written at a clean pause by noai-check before its resume kept
# its own files. Classes it names by their old module paths, mapped to where they live now;
# nothing else may be loaded from it (a pickle can name any callable).
LEGACY_STATE_FILE = "spider.state"
_RENAMED = {
    ("noai_check.fetched", "Fetched"): ("noai_check.signals.response", "Fetched"),
    ("noai_check.fetched", "Finding"): ("noai_check.signals.findings", "Finding"),
}
_LOADABLE = {*_RENAMED.values(), ("collections", "deque"), ("builtins", "set"), ("builtins", "frozenset")}


class _LegacyStateUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        module, name = _RENAMED.get((module, name), (module, name))
        if (module, name) not in _LOADABLE:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of a noai-check crawl state")
        return super().find_class(module, name)


def _legacy_run(jobdir: Path) -> dict[str, Any] | None:
    try:
        with (jobdir / LEGACY_STATE_FILE).open("rb") as stream:
            state = _LegacyStateUnpickler(stream).load()
    except (OSError, EOFError, ValueError, TypeError, AttributeError, pickle.UnpicklingError):
        return None
    if not isinstance(state, dict) or not isinstance(state.get("seed"), str):
        return None
    started_at = state.get("started_at")
    return {"seed": state["seed"], "started_at": started_at if isinstance(started_at, str) else None, "legacy": True}


def cut_partial_line(path: Path) -> int:
    """Cut a JSON-lines file after its last newline (a kill mid-write leaves half a line); bytes cut."""
    if not path.exists():
        return 0
    size = path.stat().st_size
    with path.open("r+b") as stream:
        end = size
        while end > 0:
            start = max(0, end - _CHUNK)
            stream.seek(start)
            block = stream.read(end - start)
            newline = block.rfind(b"\n")
            if newline >= 0:
                end = start + newline + 1
                break
            end = start
        if end < size:
            stream.truncate(end)
    return size - end


def _members(path: Path) -> Iterator[tuple[int, bytes | None]]:
    """(end offset, text) of each whole gzip member; text None for a cut or corrupt one (then stops)."""
    with path.open("rb") as stream:
        offset, pending, fed = 0, b"", 0  # fed: bytes of the current member read so far
        inflater, parts = zlib.decompressobj(16 + zlib.MAX_WBITS), []
        while True:
            data = pending or stream.read(_CHUNK)
            pending = b""
            if not data:
                if fed:
                    yield offset, None  # the file ends inside a member
                return
            try:
                parts.append(inflater.decompress(data))
            except zlib.error:
                yield offset, None
                return
            if not inflater.eof:
                fed += len(data)
                continue
            pending = inflater.unused_data
            offset += fed + len(data) - len(pending)
            yield offset, b"".join(parts)
            inflater, parts, fed = zlib.decompressobj(16 + zlib.MAX_WBITS), [], 0


def cut_evidence(path: Path, recorded: set[str]) -> int:
    """Keep the evidence file's members up to the first cut, corrupt or unrecorded one; bytes cut.

    Evidence is written before its record, so after a kill the only evidence without a record
    is at the end: the page is fetched again on resume and its evidence written again.
    """
    if not path.exists():
        return 0
    good = 0
    for end, text in _members(path):
        if text is None or not _all_recorded(text, recorded):
            break
        good = end
    size = path.stat().st_size
    if good < size:
        with path.open("r+b") as stream:
            stream.truncate(good)
    return size - good


def _all_recorded(text: bytes, recorded: set[str]) -> bool:
    for line in text.splitlines():
        try:
            if json.loads(line).get("url") not in recorded:
                return False
        except (ValueError, AttributeError):
            return False
    return True


def read_links(path: Path) -> dict[str, dict[str, list[str]]]:
    """The links journal: page URL -> {"links": [...], "media": [...]} (a torn last line skipped)."""
    entries: dict[str, dict[str, list[str]]] = {}
    if not path.exists():
        return entries
    with path.open(encoding="utf-8") as stream:
        for line in stream:
            try:
                entry = json.loads(line)
                entries[entry["url"]] = {"links": list(entry.get("links", [])), "media": list(entry.get("media", []))}
            except (ValueError, KeyError, TypeError, AttributeError):
                continue
    return entries


class MemoryDupeFilter(RFPDupeFilter):
    """Scrapy's duplicate filter without ``requests.seen``: a resume asks for its sitemaps again."""

    @classmethod
    def from_crawler(cls, crawler: Any) -> MemoryDupeFilter:
        return cls(None, crawler.settings.getbool("DUPEFILTER_DEBUG"), fingerprinter=crawler.request_fingerprinter)


class MemoryScheduler(Scheduler):
    """Scrapy's scheduler without its disk queue: the frontier is rebuilt from the files above."""

    @classmethod
    def from_crawler(cls, crawler: Any) -> MemoryScheduler:
        settings = crawler.settings
        return cls(
            dupefilter=build_from_crawler(load_object(settings["DUPEFILTER_CLASS"]), crawler),
            jobdir=None,
            dqclass=load_object(settings["SCHEDULER_DISK_QUEUE"]),
            mqclass=load_object(settings["SCHEDULER_MEMORY_QUEUE"]),
            logunser=settings.getbool("SCHEDULER_DEBUG"),
            stats=crawler.stats,
            pqclass=load_object(settings["SCHEDULER_PRIORITY_QUEUE"]),
            crawler=crawler,
        )
