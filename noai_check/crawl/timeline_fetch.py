"""``noai-check timeline``'s fetching: every distinct archived version of a site's files, each replayed once.

For each site file and terms page: one CDX listing (``collapse=digest``, paged by resume key), then
the raw replay of each version, a few at a time, the robots.txt ones streamed into the per-agent
lanes in capture order. A captured 3xx is followed through the archive (at most 5 hops, RFC 9309).
When the archive stops answering, what was read is kept, the versions not read are listed as
unknown with the reason, and the timeline is marked incomplete.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from noai_check.archive.cdx import Capture, CdxQuery, parse_cdx
from noai_check.archive.pacing import CDX, REPLAY, ArchiveRefused
from noai_check.archive.replay import parse_replay_url, replay_url, unwrap_headers
from noai_check.crawl.archive_client import ArchiveClient, ArchiveUnavailable
from noai_check.history.timeline import RobotsTimeline, TimelineInput, build_timeline
from noai_check.history.timeline_files import ROBOTS, SITE_FILES, FileVersion
from noai_check.timestamps import now

MAX_REDIRECTS = 5
MAX_PAGES = 1000  # CDX pages per file: a resume key that never ends must not loop forever


@dataclass
class TimelineRequest:
    """What to build: the platform, its host, the range as CDX stamps and as timestamps, the agents."""

    platform: str
    base_url: str
    archive_url: str
    from_ts: str | None  # 1-14 digits, or None for "since the first capture"
    to_ts: str
    end: str  # the one timestamp format
    start: str | None
    tokens: list[str]
    sample_paths: dict[str, str]
    terms_paths: tuple[str, ...] = ()
    progress: Callable[[str], object] = field(default=lambda line: None)

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc.lower()


class _Stop(Exception):
    """The archive stopped answering: the reason, for the rest of the run."""


def list_versions(client: ArchiveClient, request: TimelineRequest, path: str, findings: list[str]) -> list[Capture]:
    """Every distinct version of one file in the range, in capture order (malformed rows skipped, noted)."""
    query = CdxQuery(f"{request.host}{path}", from_ts=request.from_ts, to_ts=request.to_ts, collapse="digest")
    captures: list[Capture] = []
    seen_keys: set[str] = set()
    for _ in range(MAX_PAGES):
        answer = client.get(query.to_url(request.archive_url), CDX)
        if answer.status != 200 or answer.body is None:
            raise ArchiveUnavailable(f"the archive's CDX API answered {answer.status} for {path}"
                                     + (f" ({answer.error})" if answer.error else ""))
        try:
            page = parse_cdx(answer.body)
        except ValueError as error:
            raise ArchiveUnavailable(f"the archive's CDX answer for {path} is not usable: {error}") from None
        captures += page.captures
        findings += [f"{path}: {problem} (skipped)" for problem in page.problems]
        if page.skipped > len(page.problems):
            findings.append(f"{path}: {page.skipped - len(page.problems)} more malformed CDX rows skipped")
        if not page.resume_key or page.resume_key in seen_keys:
            break
        seen_keys.add(page.resume_key)
        query = query.next_page(page.resume_key)
    return sorted(captures, key=lambda c: c.timestamp)


def fetch_version(client: ArchiveClient, archive_url: str, path: str, capture: Capture) -> FileVersion:
    """One version's replay, its redirects followed through the archive; a failed replay is a version without a body."""
    first = url = replay_url(archive_url, capture.timestamp, capture.original)
    redirected_to = None
    for _ in range(MAX_REDIRECTS + 1):
        answer = client.get(url, REPLAY)
        if answer.body is None:
            return FileVersion(path, capture.original, capture.timestamp, first, answer.status, None, error=answer.error)
        if not 300 <= answer.status < 400:
            own = unwrap_headers(answer.headers)
            content_type = next((v for k, v in own if k.lower() == "content-type"), "")
            return FileVersion(path, capture.original, capture.timestamp, first, answer.status, answer.body,
                               content_type, redirected_to=redirected_to)
        target = urljoin(url, answer.header("Location") or "")
        replayed = parse_replay_url(target)
        if replayed is None or not target.startswith(archive_url.rstrip("/") + "/"):
            return FileVersion(path, capture.original, capture.timestamp, first, answer.status, None,
                               error=f"the captured {answer.status} redirects outside the archive")
        url, redirected_to = target, replayed[1]
    return FileVersion(path, capture.original, capture.timestamp, first, None, None,
                       error=f"more than {MAX_REDIRECTS} redirects (RFC 9309: unavailable)")


