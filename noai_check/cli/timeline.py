"""`noai-check timeline PLATFORM`: the platform's AI policy over time, as the Internet Archive kept it."""

from __future__ import annotations

import argparse
import json
import os
import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from rich.console import Console
from rich.markup import escape

from noai_check.cli.common import EXIT_OK, print_json
from noai_check.errors import IncompleteRunError, NoaiCheckError
from noai_check.timestamps import format_timestamp, now, parse_timestamp

if TYPE_CHECKING:
    from noai_check.crawl.config import CrawlConfig

_PERIOD = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
FIRST_YEAR = 1996  # the archive's first captures


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `timeline` subcommand: its options, run by ``cmd_timeline``."""
    sub = commands.add_parser("timeline", help="a platform's AI policy over time, from the Internet Archive",
                              description=cmd_timeline.__doc__)
    sub.add_argument("platform", help="platform name, e.g. soundcloud (or `site` with --base-url)")
    sub.add_argument("--from", dest="start", metavar="YYYY[-MM[-DD]]", help="first day (default: the first archived version)")
    sub.add_argument("--to", dest="end", metavar="YYYY[-MM[-DD]]", help="last day, whole (default: today)")
    sub.add_argument("--base-url", help="the site to follow (default: the platform's own)")
    sub.add_argument("--archive-url", help="the archive (default: $NOAI_ARCHIVE_URL, else https://web.archive.org); "
                     "$NOAI_ARCHIVE_CDX_DELAY sets the seconds between CDX requests (default 2.5), "
                     "$NOAI_ARCHIVE_REPLAYS the replays at a time (default 4)")
    sub.add_argument("--reports-dir", default="reports", help="where to write <platform>/timeline.json and .html (default reports)")
    sub.add_argument("--json", action="store_true", help="print timeline.json instead of a summary")
    sub.set_defaults(handler=cmd_timeline)


def parse_period(text: str, *, end: bool, what: str) -> datetime:
    """YYYY, YYYY-MM or YYYY-MM-DD as its first moment (``end``: its last second), UTC."""
    found = _PERIOD.fullmatch(text.strip())
    if not found:
        raise NoaiCheckError(f"{what} must be YYYY, YYYY-MM or YYYY-MM-DD, not {text!r}")
    year, month, day = int(found.group(1)), int(found.group(2) or 1), int(found.group(3) or 1)
    try:
        first = datetime(year, month, day, tzinfo=timezone.utc)
    except ValueError as error:
        raise NoaiCheckError(f"{what} {text!r} is not a date: {error}") from None
    if year < FIRST_YEAR:
        raise NoaiCheckError(f"{what} {text!r} is before {FIRST_YEAR}, when the archive began")
    if not end:
        return first
    if found.group(3):
        following = first + timedelta(days=1)
    elif found.group(2):
        following = (first + timedelta(days=32)).replace(day=1)
    else:
        following = first.replace(year=year + 1)
    return following - timedelta(seconds=1)


def date_range(start: str | None, end: str | None, today: datetime) -> tuple[datetime | None, datetime]:
    """The range asked for: --from's first moment (or None), --to's last second capped at now."""
    first = parse_period(start, end=False, what="--from") if start else None
    last = parse_period(end, end=True, what="--to") if end else today
    if first is not None and first > today:
        raise NoaiCheckError(f"--from {start} is in the future: the archive holds only the past")
    if end and parse_period(end, end=False, what="--to") > today:
        raise NoaiCheckError(f"--to {end} is in the future: the archive holds only the past")
    last = min(last, today)
    if first is not None and first > last:
        raise NoaiCheckError(f"--from {start} is after --to {end}")
    return first, last


class _Environment:
    """The archive settings from the environment, read by CrawlConfig as a crawl reads its own settings."""

    NAMES = ("NOAI_ARCHIVE_URL", "NOAI_ARCHIVE_CDX_DELAY", "NOAI_ARCHIVE_REPLAYS")

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.values = {name: environ[name] for name in self.NAMES if name in environ}

    def get(self, name: str, default: object = None) -> object:
        return self.values.get(name, default)

    def getbool(self, name: str, default: bool = False) -> bool:
        return default


def archive_config(environ: Mapping[str, str]) -> CrawlConfig:
    """$NOAI_ARCHIVE_URL, $NOAI_ARCHIVE_CDX_DELAY (seconds, a finite number >= 0) and $NOAI_ARCHIVE_REPLAYS."""
    from noai_check.crawl.config import CrawlConfig

    try:
        config = CrawlConfig.from_settings(_Environment(environ))
    except ValueError as error:
        raise NoaiCheckError(str(error)) from None  # CrawlConfig refuses nan, inf and negatives
    return config


def _target(args: argparse.Namespace) -> tuple[str, str, tuple[str, ...], str]:
    """(platform, base URL, terms paths, report folder name) from PLATFORM and --base-url."""
    from noai_check.crawl.fetch_one import check_url
    from noai_check.platforms import PLATFORMS, SITE

    platform = PLATFORMS.get(args.platform) or (SITE if args.platform == SITE.name else None)
    if platform is None:
        raise NoaiCheckError(f"unknown platform {args.platform!r}; known: {', '.join(sorted(PLATFORMS))}, or `site` with --base-url")
    if platform.name == SITE.name and not args.base_url:
        raise NoaiCheckError("`timeline site` needs --base-url (the site to follow)")
    base_url = check_url(args.base_url) if args.base_url else platform.base_url
    if platform.name == SITE.name:
        platform = replace(SITE, base_url=base_url)
    folder = platform.name if platform.name != SITE.name else urlsplit(base_url).netloc.lower().replace(":", "_")
    return platform.name, base_url, platform.terms_paths, folder


def cmd_timeline(args: argparse.Namespace, console: Console) -> int:
    """Every distinct archived version of the platform's robots.txt, tdmrep.json, ai.txt, llms.txt and terms
    pages in the range, each fetched once: per AI agent, when robots.txt blocked it (at the root and on each
    page type's sample path), Content-Signal/tdmrep/ai.txt changes, AI clauses added to or removed from the
    terms. Writes timeline.json and timeline.html; exit 2 with one line when the archive stopped answering."""
    from noai_check.crawl.fetch_one import check_url

    name, base_url, terms_paths, folder = _target(args)
    config = archive_config(os.environ)
    archive_url = check_url(args.archive_url or config.archive_url).rstrip("/")
    first, last = date_range(args.start, args.end, parse_timestamp(now()))
    timeline = _build(config, name, base_url, terms_paths, archive_url, first, last)
    out = Path(args.reports_dir) / folder
    written = _write(out, timeline)
    if args.json:
        print_json(timeline)
    else:
        _print_summary(console, timeline, out if written else None)
    if not timeline["complete"]:
        kept = "timeline.json written, marked incomplete" if written else f"the previous {out / 'timeline.json'} is kept"
        raise IncompleteRunError(f"timeline incomplete: {timeline['incomplete_reason']} ({kept})")
    return EXIT_OK


def _build(config: CrawlConfig, name: str, base_url: str, terms_paths: tuple[str, ...], archive_url: str,
           first: datetime | None, last: datetime) -> dict[str, Any]:
    from noai_check.archive.pacing import ArchivePacer
    from noai_check.crawl.archive_client import ArchiveClient
    from noai_check.crawl.timeline_fetch import TimelineRequest, build_archive_timeline
    from noai_check.judge.registry import load_registry
    from noai_check.platforms.sample_paths import sample_paths

    errors = Console(stderr=True, soft_wrap=True)

    def progress(line: str) -> None:
        errors.print(f"[dim]{escape(line)}[/dim]", highlight=False)

    def waiting(seconds: float, why: str) -> None:
        progress(f"{why}: waiting {seconds:.0f} s before asking again")

    pacer = ArchivePacer(cdx_delay=config.archive_cdx_delay, max_replays=config.archive_replays)
    client = ArchiveClient(pacer, on_wait=waiting)
    request = TimelineRequest(
        platform=name, base_url=base_url, archive_url=archive_url,
        from_ts=first.strftime("%Y%m%d") if first else None, to_ts=last.strftime("%Y%m%d%H%M%S"),
        end=format_timestamp(last), start=format_timestamp(first) if first else None,
        tokens=load_registry().tokens(), sample_paths=sample_paths(name), terms_paths=terms_paths, progress=progress,
    )
    progress(f"asking {archive_url} for the versions of {request.host}'s files")
    return build_archive_timeline(request, client, workers=config.archive_replays)


def _write(out: Path, timeline: dict[str, Any]) -> bool:
    """timeline.json and timeline.html, atomically; an incomplete one never replaces a previous timeline.
    Then report.html, when there is one, is rebuilt so it links the timeline."""
    from noai_check.files import write_atomic
    from noai_check.report.timeline_html import render_timeline_html

    if not timeline["complete"] and (out / "timeline.json").exists():
        return False
    try:
        out.mkdir(parents=True, exist_ok=True)
        write_atomic(out / "timeline.json", json.dumps(timeline, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
        write_atomic(out / "timeline.html", render_timeline_html(timeline, has_report=(out / "report.html").exists()))
    except OSError as error:
        raise NoaiCheckError(f"timeline not written: {error.strerror or error}: {error.filename or out}") from None
    _relink_report(out)
    return True


def _relink_report(out: Path) -> None:
    """Rebuild the stored crawl's report so report.html links timeline.html (a folder without a crawl has none)."""
    from noai_check.report.rebuild import rebuild_report

    if not (out / "run.json").exists() or not (out / "report.html").exists():
        return
    try:
        rebuild_report(out.parent, out.name)
    except NoaiCheckError as error:
        Console(stderr=True, soft_wrap=True).print(f"[yellow]warning:[/yellow] report.html not relinked to the timeline: "
                                                   f"{escape(str(error))}", highlight=False)


def _print_summary(console: Console, timeline: dict[str, Any], out: Path | None) -> None:
    versions = ", ".join(f"{path} {len(v)}" for path, v in timeline["versions"].items()) or "none"
    console.print(f"{escape(timeline['host'])} from {timeline['from'][:10]} to {timeline['to'][:10]}: versions {escape(versions)}",
                  highlight=False, soft_wrap=True)
    blocked = sorted((when, token) for token, when in timeline["first_blocked"].items() if when)
    console.print(f"{len(blocked)} of {len(timeline['first_blocked'])} AI agents blocked at some time"
                  + (":" if blocked else ""), highlight=False)
    for when, token in blocked[:25]:
        console.print(f"  {escape(token)} first blocked {when}", highlight=False)
    if len(blocked) > 25:
        console.print(f"  ... and {len(blocked) - 25} more (timeline.json)", highlight=False)
    for entry in timeline["terms"]:
        for sign, key in (("+", "ai_clauses_added"), ("-", "ai_clauses_removed")):
            for text in entry[key]:
                console.print(f"  terms {entry['captured_at'][:10]} {sign} AI \u201c{escape(text[:200])}\u201d", highlight=False, soft_wrap=True)
    for change in timeline["changes"]:
        console.print(f"  {change['captured_at'][:10]} {escape(change['what'])} changed", highlight=False)
    if out is not None:
        console.print(f"wrote {escape(str(out / 'timeline.json'))} and {escape(str(out / 'timeline.html'))}", highlight=False)
