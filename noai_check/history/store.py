"""Every crawl kept in ``<reports>/history.sqlite``, so a change since last week can be found and shown.

One SQLite file per reports directory holds the runs of every platform. It is versioned with
``PRAGMA application_id`` (our marker) and ``PRAGMA user_version`` (the schema), migrated in
one transaction, in WAL mode with a busy timeout so two crawls finishing at once both land.
A file that is not ours (not SQLite, someone else's database, a newer schema) is refused with
one line and never written to: nothing is executed that could change it before it is checked.

A run is read either from the history or straight from a crawl's files (``snapshot_from_reports``
in noai_check.history.snapshot), because the report is written before the run is recorded.

Size: a little over 400 lines, a quarter of them the schema's SQL text; the checks that refuse a
file that is not ours and the migrations belong with the one class that opens the database.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from noai_check.errors import NoaiCheckError
from noai_check.history.snapshot import (
    PageRow,
    RunInfo,
    RunSnapshot,
    SiteFileRow,
    TermsRow,
    compact_json,
    snapshot_from_reports,
)
from noai_check.signals.terms import Clause, clauses_text
from noai_check.timestamps import now

HISTORY_FILE = "history.sqlite"
APPLICATION_ID = 0x6E6F6169  # "noai": marks the file as ours (PRAGMA application_id)
BUSY_TIMEOUT_MS = 30_000
_SQLITE_MAGIC = b"SQLite format 3\x00"

_SCHEMA_1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    platform TEXT NOT NULL,
    base_url TEXT,
    started_at TEXT,
    finished_at TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    complete INTEGER NOT NULL,
    finish_reason TEXT,
    tool_version TEXT,
    registry_version TEXT,
    settings TEXT NOT NULL,
    claims TEXT NOT NULL,
    page_types TEXT NOT NULL,
    UNIQUE (platform, started_at, finished_at)
);
CREATE INDEX runs_by_platform ON runs (platform, id);
-- Content-addressed: an unchanged robots.txt or agent verdict map is stored once, not every week.
CREATE TABLE blobs (sha256 TEXT PRIMARY KEY, content BLOB NOT NULL);
CREATE TABLE pages (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    page_type TEXT,
    status INTEGER,
    verifiable INTEGER NOT NULL,
    reason TEXT,
    sha256 TEXT,
    noai INTEGER,
    noimageai INTEGER,
    agent_directives TEXT,
    tdm INTEGER,
    content_usage TEXT,
    agents_sha256 TEXT,
    PRIMARY KEY (run_id, url)
);
CREATE TABLE site_files (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    origin TEXT NOT NULL,
    name TEXT NOT NULL,
    url TEXT,
    status INTEGER,
    sha256 TEXT,
    error TEXT,
    content_stored INTEGER NOT NULL,
    PRIMARY KEY (run_id, origin, name)
);
CREATE TABLE terms_pages (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    status INTEGER,
    verifiable INTEGER NOT NULL,
    reason TEXT,
    sha256 TEXT,
    fetched_at TEXT,
    text TEXT,
    clauses TEXT,
    PRIMARY KEY (run_id, url)
);
INSERT INTO meta (key, value) VALUES ('schema', 'noai-check history');
"""


def _migrate_0_to_1(conn: sqlite3.Connection) -> None:
    for statement in _SCHEMA_1.split(";"):
        if statement.strip():
            conn.execute(statement)


# MIGRATIONS[n] takes the schema from version n to n + 1. Append, never edit a shipped step.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_migrate_0_to_1]


def schema_version() -> int:
    return len(MIGRATIONS)


# ---------------------------------------------------------------- the database


def _refuse(path: Path, why: str) -> NoaiCheckError:
    return NoaiCheckError(f"{path} {why}; it was left untouched (move it away or use another --reports-dir)")


def _damaged(path: Path, error: Exception) -> NoaiCheckError:
    return NoaiCheckError(f"{path} is damaged and cannot be read as a noai-check history ({error}); it was left untouched "
                          "(restore it from a backup, or move it away to start a new history)")


def _check_file(path: Path) -> bool:
    """True when ``path`` holds data that must be an SQLite database; raise for anything that is not one."""
    if not path.exists():
        return False
    if not path.is_file():
        raise _refuse(path, "is not a file")
    with path.open("rb") as stream:
        head = stream.read(len(_SQLITE_MAGIC))
    if not head:
        return False
    if head != _SQLITE_MAGIC:
        raise _refuse(path, "is not a noai-check history (not an SQLite database)")
    return True


