"""Every AI signal one response carries about itself: robots metas, X-Robots-Tag, TDMRep, Content-Usage.

Site files (robots.txt, tdmrep.json, ...) are read elsewhere (``site_files.py``);
noai_check.judge.verdict puts the two together per agent.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from noai_check.signals.aipref import UsageStatement, content_usage_findings, parse_content_usage_lines
from noai_check.signals.content_signal import ContentSignal, content_signal_findings, parse_content_signal
from noai_check.signals.directives import AI_DIRECTIVES, Directives, parse_meta_content, parse_x_robots_tags
from noai_check.signals.findings import Finding
from noai_check.signals.html_sniff import looks_like_html
from noai_check.signals.meta_tags import MetaTag, html_charset, iter_meta_tags
from noai_check.signals.response import Fetched
from noai_check.signals.tdmrep import TdmValue, tdm_from_headers, tdm_from_meta

_TDM_META_NAMES = frozenset({"tdm-reservation", "tdm-policy"})
# Meta names that are never crawler names, so a tag like <meta name="description"> is not a scope.
_NOT_AGENTS = frozenset(
    {
        "description", "keywords", "viewport", "referrer", "theme-color", "author", "generator",
        "google-site-verification", "application-name", "color-scheme", "format-detection",
        "apple-itunes-app", "msapplication-tilecolor", "msapplication-config", "twitter:card",
        "twitter:site", "twitter:title", "twitter:description", "twitter:image", "csrf-token",
        "msapplication-tooltip", "msapplication-tileimage", "msapplication-starturl", "msapplication-navbutton-color",
        "apple-mobile-web-app-capable", "apple-mobile-web-app-title", "apple-mobile-web-app-status-bar-style",
        "mobile-web-app-capable",
    }
)


@dataclass
class PageSignals:
    """What a page says about itself, with the evidence of each statement."""

    url: str
    is_html: bool
    directives: Directives = field(default_factory=Directives)
    tdm_header: TdmValue | None = None
    tdm_meta: TdmValue | None = None
    content_usage: list[UsageStatement] = field(default_factory=list)
    content_signal: list[ContentSignal] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)  # the meta tags read as signals, as written (evidence)

    @property
    def noai(self) -> bool:
        return "noai" in self.directives.everyone

    @property
    def noimageai(self) -> bool:
        return "noimageai" in self.directives.everyone

    def verdict_key(self) -> tuple[object, ...]:
        """Everything ``verdict.py`` reads from a page, as one hashable value.

        Pages with equal keys get equal verdicts (on the same URL view), so a crawl judges the
        usual untagged page once instead of once per page. Extend this when verdict.py reads more.
        """
        return (
            tuple(self.directives.evidence.items()),
            tuple(self.directives.everyone),
            tuple((agent, tuple(d)) for agent, d in self.directives.per_agent.items()),
            self.tdm_header,
            self.tdm_meta,
            repr(self.content_usage) if self.content_usage else "",
            repr(self.content_signal) if self.content_signal else "",
        )


def _robots_meta_directives(
    response: Fetched, signals: PageSignals, tdm_metas: dict[str, list[str]], crawler_names: Collection[str]
) -> None:
    charset, problem = html_charset(response.body, response.header_values("content-type"))
    if problem:
        signals.findings.append(Finding("body", "html", None, "undecodable", problem))
    for tag in iter_meta_tags(response.body, charset, _NOT_AGENTS):
        name = tag.name
        if name in _TDM_META_NAMES:
            tdm_metas.setdefault(name, []).append(tag.content)
            signals.tags.append(tag.evidence)
        elif tag.http_equiv == "x-robots-tag":
            signals.tags.append(tag.evidence)
            signals.findings.append(
                Finding(
                    "ambiguous",
                    "meta http-equiv",
                    None,
                    tag.content,
                    f"{tag.evidence}: http-equiv X-Robots-Tag is not a standard form; reported, not counted",
                )
            )
        elif name == "robots" or (name and "content" in tag.attrs and _names_a_crawler(name, tag.content, crawler_names)):
            agent = None if name == "robots" else name
            signals.directives.merge(parse_meta_content(tag.content, agent, tag.evidence))
            signals.tags.append(tag.evidence)
            if tag.in_body:
                signals.findings.append(_in_body_finding(tag, agent))


def _in_body_finding(tag: MetaTag, agent: str | None) -> Finding:
    """A robots meta in <body> counts (Google reads it anywhere in the page), but a reader that
    stops at </head> or reads only the head never sees it: say so."""
    return Finding(
        "meta-in-body",
        "meta",
        agent,
        tag.content,
        f"{tag.evidence}: in <body>, not <head>; counted (Google reads robots metas anywhere in the page), "
        "but readers that look only in <head> miss it",
    )


def _names_a_crawler(name: str, content: str, crawler_names: Collection[str]) -> bool:
    """``<meta name="GPTBot" content="noai">`` scopes directives to a crawler; ``<meta name="theme">`` does not.

    A name counts when it is a known crawler's token (``crawler_names``, lower case), or when the content states noai/noimageai
    (an AI opt-out addressed to a crawler we do not know yet is still one).
    """
    if name in _NOT_AGENTS:
        return False
    if name in crawler_names:
        return True
    words = {w.lower() for w in re.split(r"[\s,;]+", content)}
    return bool(words & AI_DIRECTIVES)


def analyze_page(response: Fetched, crawler_names: Collection[str]) -> PageSignals:
    """Read a page's own signals: headers always, metas when the body is HTML.

    ``crawler_names`` (lower case) are the meta names read as a crawler's scope whatever the tag says:
    the judge passes the registry's tokens (noai_check.judge.registry.meta_crawler_names), so this
    parser needs no registry of its own.
    """
    is_html = looks_like_html(response.body, response.content_type, trust_content_type=True)
    signals = PageSignals(url=response.final_url or response.url, is_html=is_html)
    signals.directives.merge(parse_x_robots_tags(response.header_values("x-robots-tag")))
    signals.tdm_header, tdm_findings = tdm_from_headers(response.headers)
    signals.findings.extend(tdm_findings)
    usage_lines = response.header_values("content-usage")
    if usage_lines:
        # Several field lines are one Dictionary (RFC 9110 5.3): the last duplicate key wins across lines.
        statement = parse_content_usage_lines(usage_lines)
        signals.content_usage.append(statement)
        evidence = [f"Content-Usage: {line}" for line in usage_lines]
        signals.findings.extend(content_usage_findings(statement, source="header", agent=None, evidence=evidence))
    for value in response.header_values("content-signal"):
        signal = parse_content_signal(value)
        signals.content_signal.append(signal)
        signals.findings.extend(content_signal_findings(signal, source="header", agent=None, evidence=[f"Content-Signal: {value}"]))
    tdm_metas: dict[str, list[str]] = {}
    if signals.is_html:
        _robots_meta_directives(response, signals, tdm_metas, crawler_names)
    signals.tdm_meta, meta_findings = tdm_from_meta(tdm_metas)
    signals.findings.extend(meta_findings)
    signals.findings.extend(signals.directives.findings)
    signals.findings.extend(signals.directives.ai_findings())
    return signals
