"""`noai-check probe URL`: what the server serves each AI crawler's user agent, beside what it declares."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table

from noai_check.cli.check import _timeout
from noai_check.cli.common import EXIT_OK, print_json
from noai_check.errors import NoaiCheckError


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `probe` subcommand: its options, run by ``cmd_probe``."""
    sub = commands.add_parser("probe", help="fetch a URL as a browser and as each AI crawler (user agent spoofed for measurement)",
                              description=cmd_probe.__doc__)
    sub.add_argument("url", help="the page to probe (http or https)")
    sub.add_argument("--agent", action="append", metavar="TOKEN",
                     help="probe this agent (repeatable; a registry token); default: GPTBot, ClaudeBot, CCBot, PerplexityBot, "
                     "Bytespider, Amazonbot, meta-externalagent, Applebot")
    sub.add_argument("--agents-file", metavar="FILE", help="add agents (with a user_agent field) from a JSON file")
    sub.add_argument("--timeout", type=_timeout, default=20.0, metavar="SECONDS",
                     help="seconds allowed for each request, redirects and body included (default 20)")
    sub.add_argument("--json", action="store_true", help="print JSON (stable keys) instead of a table")
    sub.set_defaults(handler=cmd_probe)


def cmd_probe(args: argparse.Namespace, console: Console) -> int:
    """Fetch a URL once as a browser and once per AI crawler user agent (spoofed from this address, so this
    measures user-agent-based enforcement only), bucket each answer, and join it with the declared signals.
    Our own robots.txt group is obeyed first; NOAI_CONTACT, when set, is sent as `From:`."""
    from noai_check.crawl.fetch_one import check_url, fetch_site
    from noai_check.crawl.probing import contact_headers, parse_agents, probe_plan, probe_url
    from noai_check.crawl.site_files import OWN_AGENT
    from noai_check.judge.enforcement import LABEL, declared_from
    from noai_check.judge.page_judgement import analyze
    from noai_check.judge.probe_results import enforcement as join_verdicts
    from noai_check.judge.probe_results import judge_page_probes, with_declared
    from noai_check.judge.registry import load_registry

    url = check_url(args.url)
    registry = load_registry(args.agents_file)
    plan = probe_plan(registry, parse_agents(args.agent))
    site = fetch_site(url, timeout=args.timeout)
    own = site.robots.verdict(url, OWN_AGENT)
    if not own.allowed:  # an unreachable robots.txt disallows everything (RFC 9309 2.3.1.4)
        raise NoaiCheckError(f"robots.txt of {site.origin} disallows {OWN_AGENT} for {url} ({own.reason}): nothing was probed")
    baseline, probes, stopped = probe_url(url, plan, timeout=args.timeout, headers=contact_headers())
    rows, findings = judge_page_probes(url, baseline, probes)
    declared: dict[str, bool | None] = {agent.token: None for agent in plan.agents}
    if baseline.response is not None:
        judged = analyze(baseline.response, site, registry.select(declared))
        # Our own group was allowed, so robots.txt was read (a 5xx one disallows us too).
        declared = {token: declared_from(v.robots_allowed, v.training) for token, v in judged.agents.items()}
    rows = with_declared(rows, declared)
    results = [row.to_json() for row in rows]
    verdicts = join_verdicts(results, declared)
    data: dict[str, object] = {
        "url": url, "label": LABEL, "results": results,
        "verdicts": {agent: entry["verdict"] for agent, entry in verdicts.items()},
        "enforcement": verdicts, "not_probed": plan.not_probed,
        "stopped": "the host answered 429 (rate limited): the probe stopped" if stopped else None,
        "findings": [finding.to_json() for finding in findings],
    }
    if args.json:
        print_json(data)
    else:
        _print(console, data)
    return EXIT_OK


def _print(console: Console, data: dict[str, object]) -> None:
    table = Table(title=f"{data['url']} ({data['label']})")
    for column in ("agent", "status", "bucket", "same as browser", "noai", "reason"):
        table.add_column(column)
    for row in data["results"]:  # type: ignore[attr-defined]
        signals = row["signals"] or {}
        table.add_row(row["agent"], str(row["status"]), row["bucket"], str(row["same_as_browser"]),
                      str(signals.get("noai", "-")), row["reason"] or "", )
    console.print(table)
    for agent, verdict in data["verdicts"].items():  # type: ignore[attr-defined]
        console.print(f"{agent}: [bold]{verdict}[/bold] ({data['label']})", highlight=False)
    for agent, why in data["not_probed"].items():  # type: ignore[attr-defined]
        console.print(f"{agent}: {why}", highlight=False)
    if data["stopped"]:
        console.print(str(data["stopped"]))
    for finding in data["findings"]:  # type: ignore[attr-defined]
        console.print(f"finding {finding['signal']}: {finding['agent']}: {finding['value']}", highlight=False)
