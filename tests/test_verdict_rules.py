"""One row per rule of the README's "How a verdict is reached", each checked on its own.

Every rule has a case where it decides the verdict and, where a rule is scoped (to one agent, to a
robots.txt group, to an agent's purpose), a case just outside its scope where it must not. Deleting
or loosening any one rule in verdict.py makes at least one row here fail (checked with mutmut).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

import pytest

from noai_check.judge.page_judgement import Analysis, analyze
from noai_check.judge.registry import load_registry
from noai_check.signals.findings import Finding
from noai_check.signals.response import Fetched, make_headers
from noai_check.signals.site_files import SITE_FILES, Site, build_site

ORIGIN = "https://rules.test"
REGISTRY = load_registry()


@dataclass(frozen=True)
class Case:
    """A site, a page on it, and one agent's expected verdict there."""

    rule: str
    agent: str
    training: str
    images: str = "none"
    robots_allowed: bool = True
    reason: str = ""  # a substring one of the verdict's reasons must hold: the signal with its evidence
    by: tuple[str, ...] = ()  # the kinds of signal that reserve (reserved_by), then "+" and those that grant
    robots_line: int | None = None
    tdm: int | None = None  # the page's effective tdm_reservation
    robots: str = ""
    robots_status: int | None = 200
    tdmrep: object = None  # JSON for /.well-known/tdmrep.json, or None for a 404
    meta: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    page_status: int | None = 200
    path: str = "/tracks/song"


def _site(case: Case, llms: bool = False) -> Site:
    robots = Fetched(ORIGIN + "/robots.txt", case.robots_status, make_headers({"content-type": "text/plain"}),
                     case.robots.encode(), error=None if case.robots_status else "connection refused")
    tdm_body = b"" if case.tdmrep is None else json.dumps(case.tdmrep).encode()
    tdm = Fetched(ORIGIN + SITE_FILES["tdmrep_json"], 404 if case.tdmrep is None else 200,
                  make_headers({"content-type": "application/json"}), tdm_body)
    fetched = {key: Fetched(ORIGIN + path, 404, {}, b"") for key, path in SITE_FILES.items()}
    if llms:
        fetched["llms_txt"] = Fetched(ORIGIN + "/llms.txt", 200, make_headers({"content-type": "text/plain"}), b"# s\n")
    return build_site(ORIGIN, {**fetched, "robots_txt": robots, "tdmrep_json": tdm})


def judge(case: Case) -> Analysis:
    body = f"<html><head><title>t</title>{case.meta}</head><body>x</body></html>".encode()
    page = Fetched(ORIGIN + case.path, case.page_status,
                   make_headers({"content-type": "text/html", **case.headers}), body,
                   error=None if case.page_status else "timed out")
    return analyze(page, _site(case), REGISTRY)


NOAI_META = '<meta name="robots" content="noai">'
BLOCK_ALL = "User-agent: *\nDisallow: /\n"
TDM_META_1 = '<meta name="tdm-reservation" content="1">'
ROOT_1 = {"location": "/", "tdm-reservation": 1}

