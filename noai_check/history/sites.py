"""History of domain lists (`scrapy crawl sites`): which domains started or stopped blocking an agent.

Kept in its own file, ``reports/sites-history.sqlite``, beside (not inside) the platforms' history:
a list run is a row per domain (which agents its robots.txt blocks at the root, which it reserves
training against), not pages, so it shares nothing with that schema. A domain that could not be read
in either run is not a change: it is counted as ``unknown``, never as "stopped blocking".
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from noai_check.errors import NoaiCheckError
from noai_check.judge.domain_record import expand_agents

SITES_HISTORY_FILE = "sites-history.sqlite"
_APPLICATION_ID = 0x6E6F6173  # "noas": refuse any other SQLite file
_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY, list TEXT NOT NULL, started_at TEXT, finished_at TEXT,
    complete INTEGER NOT NULL, finish_reason TEXT, domains INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS domains (
    run_id INTEGER NOT NULL REFERENCES runs(run_id), domain TEXT NOT NULL, readable INTEGER NOT NULL,
    blocked TEXT NOT NULL, reserved TEXT NOT NULL, PRIMARY KEY (run_id, domain)
) WITHOUT ROWID;
"""
_SHOWN = 20  # domains named per agent and direction in the text output; JSON has them all


def _open(reports_dir: Path, *, create: bool) -> sqlite3.Connection:
    path = Path(reports_dir) / SITES_HISTORY_FILE
    if not create and not path.is_file():
        raise NoaiCheckError(f"no domain-list runs recorded in {reports_dir} ({path} does not exist yet; crawl first)")
    try:
        conn = sqlite3.connect(path if create else f"file:{path}?mode=ro", uri=not create, timeout=30)
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if app_id != _APPLICATION_ID and (tables or not create):
            conn.close()
            raise NoaiCheckError(f"{path} is not a noai-check domain-list history; it was not touched")
        if create:
            conn.execute(f"PRAGMA application_id = {_APPLICATION_ID}")
            conn.executescript(_SCHEMA)
    except sqlite3.DatabaseError as error:
        raise NoaiCheckError(f"{path} cannot be read as a noai-check domain-list history ({error})") from None
    return conn


def record_sites_run(
    reports_dir: Path, name: str, records: Iterable[Mapping[str, Any]], tokens: list[str], meta: Mapping[str, Any],
) -> int:
    """Store one run of list ``name``; return its run id. Records stream in; one transaction."""
    conn = _open(reports_dir, create=True)
    try:
        with conn:
            cursor = conn.execute(
                "INSERT INTO runs (list, started_at, finished_at, complete, finish_reason, domains) VALUES (?,?,?,?,?,0)",
                (name, meta.get("started_at"), meta.get("finished_at"), int(bool(meta.get("complete"))),
                 meta.get("finish_reason")),
            )
            run_id = int(cursor.lastrowid or 0)
            rows = (_row(run_id, record, tokens) for record in records)
            conn.executemany("INSERT OR IGNORE INTO domains VALUES (?,?,?,?,?)", rows)
            conn.execute("UPDATE runs SET domains = (SELECT count(*) FROM domains WHERE run_id = ?) WHERE run_id = ?",
                         (run_id, run_id))
    finally:
        conn.close()
    return run_id


def _row(run_id: int, record: Mapping[str, Any], tokens: list[str]) -> tuple[object, ...]:
    readable = record.get("status") == "ok" and bool(record.get("robots_readable"))
    agents = expand_agents(record.get("agents") or {}, tokens) if record.get("agents") else {}
    blocked = [t for t, v in agents.items() if readable and v.get("robots_allowed") is False]
    reserved = [t for t, v in agents.items() if v.get("training") == "reserved"]
    return run_id, str(record.get("domain")), int(readable), ",".join(blocked), ",".join(reserved)


def _runs(conn: sqlite3.Connection, name: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT run_id, finished_at, complete, finish_reason, domains FROM runs WHERE list = ? ORDER BY run_id", (name,)
    ).fetchall()
    return [{"run_id": r[0], "finished_at": r[1], "complete": bool(r[2]), "finish_reason": r[3], "domains": r[4]}
            for r in rows]