def _not_read(path: str, archive_url: str, capture: Capture, reason: str) -> FileVersion:
    return FileVersion(path, capture.original, capture.timestamp, replay_url(archive_url, capture.timestamp, capture.original),
                       None, None, error=f"not read: {reason}")


class _Run:
    """One timeline run: the versions read so far, and why it stopped early, if it did."""

    def __init__(self, request: TimelineRequest, client: ArchiveClient, workers: int) -> None:
        self.request, self.client, self.workers = request, client, workers
        self.robots = RobotsTimeline(request.tokens, request.sample_paths)
        self.versions: dict[str, list[FileVersion]] = {}
        self.findings: list[str] = []
        self.stopped: str | None = None

    def file(self, path: str) -> None:
        """List and replay one file's versions; after a stop, list nothing more."""
        if self.stopped:
            self.findings.append(f"{path}: not listed ({self.stopped})")
            return
        try:
            captures = list_versions(self.client, self.request, path, self.findings)
        except (ArchiveRefused, ArchiveUnavailable) as error:
            self.stopped = str(error)
            return
        self.request.progress(f"{path}: {len(captures)} version{'s' if len(captures) != 1 else ''}")
        if captures:
            self.versions[path] = self._replay(path, captures)

    def _replay(self, path: str, captures: list[Capture]) -> list[FileVersion]:
        """Each capture replayed once, a few at a time, consumed in capture order."""
        out: list[FileVersion] = []
        archive = self.request.archive_url
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            results = pool.map(lambda c: fetch_version(self.client, archive, path, c), captures)
            try:
                for done, version in enumerate(results, start=1):
                    self._take(path, version, out)
                    if done % 250 == 0:
                        self.request.progress(f"{path}: {done} of {len(captures)} versions read")
            except (ArchiveRefused, ArchiveUnavailable) as error:
                self.stopped = str(error)
                self.client.stop(self.stopped)
                pool.shutdown(wait=False, cancel_futures=True)
            except BaseException:  # Ctrl-C: stop at once (the previous timeline files stay as they were)
                self.client.stop("interrupted")
                pool.shutdown(wait=False, cancel_futures=True)
                raise
        for capture in captures[len(out):]:  # what the stop left unread is unknown, never "unchanged"
            self._take(path, _not_read(path, archive, capture, self.stopped or "the run stopped"), out)
        return out

    def _take(self, path: str, version: FileVersion, out: list[FileVersion]) -> None:
        if version.error:
            self.findings.append(f"{path} captured {version.when}: {version.error}")
        if path == ROBOTS:
            self.robots.add(version)
        out.append(version)


def build_archive_timeline(request: TimelineRequest, client: ArchiveClient, workers: int = 4) -> dict[str, object]:
    """timeline.json's content from the archive: complete, or marked incomplete with the reason it stopped."""
    run = _Run(request, client, workers)
    for path in (*SITE_FILES, *request.terms_paths):
        run.file(path)
    firsts = [v.when for versions in run.versions.values() for v in versions[:1]]
    start = request.start or (min(firsts) if firsts else request.end)
    data = TimelineInput(request.platform, request.host, start, request.end, request.tokens, request.sample_paths,
                         run.versions, request.terms_paths)
    timeline = build_timeline(data, run.robots)
    timeline.update(
        base_url=request.base_url, archive=request.archive_url, generated_at=now(), terms_paths=list(request.terms_paths),
        complete=run.stopped is None, incomplete_reason=run.stopped, findings=run.findings,
        archive_requests=client.requests,
    )
    return timeline