CASES = [
    # reserved: noai for every agent (meta or header)
    Case("noai meta for every agent", "GPTBot", "reserved", "reserved", by=("noai",),
         meta=NOAI_META, reason=f"noai for every agent ({NOAI_META})"),
    Case("noai header for every agent", "CCBot", "reserved", "reserved", by=("noai",),
         headers={"x-robots-tag": "noai"}, reason="noai for every agent (X-Robots-Tag: noai)"),
    # reserved: noai scoped to the agent, and only to it
    Case("noai scoped to the agent (header)", "GPTBot", "reserved", "reserved", by=("noai",),
         headers={"x-robots-tag": "GPTBot: noai"}, reason="noai addressed to GPTBot (X-Robots-Tag: GPTBot: noai)"),
    Case("noai scoped to the agent (meta name)", "GPTBot", "reserved", "reserved", by=("noai",),
         meta='<meta name="GPTBot" content="noai">', reason='noai addressed to GPTBot (<meta name="GPTBot" content="noai">)'),
    Case("noai scoped to another agent", "CCBot", "none", headers={"x-robots-tag": "GPTBot: noai"}),
    # noimageai reserves images only
    Case("noimageai reserves images, not training", "GPTBot", "none", "reserved",
         meta='<meta name="robots" content="noimageai">',
         reason='images: noimageai for every agent (<meta name="robots" content="noimageai">)'),
    Case("noimageai scoped to the agent", "GPTBot", "none", "reserved", headers={"x-robots-tag": "GPTBot: noimageai"},
         reason="images: noimageai addressed to GPTBot (X-Robots-Tag: GPTBot: noimageai)"),
    # reserved: TDM reservation 1 from each layer; a later layer overrides an earlier one
    Case("tdm-reservation 1 in tdmrep.json", "GPTBot", "reserved", by=("tdm-reservation",), tdm=1, tdmrep=[ROOT_1],
         reason='TDM reservation 1 from tdmrep.json (tdmrep.json rule #0: {"location": "/", "tdm-reservation": 1})'),
    Case("tdm-reservation 1 header", "GPTBot", "reserved", by=("tdm-reservation",), tdm=1,
         headers={"tdm-reservation": "1"}, reason="TDM reservation 1 from header (tdm-reservation: 1)"),
    Case("tdm-reservation 1 meta", "GPTBot", "reserved", by=("tdm-reservation",), tdm=1, meta=TDM_META_1,
         reason=f"TDM reservation 1 from meta ({TDM_META_1})"),
    Case("tdm header 0 overrides the file's 1", "GPTBot", "granted", by=("+", "tdm-reservation"), tdm=0,
         tdmrep=[ROOT_1], headers={"tdm-reservation": "0"}, reason="TDM reservation 0 from header (tdm-reservation: 0)"),
    Case("tdm meta 1 overrides the header's 0", "GPTBot", "reserved", by=("tdm-reservation",), tdm=1,
         headers={"tdm-reservation": "0"}, meta=TDM_META_1, reason=f"TDM reservation 1 from meta ({TDM_META_1})"),
    Case("tdmrep.json: the first matching rule wins", "GPTBot", "granted", by=("+", "tdm-reservation"), tdm=0,
         tdmrep=[{"location": "/tracks/*", "tdm-reservation": 0}, ROOT_1], reason='TDM reservation 0 from tdmrep.json (tdmrep.json rule #0: {"location": "/tracks/*", "tdm-reservation": 0})'),
    Case("tdmrep.json rule for another path", "GPTBot", "none", tdmrep=[{"location": "/other/", "tdm-reservation": 1}]),
    # reserved: Content-Usage train-ai=n (header or robots.txt)
    Case("Content-Usage train-ai=n header", "GPTBot", "reserved", by=("content-usage",),
         headers={"content-usage": "train-ai=n"}, reason="Content-Usage train-ai=n (Content-Usage header)"),
    Case("Content-Usage train-ai=n in robots.txt", "GPTBot", "reserved", by=("content-usage",), robots_line=3,
         robots="User-agent: *\nContent-Usage: train-ai=n\nAllow: /\n",
         reason="Content-Usage train-ai=n (robots.txt line 2: Content-Usage: train-ai=n)"),
    Case("Content-Usage for another path in robots.txt", "GPTBot", "none", robots_line=3,
         robots="User-agent: *\nContent-Usage: /other/ train-ai=n\nAllow: /\n"),
    # reserved: Content-Signal ai-train=no in the agent's own group only
    Case("Content-Signal ai-train=no in the agent's group", "GPTBot", "reserved", by=("content-signal",), robots_line=3,
         robots="User-agent: GPTBot\nContent-Signal: ai-train=no\nAllow: /\n",
         reason="Content-Signal ai-train=no (robots.txt line 2: Content-Signal: ai-train=no)"),
    Case("Content-Signal ai-train=no in another agent's group", "CCBot", "none",
         robots="User-agent: GPTBot\nContent-Signal: ai-train=no\nAllow: /\n"),
    # reserved: robots.txt disallow, for agents whose purpose is training or a control token
    Case("robots.txt blocks a training crawler", "GPTBot", "reserved", by=("robots.txt",), robots_allowed=False,
         robots_line=2, robots=BLOCK_ALL,
         reason="robots.txt blocks GPTBot (training): disallowed by robots.txt line 2 'Disallow: /' in the group for *"),
    Case("robots.txt blocks a control token", "Google-Extended", "reserved", by=("robots.txt",), robots_allowed=False,
         robots_line=2, robots="User-agent: Google-Extended\nDisallow: /\n",
         reason="robots.txt blocks Google-Extended (control): disallowed by robots.txt line 2 'Disallow: /' "
                "in the group for Google-Extended"),
    Case("robots.txt blocks an AI search crawler: no training reservation", "PerplexityBot", "none",
         robots_allowed=False, robots_line=2, robots=BLOCK_ALL,
         reason="robots.txt: disallowed by robots.txt line 2 'Disallow: /' in the group for *"),
    Case("robots.txt blocks another path", "GPTBot", "none", robots="User-agent: *\nDisallow: /other/\n"),
    Case("Content-Signal ai-train=no in robots.txt and the header", "GPTBot", "reserved", by=("content-signal",),
         robots="User-agent: GPTBot\nContent-Signal: ai-train=no\nAllow: /\n", robots_line=3,
         headers={"content-signal": "ai-train=no"},
         reason="Content-Signal ai-train=no (robots.txt line 2: Content-Signal: ai-train=no; Content-Signal header)"),
    Case("Content-Usage train-ai=n in robots.txt and the header", "GPTBot", "reserved", by=("content-usage",),
         robots="User-agent: *\nContent-Usage: train-ai=n\nAllow: /\n", robots_line=3,
         headers={"content-usage": "train-ai=n"},
         reason="Content-Usage train-ai=n (Content-Usage header; robots.txt line 2: Content-Usage: train-ai=n)"),
    # reserved, for bingbot only: noarchive / nocache
    Case("bingbot: noarchive", "bingbot", "reserved", by=("bing-noarchive",),
         meta='<meta name="robots" content="noarchive">',
         reason='noarchive: Bing does not use the page for generative AI (<meta name="robots" content="noarchive">)'),
    Case("bingbot: nocache scoped to bingbot", "bingbot", "reserved", by=("bing-nocache",),
         headers={"x-robots-tag": "bingbot: nocache"},
         reason="nocache: Bing does not use the page for generative AI (X-Robots-Tag: bingbot: nocache)"),
    Case("noarchive says nothing to other agents", "GPTBot", "none", meta='<meta name="robots" content="noarchive">'),
    # granted: train-ai=y, ai-train=yes, TDM 0
    Case("Content-Usage train-ai=y grants", "GPTBot", "granted", by=("+", "content-usage"),
         headers={"content-usage": "train-ai=y"}, reason="Content-Usage train-ai=y (Content-Usage header)"),
    Case("Content-Signal ai-train=yes grants", "GPTBot", "granted", by=("+", "content-signal"),
         headers={"content-signal": "ai-train=yes"}, reason="Content-Signal ai-train=yes (Content-Signal header)"),
    Case("Content-Signal ai-train=yes in robots.txt and the header", "GPTBot", "granted", by=("+", "content-signal"),
         robots="User-agent: GPTBot\nContent-Signal: ai-train=yes\nAllow: /\n", robots_line=3,
         headers={"content-signal": "ai-train=yes"},
         reason="Content-Signal ai-train=yes (robots.txt line 2: Content-Signal: ai-train=yes; Content-Signal header)"),
    Case("TDM reservation 0 grants", "GPTBot", "granted", by=("+", "tdm-reservation"), tdm=0,
         headers={"tdm-reservation": "0"}, reason="TDM reservation 0 from header (tdm-reservation: 0)"),
    # reserved beats granted, and the grant is kept as overridden
    Case("a reservation overrides a grant", "GPTBot", "reserved", "reserved", by=("noai", "+", "content-usage"),
         meta=NOAI_META, headers={"content-usage": "train-ai=y"}, reason="overridden: Content-Usage train-ai=y (Content-Usage header)"),
    # none otherwise
    Case("no signal at all", "GPTBot", "none", reason="no signal reserves or grants training for this agent here"),
    # unknown when the page could not be read and nothing site-wide reserves
    Case("page unread, nothing site-wide", "GPTBot", "unknown", page_status=503,
         reason="the page could not be read, so its own signals are unknown"),
    Case("page unread, a site-wide grant is not enough", "GPTBot", "unknown", by=("+", "tdm-reservation"),
         page_status=None, tdm=0, tdmrep=[{"location": "/", "tdm-reservation": 0}]),
    Case("page unread, robots.txt reserves site-wide", "GPTBot", "reserved", by=("robots.txt",), robots_allowed=False,
         robots_line=2, page_status=503, robots=BLOCK_ALL),
    # a robots.txt that could not be read forbids crawling but reserves nothing
    Case("robots.txt 503: crawling disallowed, no reservation", "GPTBot", "none", robots_allowed=False,
         robots_status=503,
         reason="robots.txt could not be read (robots.txt answered 503: complete disallow (RFC 9309 2.3.1.4)); "
                "crawling is disallowed, but that says nothing about training"),
    Case("robots.txt unreachable: crawling disallowed, no reservation", "GPTBot", "none", robots_allowed=False,
         robots_status=None,
         reason="robots.txt could not be read (robots.txt unreachable (connection refused): complete disallow "
                "(RFC 9309 2.3.1.4)); crawling is disallowed, but that says nothing about training"),
    Case("robots.txt 404: everything allowed", "GPTBot", "none", robots_status=404),
]


