"""`noai-check export PLATFORM --format jsonl|csv`: a stored crawl's records as one file, verdicts inline."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from rich.console import Console

from noai_check.cli.common import EXIT_OK
from noai_check.errors import NoaiCheckError


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `export` subcommand: its options, run by ``cmd_export``."""
    sub = commands.add_parser("export", help="a stored crawl's records as one JSON-lines or CSV file, verdicts inline",
                              description=cmd_export.__doc__)
    sub.add_argument("platform", help="platform (report folder) name, e.g. soundcloud")
    sub.add_argument("--reports-dir", default="reports", help="where reports are (default reports)")
    sub.add_argument("--format", required=True, choices=("jsonl", "csv"),
                     help="jsonl: each record with its `agents` map inline (the form before verdicts.jsonl); "
                     "csv: one row per record, its scalar fields and a robots:AGENT and training:AGENT column per agent")
    sub.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    sub.set_defaults(handler=cmd_export)


def cmd_export(args: argparse.Namespace, console: Console) -> int:
    """Write a stored crawl's page and media records (pages.jsonl, then media.jsonl) as one file, each
    with its per-agent verdict map inline (read from verdicts.jsonl), to stdout or --output."""
    from noai_check.report.export import check_stored, write_csv, write_jsonl

    out = Path(args.reports_dir) / args.platform
    check_stored(out)
    write = write_csv if args.format == "csv" else write_jsonl
    if args.output is None:
        try:
            write(out, sys.stdout)
            sys.stdout.flush()
        except BrokenPipeError:  # `export ... | head`: the reader has what it wanted; no error at exit either
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    target = Path(args.output)
    partial = target.with_name(f".{target.name}.partial")  # a failed export leaves no half file under the name asked for
    try:
        with partial.open("w", encoding="utf-8", newline="") as stream:
            count = write(out, stream)
        os.replace(partial, target)
    except OSError as error:
        raise NoaiCheckError(f"cannot write {args.output}: {error.strerror or error}") from None
    finally:
        partial.unlink(missing_ok=True)
    console.print(f"{count} records written to {args.output}", highlight=False, markup=False)
    return EXIT_OK
