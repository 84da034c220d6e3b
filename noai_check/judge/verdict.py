"""Per (URL, agent): may it crawl, and has the site reserved AI training? With the reasons.

Every signal is read on its own and listed; the summary is the most restrictive one
("reserved" beats "granted"), and where signals disagree a ``conflict`` finding says so
instead of quietly picking a winner.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from noai_check.judge.registry import Agent, Registry
from noai_check.signals.aipref import combine_usage, parse_content_usage
from noai_check.signals.content_signal import ContentSignal, combine_signals, parse_content_signal
from noai_check.signals.findings import Finding
from noai_check.signals.page import PageSignals
from noai_check.signals.robots import ExtensionLine, RobotsVerdict
from noai_check.signals.site_files import Site
from noai_check.signals.tdmrep import TdmValue, layer_tdm

RESERVED, GRANTED, NONE, UNKNOWN = "reserved", "granted", "none", "unknown"
# Bing reads these as "do not use for AI" (signals.md 1: Bing); they reserve nothing for others.
_BING_AI_DIRECTIVES = ("noarchive", "nocache")


@dataclass
class AgentVerdict:
    """One agent's verdict on one URL; ``reasons`` say which signal decided and where it was."""

    robots_allowed: bool
    robots_line: int | None
    training: str
    images: str
    reasons: list[str]
    reserved_by: list[str] = field(default_factory=list)
    granted_by: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "robots_allowed": self.robots_allowed,
            "robots_line": self.robots_line,
            "training": self.training,
            "images": self.images,
            "reasons": self.reasons,
        }


@dataclass
class _Statements:
    """Signals collected for one agent, before they become a verdict."""

    reserve: list[tuple[str, str]] = field(default_factory=list)  # (signal kind, reason)
    grant: list[tuple[str, str]] = field(default_factory=list)
    image_reserve: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def effective_tdm(url: str, page: PageSignals | None, site: Site) -> tuple[TdmValue | None, list[Finding]]:
    """TDMRep after layering: tdmrep.json < header < meta (an absent layer keeps the earlier value)."""
    file_value = site.tdmrep.match(url) if site.tdmrep.present else None
    return layer_tdm(file_value, page.tdm_header if page else None, page.tdm_meta if page else None)


def _page_statements(page: PageSignals, agent: Agent, into: _Statements) -> None:
    key = agent.token.lower()
    scoped = page.directives.per_agent.get(key, [])
    for directive in ("noai", "noimageai"):
        if directive in page.directives.everyone:
            evidence = page.directives.evidence[(None, directive)]
            _record_directive(into, directive, f"{directive} for every agent ({evidence})")
        if directive in scoped:
            evidence = page.directives.evidence[(key, directive)]
            _record_directive(into, directive, f"{directive} addressed to {agent.token} ({evidence})")
    if key == "bingbot":
        for directive in _BING_AI_DIRECTIVES:
            for scope in (None, key):
                if directive in (page.directives.everyone if scope is None else scoped):
                    evidence = page.directives.evidence[(scope, directive)]
                    into.reserve.append(("bing-" + directive, f"{directive}: Bing does not use the page for generative AI ({evidence})"))


def _record_directive(into: _Statements, directive: str, reason: str) -> None:
    if directive == "noai":
        into.reserve.append(("noai", reason))
        into.image_reserve.append(reason)
    else:
        into.image_reserve.append(reason)


def _tdm_statements(tdm: TdmValue | None) -> _Statements:
    """What the page's effective TDM value says: the same for every agent, so built once per page."""
    common = _Statements()
    if tdm is None or tdm.reservation is None:
        return common
    if tdm.reservation == 1:
        common.reserve.append(("tdm-reservation", f"TDM reservation 1 from {tdm.source} ({tdm.evidence})"))
    else:
        common.grant.append(("tdm-reservation", f"TDM reservation 0 from {tdm.source} ({tdm.evidence})"))
    return common


@dataclass(frozen=True)
class _AgentOnSite:
    """What a site's files say to one agent whatever the URL: read once per run, not once per page."""

    signal_lines: list[ExtensionLine]
    signals: list[ContentSignal]
    has_usage_rules: bool


def _agent_on_site(site: Site, agent: Agent) -> _AgentOnSite:
    key = agent.token.lower()
    known = site.memo.get(key)
    if known is None:
        lines = site.robots.group_lines(agent.token, "content-signal")
        known = _AgentOnSite(
            lines, [parse_content_signal(line.value) for line in lines], bool(site.robots.group_lines(agent.token, "content-usage"))
        )
        site.memo[key] = known
    return known