@pytest.mark.parametrize("case", CASES, ids=[case.rule for case in CASES])
def test_each_verdict_rule(case: Case) -> None:
    analysis = judge(case)
    verdict = analysis.agents[case.agent]
    reserved_by, _, granted_by = "\0".join(case.by).partition("+")
    assert (verdict.training, verdict.images, verdict.robots_allowed, verdict.robots_line) == (
        case.training, case.images, case.robots_allowed, case.robots_line), verdict.reasons
    assert (verdict.reserved_by, verdict.granted_by) == (
        [k for k in reserved_by.split("\0") if k], [k for k in granted_by.split("\0") if k])
    if case.page_status == 200:
        assert analysis.to_json()["page"]["tdm_reservation"] == case.tdm
    assert not case.reason or case.reason in verdict.reasons, verdict.reasons
    # Every verdict says once what robots.txt said, and "no signal" (first) only when nothing reserved,
    # granted or was unknown.
    robots_reasons = [reason for reason in verdict.reasons if reason.startswith(("robots.txt: ", "robots.txt blocks "))]
    assert len(robots_reasons) == 1, verdict.reasons
    says_nothing = verdict.reasons[0] == "no signal reserves or grants training for this agent here"
    assert says_nothing == (case.training == "none" and case.robots_status in (200, 404)), verdict.reasons
    assert len(set(verdict.reasons)) == len(verdict.reasons), verdict.reasons


