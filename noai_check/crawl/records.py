"""The per-page record written to ``pages.jsonl``: the `check --json` fields plus crawl facts.

Its agents map is written once per crawl to verdicts.jsonl and the record names it by
``agents_ref`` (compact_lines; noai_check.judge.verdict_refs).
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from typing import Any

from noai_check.judge.page_judgement import Analysis, analyze
from noai_check.judge.registry import Registry
from noai_check.judge.verdict_refs import REF_KEY, record_line, ref_of, verdicts_line
from noai_check.signals.response import Fetched
from noai_check.signals.site_files import Site

# Response headers kept as evidence: the ones that carry or qualify an AI signal.
EVIDENCE_HEADERS = (
    "x-robots-tag", "tdm-reservation", "tdm-policy", "content-usage", "content-signal",
    "link", "content-type", "server", "cf-mitigated", "x-datadome",
)


def evidence_headers(response: Fetched) -> dict[str, list[str]]:
    """The AI-relevant headers of a response, every value kept."""
    return {name: response.header_values(name) for name in EVIDENCE_HEADERS if response.header_values(name)}


def page_record(
    *,
    url: str,
    page_type: str,
    response: Fetched,
    analysis: Analysis | None,
    unverifiable_reason: str | None,
    fetched_at: str,
) -> dict[str, Any]:
    """One line of pages.jsonl; ``page`` and ``agents`` are None when the page could not be read."""
    verifiable = unverifiable_reason is None and analysis is not None and analysis.page is not None
    return {
        "url": url,
        "final_url": response.final_url or response.url,
        "page_type": page_type,
        "status": response.status,
        "verifiable": verifiable,
        "unverifiable_reason": unverifiable_reason,
        "fetched_at": fetched_at,
        "sha256": hashlib.sha256(response.body).hexdigest() if response.status is not None else None,
        "headers": evidence_headers(response),
        "page": analysis.page_json() if analysis and verifiable else None,
        "agents": _agents_json(analysis) if analysis else {},
        "findings": [f.to_json() for f in analysis.findings] if analysis else [],
    }


class AgentsJson(dict):  # type: ignore[type-arg]
    """A record's agents map and, once encoded, its JSON text.

    Pages that share a judgement (verdict.judge_page) share one AgentsJson, so a crawl encodes
    the usual 165-agent map once, not once per page. Read it, never change it.
    """

    __slots__ = ("encoded", "ref")

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.encoded: str | None = None
        self.ref: str | None = None


_AGENTS_JSON_LIMIT = 16
_agents_json_memo: dict[int, tuple[dict[str, Any], AgentsJson]] = {}


def _agents_json(analysis: Analysis) -> AgentsJson:
    """The agents map; agents that share a verdict share one dict, so it is encoded once (encode_record)."""
    known = _agents_json_memo.get(id(analysis.agents))
    if known is not None and known[0] is analysis.agents:  # the verdicts dict is held, so its id is not reused
        return known[1]
    shared: dict[int, dict[str, Any]] = {}
    result = AgentsJson(
        (token, shared.get(id(v)) or shared.setdefault(id(v), v.to_json())) for token, v in analysis.agents.items()
    )
    if len(_agents_json_memo) >= _AGENTS_JSON_LIMIT:
        _agents_json_memo.clear()
    _agents_json_memo[id(analysis.agents)] = (analysis.agents, result)
    return result


@lru_cache(maxsize=4096)
def _encoded_token(token: str) -> str:
    return json.dumps(token, ensure_ascii=False)


def _encode_agents(agents: dict[str, Any]) -> str:
    """The agents map as json.dumps(sort_keys=True) writes it, each distinct verdict encoded once."""
    if isinstance(agents, AgentsJson) and agents.encoded is not None:
        return agents.encoded
    encoded: dict[int, str] = {}
    parts = []
    for token in sorted(agents):
        value = agents[token]
        text = encoded.get(id(value))
        if text is None:
            text = encoded[id(value)] = json.dumps(value, ensure_ascii=False, sort_keys=True)
        parts.append(f"{_encoded_token(token)}: {text}")
    whole = "{" + ", ".join(parts) + "}"
    if isinstance(agents, AgentsJson):
        agents.encoded = whole
    return whole


def encode_record(record: dict[str, Any]) -> str:
    """``json.dumps(record, sort_keys=True, ensure_ascii=False)``, byte for byte, but each distinct
    agent verdict is encoded once, and a map shared by pages (AgentsJson) once per crawl."""
    agents = record.get("agents")
    if not agents:
        return json.dumps(record, ensure_ascii=False, sort_keys=True)
    return record_line({k: v for k, v in record.items() if k != "agents"}, _encode_agents(agents))


def _agents_ref(agents: dict[str, Any]) -> tuple[str, str]:
    """(ref, encoded map); a map shared by pages (AgentsJson) is hashed once per crawl."""
    ref = agents.ref if isinstance(agents, AgentsJson) else None
    encoded = _encode_agents(agents)
    if ref is None:
        ref = ref_of(encoded)
        if isinstance(agents, AgentsJson):
            agents.ref = ref
    return ref, encoded


def compact_lines(record: dict[str, Any], written: set[str]) -> tuple[str, str | None, str]:
    """(the map's ref, its verdicts.jsonl line if not in ``written`` yet, the record's line).

    The record's line carries ``agents_ref`` where ``agents`` was. Lines without their newline;
    the verdicts line must be written and flushed before the record's (see the pipeline).
    """
    ref, encoded = _agents_ref(record.get("agents") or {})
    compact = {k: v for k, v in record.items() if k != "agents"}
    compact[REF_KEY] = ref
    new_map = None if ref in written else verdicts_line(ref, encoded)
    return ref, new_map, json.dumps(compact, ensure_ascii=False, sort_keys=True)


def evidence_record(url: str, response: Fetched, analysis: Analysis | None) -> dict[str, Any]:
    """What a verdict can be re-checked against without re-crawling: every header, the tags read, the body hash."""
    return {
        "url": url,
        "final_url": response.final_url or response.url,
        "status": response.status,
        "error": response.error,
        "sha256": hashlib.sha256(response.body).hexdigest() if response.status is not None else None,
        "headers": response.headers,
        "tags": analysis.page.tags if analysis and analysis.page else [],
    }


def judged_item(
    fetched: Fetched,
    page_type: str,
    reason: str | None,
    site: Site | None,
    registry: Registry,
    fetched_at: str,
    extra: dict[str, Any],
) -> dict[str, Any]:
    """A page's (or media file's) record and evidence, judged against its site's files.

    ``reason``: why the page cannot be judged (None: it can); ``site`` None only with a reason.
    ``extra``: fields added to the record (an archive audit's capture). In the crawl's process or
    in the judging process (judging_worker.py): the same inputs give the same lines.
    """
    analysis = analyze(fetched, site, registry, page_readable=reason is None) if site else None
    record = page_record(
        url=fetched.url, page_type=page_type, response=fetched, analysis=analysis,
        unverifiable_reason=reason, fetched_at=fetched_at,
    )
    if page_type == "media" and site is not None:
        record["ai_txt"] = site.ai_txt.allows(fetched.url).allowed
    record.update(extra)
    kind = "media" if page_type == "media" else "page"
    evidence = evidence_record(fetched.url, fetched, analysis)
    # _page: the raw view's signals, compared with the rendered view's (rendering.py); not written.
    return {"_kind": kind, "record": record, "evidence": evidence, "_page": analysis.page if analysis else None}
