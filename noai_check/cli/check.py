"""`noai-check check URL`: fetch a page and its site files, judge every AI signal on it."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from rich.console import Console

from noai_check.cli.common import EXIT_OK, agent_options, print_json, selected_registry
from noai_check.crawl.fetch_one import MAX_TIMEOUT, check_timeout, check_url
from noai_check.crawl.render_one import chromium_for_check
from noai_check.errors import NoaiCheckError

if TYPE_CHECKING:
    from noai_check.judge.page_judgement import Analysis
    from noai_check.judge.registry import Registry
    from noai_check.signals.findings import Finding
    from noai_check.signals.response import Fetched


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `check` subcommand: its options, run by ``cmd_check``."""
    sub = commands.add_parser("check", help="fetch a URL and judge every AI signal on it", description=cmd_check.__doc__)
    sub.add_argument("url", help="the page to check (http or https)")
    sub.add_argument("--timeout", type=_timeout, default=20.0, metavar="SECONDS",
                     help="seconds allowed for each fetch (the page, then each site file), redirects and body included (default 20)")
    sub.add_argument("--render", action="store_true",
                     help="also open the page in headless Chromium (Debian's `chromium`, or NOAI_CHROMIUM) and report "
                          "the signals its scripts add, remove or change; verdicts stay on the HTML as served")
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
    chromium = chromium_for_check() if getattr(args, "render", False) else None  # before any request
    response = fetch(url, timeout=args.timeout)
    if response.status is None:
        raise NoaiCheckError(response.error or f"could not fetch {args.url}")
    site = fetch_site(response.final_url or url, timeout=args.timeout)
    analysis = analyze(response, site, registry)
    rendered = _rendered(response, analysis, registry, chromium, args.timeout) if chromium else None
    if args.json:
        data = analysis.to_json()
        # As the terminal shows them: the page's findings, then its site files' (pages.jsonl keeps
        # page findings only; a crawl's site findings are in report.json, once per host).
        extra = rendered[1] if rendered is not None else []
        data["findings"] = [finding.to_json() for finding in [*analysis.findings, *site.findings, *extra]]
        if rendered is not None:
            data["rendered"] = rendered[0]
        print_json(data)
    else:
        print_analysis(console, analysis, registry)
        if rendered is not None:
            _print_rendered(console, *rendered)
    return EXIT_OK


def _rendered(response: Fetched, analysis: Analysis, registry: Registry, chromium: str,
              timeout: float) -> tuple[dict[str, Any], list[Finding]]:
    """The page's rendered view (the ``rendered`` object of a crawl record) and the js-* findings.

    A page whose raw fetch could not be read (a wall, an error) is not rendered: a browser is
    never used to get past what the raw fetch was refused.
    """
    from noai_check.crawl.render_one import render_page
    from noai_check.crawl.rendering import RENDERED_KEYS
    from noai_check.judge.botwall import unverifiable_reason
    from noai_check.judge.page_judgement import analyze
    from noai_check.signals.rendered import compare_views

    unknown: dict[str, Any] = {"verifiable": False, **dict.fromkeys(RENDERED_KEYS)}
    if analysis.page is None or unverifiable_reason(response) is not None:
        return {**unknown, "unverifiable_reason": "the HTML as served could not be read: not rendered"}, []
    fetched, reason = render_page(analysis.final_url, chromium, timeout)
    if fetched is None:
        return {**unknown, "unverifiable_reason": reason}, []
    after = analyze(fetched, analysis.site, registry, page_readable=unverifiable_reason(fetched) is None)
    page = after.page_json() or {}
    view = {"verifiable": True, "unverifiable_reason": None, **{key: page.get(key) for key in RENDERED_KEYS}}
    return view, compare_views(analysis.page, after.page) if after.page else []


def _print_rendered(console: Console, view: dict[str, Any], found: list[Finding]) -> None:
    from rich.markup import escape

    console.print("[bold]After JavaScript[/bold] (headless Chromium; the verdicts above stay on the HTML as served, "
                  "which is what AI crawlers that do not run scripts receive)")
    if not view["verifiable"]:
        console.print(f"  rendered view unverifiable: {escape(str(view['unverifiable_reason']))}")
        return
    console.print(f"  noai {'yes' if view['noai'] else 'no'}, noimageai {'yes' if view['noimageai'] else 'no'}")
    for finding in found:
        console.print(f"  {finding.signal}: {escape(finding.value)}  {escape(finding.evidence)}")
    if not found:
        console.print("  the same AI signals as the HTML as served")