def _reserved_agents(case: Case) -> set[str]:
    return {token for token, verdict in judge(case).agents.items() if verdict.training == "reserved"}


TRAINING_OR_CONTROL = {a.token for a in REGISTRY.agents if a.reserves_training_when_blocked}


@pytest.mark.parametrize(("case", "expected"), [
    (Case("scoped noai", "GPTBot", "", headers={"x-robots-tag": "GPTBot: noai"}), {"GPTBot"}),
    (Case("scoped noai, two agents", "GPTBot", "", meta='<meta name="CCBot" content="noai">',
          headers={"x-robots-tag": "GPTBot: noai"}), {"GPTBot", "CCBot"}),
    (Case("noarchive", "bingbot", "", meta='<meta name="robots" content="noarchive">'), {"bingbot"}),
    (Case("Content-Signal in one group", "GPTBot", "",
          robots="User-agent: GPTBot\nContent-Signal: ai-train=no\nAllow: /\n\nUser-agent: *\nAllow: /\n"), {"GPTBot"}),
    (Case("Content-Usage in one group", "ClaudeBot", "",
          robots="User-agent: ClaudeBot\nContent-Usage: train-ai=n\nAllow: /\n"), {"ClaudeBot"}),
    (Case("blocked for everyone", "GPTBot", "", robots=BLOCK_ALL), TRAINING_OR_CONTROL),
    (Case("noai for everyone", "GPTBot", "", meta=NOAI_META), {a.token for a in REGISTRY.agents}),
])
@pytest.mark.parametrize("star", ["", "User-agent: *\nAllow: /\n\n"])
def test_a_scoped_rule_reserves_for_exactly_its_agents(case: Case, expected: set[str], star: str) -> None:
    """Also under a ``*`` group, where most agents share one judgement: a scoped rule still reaches only its agents."""
    robots = case.robots if case.robots.startswith("User-agent: *") else star + case.robots
    assert _reserved_agents(replace(case, robots=robots)) == expected


