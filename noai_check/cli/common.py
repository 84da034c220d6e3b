"""What the commands share: exit codes, the argparse that raises, --agent handling, JSON output."""

from __future__ import annotations

import argparse
import json
import sys

from noai_check.errors import NoaiCheckError
from noai_check.judge.registry import Registry, load_registry

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 3


class Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so every usage error goes through one boundary."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise NoaiCheckError(f"{self.prog}: {message}")


def selected_registry(args: argparse.Namespace) -> Registry:
    """The registry, narrowed to ``--agent``; a token it does not know is a usage error, not a guess."""
    registry = load_registry(args.agents_file)
    if not args.agent:
        return registry
    unknown = [token for token in args.agent if token.strip() not in registry]
    if unknown:
        where = f"the registry ({len(registry)} agents, e.g. {', '.join(registry.tokens()[:4])})"
        raise NoaiCheckError(f"unknown --agent {unknown[0]!r}: not in {where}, listed in noai_check/judge/data/agents.json; "
                             "add your own with --agents-file (a text file, one `token,purpose` a line)")
    return registry.select(args.agent)


def print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def agent_options(sub: argparse.ArgumentParser) -> None:
    """--agent, --agents-file and --json: the options of the commands that judge agents."""
    sub.add_argument("--agent", action="append", metavar="TOKEN",
                     help="judge only this agent (repeatable; a token the registry knows, or one added with --agents-file); default: the whole registry")
    sub.add_argument("--agents-file", metavar="FILE", help="add agents from a JSON file or a text file of tokens")
    sub.add_argument("--json", action="store_true", help="print JSON (stable keys) instead of tables")