def _content_usage_statements(url: str, page: PageSignals | None, site: Site, agent: Agent, into: _Statements) -> None:
    statements = list(page.content_usage) if page else []
    if not statements and not _agent_on_site(site, agent).has_usage_rules:
        return
    evidence = ["Content-Usage header"] * len(statements)
    for line in site.robots.content_usage_lines(url, agent.token):
        statements.append(parse_content_usage(line.value))
        evidence.append(f"robots.txt line {line.line.number}: {line.line.text}")
    if not statements:
        return
    where = "; ".join(sorted(set(evidence)))
    train = combine_usage(statements).get("train-ai")
    if train == "n":
        into.reserve.append(("content-usage", f"Content-Usage train-ai=n ({where})"))
    elif train == "y":
        into.grant.append(("content-usage", f"Content-Usage train-ai=y ({where})"))


def _content_signal_statements(page: PageSignals | None, site: Site, agent: Agent, into: _Statements) -> None:
    known = _agent_on_site(site, agent)
    if not known.signals and not (page and page.content_signal):
        return
    signals = list(known.signals)
    evidence = [f"robots.txt line {line.line.number}: {line.line.text}" for line in known.signal_lines]
    if page and page.content_signal:
        signals.extend(page.content_signal)
        evidence.append("Content-Signal header")
    ai_train = combine_signals(signals).get("ai-train") if signals else None
    if ai_train is False:
        into.reserve.append(("content-signal", f"Content-Signal ai-train=no ({'; '.join(evidence)})"))
    elif ai_train is True:
        into.grant.append(("content-signal", f"Content-Signal ai-train=yes ({'; '.join(evidence)})"))


def judge_agent(
    url: str, agent: Agent, page: PageSignals | None, site: Site, common: _Statements,
    robots: RobotsVerdict | None = None,
) -> AgentVerdict:
    """Combine every signal that speaks to ``agent`` about ``url`` into one verdict with reasons.

    ``common`` holds the statements that are the same for every agent on this page (TDM), built once.
    """
    robots = robots or site.robots.verdict(url, agent.token)
    into = _Statements()
    if page is not None:
        _page_statements(page, agent, into)
    into.reserve += common.reserve
    into.grant += common.grant
    _content_usage_statements(url, page, site, agent, into)
    _content_signal_statements(page, site, agent, into)
    if not robots.allowed and agent.reserves_training_when_blocked:
        if site.robots.outcome == "parsed":
            into.reserve.append(("robots.txt", f"robots.txt blocks {agent.token} ({agent.purpose}): {robots.reason}"))
        else:
            into.notes.append(
                f"robots.txt could not be read ({robots.reason}); crawling is disallowed, but that says nothing about training"
            )
    training = RESERVED if into.reserve else GRANTED if into.grant else NONE
    if page is None and training != RESERVED:
        # The page itself was not read: a noai there could override any grant or silence.
        training = UNKNOWN
        into.notes.append("the page could not be read, so its own signals are unknown")
    reasons = [reason for _, reason in into.reserve]
    reasons += [("overridden: " if into.reserve else "") + reason for _, reason in into.grant]
    reasons += [f"images: {reason}" for reason in into.image_reserve if reason not in reasons]
    reasons += into.notes
    if robots.allowed or not (agent.reserves_training_when_blocked and site.robots.outcome == "parsed"):
        reasons.append(f"robots.txt: {robots.reason}")
    if training == NONE and not into.notes:
        reasons.insert(0, "no signal reserves or grants training for this agent here")
    return AgentVerdict(
        robots_allowed=robots.allowed,
        robots_line=robots.line.number if robots.line else None,
        training=training,
        images=RESERVED if into.image_reserve else NONE,
        reasons=reasons,
        reserved_by=sorted({kind for kind, _ in into.reserve}),
        granted_by=sorted({kind for kind, _ in into.grant}),
    )


def _agent_classes(site: Site, registry: Registry) -> tuple[list[list[Agent]], list[Agent]]:
    """Agents grouped so that each group's members get equal verdicts on any page, and the rest.

    Most of the 165 agents fall back to the same ``*`` group and are named nowhere else, so a
    page is judged a handful of times instead of 165. Agents with path-scoped Content-Usage
    rules, and bingbot (whose noarchive/nocache mean "no AI"), are judged on their own.
    """
    key = ("classes", id(registry))
    known = site.memo.get(key)
    if known is None:
        classes: dict[tuple[object, ...], list[Agent]] = {}
        singles: list[Agent] = []
        for agent in registry.agents:
            on_site = _agent_on_site(site, agent)
            if agent.token.lower() == "bingbot" or on_site.has_usage_rules:
                singles.append(agent)
                continue
            identity = (id(site.robots.group_identity(agent.token)), agent.reserves_training_when_blocked,
                        tuple(on_site.signal_lines))
            classes.setdefault(identity, []).append(agent)
        known = site.memo[key] = (list(classes.values()), singles)
    found: tuple[list[list[Agent]], list[Agent]] = known
    return found


@dataclass
class PageJudgement:
    """Verdicts for every agent on one URL, the effective TDM value, and page-level findings."""

    agents: dict[str, AgentVerdict]
    tdm: TdmValue | None
    findings: list[Finding]


