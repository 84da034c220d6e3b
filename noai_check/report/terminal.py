"""Rich tables for people. Every crawled string is escaped: a site must not style our terminal."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from noai_check.judge.page_judgement import Analysis
from noai_check.judge.registry import Registry

_TRAINING_STYLE = {"reserved": "green", "granted": "yellow", "none": "red", "unknown": "magenta"}


def _yes_no(value: bool) -> str:
    return "[green]yes[/green]" if value else "no"


def print_analysis(console: Console, analysis: Analysis, registry: Registry) -> None:
    """The `check` result: page signals, site files, a row per agent, then the findings."""
    console.print(f"[bold]{escape(analysis.final_url)}[/bold]  status {analysis.status}")
    page = analysis.page_json()
    if page is not None:
        table = Table(title="Page signals (addressed to every agent)", show_header=False)
        table.add_row("noai", _yes_no(bool(page["noai"])))
        table.add_row("noimageai", _yes_no(bool(page["noimageai"])))
        table.add_row("TDM reservation", escape(str(page["tdm_reservation"])))
        table.add_row("Content-Usage", escape(str(page["content_usage"] or "-")))
        directives = page["agent_directives"]
        assert isinstance(directives, dict)
        for agent, listed in directives.items():
            table.add_row(f"for {escape(agent)}", escape(", ".join(listed)))
        console.print(table)

    files = Table(title="Site files")
    for column in ("file", "status", "sha256"):
        files.add_column(column)
    for key, record in analysis.site.records.items():
        files.add_row(key, str(record.status) if record.status is not None else escape(record.error or "unreachable"), (record.sha256 or "-")[:16])
    console.print(files)

    agents = Table(title=f"Verdicts per agent ({len(analysis.agents)} agents)")
    for column in ("agent", "purpose", "robots.txt", "training", "images", "why"):
        agents.add_column(column, overflow="fold")
    for token, verdict in analysis.agents.items():
        agent = registry.get(token)
        style = _TRAINING_STYLE.get(verdict.training, "")
        agents.add_row(
            escape(token),
            escape(agent.purpose if agent else "?"),
            "allowed" if verdict.robots_allowed else "[bold]blocked[/bold]",
            f"[{style}]{verdict.training}[/{style}]",
            verdict.images,
            escape(verdict.reasons[0] if verdict.reasons else ""),
        )
    console.print(agents)
    _print_findings(console, [f.to_json() for f in [*analysis.findings, *analysis.site.findings]])


def _print_findings(console: Console, findings: list[dict[str, str | None]], title: str = "Findings") -> None:
    if not findings:
        return
    table = Table(title=title)
    for column in ("signal", "source", "agent", "value", "evidence"):
        table.add_column(column, overflow="fold")
    for finding in findings:
        table.add_row(*(escape(str(finding[key] or "")) for key in ("signal", "source", "agent", "value", "evidence")))
    console.print(table)


def print_robots_report(console: Console, report: dict[str, object], name: str) -> None:
    """The `robots` result: a row per (agent, URL), then Content-Signal/Usage and disagreements."""
    console.print(f"[bold]{escape(name)}[/bold] read as status {report['status']}: {report['outcome']}")
    table = Table(title="Verdicts")
    for column in ("agent", "url", "allowed", "line", "why"):
        table.add_column(column, overflow="fold")
    verdicts = report["verdicts"]
    assert isinstance(verdicts, list)
    for row in verdicts:
        table.add_row(
            escape(row["agent"]), escape(row["url"]), "yes" if row["allowed"] else "[bold]no[/bold]",
            str(row["line"] or "-"), escape(row["reason"]),
        )
    console.print(table)
    for key, title in (("content_signal", "Content-Signal per agent"), ("content_usage", "Content-Usage per agent")):
        values = report[key]
        assert isinstance(values, dict)
        if values:
            extra = Table(title=title)
            extra.add_column("agent")
            extra.add_column("value", overflow="fold")
            for agent, value in values.items():
                extra.add_row(escape(agent), escape(str(value)))
            console.print(extra)
    for key, title in (("disagreements", "Parser disagreements (protego reads this file differently)"), ("findings", "Findings")):
        rows = report[key]
        assert isinstance(rows, list)
        _print_findings(console, rows, title)
