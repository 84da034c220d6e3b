"""`noai-check diff PLATFORM`: what changed between two recorded runs of a platform."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from noai_check.cli.common import EXIT_OK, print_json


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `diff` subcommand: its options, run by ``cmd_diff``."""
    sub = commands.add_parser("diff", help="what changed between two recorded runs of a platform", description=cmd_diff.__doc__)
    sub.add_argument("platform", help="platform (report folder) name, e.g. soundcloud, or sites-LIST for a domain list")
    sub.add_argument("--reports-dir", default="reports", help="where reports and history.sqlite are (default reports)")
    sub.add_argument("--from", dest="from_run", type=_run_id, metavar="RUN", help="earlier run id (default: the complete run before --to)")
    sub.add_argument("--to", dest="to_run", type=_run_id, metavar="RUN", help="later run id (default: the latest complete run)")
    sub.add_argument("--json", action="store_true", help="print JSON (stable keys) instead of text")
    sub.set_defaults(handler=cmd_diff)


def _run_id(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a run id is a number (see `noai-check diff` output), not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"run ids start at 1, not {value}")
    return value


SITES_PREFIX = "sites-"  # reports/sites-<list>: a domain list (`scrapy crawl sites`), with its own history


def _diff_sites(args: argparse.Namespace, console: Console) -> int:
    """`noai-check diff sites-LIST`: which domains started or stopped blocking each agent."""
    from noai_check.history.sites import diff_lines, diff_sites

    result = diff_sites(Path(args.reports_dir), args.platform[len(SITES_PREFIX):], args.from_run, args.to_run)
    if args.json:
        print_json(result)
        return EXIT_OK
    for line in diff_lines(result):
        console.print(escape(line), highlight=False, soft_wrap=True)
    return EXIT_OK


_LABELS = {True: "[red bold]LOST[/red bold]   ", False: "changed"}


def cmd_diff(args: argparse.Namespace, console: Console) -> int:
    """Compare two complete runs from history.sqlite (default: the last two) and list every change.
    The history is only read (it may be read-only); exit 2 when it cannot be read or there is nothing to compare."""
    from noai_check.history.diff import diff_history

    if args.platform.startswith(SITES_PREFIX):
        return _diff_sites(args, console)
    result = diff_history(Path(args.reports_dir), args.platform, args.from_run, args.to_run)
    if args.json:
        print_json(result)
        return EXIT_OK
    before, after = result["from"], result["to"]
    console.print(f"{escape(args.platform)}: run {before['run_id']} ({_when(before)}) -> run {after['run_id']} "
                  f"({_when(after)}): {len(result['changes'])} changes, {result['regressions']} lost protection",
                  highlight=False, soft_wrap=True)
    for skipped in result["skipped_incomplete"]:
        console.print(f"  skipped incomplete run {skipped['run_id']} ({escape(str(skipped['finish_reason']))})", highlight=False)
    for change in result["changes"]:
        console.print(f"{_LABELS[change['regression']]} {escape(change['kind'])}: {escape(change['summary'])}",
                      highlight=False, soft_wrap=True)
        if change["kind"] == "robots.txt" and change.get("diff"):
            console.print(escape(change["diff"]), style="dim", highlight=False)
        if change["kind"] == "terms":
            for sign, key in (("+", "added_clauses"), ("-", "removed_clauses")):
                for clause in change[key]:
                    ai = "[bold]AI[/bold] " if clause["ai"] else ""
                    console.print(f"    {sign} {ai}\u201c{escape(clause['text'])}\u201d", highlight=False, soft_wrap=True)
            for pair in change["changed_clauses"]:
                ai = "[bold]AI[/bold] " if pair["ai"] else ""
                console.print(f"    ~ {ai}\u201c{escape(pair['before'])}\u201d -> \u201c{escape(pair['after'])}\u201d",
                              highlight=False, soft_wrap=True)
    return EXIT_OK


def _when(run: dict[str, object]) -> str:
    """When a run finished; an archive audit also says which day it shows."""
    return f"{run['finished_at']}, archive as of {run['as_of']}" if run.get("archived") else str(run["finished_at"])
