"""The ``noai-check`` command: argument parsing, the one error boundary, and rich output for people.

JSON (``--json``) is for machines; its keys are a stable contract documented in README.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from rich.console import Console
from rich.markup import escape

from . import __version__
from .errors import NoaiCheckError
from .fetch import MAX_TIMEOUT, check_timeout, check_url
from .registry import Registry, load_registry

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so every usage error goes through one boundary."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise NoaiCheckError(f"{self.prog}: {message}")


def _registry(args: argparse.Namespace) -> Registry:
    """The registry, narrowed to ``--agent``; a token it does not know is a usage error, not a guess."""
    registry = load_registry(args.agents_file)
    if not args.agent:
        return registry
    unknown = [token for token in args.agent if token.strip() not in registry]
    if unknown:
        where = f"the registry ({len(registry)} agents, e.g. {', '.join(registry.tokens()[:4])})"
        raise NoaiCheckError(f"unknown --agent {unknown[0]!r}: not in {where}, listed in noai_check/data/agents.json; "
                             "add your own with --agents-file (a text file, one `token,purpose` a line)")
    return registry.select(args.agent)


def _print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def cmd_check(args: argparse.Namespace, console: Console) -> int:
    """Fetch a URL and its site files, then print every signal and a verdict per agent."""
    from .analysis import analyze
    from .fetch import fetch, fetch_site
    from .render_terminal import print_analysis

    url = check_url(args.url)
    registry = _registry(args)
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
        _print_json(data)
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
        urls += _read_urls(Path(args.urls_file))
    for url in urls:
        _check_url_or_path(url)
    report = robots_report(body, args.status, urls or ["/"], _registry(args))
    if args.json:
        _print_json(report)
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


def _timeout(text: str) -> float:
    try:
        return check_timeout(float(text))
    except (ValueError, NoaiCheckError):
        raise argparse.ArgumentTypeError(f"a timeout is a number of seconds above 0 and at most {MAX_TIMEOUT:g}, not {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="noai-check",
        description="Check what a site says about AI training: noai tags, robots.txt per AI crawler, "
        "TDMRep, Content-Usage, Content-Signal, ai.txt, llms.txt. Crawl whole platforms with "
        "`scrapy crawl soundcloud`.",
        epilog="Exit codes: 0 done; 1 `verify` failed; 2 bad usage or input (one line on stderr); "
        "3 a bug in noai-check (traceback shown).",
    )
    parser.add_argument("--version", action="version", version=f"noai-check {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def agent_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--agent", action="append", metavar="TOKEN",
                         help="judge only this agent (repeatable; a token the registry knows, or one added with --agents-file); default: the whole registry")
        sub.add_argument("--agents-file", metavar="FILE", help="add agents from a JSON file or a text file of tokens")
        sub.add_argument("--json", action="store_true", help="print JSON (stable keys) instead of tables")

    check = commands.add_parser("check", help="fetch a URL and judge every AI signal on it", description=cmd_check.__doc__)
    check.add_argument("url", help="the page to check (http or https)")
    check.add_argument("--timeout", type=_timeout, default=20.0, metavar="SECONDS",
                       help="seconds allowed for each fetch (the page, then each site file), redirects and body included (default 20)")
    agent_options(check)
    check.set_defaults(handler=cmd_check)

    robots = commands.add_parser("robots", help="evaluate a saved robots.txt offline", description=cmd_robots.__doc__)
    robots.add_argument("file", help="a robots.txt file")
    robots.add_argument("--status", type=_http_status, default=200, help="HTTP status to evaluate it as (default 200; 4xx allow all, 5xx/429 disallow all)")
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

    diff = commands.add_parser("diff", help="what changed between two recorded runs of a platform", description=cmd_diff.__doc__)
    diff.add_argument("platform", help="platform (report folder) name, e.g. soundcloud")
    diff.add_argument("--reports-dir", default="reports", help="where reports and history.sqlite are (default reports)")
    diff.add_argument("--from", dest="from_run", type=_run_id, metavar="RUN", help="earlier run id (default: the complete run before --to)")
    diff.add_argument("--to", dest="to_run", type=_run_id, metavar="RUN", help="later run id (default: the latest complete run)")
    diff.add_argument("--json", action="store_true", help="print JSON (stable keys) instead of text")
    diff.set_defaults(handler=cmd_diff)

    verify = commands.add_parser("verify", help="CI gate: exit 1 when the latest run lost protection", description=cmd_verify.__doc__)
    verify.add_argument("platform", help="platform (report folder) name, e.g. soundcloud")
    verify.add_argument("--reports-dir", default="reports", help="where reports and history.sqlite are (default reports)")
    verify.add_argument("--fail-on", default="regression", metavar="LIST",
                        help="comma-separated: regression (default), claims (a claim not verified), incomplete (the newest run was interrupted); "
                        "a run that read no page at all always fails")
    verify.add_argument("--json", action="store_true", help="print JSON (stable keys) instead of text")
    verify.set_defaults(handler=cmd_verify)
    return parser


def _run_id(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a run id is a number (see `noai-check diff` output), not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"run ids start at 1, not {value}")
    return value


_LABELS = {True: "[red bold]LOST[/red bold]   ", False: "changed"}


def cmd_diff(args: argparse.Namespace, console: Console) -> int:
    """Compare two complete runs from history.sqlite (default: the last two) and list every change.
    The history is only read (it may be read-only); exit 2 when it cannot be read or there is nothing to compare."""
    from .diff import diff_history

    result = diff_history(Path(args.reports_dir), args.platform, args.from_run, args.to_run)
    if args.json:
        _print_json(result)
        return EXIT_OK
    before, after = result["from"], result["to"]
    console.print(f"{escape(args.platform)}: run {before['run_id']} ({before['finished_at']}) -> run {after['run_id']} "
                  f"({after['finished_at']}): {len(result['changes'])} changes, {result['regressions']} lost protection",
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


def cmd_verify(args: argparse.Namespace, console: Console) -> int:
    """Exit 0 when the latest complete run kept every protection; 1 when it did not, or read no page at all
    (one line per reason); 2 when there is no complete run or the history cannot be read."""
    from .verify import parse_fail_on, verify

    result = verify(Path(args.reports_dir), args.platform, parse_fail_on(args.fail_on))
    if args.json:
        _print_json(result.to_json())
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


def cmd_demo(args: argparse.Namespace, console: Console) -> int:
    """Start the SoundCloud replica on 127.0.0.1, crawl it with the soundcloud spider, print the report's path."""
    from .crawl_runner import run_crawl
    from .replica import start_replica

    if args.max_pages < 1:
        raise NoaiCheckError("--max-pages must be at least 1")
    reports_dir = Path(args.reports_dir)
    if reports_dir.exists() and not reports_dir.is_dir():
        raise NoaiCheckError(f"--reports-dir {reports_dir} is not a directory")
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


def cmd_report(args: argparse.Namespace, console: Console) -> int:
    """Rebuild a platform's report.json and report.html from pages.jsonl and run.json, without crawling."""
    from .rebuild import rebuild_report

    path = rebuild_report(Path(args.reports_dir), args.platform)
    console.print(f"rebuilt {escape(str(path))} and {escape(str(path.with_suffix('.html')))}")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: parse, run, and turn every expected failure (a NoaiCheckError) into one line and exit 2.

    Exit codes: 0 done, 1 `verify` failed, 2 bad usage or input, 3 a bug (traceback shown), 130 Ctrl-C.
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
        return EXIT_USAGE
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
