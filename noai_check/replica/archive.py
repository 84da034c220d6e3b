"""An archive replica: the Wayback Machine's CDX API and raw ``id_`` replays over a list of captures.

Build one from any list of ``Snapshot`` (url, timestamp, status, headers, body): ``ArchiveSite(snapshots)``.
``archive_history.py`` holds the SoundCloud-like history the tests and ``noai-check demo --at`` use;
a benchmark can pass thousands of generated robots.txt versions the same way.

What it does like the archive (scrapy-notes B.9c): CDX rows sorted by URL key then time, ``output=json``
with the header row first, ``fl``, ``filter`` (``[!]field:regex``), ``collapse`` (adjacent rows only),
``from``/``to`` (1-14 digits), ``matchType`` exact/prefix/host/domain, ``limit`` and
``showResumeKey``/``resumeKey`` paging; revisits (``warc/revisit``, status ``-``, the body of the
earlier capture with the same digest); replays that answer with the captured status and headers
renamed ``X-Archive-Orig-*`` (Content-Type kept, Location rewritten into the archive) and carry
``Memento-Datetime``; a replay of a time with no exact capture redirects to the nearest one. Faults
it can play: a 429 with ``Retry-After`` every ``refuse_every`` requests, being ``down`` (503, no
Memento-Datetime), a replay body cut short (``Snapshot.truncated``).

Stdlib only and independent of ``noai_check.archive`` (a replica must not share the client's bugs).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime
from urllib.parse import parse_qs, quote, unquote, urlsplit

Headers = tuple[tuple[str, str], ...]
REVISIT = "warc/revisit"
_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")
_REPLAY = re.compile(r"^/web/(\d{1,14})id_/(.+)$")


@dataclass(frozen=True)
class Snapshot:
    """One capture as the archive keeps it. ``revisit``: the body equals this URL's previous capture."""

    url: str
    timestamp: str  # 14 digits
    status: int = 200
    headers: Headers = (("Content-Type", "text/html; charset=utf-8"),)
    body: bytes = b""
    revisit: bool = False
    truncated: bool = False  # the replay declares the full length but sends half, then hangs up

    @property
    def content_type(self) -> str:
        return next((value for name, value in self.headers if name.lower() == "content-type"), "")


@dataclass(frozen=True)
class Answer:
    """An HTTP answer of the replica; ``cut_at`` sends only that many body bytes (a truncated replay)."""

    status: int
    headers: Headers
    body: bytes
    cut_at: int | None = None


@dataclass(frozen=True)
class _Row:
    key: str
    snapshot: Snapshot
    served: Snapshot  # what a replay serves: for a revisit, the earlier capture with the body
    digest: str

    def cell(self, name: str) -> str:
        snap = self.snapshot
        values = {
            "urlkey": self.key, "timestamp": snap.timestamp, "original": snap.url,
            "mimetype": REVISIT if snap.revisit else (snap.content_type.split(";")[0].strip() or "unk"),
            "statuscode": "-" if snap.revisit else str(snap.status), "digest": self.digest,
            "length": str(len(self.served.body) + 400),
        }
        return values[name]


