"""One URL, fully judged: its own signals, its site's files, a verdict per agent. The `check --json` shape."""

from __future__ import annotations

from dataclasses import dataclass, field

from noai_check.judge.registry import Registry, meta_crawler_names
from noai_check.judge.verdict import AgentVerdict, judge_page
from noai_check.signals.aipref import combine_usage
from noai_check.signals.findings import Finding
from noai_check.signals.page import PageSignals, analyze_page
from noai_check.signals.response import Fetched
from noai_check.signals.site_files import Site


@dataclass
class Analysis:
    """Everything known about one URL; ``page`` is None when the page itself could not be read."""

    url: str
    final_url: str
    status: int | None
    error: str | None
    page: PageSignals | None
    site: Site
    agents: dict[str, AgentVerdict]
    findings: list[Finding] = field(default_factory=list)
    tdm_reservation: int | None = None

    def page_json(self) -> dict[str, object] | None:
        """The ``page`` object of the JSON contract; None when the page was not read."""
        if self.page is None:
            return None
        return {
            "noai": self.page.noai,
            "noimageai": self.page.noimageai,
            "agent_directives": {agent: list(d) for agent, d in sorted(self.page.directives.per_agent.items())},
            "directives": list(self.page.directives.everyone),
            "tdm_reservation": self.tdm_reservation,
            "content_usage": dict(sorted(combine_usage(self.page.content_usage).items())),
        }

    def to_json(self) -> dict[str, object]:
        return {
            "url": self.url,
            "final_url": self.final_url,
            "status": self.status,
            "error": self.error,
            "page": self.page_json(),
            "site": self.site.to_json(),
            "agents": {token: verdict.to_json() for token, verdict in self.agents.items()},
            "findings": [finding.to_json() for finding in self.findings],
        }


def analyze(response: Fetched, site: Site, registry: Registry, *, page_readable: bool | None = None) -> Analysis:
    """Judge one fetched page against its site's files for every agent in ``registry``.

    ``page_readable`` False (a bot wall, an error page) keeps the page's own signals
    unknown rather than reading "no tag" off a challenge page.
    """
    readable = response.status is not None and 200 <= response.status < 300 if page_readable is None else page_readable
    page = analyze_page(response, meta_crawler_names()) if readable else None
    url = response.final_url or response.url
    judgement = judge_page(url, page, site, registry)
    page_findings = page.findings if page else []
    return Analysis(
        url=response.url,
        final_url=url,
        status=response.status,
        error=response.error,
        page=page,
        site=site,
        agents=judgement.agents,
        findings=[*page_findings, *judgement.findings],
        tdm_reservation=judgement.tdm.reservation if judgement.tdm else None,
    )
