"""`noai-check report PLATFORM`: rebuild report.json and report.html from a stored crawl."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from noai_check.cli.common import EXIT_OK


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `report` subcommand: its options, run by ``cmd_report``."""
    sub = commands.add_parser("report", help="rebuild report.json and report.html from a stored crawl", description=cmd_report.__doc__)
    sub.add_argument("platform", help="platform (report folder) name, e.g. soundcloud")
    sub.add_argument("--reports-dir", default="reports", help="where reports are (default reports)")
    sub.set_defaults(handler=cmd_report)


def cmd_report(args: argparse.Namespace, console: Console) -> int:
    """Rebuild a platform's report.json and report.html from pages.jsonl and run.json, without crawling."""
    from noai_check.report.rebuild import rebuild_report

    path = rebuild_report(Path(args.reports_dir), args.platform)
    console.print(f"rebuilt {escape(str(path))} and {escape(str(path.with_suffix('.html')))}")
    return EXIT_OK
