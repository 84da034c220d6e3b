"""Files noai-check writes and reads.

The one way a whole output file is replaced (a reader, or a full disk, never sees half of one),
the one way the JSON-lines files a crawl writes (pages.jsonl, media.jsonl, terms.jsonl) are read,
and the one reader of a stored crawl's run.json (history and `noai-check report` both start from it).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from noai_check.errors import NoaiCheckError

RUN_FILE = "run.json"  # a stored crawl's facts, written by noai_check.report.build
# The run.json keys its readers use, and the JSON types a crawl writes them as (None: null).
RUN_FIELDS: dict[str, tuple[type | None, ...]] = {
    "platform": (str,),
    "base_url": (str,),
    "started_at": (str, None),
    "finished_at": (str, None),
    "finish_reason": (str, None),
    "complete": (bool,),
    "settings": (dict,),
    "tool_version": (str, None),
    "registry_version": (str, None),
}


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# mkstemp makes 0600 files; a report should get the mode any other new file would (0644 usually).
_FILE_MODE = 0o666 & ~_umask()


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` (str as UTF-8) to ``path`` all at once, or leave the previous file as it was.

    The bytes go to a uniquely named temporary file in the same directory (two writers never share
    one), are fsynced, and then renamed over ``path`` (atomic on POSIX). On any failure, a full disk
    say, the temporary file is removed and the error raised: ``path`` keeps its previous content.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), _FILE_MODE)
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(error, OSError) and error.errno is not None:
            # Named for the file meant, not the temporary one ("No space left on device" names none)
            raise OSError(error.errno, error.strerror, str(path)) from error
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable; some filesystems cannot fsync a directory, which is fine."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def locked(lock_file: Path) -> Iterator[None]:
    """Hold an exclusive flock on ``lock_file`` (created if missing) for the ``with`` block.

    The lock goes when the file is closed, so a process that dies holding it frees it.
    """
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, _FILE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def iter_records(path: Path, buffering: int = -1) -> Iterator[dict[str, Any]]:
    """Whole records of a JSON-lines file, skipping a torn last line left by a hard kill."""
    for _, record in iter_numbered_records(path, buffering):
        yield record


def iter_numbered_records(path: Path, buffering: int = -1) -> Iterator[tuple[int, Any]]:
    """(line number, record) for the whole records of a JSON-lines file, so errors can name the line."""
    if not path.exists():
        return
    # errors="replace": a line cut inside a UTF-8 sequence is skipped like any torn line, not raised.
    with path.open(encoding="utf-8", errors="replace", buffering=buffering) as stream:
        for number, line in enumerate(stream, 1):
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError:
                continue


def read_run_meta(out: Path, required: tuple[str, ...] = ()) -> dict[str, Any]:
    """run.json of the crawl stored in ``out``: cheap, so callers can decide before reading every page.

    Every known key present must have the type a crawl writes (RUN_FIELDS), and the ``required``
    ones must be there: a hand-edited file is refused here, in one line, not deep in a report.
    """
    try:
        meta = json.loads((out / RUN_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NoaiCheckError(f"no stored crawl in {out}: {RUN_FILE} is missing") from None
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as error:
        raise NoaiCheckError(f"cannot read the stored crawl in {out}: {RUN_FILE}: {error}") from None
    if not isinstance(meta, dict):
        raise NoaiCheckError(f"cannot read the stored crawl in {out}: {RUN_FILE} is not a JSON object")
    for key in required:
        if key not in meta:
            raise NoaiCheckError(f"cannot read the stored crawl in {out}: {RUN_FILE} has no {key!r}")
    for key, types in RUN_FIELDS.items():
        if key in meta and not any(meta[key] is None if kind is None else isinstance(meta[key], kind) for kind in types):
            wanted = " or ".join("null" if kind is None else _JSON_TYPE_NAMES[kind] for kind in types)
            raise NoaiCheckError(f"cannot read the stored crawl in {out}: {RUN_FILE} {key!r} must be {wanted}")
    return meta


_JSON_TYPE_NAMES = {str: "a string", bool: "true or false", dict: "an object"}
