"""How a person asks: the ``noai-check`` command, its parser wiring and the one error boundary (``main``).

Each subcommand lives in its own module here (check, probe, robots, demo, report, export, diff, verify, timeline):
its options and its ``cmd_`` function; what they share is in ``common``. May import every
layer; nothing imports it. JSON (``--json``) is for machines; its keys are a stable contract
documented in README.md.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape

from noai_check import __version__
from noai_check.cli import check, demo, diff, distributed, export, probe, report, robots, timeline, verify
from noai_check.cli.common import EXIT_BUG, EXIT_USAGE, Parser
from noai_check.errors import NoaiCheckError


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="noai-check",
        description="Check what a site says about AI training: noai tags, robots.txt per AI crawler, "
        "TDMRep, Content-Usage, Content-Signal, ai.txt, llms.txt. Crawl whole platforms with "
        "`scrapy crawl soundcloud`.",
        epilog="Exit codes: 0 done; 1 `verify` failed, or `timeline`/`collect` could not finish (one line on stderr); "
        "2 bad usage or input (one line on stderr); "
        "3 a bug in noai-check (traceback shown).",
    )
    parser.add_argument("--version", action="version", version=f"noai-check {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    for command in (check, probe, robots, demo, report, export, diff, verify, timeline, distributed):  # the order `--help` lists them in
        command.add_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: parse, run, and turn every expected failure (a NoaiCheckError) into one line and exit 2.

    Exit codes: 0 done, 1 `verify` failed or the work could not be finished, 2 bad usage or input, 3 a bug (traceback shown), 130 Ctrl-C.
    """
    console = Console()
    errors = Console(stderr=True, soft_wrap=True)  # one line, whatever the terminal width
    try:
        args = build_parser().parse_args(argv)
        if not getattr(args, "handler", None):
            build_parser().print_help()
            return EXIT_USAGE
        return int(args.handler(args, console))
    except NoaiCheckError as error:  # RegistryError and ScenarioError are NoaiCheckErrors too
        errors.print(f"[red]error:[/red] {escape(str(error))}", highlight=False)
        return int(getattr(error, "exit_code", EXIT_USAGE))
    except KeyboardInterrupt:
        errors.print("interrupted")
        return 130
    except Exception:  # noqa: BLE001 - not blind: the traceback is printed in full below
        # Anything else is a bug: show its traceback, and exit with a code of its own, because
        # Python's default 1 would read as "regression" to a CI job running `verify`.
        errors.print_exception()
        errors.print(f"[red]internal error:[/red] this is a bug in noai-check {__version__}; please report it with the "
                     "traceback above", highlight=False)
        return EXIT_BUG


if __name__ == "__main__":
    sys.exit(main())
