"""`noai-check robots FILE`: evaluate a saved robots.txt offline, per agent and URL."""

from __future__ import annotations

import argparse
from pathlib import Path
from urllib.parse import urlsplit

from rich.console import Console

from noai_check.cli.common import EXIT_OK, agent_options, print_json, selected_registry
from noai_check.errors import NoaiCheckError


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `robots` subcommand: its options, run by ``cmd_robots``."""
    sub = commands.add_parser("robots", help="evaluate a saved robots.txt offline", description=cmd_robots.__doc__)
    sub.add_argument("file", help="a robots.txt file")
    sub.add_argument("--status", type=_http_status, default=200, help="HTTP status to evaluate it as (default 200; 4xx allow all, 5xx/429 disallow all)")
    sub.add_argument("--url", action="append", metavar="URL", help="URL or path to judge (repeatable; default: /)")
    sub.add_argument("--urls-file", metavar="FILE", help="a file of URLs or paths, one per line")
    agent_options(sub)
    sub.set_defaults(handler=cmd_robots)


def cmd_robots(args: argparse.Namespace, console: Console) -> int:
    """Evaluate a saved robots.txt offline, as if fetched with ``--status``."""
    from noai_check.judge.robots_file import robots_report
    from noai_check.report.terminal import print_robots_report

    path = Path(args.file)
    try:
        body = path.read_bytes()
    except OSError as error:
        raise NoaiCheckError(f"cannot read {path}: {error.strerror or error}") from None
    urls = list(args.url or [])
    if args.urls_file:
        urls += _read_urls(Path(args.urls_file))
    for url in urls:
        _check_url_or_path(url)
    report = robots_report(body, args.status, urls or ["/"], selected_registry(args))
    if args.json:
        print_json(report)
    else:
        print_robots_report(console, report, str(path))
    return EXIT_OK


def _read_urls(path: Path) -> list[str]:
    """The non-blank lines of a --urls-file."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        raise NoaiCheckError(f"cannot read --urls-file {path}: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise NoaiCheckError(f"--urls-file {path} is not UTF-8 text (byte {error.start})") from None
    return [u.strip() for u in text.splitlines() if u.strip()]


def _check_url_or_path(url: str) -> None:
    """A URL or path that robots.txt matching can split (``http://[::1`` cannot)."""
    try:
        urlsplit(url).port  # noqa: B018 - raises for a malformed host or port
    except ValueError as error:
        raise NoaiCheckError(f"not a valid URL or path {url!r}: {error}") from None


def _http_status(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"an HTTP status is a number from 100 to 599, not {text!r}") from None
    if not 100 <= value <= 599:
        raise argparse.ArgumentTypeError(f"an HTTP status is a number from 100 to 599, not {value}")
    return value
