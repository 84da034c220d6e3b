"""``noai-check robots``: one saved robots.txt judged for many agents and URLs, as plain data."""

from __future__ import annotations

from noai_check.judge.registry import Registry
from noai_check.signals.aipref import combine_usage, parse_content_usage
from noai_check.signals.content_signal import combine_signals, parse_content_signal
from noai_check.signals.robots import parse_robots


def robots_report(body: bytes, status: int, urls: list[str], registry: Registry) -> dict[str, object]:
    """Verdicts per (agent, URL), Content-Signal and Content-Usage per agent, and protego disagreements."""
    robots = parse_robots(body, status)
    tokens = registry.tokens()
    verdicts = []
    content_usage: dict[str, dict[str, dict[str, str]]] = {}
    content_signal: dict[str, dict[str, bool]] = {}
    for token in tokens:
        for url in urls:
            verdict = robots.verdict(url, token)
            verdicts.append(
                {
                    "agent": token,
                    "url": url,
                    "allowed": verdict.allowed,
                    "line": verdict.line.number if verdict.line else None,
                    "reason": verdict.reason,
                }
            )
            lines = robots.content_usage_lines(url, token)
            if lines:
                prefs = combine_usage(parse_content_usage(line.value) for line in lines)
                content_usage.setdefault(token, {})[url] = dict(sorted(prefs.items()))
        signal_lines = robots.group_lines(token, "content-signal")
        if signal_lines:
            content_signal[token] = dict(sorted(combine_signals(parse_content_signal(l.value) for l in signal_lines).items()))
    disagreements = robots.protego_disagreements(tokens, urls) if robots.outcome == "parsed" else []
    return {
        "status": status,
        "outcome": robots.outcome,
        "verdicts": verdicts,
        "content_signal": content_signal,
        "content_usage": content_usage,
        "disagreements": [finding.to_json() for finding in disagreements],
        "findings": [finding.to_json() for finding in robots.findings],
        "sitemaps": list(robots.sitemaps),
    }