def test_a_grant_scoped_to_one_group_grants_to_no_other_agent() -> None:
    case = Case("grant in one group", "GPTBot", "", robots="User-agent: GPTBot\nContent-Signal: ai-train=yes\nAllow: /\n")
    granted = {token for token, verdict in judge(case).agents.items() if verdict.training == "granted"}
    assert granted == {"GPTBot"}


def _findings(case: Case, llms: bool = False) -> list[Finding]:
    body = f"<html><head>{case.meta}</head></html>".encode()
    page = Fetched(ORIGIN + case.path, 200, make_headers({"content-type": "text/html", **case.headers}), body)
    return [f for f in analyze(page, _site(case, llms), REGISTRY).findings if f.signal == "conflict"]


def test_a_conflict_is_listed_never_reconciled_silently() -> None:
    conflicts = _findings(Case("conflict", "GPTBot", "", meta=NOAI_META, headers={"content-usage": "train-ai=y"}))
    assert [(f.source, f.agent, f.value) for f in conflicts] == [
        ("page", None, "noai reserves training, content-usage grants it")]
    assert conflicts[0].evidence == "for every agent; the verdict takes the reservation (most restrictive)"


def test_a_conflict_for_a_few_agents_names_them() -> None:
    conflicts = _findings(Case("scoped", "GPTBot", "", headers={"x-robots-tag": "GPTBot: noai", "content-usage": "train-ai=y"}))
    assert [(f.agent, f.value, f.evidence) for f in conflicts] == [
        ("GPTBot", "noai reserves training, content-usage grants it",
         "for GPTBot; the verdict takes the reservation (most restrictive)")]


def test_a_reservation_alone_is_no_conflict() -> None:
    assert _findings(Case("alone", "GPTBot", "", meta=NOAI_META)) == []
    assert _findings(Case("grant alone", "GPTBot", "", headers={"content-usage": "train-ai=y"})) == []


def test_llms_txt_beside_a_reservation_is_a_conflict() -> None:
    conflicts = _findings(Case("llms", "GPTBot", "", meta=NOAI_META), llms=True)
    assert [(f.source, f.value) for f in conflicts] == [("llms.txt", "llms.txt invites AI use while the page reserves training")]
    assert _findings(Case("llms, nothing reserved", "GPTBot", ""), llms=True) == []


def test_a_conflict_for_all_but_a_few_agents_names_the_exceptions() -> None:
    robots = "User-agent: *\nContent-Signal: ai-train=yes\nAllow: /\n\nUser-agent: GPTBot\nAllow: /\n"
    conflicts = _findings(Case("all but GPTBot", "GPTBot", "", robots=robots, meta=NOAI_META))
    count = len(REGISTRY.agents) - 1
    assert [(f.agent, f.value, f.evidence) for f in conflicts] == [
        (None, "noai reserves training, content-signal grants it",
         f"for {count} agents: every agent except GPTBot; the verdict takes the reservation (most restrictive)")]


