"""The ``noai-check`` command: argument parsing, the one error boundary, and rich output for people.

JSON (``--json``) is for machines; its keys are a stable contract documented in README.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from . import __version__
from .errors import NoaiCheckError
from .registry import Registry, RegistryError, load_registry

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so every usage error goes through one boundary."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise NoaiCheckError(f"{self.prog}: {message}")


def _registry(args: argparse.Namespace) -> Registry:
    registry = load_registry(args.agents_file)
    return registry.select(args.agent) if args.agent else registry


def _print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def cmd_check(args: argparse.Namespace, console: Console) -> int:
    """Fetch a URL and its site files, then print every signal and a verdict per agent."""
    from .analysis import analyze
    from .fetch import fetch, fetch_site
    from .render_terminal import print_analysis

    registry = _registry(args)
    if not args.url.startswith(("http://", "https://")):
        raise NoaiCheckError(f"not an http(s) URL: {args.url!r}")
    response = fetch(args.url, timeout=args.timeout)
    if response.status is None:
        raise NoaiCheckError(response.error or f"could not fetch {args.url}")
    site = fetch_site(response.final_url or args.url, timeout=args.timeout)
    analysis = analyze(response, site, registry)
    if args.json:
        _print_json(analysis.to_json())
    else:
        print_analysis(console, analysis, registry)
    return EXIT_OK


def cmd_robots(args: argparse.Namespace, console: Console) -> int:
    """Evaluate a saved robots.txt offline, as if fetched with ``--status``."""
    from .render_terminal import print_robots_report
    from .robots_report import robots_report

    path = Path(args.file)
    try:
        body = path.read_bytes()
    except OSError as error:
        raise NoaiCheckError(f"cannot read {path}: {error.strerror or error}") from None
    urls = list(args.url or [])
    if args.urls_file:
        try:
            urls += [u.strip() for u in Path(args.urls_file).read_text(encoding="utf-8").splitlines() if u.strip()]
        except (OSError, UnicodeDecodeError) as error:
            raise NoaiCheckError(f"cannot read {args.urls_file}: {error}") from None
    report = robots_report(body, args.status, urls or ["/"], _registry(args))
    if args.json:
        _print_json(report)
    else:
        print_robots_report(console, report, str(path))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="noai-check",
        description="Check what a site says about AI training: noai tags, robots.txt per AI crawler, "
        "TDMRep, Content-Usage, Content-Signal, ai.txt, llms.txt. Crawl whole platforms with "
        "`scrapy crawl soundcloud`.",
    )
    parser.add_argument("--version", action="version", version=f"noai-check {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def agent_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--agent", action="append", metavar="TOKEN", help="judge only this agent (repeatable); default: the whole registry")
        sub.add_argument("--agents-file", metavar="FILE", help="add agents from a JSON file or a text file of tokens")
        sub.add_argument("--json", action="store_true", help="print JSON (stable keys) instead of tables")

    check = commands.add_parser("check", help="fetch a URL and judge every AI signal on it", description=cmd_check.__doc__)
    check.add_argument("url", help="the page to check (http or https)")
    check.add_argument("--timeout", type=float, default=20.0, help="seconds per request (default 20)")
    agent_options(check)
    check.set_defaults(handler=cmd_check)

    robots = commands.add_parser("robots", help="evaluate a saved robots.txt offline", description=cmd_robots.__doc__)
    robots.add_argument("file", help="a robots.txt file")
    robots.add_argument("--status", type=int, default=200, help="HTTP status to evaluate it as (default 200; 4xx allow all, 5xx/429 disallow all)")
    robots.add_argument("--url", action="append", metavar="URL", help="URL or path to judge (repeatable; default: /)")
    robots.add_argument("--urls-file", metavar="FILE", help="a file of URLs or paths, one per line")
    agent_options(robots)
    robots.set_defaults(handler=cmd_robots)

    demo = commands.add_parser("demo", help="crawl a local SoundCloud replica and write its report (no internet needed)", description=cmd_demo.__doc__)
    demo.add_argument("--scenario", default="soundcloud", help="replica scenario name or JSON file (default soundcloud)")
    demo.add_argument("--reports-dir", default="reports", help="where reports go (default reports)")
    demo.add_argument("--max-pages", type=int, default=200, help="content pages to sample (default 200)")
    demo.set_defaults(handler=cmd_demo)

    report = commands.add_parser("report", help="rebuild report.json and report.html from a stored crawl", description=cmd_report.__doc__)
    report.add_argument("platform", help="platform (report folder) name, e.g. soundcloud")
    report.add_argument("--reports-dir", default="reports", help="where reports are (default reports)")
    report.set_defaults(handler=cmd_report)
    return parser


def cmd_demo(args: argparse.Namespace, console: Console) -> int:
    """Start the SoundCloud replica on 127.0.0.1, crawl it with the soundcloud spider, print the report's path."""
    from .crawl_runner import run_crawl
    from .replica import ScenarioError, start_replica

    if args.max_pages < 1:
        raise NoaiCheckError("--max-pages must be at least 1")
    try:
        replica = start_replica(args.scenario)
    except ScenarioError as error:
        raise NoaiCheckError(str(error)) from None
    try:
        console.print(f"replica of SoundCloud serving at {replica.base_url} (media {replica.media_url})")
        report = run_crawl(
            "soundcloud",
            spider_args={"base_url": replica.base_url, "media_hosts": replica.media_url.split("://", 1)[1],
                         "max_pages": str(args.max_pages), "seed": "demo"},
            settings={"NOAI_REPORTS_DIR": args.reports_dir, "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False,
                      "CONCURRENT_REQUESTS_PER_DOMAIN": 8, "LOG_LEVEL": "WARNING"},
        )
    finally:
        replica.stop()
    console.print(f"open [bold]{escape(str(report.with_suffix('.html')))}[/bold] (JSON: {escape(str(report))})")
    return EXIT_OK


def cmd_report(args: argparse.Namespace, console: Console) -> int:
    """Rebuild a platform's report.json and report.html from pages.jsonl and run.json, without crawling."""
    from .rebuild import rebuild_report

    path = rebuild_report(Path(args.reports_dir), args.platform)
    console.print(f"rebuilt {escape(str(path))} and {escape(str(path.with_suffix('.html')))}")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: parse, run, and turn every expected failure into one line and exit 2."""
    console = Console()
    errors = Console(stderr=True)
    try:
        args = build_parser().parse_args(argv)
        if not getattr(args, "handler", None):
            build_parser().print_help()
            return EXIT_USAGE
        return int(args.handler(args, console))
    except (NoaiCheckError, RegistryError) as error:
        errors.print(f"[red]error:[/red] {escape(str(error))}", highlight=False)
        return EXIT_USAGE
    except KeyboardInterrupt:
        errors.print("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
