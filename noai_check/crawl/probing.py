"""Probing as AI user agents: which agents can be probed, the headers sent, and the blocking probe of one URL.

A probe fetches a page once with a current desktop browser's user agent (the baseline) and once
with each probed AI crawler's published user agent, spoofed from our own address: it measures
user-agent-based enforcement only (see ``noai_check.judge.enforcement``). It is polite: our own
robots.txt group is obeyed for the URL before anything is sent, one request per agent, ``From:``
carries ``NOAI_CONTACT`` when set, and a 429 stops the probe of that host.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from noai_check.errors import NoaiCheckError
from noai_check.judge.probe_results import BROWSER, Probe
from noai_check.judge.registry import Agent, Registry

# A current desktop Chrome on Windows, as its users send it (the baseline "browser" view).
BROWSER_USER_AGENT = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                      "Chrome/131.0.0.0 Safari/537.36")
DEFAULT_PROBE_AGENTS = ("GPTBot", "ClaudeBot", "CCBot", "PerplexityBot", "Bytespider", "Amazonbot",
                        "meta-externalagent", "Applebot")
CONTACT_ENV = "NOAI_CONTACT"
NO_USER_AGENT = "cannot be probed: its operator publishes no full user-agent string we could confirm"


@dataclass(frozen=True)
class ProbePlan:
    """The agents a probe sends (with their published user agents) and those it cannot, with why."""

    agents: tuple[Agent, ...]
    not_probed: dict[str, str] = field(default_factory=dict)


def parse_agents(value: str | Iterable[str] | None) -> list[str]:
    """``NOAI_PROBE_AGENTS`` as tokens: a comma-separated string or a list; empty or None = the default."""
    if value is None:
        return list(DEFAULT_PROBE_AGENTS)
    items = value.split(",") if isinstance(value, str) else list(value)
    tokens = [token.strip() for token in items if token.strip()]
    return tokens or list(DEFAULT_PROBE_AGENTS)


def probe_plan(registry: Registry, tokens: Iterable[str]) -> ProbePlan:
    """The probe's agents, in the order given; a token the registry does not know is a usage error."""
    agents: list[Agent] = []
    not_probed: dict[str, str] = {}
    for token in tokens:
        agent = registry.get(token)
        if agent is None:
            raise NoaiCheckError(f"unknown probe agent {token!r}: not in the registry (noai_check/judge/data/agents.json); "
                                 f"probeable ones: {', '.join(a.token for a in registry if a.user_agent)}")
        if agent.token in {a.token for a in agents} or agent.token in not_probed:
            continue
        if agent.user_agent:
            agents.append(agent)
        else:
            not_probed[agent.token] = NO_USER_AGENT
    return ProbePlan(tuple(agents), not_probed)


def probe_agents_problem(tokens: Iterable[str], agents_file: str | None) -> str | None:
    """Why ``NOAI_PROBE_AGENTS`` cannot be used (a token the registry does not know), in one line, or None."""
    from noai_check.judge.registry import load_registry

    try:
        probe_plan(load_registry(agents_file), tokens)
    except NoaiCheckError as error:
        return f"NOAI_PROBE_AGENTS: {error}"
    return None


def contact_headers(contact: str | None = None) -> dict[str, str]:
    """``From:`` with the operator's contact (RFC 9110 10.1.2) when ``NOAI_CONTACT`` (or ``contact``) is set."""
    value = (contact if contact is not None else os.environ.get(CONTACT_ENV, "")).strip()
    return {"From": value} if value else {}


def probe_url(url: str, plan: ProbePlan, *, timeout: float = 20.0,
              headers: Mapping[str, str] | None = None) -> tuple[Probe, list[Probe], bool]:
    """Fetch ``url`` as a browser, then as each agent, in order: (baseline, probes, stopped by a 429).

    The caller has checked our own robots.txt group for ``url``. After a 429 nothing more is sent:
    the requests not sent are Probes with ``response`` None.
    """
    from noai_check.crawl.fetch_one import fetch

    sent = dict(headers or {})
    baseline = Probe(BROWSER, BROWSER_USER_AGENT, fetch(url, timeout=timeout, user_agent=BROWSER_USER_AGENT, headers=sent))
    stopped = baseline.response is not None and baseline.response.status == 429
    probes: list[Probe] = []
    for agent in plan.agents:
        if stopped:
            probes.append(Probe(agent.token, agent.user_agent, None))
            continue
        response = fetch(url, timeout=timeout, user_agent=agent.user_agent, headers=sent)
        probes.append(Probe(agent.token, agent.user_agent, response))
        stopped = response.status == 429
    return baseline, probes, stopped
