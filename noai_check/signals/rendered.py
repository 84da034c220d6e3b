"""The HTML as served against the page after its scripts ran: which AI signals JavaScript adds, removes or changes.

Both views are read by the same parser (``page.analyze_page``); this module only compares the two
``PageSignals``. A crawler that does not run JavaScript (GPTBot, CCBot and most training crawlers)
sees only the raw view, so a signal present only after rendering is one those crawlers never read.
"""

from __future__ import annotations

from noai_check.signals.directives import AI_DIRECTIVES
from noai_check.signals.findings import Finding
from noai_check.signals.page import PageSignals

JS_ONLY = "js-only-signal"
JS_REMOVED = "js-removed-signal"
JS_CHANGED = "js-changed-signal"
_UNSEEN = "only after JavaScript runs: crawlers that do not run scripts never see it"
_REMOVED = "in the HTML as served, removed by a script: crawlers that do not run scripts still see it"


def _ai_directives(signals: PageSignals) -> dict[str | None, dict[str, str]]:
    """Scope (None = every agent) -> AI directive -> the tag or header line that stated it."""
    scopes: dict[str | None, dict[str, str]] = {}
    for (agent, directive), evidence in signals.directives.evidence.items():
        if directive in AI_DIRECTIVES:
            scopes.setdefault(agent, {})[directive] = evidence
    return scopes


def _scope_findings(agent: str | None, raw: dict[str, str], rendered: dict[str, str]) -> list[Finding]:
    added = sorted(set(rendered) - set(raw))
    removed = sorted(set(raw) - set(rendered))
    if added and removed:
        value = f"{', '.join(removed)} -> {', '.join(added)}"
        before = "; ".join(raw[d] for d in removed)
        after = "; ".join(rendered[d] for d in added)
        return [Finding(JS_CHANGED, "meta", agent, value, f"served: {before}; after JavaScript: {after}")]
    findings = [Finding(JS_ONLY, "meta", agent, d, f"{rendered[d]}: {_UNSEEN}") for d in added]
    findings += [Finding(JS_REMOVED, "meta", agent, d, f"{raw[d]}: {_REMOVED}") for d in removed]
    return findings


def _tdm_findings(raw: PageSignals, rendered: PageSignals) -> list[Finding]:
    before = raw.tdm_meta.reservation if raw.tdm_meta else None
    after = rendered.tdm_meta.reservation if rendered.tdm_meta else None
    if before == after:
        return []
    if before is None and rendered.tdm_meta:
        return [Finding(JS_ONLY, "meta tdm-reservation", None, str(after), f"{rendered.tdm_meta.evidence}: {_UNSEEN}")]
    if after is None and raw.tdm_meta:
        return [Finding(JS_REMOVED, "meta tdm-reservation", None, str(before), f"{raw.tdm_meta.evidence}: {_REMOVED}")]
    evidence = f"served: {raw.tdm_meta.evidence if raw.tdm_meta else ''}; after JavaScript: "
    evidence += rendered.tdm_meta.evidence if rendered.tdm_meta else ""
    return [Finding(JS_CHANGED, "meta tdm-reservation", None, f"{before} -> {after}", evidence)]


def compare_views(raw: PageSignals, rendered: PageSignals) -> list[Finding]:
    """Findings for every AI signal that differs between the served HTML and the rendered page.

    >>> from noai_check.signals.directives import parse_meta_content
    >>> served, after = PageSignals("u", True), PageSignals("u", True)
    >>> after.directives.merge(parse_meta_content("noai", None, '<meta name="robots" content="noai">'))
    >>> [(f.signal, f.value) for f in compare_views(served, after)]
    [('js-only-signal', 'noai')]
    >>> [(f.signal, f.value) for f in compare_views(after, served)]
    [('js-removed-signal', 'noai')]
    """
    raw_scopes, rendered_scopes = _ai_directives(raw), _ai_directives(rendered)
    findings: list[Finding] = []
    for agent in sorted(set(raw_scopes) | set(rendered_scopes), key=lambda a: (a is not None, a or "")):
        findings += _scope_findings(agent, raw_scopes.get(agent, {}), rendered_scopes.get(agent, {}))
    return findings + _tdm_findings(raw, rendered)