def test_a_conflict_for_many_agents_names_the_first_eight() -> None:
    conflicts = _findings(Case("training agents", "GPTBot", "", robots=BLOCK_ALL, headers={"content-usage": "train-ai=y"}))
    blocked = [a.token for a in REGISTRY.agents if a.reserves_training_when_blocked]
    assert [(f.agent, f.value, f.evidence) for f in conflicts] == [
        (None, "robots.txt reserves training, content-usage grants it",
         (f"for {len(blocked)} agents: {', '.join(blocked[:8])} and {len(blocked) - 8} more; "
         "the verdict takes the reservation (most restrictive)"))]


def test_the_reasons_of_a_plain_reservation_and_a_plain_grant() -> None:
    """The whole list, in order: the deciding signal first, robots.txt last, nothing doubled or empty."""
    reserved = judge(Case("noai", "GPTBot", "", meta=NOAI_META)).agents["GPTBot"]
    assert reserved.reasons == [f"noai for every agent ({NOAI_META})",
                                "robots.txt: no rule matches: allowed (no group names 'GPTBot' and there is no * group)"]
    granted = judge(Case("grant", "GPTBot", "", headers={"content-usage": "train-ai=y"})).agents["GPTBot"]
    assert granted.reasons == ["Content-Usage train-ai=y (Content-Usage header)",
                               "robots.txt: no rule matches: allowed (no group names 'GPTBot' and there is no * group)"]


def test_bing_directives_reserve_for_bingbot_even_when_it_shares_the_star_group() -> None:
    """With a * group, bingbot falls back to the same rules as most agents; its verdict must still be its own."""
    case = Case("noarchive under *", "bingbot", "", robots="User-agent: *\nAllow: /\n",
                meta='<meta name="robots" content="noarchive">')
    assert _reserved_agents(case) == {"bingbot"}


def test_a_conflict_for_eight_agents_names_each_with_every_signal() -> None:
    names = ["GPTBot", "CCBot", "ClaudeBot", "Bytespider", "Amazonbot", "PerplexityBot", "Applebot", "cohere-ai"]
    header = ", ".join(f"{name}: noai" for name in names)
    conflicts = _findings(Case("eight", "GPTBot", "", headers={"x-robots-tag": header, "content-usage": "train-ai=y",
                                                                "tdm-reservation": "0"}))
    by_agent = sorted(names, key=[a.token for a in REGISTRY.agents].index)
    assert [(f.agent, f.value, f.evidence) for f in conflicts] == [
        (",".join(by_agent), "noai reserves training, content-usage+tdm-reservation grants it",
         f"for {', '.join(by_agent)}; the verdict takes the reservation (most restrictive)")]


def test_a_conflict_for_all_but_two_agents_names_both_exceptions() -> None:
    robots = "User-agent: *\nContent-Signal: ai-train=yes\nAllow: /\n\nUser-agent: GPTBot\nUser-agent: CCBot\nAllow: /\n"
    conflicts = _findings(Case("all but two", "GPTBot", "", robots=robots, meta=NOAI_META,
                               headers={"tdm-reservation": "1"}))
    assert [(f.value, f.evidence) for f in conflicts] == [
        ("noai+tdm-reservation reserves training, content-signal grants it",
         (f"for {len(REGISTRY.agents) - 2} agents: every agent except CCBot, GPTBot; "
         "the verdict takes the reservation (most restrictive)"))]


def test_llms_txt_beside_a_robots_txt_reservation_is_a_conflict() -> None:
    conflicts = _findings(Case("llms, robots", "GPTBot", "", robots=BLOCK_ALL), llms=True)
    assert [(f.source, f.evidence) for f in conflicts] == [("llms.txt", f"{ORIGIN}/llms.txt is served (status 200)")]