def _choose(runs: list[dict[str, Any]], name: str, from_id: int | None, to_id: int | None) -> tuple[dict[str, Any], dict[str, Any]]:
    complete = [r for r in runs if r["complete"]]
    by_id = {r["run_id"]: r for r in runs}
    for given in (from_id, to_id):
        if given is not None and (given not in by_id or not by_id[given]["complete"]):
            raise NoaiCheckError(f"run {given} is not a complete run of list {name!r}")
    after = by_id[to_id] if to_id is not None else (complete[-1] if complete else None)
    earlier = [r for r in complete if after is not None and r["run_id"] < after["run_id"]]
    before = by_id[from_id] if from_id is not None else (earlier[-1] if earlier else None)
    if after is None or before is None:
        raise NoaiCheckError(f"list {name!r} needs two complete runs to compare ({len(complete)} recorded)")
    if before["run_id"] >= after["run_id"]:
        raise NoaiCheckError(f"--from ({before['run_id']}) must be an earlier run than --to ({after['run_id']})")
    return before, after


def diff_sites(reports_dir: Path, name: str, from_id: int | None = None, to_id: int | None = None) -> dict[str, Any]:
    """Per agent, the domains that started and stopped blocking it at the root (and reserving training)."""
    conn = _open(reports_dir, create=False)
    try:
        before, after = _choose(_runs(conn, name), name, from_id, to_id)
        query = ("SELECT a.domain, a.readable, a.blocked, a.reserved, b.readable, b.blocked, b.reserved "
                 "FROM domains a JOIN domains b ON a.domain = b.domain WHERE a.run_id = ? AND b.run_id = ?")
        changes: dict[tuple[str, str], dict[str, list[str]]] = {}
        unknown = 0
        for domain, ra, ba, sa, rb, bb, sb in conn.execute(query, (before["run_id"], after["run_id"])):
            if not (ra and rb):
                unknown += 1
                continue
            for what, old, new in (("robots_blocked", ba, bb), ("training_reserved", sa, sb)):
                old_set, new_set = set(filter(None, old.split(","))), set(filter(None, new.split(",")))
                for agent in new_set - old_set:
                    changes.setdefault((agent, what), {"started": [], "stopped": []})["started"].append(domain)
                for agent in old_set - new_set:
                    changes.setdefault((agent, what), {"started": [], "stopped": []})["stopped"].append(domain)
    except sqlite3.DatabaseError as error:
        raise NoaiCheckError(f"{reports_dir}/{SITES_HISTORY_FILE} cannot be read ({error})") from None
    finally:
        conn.close()
    return {
        "list": name, "from": before, "to": after, "unknown": unknown,
        "changes": [{"agent": agent, "signal": what, "started": sorted(c["started"]), "stopped": sorted(c["stopped"])}
                    for (agent, what), c in sorted(changes.items(), key=lambda kv: (kv[0][0].lower(), kv[0][1]))],
    }


def diff_lines(result: Mapping[str, Any]) -> list[str]:
    """The text form of ``diff_sites``: one line per agent, signal and direction."""
    lines = [(f"list {result['list']}: run {result['from']['run_id']} ({result['from']['finished_at']}) -> run "
             f"{result['to']['run_id']} ({result['to']['finished_at']}): {len(result['changes'])} changes; "
             f"{result['unknown']} domains unreadable in one of the runs (not compared)")]
    verbs = {"robots_blocked": ("started blocking", "stopped blocking"),
             "training_reserved": ("started reserving training against", "stopped reserving training against")}
    for change in result["changes"]:
        for key, verb in zip(("started", "stopped"), verbs[change["signal"]], strict=True):
            domains = change[key]
            if domains:
                more = f" (+{len(domains) - _SHOWN} more)" if len(domains) > _SHOWN else ""
                lines.append(f"{verb} {change['agent']}: {len(domains)}: {', '.join(domains[:_SHOWN])}{more}")
    return lines
