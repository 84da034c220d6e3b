"""`noai-check verify PLATFORM`: the CI gate, exit 1 when the latest run lost protection."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from noai_check.cli.common import print_json


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `verify` subcommand: its options, run by ``cmd_verify``."""
    sub = commands.add_parser("verify", help="CI gate: exit 1 when the latest run lost protection", description=cmd_verify.__doc__)
    sub.add_argument("platform", help="platform (report folder) name, e.g. soundcloud")
    sub.add_argument("--reports-dir", default="reports", help="where reports and history.sqlite are (default reports)")
    sub.add_argument("--fail-on", default="regression", metavar="LIST",
                     help="comma-separated: regression (default), claims (a claim not verified), incomplete (the newest run was interrupted); "
                     "a run that read no page at all always fails")
    sub.add_argument("--json", action="store_true", help="print JSON (stable keys) instead of text")
    sub.set_defaults(handler=cmd_verify)


def cmd_verify(args: argparse.Namespace, console: Console) -> int:
    """Exit 0 when the latest complete run kept every protection; 1 when it did not, or read no page at all
    (one line per reason); 2 when there is no complete run or the history cannot be read."""
    from noai_check.history.verify import parse_fail_on, verify

    result = verify(Path(args.reports_dir), args.platform, parse_fail_on(args.fail_on))
    if args.json:
        print_json(result.to_json())
        return result.exit_code
    compared = f" against run {result.previous.run_id}" if result.previous else ""
    for warning in result.warnings:
        console.print(f"[yellow]warning[/yellow] {escape(warning)}", highlight=False, soft_wrap=True)
    for failure in result.failures:
        console.print(f"[red bold]FAIL[/red bold] {escape(failure['category'])}: {escape(failure['summary'])}",
                      highlight=False, soft_wrap=True)
    verdict = f"[red bold]FAILED[/red bold]: {len(result.failures)} reason(s)" if result.failures else "[green bold]OK[/green bold]"
    console.print(f"verify {escape(args.platform)} run {result.run.run_id}{compared} "
                  f"(--fail-on {','.join(result.fail_on)}): {verdict}", highlight=False)
    return result.exit_code