_JUDGED_LIMIT = 256


def judge_page(url: str, page: PageSignals | None, site: Site, registry: Registry) -> PageJudgement:
    """Verdicts for every registry agent, and the page-level findings incl. conflicts.

    Remembered per site: a verdict depends on the URL only through what the site's files say
    there (the robots.txt verdict per agent class, the tdmrep.json rule, Content-Usage lines), so
    pages that carry the same signals under the same outcomes share one judgement. The returned
    ``agents`` map is shared between such pages: read it, never change it.
    """
    classes, singles = _agent_classes(site, registry)
    robots = site.robots
    url_view = (
        site.tdmrep.match(url) if site.tdmrep.present else None,
        tuple(robots.verdict(url, members[0].token) for members in classes),
        tuple((robots.verdict(url, a.token), tuple(robots.content_usage_lines(url, a.token))) for a in singles),
    )
    key = (None if page is None else page.verdict_key(), url_view)
    owner, memo = site.memo.get(("judged", id(registry)), (None, None))
    if owner is not registry or memo is None:
        memo = {}
        site.memo[("judged", id(registry))] = (registry, memo)
    known = memo.get(key)
    if known is None:
        if len(memo) >= _JUDGED_LIMIT:
            memo.clear()
        known = memo[key] = _judge_page_now(url, page, site, registry)
    return PageJudgement(known.agents, known.tdm, list(known.findings))


def _judge_page_now(url: str, page: PageSignals | None, site: Site, registry: Registry) -> PageJudgement:
    tdm, findings = effective_tdm(url, page, site)
    common = _tdm_statements(tdm)
    verdicts: dict[str, AgentVerdict] = {}
    scoped = page.directives.per_agent if page is not None else {}
    classes, singles = _agent_classes(site, registry)
    alone = list(singles)
    for members in classes:
        shared = members
        if scoped:  # an agent named on this page (GPTBot: noai) is judged on its own
            shared = [agent for agent in members if agent.token.lower() not in scoped]
            alone += [agent for agent in members if agent.token.lower() in scoped]
        if not shared:
            continue
        robots = site.robots.verdict(url, shared[0].token)
        if not robots.allowed and shared[0].reserves_training_when_blocked:
            alone += shared  # the reason names each blocked agent
            continue
        verdict = judge_agent(url, shared[0], page, site, common, robots)
        for agent in shared:
            verdicts[agent.token] = verdict
    for agent in alone:
        verdicts[agent.token] = judge_agent(url, agent, page, site, common)
    verdicts = {agent.token: verdicts[agent.token] for agent in registry.agents}
    findings.extend(conflicts(site, verdicts))
    return PageJudgement(verdicts, tdm, findings)


_LISTED_AGENTS = 8


def _describe_agents(tokens: list[str], verdicts: dict[str, AgentVerdict]) -> str:
    """Name a set of agents briefly: all of them, all but a few, or a few."""
    if len(tokens) == len(verdicts):
        return "every agent"
    if len(tokens) <= _LISTED_AGENTS:
        return ", ".join(tokens)
    others = [t for t in verdicts if t not in set(tokens)]
    if len(others) <= _LISTED_AGENTS:
        return f"{len(tokens)} agents: every agent except {', '.join(others)}"
    return f"{len(tokens)} agents: {', '.join(tokens[:_LISTED_AGENTS])} and {len(tokens) - _LISTED_AGENTS} more"


def conflicts(site: Site, verdicts: dict[str, AgentVerdict]) -> list[Finding]:
    """Signals that contradict each other, listed side by side (never reconciled silently)."""
    found: list[Finding] = []
    by_pair: dict[tuple[tuple[str, ...], tuple[str, ...]], list[str]] = defaultdict(list)
    for token, verdict in verdicts.items():
        if verdict.reserved_by and verdict.granted_by:
            by_pair[(tuple(verdict.reserved_by), tuple(verdict.granted_by))].append(token)
    for (reserved_by, granted_by), tokens in sorted(by_pair.items()):
        found.append(
            Finding(
                "conflict",
                "page",
                ",".join(tokens) if len(tokens) <= _LISTED_AGENTS else None,
                f"{'+'.join(reserved_by)} reserves training, {'+'.join(granted_by)} grants it",
                f"for {_describe_agents(tokens, verdicts)}; the verdict takes the reservation (most restrictive)",
            )
        )
    # A page's noai reserves for every agent, so "some verdict is reserved" covers it.
    if site.llms_txt.present and any(v.training == RESERVED for v in verdicts.values()):
        found.append(
            Finding(
                "conflict",
                "llms.txt",
                None,
                "llms.txt invites AI use while the page reserves training",
                f"{site.records['llms_txt'].url} is served (status {site.llms_txt.status})",
            )
        )
    return found
