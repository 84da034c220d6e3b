"""`noai-check demo`: crawl a local SoundCloud replica and write its report (no internet needed)."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from noai_check.cli.common import EXIT_OK
from noai_check.errors import NoaiCheckError


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `demo` subcommand: its options, run by ``cmd_demo``."""
    sub = commands.add_parser("demo", help="crawl a local SoundCloud replica and write its report (no internet needed)", description=cmd_demo.__doc__)
    sub.add_argument("--scenario", default="soundcloud", help="replica scenario name or JSON file (default soundcloud)")
    sub.add_argument("--reports-dir", default="reports", help="where reports go (default reports)")
    sub.add_argument("--max-pages", type=int, default=200, help="content pages to sample (default 200)")
    sub.add_argument("--at", metavar="YYYY-MM-DD",
                     help="audit a local Wayback Machine replica's SoundCloud-like history as of that day instead "
                          "(try 2025-05-15); the report goes to REPORTS_DIR/soundcloud@DAY")
    sub.add_argument("--window", metavar="DAYS", help="with --at: days either side a capture may be (default 30)")
    sub.set_defaults(handler=cmd_demo)


def cmd_demo(args: argparse.Namespace, console: Console) -> int:
    """Start the SoundCloud replica on 127.0.0.1, crawl it with the soundcloud spider, print the report's path."""
    from noai_check.crawl.runner import run_crawl
    from noai_check.replica import start_replica

    if args.max_pages < 1:
        raise NoaiCheckError("--max-pages must be at least 1")
    reports_dir = Path(args.reports_dir)
    if reports_dir.exists() and not reports_dir.is_dir():
        raise NoaiCheckError(f"--reports-dir {reports_dir} is not a directory")
    if args.at is not None or args.window is not None:
        return _demo_archive(args, console)
    replica = start_replica(args.scenario)  # a bad scenario raises ScenarioError, a NoaiCheckError
    try:
        console.print(f"replica of SoundCloud serving at {replica.base_url} (media {replica.media_url})")
        report = run_crawl(
            "soundcloud",
            spider_args={"base_url": replica.base_url, "media_hosts": replica.media_url.split("://", 1)[1],
                         "max_pages": str(args.max_pages), "seed": "demo"},
            settings={"NOAI_REPORTS_DIR": args.reports_dir, "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False,
                      "CONCURRENT_REQUESTS_PER_DOMAIN": 8, "DOWNLOAD_TIMEOUT": 5, "LOG_LEVEL": "WARNING"},
        )
    finally:
        replica.stop()
    console.print(f"open [bold]{escape(str(report.with_suffix('.html')))}[/bold] (JSON: {escape(str(report))})")
    return EXIT_OK


def _demo_archive(args: argparse.Namespace, console: Console) -> int:
    """`demo --at DAY`: the SoundCloud-like archive history (noai_check/replica/archive_history.py), crawled as of DAY."""
    from noai_check.archive import parse_at, parse_window
    from noai_check.crawl.runner import run_crawl
    from noai_check.replica.archive_server import start_archive_replica

    if args.at is None:
        raise NoaiCheckError("--window needs --at YYYY-MM-DD")
    day, window = parse_at(args.at), parse_window(args.window)  # one-line errors, exit 2
    archive = start_archive_replica()
    try:
        console.print(f"replica of the Wayback Machine serving at {archive.url}; auditing SoundCloud as of {day} (±{window} days)")
        report = run_crawl(
            "soundcloud",
            spider_args={"at": day.isoformat(), "window": str(window), "max_pages": str(args.max_pages), "seed": "demo"},
            settings={"NOAI_REPORTS_DIR": args.reports_dir, "NOAI_ARCHIVE_URL": archive.url, "NOAI_ARCHIVE_CDX_DELAY": 0,
                      "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
                      "DOWNLOAD_TIMEOUT": 5, "LOG_LEVEL": "WARNING"},
        )
    finally:
        archive.stop()
    console.print(f"open [bold]{escape(str(report.with_suffix('.html')))}[/bold] (JSON: {escape(str(report))})")
    return EXIT_OK