def url_key(url: str) -> str:
    """A SURT-like key: reversed host (no www.), then path and query, lower-cased host.

    >>> url_key("https://www.SoundCloud.com/a/b?x=1")
    'com,soundcloud)/a/b?x=1'
    """
    parts = urlsplit(url if "://" in url else "http://" + url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = parts.path or "/"
    return ",".join(reversed(host.split("."))) + ")" + path + (f"?{parts.query}" if parts.query else "")


def _digest(body: bytes) -> str:
    return base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def _moment(timestamp: str) -> datetime:
    return datetime.strptime(timestamp, "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc)


def _http_date(timestamp: str) -> str:
    return format_datetime(_moment(timestamp), usegmt=True)


def _rows(snapshots: Iterable[Snapshot]) -> list[_Row]:
    """Rows sorted as the CDX index is (key, time); a revisit serves its URL's previous non-revisit capture."""
    ordered = sorted(snapshots, key=lambda s: (url_key(s.url), s.timestamp))
    rows: list[_Row] = []
    last: dict[str, Snapshot] = {}
    for snap in ordered:
        key = url_key(snap.url)
        served = last.get(key, snap) if snap.revisit else snap
        if not snap.revisit:
            last[key] = snap
        rows.append(_Row(key, snap, served, _digest(served.body)))
    return rows


@dataclass
class ArchiveSite:
    """The archive host: ``resolve`` answers ``/cdx/search/cdx?...`` and ``/web/<ts>id_/<url>``; ``log`` records requests."""

    snapshots: Sequence[Snapshot]
    refuse_every: int = 0  # every Nth request is refused with 429 (0: never)
    retry_after: str = "1"
    down: bool = False  # every request: 503 without Memento-Datetime (with Retry-After)
    page_size: int | None = None  # at most this many rows per CDX answer when paging (None: only ``limit``)
    gzip_replays: bool = False  # replays sent gzip-encoded (Content-Encoding: gzip), as the Wayback Machine may
    garbage_rows: bool = False  # every CDX answer also carries malformed rows (short, bad timestamp, bad status)
    log: list[tuple[float, str, str]] = field(default_factory=list)  # (monotonic time, target, User-Agent)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self._rows = _rows(self.snapshots)
        self._by_key: dict[str, list[_Row]] = {}
        for row in self._rows:
            self._by_key.setdefault(row.key, []).append(row)
        # (key, timestamp) -> the first row: an exact replay is found at once (a 2,000-version benchmark
        # would otherwise scan every row of the URL for each replay).
        self._exact: dict[tuple[str, str], _Row] = {}
        for row in self._rows:
            self._exact.setdefault((row.key, row.snapshot.timestamp), row)

    def resolve(self, target: str, user_agent: str = "", now: float = 0.0) -> Answer:
        with self._lock:
            self.log.append((now, target, user_agent))
            count = len(self.log)
        if self.down:
            return Answer(503, (("Retry-After", self.retry_after), ("Content-Type", "text/html")), b"<h1>503</h1>")
        if self.refuse_every and count % self.refuse_every == 0:
            return Answer(429, (("Retry-After", self.retry_after), ("Content-Type", "text/plain")), b"Too Many Requests")
        path, _, query = target.partition("?")
        if path == "/cdx/search/cdx":
            return self._cdx(parse_qs(query, keep_blank_values=True))
        found = _REPLAY.match(target)
        if found:
            return self._replay(found.group(1).ljust(14, "0"), found.group(2))
        return Answer(404, (("Content-Type", "text/plain"),), b"not an archive URL")

    # ------------------------------------------------------------------ CDX

    def _cdx(self, query: dict[str, list[str]]) -> Answer:
        url = (query.get("url") or [""])[0]
        if not url:
            return Answer(400, (("Content-Type", "text/plain"),), b"url is required")
        rows = self._select(url, (query.get("matchType") or ["exact"])[0], query)
        fields = [name for name in (query.get("fl") or [",".join(_FIELDS)])[0].split(",") if name in _FIELDS]
        resume = (query.get("resumeKey") or [""])[0]
        if resume:
            after = tuple(unquote(resume).split(" ", 1))
            rows = [row for row in rows if (row.key, row.snapshot.timestamp) > after]
        limit = int((query.get("limit") or ["0"])[0] or 0) or None
        if self.page_size:
            limit = min(limit or self.page_size, self.page_size)
        out: list[list[str]] = [list(fields)]
        out += [[row.cell(name) for name in fields] for row in rows[:limit]]
        if self.garbage_rows and len(out) > 1:
            out[1:1] = [["2025"], ["not-a-time"] * len(fields), [cell if name != "statuscode" else "OK" for name, cell in zip(fields, out[1])]]
        if limit and len(rows) > limit and (query.get("showResumeKey") or [""])[0] == "true":
            last = rows[limit - 1]
            out += [[], [quote(f"{last.key} {last.snapshot.timestamp}")]]
        return Answer(200, (("Content-Type", "application/json"),), json.dumps(out).encode("utf-8"))

    def _select(self, url: str, match_type: str, query: dict[str, list[str]]) -> list[_Row]:
        key = url_key(url)
        if match_type == "exact":
            rows = list(self._by_key.get(key, ()))
        elif match_type == "prefix":
            rows = [row for row in self._rows if row.key.startswith(key.rstrip("*"))]
        else:  # host / domain: every URL of the host (domain: and its subdomains)
            host = key.split(")", 1)[0]
            rows = [row for row in self._rows if row.key.split(")", 1)[0] == host
                    or (match_type == "domain" and row.key.split(")", 1)[0].startswith(host + ","))]
        low, high = (query.get("from") or [""])[0], (query.get("to") or [""])[0]
        if low:
            rows = [row for row in rows if row.snapshot.timestamp >= low.ljust(14, "0")]
        if high:
            rows = [row for row in rows if row.snapshot.timestamp <= high.ljust(14, "9")]
        for rule in query.get("filter", []):
            negate = rule.startswith("!")
            name, _, pattern = rule.lstrip("!").partition(":")
            if name in _FIELDS:
                compiled = re.compile(pattern)
                rows = [row for row in rows if bool(compiled.fullmatch(row.cell(name))) != negate]
        for collapse in query.get("collapse", []):
            rows = _collapse(rows, collapse)
        return rows

    # ------------------------------------------------------------------ replay

    def _replay(self, timestamp: str, original: str) -> Answer:
        rows = self._by_key.get(url_key(original), [])
        if not rows:
            return Answer(404, (("Content-Type", "text/html"),), b"<p>Wayback Machine has not archived that URL.</p>")
        asked = _moment(timestamp)
        nearest = self._exact.get((url_key(original), timestamp)) or min(
            rows, key=lambda row: (abs(_moment(row.snapshot.timestamp) - asked), row.snapshot.timestamp))
        stamp = nearest.snapshot.timestamp
        if stamp != timestamp:
            return Answer(302, (("Location", f"/web/{stamp}id_/{nearest.snapshot.url}"),), b"")
        served = nearest.served
        headers: list[tuple[str, str]] = [("Memento-Datetime", _http_date(stamp)),
                                          ("Link", f'<{served.url}>; rel="original"')]
        for name, value in served.headers:
            if name.lower() == "content-type":
                headers.append((name, value))
            elif name.lower() == "location":
                headers += [("X-Archive-Orig-Location", value), ("Location", f"/web/{stamp}id_/{value}")]
            else:
                headers.append(("X-Archive-Orig-" + name, value))
        cut = len(served.body) // 2 if nearest.snapshot.truncated else None
        if self.gzip_replays and served.body and cut is None:
            return Answer(served.status, (*headers, ("Content-Encoding", "gzip")), gzip.compress(served.body, mtime=0))
        return Answer(served.status, tuple(headers), served.body, cut)


def _collapse(rows: list[_Row], spec: str) -> list[_Row]:
    """Drop a row whose field (or its first N characters, ``field:N``) equals the previous kept row's."""
    name, _, width = spec.partition(":")
    if name not in _FIELDS:
        return rows
    size = int(width) if width.isdigit() else None
    kept: list[_Row] = []
    previous: str | None = None
    for row in rows:
        value = row.cell(name)[:size] if size else row.cell(name)
        if value != previous:
            kept.append(row)
        previous = value
    return kept