class History:
    """An open history file. Use ``open_history``; close it (or use ``with``) when done."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path

    def __enter__(self) -> History:  # noqa: PYI034 - History is not meant to be subclassed
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    # -- writing

    def record(self, snapshot: RunSnapshot) -> int:
        """Store one run in one transaction; recording the same run again returns its id unchanged."""
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            existing = conn.execute(
                "SELECT id FROM runs WHERE platform = ? AND started_at IS ? AND finished_at = ?",
                (snapshot.platform, snapshot.started_at, snapshot.finished_at),
            ).fetchone()
            if existing:
                conn.execute("COMMIT")
                return int(existing[0])
            run_id = self._insert(snapshot)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return run_id

    def _blob(self, content: bytes) -> str:
        digest = hashlib.sha256(content).hexdigest()
        self.conn.execute("INSERT OR IGNORE INTO blobs (sha256, content) VALUES (?, ?)", (digest, content))
        return digest

    def _insert(self, s: RunSnapshot) -> int:
        cursor = self.conn.execute(
            "INSERT INTO runs (platform, base_url, started_at, finished_at, recorded_at, complete, finish_reason,"
            " tool_version, registry_version, settings, claims, page_types) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (s.platform, s.base_url, s.started_at, s.finished_at, now(), int(s.complete), s.finish_reason,
             s.tool_version, s.registry_version, compact_json(s.settings), compact_json(s.claims), compact_json(s.page_types)),
        )
        run_id = int(cursor.lastrowid or 0)
        def rows() -> Iterator[tuple[Any, ...]]:
            for p in s.page_rows() if s.page_rows is not None else s.pages.values():
                agents_sha = self._blob(p.agents_json.encode("utf-8")) if p.agents_json else None
                yield (run_id, p.url, p.page_type, p.status, int(p.verifiable), p.reason, p.sha256,
                       None if p.noai is None else int(p.noai), None if p.noimageai is None else int(p.noimageai),
                       compact_json(p.agent_directives), p.tdm, compact_json(p.content_usage), agents_sha)

        # OR REPLACE: a resumed crawl's later record of a URL wins, as in ``pages``.
        self.conn.executemany("INSERT OR REPLACE INTO pages VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows())
        for f in s.site_files.values():
            stored = f.content is not None and self._blob(f.content) == f.sha256
            self.conn.execute("INSERT INTO site_files VALUES (?,?,?,?,?,?,?,?)",
                              (run_id, f.origin, f.name, f.url, f.status, f.sha256, f.error, int(stored)))
        for t in s.terms.values():
            clauses = None if t.clauses is None else compact_json([c.to_json() for c in t.clauses])
            text = None if t.clauses is None else clauses_text(t.clauses)
            self.conn.execute("INSERT INTO terms_pages VALUES (?,?,?,?,?,?,?,?,?)",
                              (run_id, t.url, t.status, int(t.verifiable), t.reason, t.sha256, t.fetched_at, text, clauses))
        return run_id

    # -- reading

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """Turn a damaged file (bad pages, a dropped table, a cut-off file, garbage JSON) into one line."""
        try:
            yield
        except sqlite3.OperationalError as error:
            if _busy(error):
                raise NoaiCheckError(f"{self.path} is busy: another process held it for over {BUSY_TIMEOUT_MS // 1000} s ({error})") from None
            raise _damaged(self.path, error) from None
        except (sqlite3.DatabaseError, ValueError) as error:  # ValueError: a stored JSON column is not JSON
            raise _damaged(self.path, error) from None

    def runs(self, platform: str | None = None) -> list[RunInfo]:
        """Runs oldest first (of one platform, or all)."""
        query = "SELECT id, platform, started_at, finished_at, complete, finish_reason, settings FROM runs"
        args: tuple[Any, ...] = ()
        if platform is not None:
            query += " WHERE platform = ?"
            args = (platform,)
        with self._reading():
            return [RunInfo(r[0], r[1], r[2], r[3], bool(r[4]), r[5], _as_of(r[6]))
                    for r in self.conn.execute(query + " ORDER BY id", args)]

    def run(self, run_id: int) -> RunInfo | None:
        return next((r for r in self.runs() if r.run_id == run_id), None)

    def load(self, run_id: int, *, with_agents: bool = False) -> RunSnapshot:
        """One stored run in full (per-page agent verdicts only when asked: they are the bulk)."""
        with self._reading():
            return self._load(run_id, with_agents)

    def _load(self, run_id: int, with_agents: bool) -> RunSnapshot:
        row = self.conn.execute(
            "SELECT platform, base_url, started_at, finished_at, complete, finish_reason, settings, tool_version,"
            " registry_version, claims, page_types FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise NoaiCheckError(f"no run {run_id} in {self.path}")
        snapshot = RunSnapshot(
            platform=row[0], run_id=run_id, base_url=row[1], started_at=row[2], finished_at=row[3],
            complete=bool(row[4]), finish_reason=row[5], settings=json.loads(row[6]), tool_version=row[7],
            registry_version=row[8], claims=json.loads(row[9]), page_types=json.loads(row[10]),
        )
        blobs: dict[str, str] = {}
        for p in self.conn.execute("SELECT * FROM pages WHERE run_id = ? ORDER BY rowid", (run_id,)):
            agents_json = None
            if with_agents and p[12]:
                if p[12] not in blobs:
                    blobs[p[12]] = (self._content(p[12]) or b"{}").decode("utf-8")
                agents_json = blobs[p[12]]
            snapshot.pages[p[1]] = PageRow(
                url=p[1], page_type=p[2], status=p[3], verifiable=bool(p[4]), reason=p[5], sha256=p[6],
                noai=None if p[7] is None else bool(p[7]), noimageai=None if p[8] is None else bool(p[8]),
                agent_directives=json.loads(p[9] or "{}"), tdm=p[10], content_usage=json.loads(p[11] or "{}"),
                agents_json=agents_json,
            )
        for f in self.conn.execute("SELECT * FROM site_files WHERE run_id = ?", (run_id,)):
            content = self._content(f[5]) if f[7] and f[5] else None
            snapshot.site_files[(f[1], f[2])] = SiteFileRow(f[1], f[2], f[3], f[4], f[5], f[6], content)
        for t in self.conn.execute("SELECT * FROM terms_pages WHERE run_id = ?", (run_id,)):
            clauses = None if t[8] is None else [Clause.from_json(c) for c in json.loads(t[8])]
            snapshot.terms[t[1]] = TermsRow(t[1], t[2], bool(t[3]), t[4], t[5], t[6], clauses)
        return snapshot

    def _content(self, sha256: str) -> bytes | None:
        row = self.conn.execute("SELECT content FROM blobs WHERE sha256 = ?", (sha256,)).fetchone()
        return bytes(row[0]) if row else None


def _as_of(settings: str) -> str | None:
    """An archive audit's day, kept in the run's settings (no schema change for it)."""
    value = json.loads(settings).get("as_of") if settings.startswith("{") else None
    return value if isinstance(value, str) else None


def _pragma(conn: sqlite3.Connection, name: str) -> int:
    return int(conn.execute(f"PRAGMA {name}").fetchone()[0])


def _check_ours(conn: sqlite3.Connection, path: Path) -> bool:
    """True for our history, False for an empty database; raise for anyone else's or a newer schema."""
    # One statement, so one consistent read: another process may be creating the schema right now.
    app_id, version, objects = conn.execute(
        "SELECT (SELECT application_id FROM pragma_application_id()), (SELECT user_version FROM pragma_user_version()),"
        " (SELECT count(*) FROM sqlite_master)"
    ).fetchone()
    if app_id == 0 and version == 0 and objects == 0:
        return False
    if app_id != APPLICATION_ID:
        raise _refuse(path, "is an SQLite database but not a noai-check history")
    if version > schema_version():
        raise _refuse(path, f"was written by a newer noai-check (history schema {version}; this version reads up to {schema_version()})")
    return True


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Bring the schema to the current version in one transaction (another process may be doing the same)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        ours = _check_ours(conn, path)  # again, under the write lock
        version = _pragma(conn, "user_version") if ours else 0
        for step in MIGRATIONS[version:]:
            step(conn)
        if version < schema_version():
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {schema_version()}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _busy(error: sqlite3.OperationalError) -> bool:
    return "locked" in str(error) or "busy" in str(error)


