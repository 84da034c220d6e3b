"""`noai-check check URL`: fetch a page and its site files, judge every AI signal on it."""

from __future__ import annotations

import argparse

from rich.console import Console

from noai_check.cli.common import EXIT_OK, agent_options, print_json, selected_registry
from noai_check.crawl.fetch_one import MAX_TIMEOUT, check_timeout, check_url
from noai_check.errors import NoaiCheckError


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `check` subcommand: its options, run by ``cmd_check``."""
    sub = commands.add_parser("check", help="fetch a URL and judge every AI signal on it", description=cmd_check.__doc__)
    sub.add_argument("url", help="the page to check (http or https)")
    sub.add_argument("--timeout", type=_timeout, default=20.0, metavar="SECONDS",
                     help="seconds allowed for each fetch (the page, then each site file), redirects and body included (default 20)")
    agent_options(sub)
    sub.set_defaults(handler=cmd_check)


def _timeout(text: str) -> float:
    try:
        return check_timeout(float(text))
    except (ValueError, NoaiCheckError):
        raise argparse.ArgumentTypeError(f"a timeout is a number of seconds above 0 and at most {MAX_TIMEOUT:g}, not {text!r}") from None


def cmd_check(args: argparse.Namespace, console: Console) -> int:
    """Fetch a URL and its site files, then print every signal and a verdict per agent."""
    from noai_check.crawl.fetch_one import fetch, fetch_site
    from noai_check.judge.page_judgement import analyze
    from noai_check.report.terminal import print_analysis

    url = check_url(args.url)
    registry = selected_registry(args)
    response = fetch(url, timeout=args.timeout)
    if response.status is None:
        raise NoaiCheckError(response.error or f"could not fetch {args.url}")
    site = fetch_site(response.final_url or url, timeout=args.timeout)
    analysis = analyze(response, site, registry)
    if args.json:
        data = analysis.to_json()
        # As the terminal shows them: the page's findings, then its site files' (pages.jsonl keeps
        # page findings only; a crawl's site findings are in report.json, once per host).
        data["findings"] = [finding.to_json() for finding in [*analysis.findings, *site.findings]]
        print_json(data)
    else:
        print_analysis(console, analysis, registry)
    return EXIT_OK
