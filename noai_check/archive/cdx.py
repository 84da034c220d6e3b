"""CDX server queries (``/cdx/search/cdx``) and their JSON answers, as the Wayback Machine speaks them.

The answer to ``output=json`` is a list of rows; the first is the header (field names), then one row
per capture. With ``showResumeKey=true`` a page that stops early ends with an empty row and then
``[resumeKey]``. Rows that do not fit (wrong length, a timestamp that is not 14 digits, a status that
is not a number or ``-``) are skipped and counted, never raised: one bad row must not lose the rest.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

CDX_PATH = "/cdx/search/cdx"
# The fields we ask for, in this order; a server may answer with more or in another order (the header says).
FIELDS = ("timestamp", "original", "mimetype", "statuscode", "digest", "length")
MATCH_TYPES = ("exact", "prefix", "host", "domain")
REVISIT = "warc/revisit"
_TIMESTAMP = re.compile(r"\d{14}")


@dataclass(frozen=True)
class Capture:
    """One archived response. ``statuscode`` is None for a revisit record (the CDX says ``-``)."""

    timestamp: str  # 14 digits, UTC: YYYYMMDDhhmmss
    original: str
    mimetype: str = ""
    statuscode: int | None = None
    digest: str = ""
    length: int | None = None

    @property
    def is_revisit(self) -> bool:
        """A revisit record: same body as an earlier capture (same digest); its replay serves that body."""
        return self.mimetype == REVISIT


@dataclass(frozen=True)
class CdxQuery:
    """The parameters of one CDX query; ``url()`` builds it against an archive's base URL."""

    url: str
    match_type: str = "exact"
    from_ts: str | None = None  # 1-14 digits
    to_ts: str | None = None
    filters: tuple[str, ...] = ()  # e.g. "statuscode:200", "!mimetype:warc/revisit"
    collapse: str | None = None  # e.g. "digest", "urlkey"
    limit: int | None = None
    fields: tuple[str, ...] = FIELDS
    resume_key: str | None = None
    show_resume_key: bool = True

    def __post_init__(self) -> None:
        if self.match_type not in MATCH_TYPES:
            raise ValueError(f"matchType must be one of {', '.join(MATCH_TYPES)}, got {self.match_type!r}")
        for stamp in (self.from_ts, self.to_ts):
            if stamp is not None and not re.fullmatch(r"\d{1,14}", stamp):
                raise ValueError(f"a CDX from/to is 1-14 digits, got {stamp!r}")

    def params(self) -> list[tuple[str, str]]:
        """The query string's pairs, in a fixed order (``filter`` may repeat)."""
        pairs = [("url", self.url), ("matchType", self.match_type), ("output", "json"), ("fl", ",".join(self.fields))]
        pairs += [(name, value) for name, value in (("from", self.from_ts), ("to", self.to_ts)) if value]
        pairs += [("filter", rule) for rule in self.filters]
        if self.collapse:
            pairs.append(("collapse", self.collapse))
        if self.limit is not None:
            pairs.append(("limit", str(self.limit)))
        if self.show_resume_key:
            pairs.append(("showResumeKey", "true"))
        if self.resume_key:
            pairs.append(("resumeKey", self.resume_key))
        return pairs

    def to_url(self, archive_url: str) -> str:
        """The full query URL.

        >>> CdxQuery("example.com/robots.txt", from_ts="2024", filters=("statuscode:200",)).to_url("https://a.org/")
        'https://a.org/cdx/search/cdx?url=example.com%2Frobots.txt&matchType=exact&output=json&fl=timestamp%2Coriginal%2Cmimetype%2Cstatuscode%2Cdigest%2Clength&from=2024&filter=statuscode%3A200&showResumeKey=true'
        """
        return archive_url.rstrip("/") + CDX_PATH + "?" + urlencode(self.params())

    def next_page(self, resume_key: str) -> CdxQuery:
        """The same query, continued after ``resume_key``."""
        return CdxQuery(self.url, self.match_type, self.from_ts, self.to_ts, self.filters, self.collapse,
                        self.limit, self.fields, resume_key, self.show_resume_key)


@dataclass(frozen=True)
class CdxPage:
    """One CDX answer: its captures, the key to ask for the next page (or None), and rows skipped as malformed."""

    captures: tuple[Capture, ...] = ()
    resume_key: str | None = None
    skipped: int = 0
    problems: tuple[str, ...] = field(default=(), compare=False)  # one line per skipped row (first few)


def parse_cdx(body: bytes | str) -> CdxPage:
    """Parse a CDX ``output=json`` answer; ValueError only when the whole body is not a JSON list of rows.

    >>> page = parse_cdx('[["timestamp","original","statuscode"],["20250515000000","https://x.org/","200"],["bad"]]')
    >>> page.captures[0].statuscode, page.skipped
    (200, 1)
    """
    try:
        rows = json.loads(body) if body.strip() else []
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"the CDX answer is not JSON: {error}") from None
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ValueError("the CDX answer is not a JSON list of rows")
    if not rows:
        return CdxPage()
    header, rows = [str(name) for name in rows[0]], rows[1:]
    resume_key = None
    if len(rows) >= 2 and rows[-2] == [] and len(rows[-1]) == 1:
        resume_key, rows = str(rows[-1][0]), rows[:-2]
    captures, problems = [], []
    for number, row in enumerate(rows, start=2):
        capture = _capture(header, row)
        if isinstance(capture, str):
            problems.append(f"CDX row {number}: {capture}")
        else:
            captures.append(capture)
    return CdxPage(tuple(captures), resume_key, len(problems), tuple(problems[:20]))


def _capture(header: list[str], row: list[object]) -> Capture | str:
    """A row as a Capture, or why it is malformed."""
    if len(row) != len(header) or not all(isinstance(cell, str) for cell in row):
        return f"{len(row)} cells of strings expected {len(header)}"
    cells = dict(zip(header, (str(cell) for cell in row)))
    timestamp, original = cells.get("timestamp", ""), cells.get("original", "")
    if not _TIMESTAMP.fullmatch(timestamp):
        return f"timestamp {timestamp[:40]!r} is not 14 digits"
    if not original:
        return "no original URL"
    status, length = _number(cells.get("statuscode", "-")), _number(cells.get("length", "-"))
    if status == "bad" or length == "bad":
        return f"statuscode {cells.get('statuscode')!r} or length {cells.get('length')!r} is not a number"
    assert not isinstance(status, str) and not isinstance(length, str)
    return Capture(timestamp, original, cells.get("mimetype", ""), status, cells.get("digest", ""), length)


def _number(text: str) -> int | None | str:
    """A CDX number cell: an int, None for ``-`` (unknown), or ``"bad"``."""
    if text in ("-", ""):
        return None
    return int(text) if text.isdigit() else "bad"