def _use_wal(conn: sqlite3.Connection, attempts: int = 50) -> None:
    """Switch to WAL (readers never wait for a writer). Switching needs a moment alone with the file,
    which a crawl finishing at the same time may hold; after retrying, the default journal is still safe."""
    for _ in range(attempts):
        try:
            if conn.execute("PRAGMA journal_mode = WAL").fetchone()[0].lower() == "wal":
                return
        except sqlite3.OperationalError as error:
            if not _busy(error):
                raise
        time.sleep(0.05)


def _writable(path: Path) -> bool:
    """Whether SQLite may write next to ``path`` (its -wal and -shm files live in the same directory)."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection that can never change the file: ``mode=ro``, plus ``immutable=1`` where nothing may be written.

    A WAL database read in a read-only directory (or on a read-only mount) cannot get its -shm
    file, so SQLite must be told the file will not change. Changes still in a -wal file would
    then be invisible, so that case is refused rather than read as an older history.
    """
    uri = f"file:{urllib.parse.quote(str(path.absolute()))}?mode=ro"
    if not _writable(path):
        wal = path.with_name(path.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise NoaiCheckError(f"{path} is in a read-only place and its newest changes are still in {wal.name} "
                                 "(it was not closed cleanly); copy both files somewhere writable and read them there")
        uri += "&immutable=1"
    return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)


def open_history(reports_dir: Path, *, create: bool = False, read_only: bool = False) -> History:
    """Open ``reports_dir/history.sqlite``, checking it is ours first; ``create`` makes a missing one.

    ``read_only`` (verify, diff) never writes: no migration, no journal change, and it works on a
    read-only file, directory or mount.
    """
    path = Path(reports_dir) / HISTORY_FILE
    has_data = _check_file(path)
    if not has_data and not create:
        if Path(reports_dir).exists() and not Path(reports_dir).is_dir():
            raise NoaiCheckError(f"--reports-dir {reports_dir} is not a directory")
        raise NoaiCheckError(f"no runs recorded in {reports_dir} ({path} does not exist yet; crawl first)")
    conn: sqlite3.Connection | None = None
    try:
        if read_only:
            conn = _connect_read_only(path)
        else:
            conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        ours = _check_ours(conn, path)  # reads only: a foreign file stays byte-identical
        if not ours and not create:
            raise NoaiCheckError(f"no runs recorded in {reports_dir} ({path} is empty)")
        if read_only:
            if _pragma(conn, "user_version") < schema_version():
                raise NoaiCheckError(f"{path} has an older history schema; open it once where it is writable to upgrade it")
        else:
            if not ours or _pragma(conn, "user_version") < schema_version():
                _migrate(conn, path)
            _use_wal(conn)
            conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.OperationalError as error:
        if conn is not None:
            conn.close()
        if _busy(error):
            raise NoaiCheckError(f"{path} is busy: another process held it for over {BUSY_TIMEOUT_MS // 1000} s ({error})") from None
        raise _refuse(path, f"cannot be read as a noai-check history ({error})") from None
    except sqlite3.DatabaseError as error:
        if conn is not None:
            conn.close()
        raise _refuse(path, f"cannot be read as a noai-check history ({error})") from None
    except BaseException:
        if conn is not None:
            conn.close()
        raise
    return History(conn, path)


def record_crawl(out: Path, logger: logging.Logger | logging.LoggerAdapter[Any] | None = None) -> int | None:
    """Record the crawl in ``out`` (reports/<platform>) into the reports dir's history; return its run id.

    Called once at the end of every crawl. A history that cannot be used is logged as an error,
    not raised: the crawl and its report are already done and must not be lost over it.
    """
    log = logger or logging.getLogger(__name__)
    try:
        snapshot = snapshot_from_reports(out, with_agents=True, stream_pages=True)
        with open_history(out.parent, create=True) as history:
            run_id = history.record(snapshot)
    except (NoaiCheckError, sqlite3.Error, OSError) as error:
        log.error("noai-check history: run not recorded: %s", error)
        return None
    state = "complete" if snapshot.complete else f"incomplete ({snapshot.finish_reason}); it will not be compared"
    log.info("noai-check history: recorded run %s of %s, %s", run_id, snapshot.platform, state)
    return run_id
