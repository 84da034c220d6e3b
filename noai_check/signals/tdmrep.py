"""W3C TDM Reservation Protocol (TDMRep, CG Final Report 2024-05-10) for web responses.

Three layers are read: ``/.well-known/tdmrep.json``, the ``tdm-reservation`` / ``tdm-policy``
response headers, and the same names in HTML ``<meta>``. Later layers supersede earlier
ones; an absent or invalid (unset) layer keeps the earlier value. ``tdm-reservation`` is
only ``1`` (reserved: the Art. 4 DSM opt-out) or ``0``; anything else is a protocol error
and reads as unset. EPUB and PDF/XMP metadata are out of scope: this tool reads web
responses, not publication files.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from noai_check.signals.findings import Finding
from noai_check.signals.html_sniff import looks_like_html
from noai_check.signals.path_pattern import PathPattern, compile_pattern, request_path

SOURCE_FILE = "tdmrep.json"
SOURCE_HEADER = "header"
SOURCE_META = "meta"

_RULE_PROPERTIES = ("location", "tdm-reservation", "tdm-policy")
_JSON_TYPES = ("application/json", "application/ld+json", "text/json")


@dataclass(frozen=True)
class TdmValue:
    """The TDMRep statement one layer makes for one resource (reservation None = unset)."""

    reservation: int | None
    policy: str | None
    source: str
    evidence: str


@dataclass(frozen=True)
class TdmRule:
    """One entry of tdmrep.json; ``location`` None means it can match nothing."""

    index: int
    location: str | None
    reservation: int | None
    policy: str | None
    raw: str
    # The spec: "matching reuses robots.txt path rules", so the location is compiled by the
    # robots.txt matcher and the two files can never disagree on a path.
    pattern: PathPattern | None = field(default=None, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.location is not None:
            object.__setattr__(self, "pattern", compile_pattern(self.location))

    def matches(self, path: str) -> bool:
        """Whether this rule covers a path already passed through ``request_path`` (path and query)."""
        return self.pattern is not None and self.pattern.matches(path)


@dataclass(frozen=True)
class TdmRepFile:
    """What /.well-known/tdmrep.json said; ``present`` False means the site does not use it."""

    present: bool
    status: int | None
    rules: list[TdmRule] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def match(self, url: str) -> TdmValue | None:
        """The first rule in array order that matches ``url`` (a URL or a path); None if none.

        First match, not longest: TDMRep orders its rules, unlike robots.txt.
        """
        path = request_path(url)
        for rule in self.rules:
            if rule.matches(path):
                policy = rule.policy if rule.reservation == 1 else None
                evidence = f"tdmrep.json rule #{rule.index}: {rule.raw}"
                return TdmValue(rule.reservation, policy, SOURCE_FILE, evidence)
        return None


# --- /.well-known/tdmrep.json ----------------------------------------------------------


class _JsonObject(dict[str, Any]):
    """A JSON object that remembers which member names it saw more than once."""

    repeated: tuple[str, ...] = ()


def _object_keeping_repeats(pairs: list[tuple[str, Any]]) -> _JsonObject:
    obj = _JsonObject(pairs)
    if len(obj) != len(pairs):
        names = [name for name, _ in pairs]
        obj.repeated = tuple(sorted({name for name in names if names.count(name) > 1}))
    return obj


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")  # Python's json would otherwise accept NaN/Infinity


def _media_type(content_type: str) -> str:
    """The media type of a Content-Type value, without parameters, lower-cased."""
    return content_type.partition(";")[0].strip().lower()


def parse_tdmrep_json(body: bytes, status: int | None, content_type: str = "") -> TdmRepFile:
    """Read a /.well-known/tdmrep.json response; only a 2xx JSON array counts as present."""
    where = f"tdmrep.json (HTTP {status})" if status is not None else "tdmrep.json (no response)"
    if status is None or not 200 <= status < 300:
        return TdmRepFile(False, status, findings=_not_served_findings(status, where))
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return _invalid(status, f"tdmrep.json is not UTF-8 ({exc.reason} at byte {exc.start})", where)
    if looks_like_html(text, content_type):
        problem = "tdmrep.json answered with an HTML page: not a tdmrep.json"
        return _invalid(status, problem, f"{where}: {_excerpt(text)}")
    try:
        document = json.loads(text, object_pairs_hook=_object_keeping_repeats, parse_constant=_reject_constant)
    except ValueError as exc:
        return _invalid(status, f"tdmrep.json is not valid JSON ({exc})", f"{where}: {_excerpt(text)}")
    except RecursionError:
        return _invalid(status, "tdmrep.json nests too deeply to be read", f"{where}: {_excerpt(text)}")
    if not isinstance(document, list):
        return _invalid(status, _not_an_array(document), f"{where}: {_excerpt(text)}")
    findings = _content_type_findings(content_type, where)
    rules: list[TdmRule] = []
    for index, entry in enumerate(document):
        rule, rule_findings = _parse_rule(index, entry)
        rules.append(rule)
        findings += rule_findings
    return TdmRepFile(True, status, rules, findings)


def _not_served_findings(status: int | None, where: str) -> list[Finding]:
    # A 4xx is the ordinary "site does not use TDMRep"; a 5xx, redirect left unfollowed or
    # no response also means "not implemented" per spec, but is worth saying out loud.
    if status is not None and 400 <= status < 500:
        return []
    value = "tdmrep.json could not be fetched: treated as not implemented, per spec"
    return [Finding("note", SOURCE_FILE, None, value, where)]


def _invalid(status: int, problem: str, evidence: str) -> TdmRepFile:
    return TdmRepFile(False, status, findings=[Finding("protocol-error", SOURCE_FILE, None, problem, evidence)])


def _not_an_array(document: object) -> str:
    problem = f"tdmrep.json top level is a JSON {_json_type(document)}, not an array: not a valid tdmrep.json"
    if isinstance(document, dict):
        for name, value in document.items():
            if name.replace("_", "-").lower() == "tdm-reservation":
                problem += f" (its {name!r}: {_compact_json(value)} is therefore not applied)"
                break
    return problem


def _content_type_findings(content_type: str, where: str) -> list[Finding]:
    media_type = _media_type(content_type)
    if not media_type or media_type in _JSON_TYPES or media_type.endswith("+json"):
        return []
    value = f"tdmrep.json served as {media_type}, not application/json (read anyway)"
    return [Finding("note", SOURCE_FILE, None, value, where)]


def _parse_rule(index: int, entry: object) -> tuple[TdmRule, list[Finding]]:
    raw = _compact_json(entry)
    evidence = f"tdmrep.json rule #{index}: {raw}"

    def error(problem: str) -> Finding:
        return Finding("protocol-error", SOURCE_FILE, None, f"rule #{index}: {problem}", evidence)

    if not isinstance(entry, _JsonObject):  # every JSON object is read as a _JsonObject
        return TdmRule(index, None, None, None, raw), [error(f"a JSON {_json_type(entry)}, not an object: ignored")]
    findings = [error(f"repeats {name!r}; the last value is used") for name in entry.repeated]
    location = _rule_location(entry, error, findings)
    reservation = _rule_reservation(entry, error, findings)
    policy = _rule_policy(entry, reservation, error, findings, evidence)
    for name in entry:
        if name not in _RULE_PROPERTIES:
            value = f"rule #{index}: unknown property {name!r} ignored"
            findings.append(Finding("note", SOURCE_FILE, None, value, evidence))
    return TdmRule(index, location, reservation, policy, raw), findings


def _rule_location(entry: Mapping[str, Any], error: Callable[[str], Finding], findings: list[Finding]) -> str | None:
    if "location" not in entry:
        findings.append(error("no location: the rule matches nothing"))
        return None
    location = entry["location"]
    if not isinstance(location, str) or not location:
        findings.append(error(f"location {_compact_json(location)} is not a path pattern: the rule matches nothing"))
        return None
    if not location.startswith(("/", "*")):
        findings.append(error(f"location {location!r} does not start with '/' or '*': it matches no path"))
    return location


def _rule_reservation(entry: Mapping[str, Any], error: Callable[[str], Finding], findings: list[Finding]) -> int | None:
    if "tdm-reservation" not in entry:
        lookalikes = [name for name in entry if name.replace("_", "-").lower() == "tdm-reservation"]
        hint = f" (found {lookalikes[0]!r}, which is not the property name)" if lookalikes else ""
        findings.append(error(f"no tdm-reservation{hint}: unset"))
        return None
    value = entry["tdm-reservation"]
    # Only the JSON numbers 1 and 0; "1", true, "yes", 2, 1.0 are protocol errors -> unset.
    if type(value) is int and value in (0, 1):
        return value
    findings.append(error(f"tdm-reservation {_compact_json(value)} is not the number 1 or 0: protocol error, unset"))
    return None


def _rule_policy(
    entry: Mapping[str, Any],
    reservation: int | None,
    error: Callable[[str], Finding],
    findings: list[Finding],
    evidence: str,
) -> str | None:
    if "tdm-policy" not in entry:
        return None
    policy, problem = check_policy_url(entry["tdm-policy"])
    if problem:
        findings.append(error(problem))
    elif reservation == 0:
        value = "tdm-policy given with tdm-reservation 0: policy not processed"
        findings.append(Finding("note", SOURCE_FILE, None, value, evidence))
    return policy


def check_policy_url(value: object) -> tuple[str | None, str | None]:
    """A tdm-policy must be an absolute URL; return (usable URL, problem)."""
    if not isinstance(value, str):
        return None, f"tdm-policy {_compact_json(value)} is not a URL string: ignored"
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        parts = None
    if parts is None or not parts.scheme or not parts.netloc:
        return None, f"tdm-policy {value!r} is not an absolute URL: invalid, ignored"
    return value.strip(), None


def _compact_json(value: object) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)
    except RecursionError:
        return "(too deeply nested to quote)"


def _json_type(value: object) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    return "number"


def _excerpt(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit] + "..."


# --- HTTP headers and HTML meta --------------------------------------------------------


def tdm_from_headers(headers: Mapping[str, Sequence[str]]) -> tuple[TdmValue | None, list[Finding]]:
    """The TDMRep statement of one response's headers ({name: [values]}, names any case)."""
    lowered: dict[str, list[str]] = {}
    for name, values in headers.items():
        lowered.setdefault(name.lower(), []).extend(values)
    # HTTP libraries fold repeated field lines into "1, 1" (RFC 9110 5.3): unfold them.
    reservations = [part for value in lowered.get("tdm-reservation", []) for part in value.split(",")]
    policies = lowered.get("tdm-policy", [])
    evidence = [f"tdm-reservation: {value}" for value in lowered.get("tdm-reservation", [])]
    evidence += [f"tdm-policy: {value}" for value in policies]
    return _read_layer(reservations, policies, SOURCE_HEADER, " | ".join(evidence))


def tdm_from_meta(metas: Mapping[str, Sequence[str]]) -> tuple[TdmValue | None, list[Finding]]:
    """The TDMRep statement of an HTML page's metas ({lowercased name: [content values]})."""
    reservations = list(metas.get("tdm-reservation", []))
    policies = list(metas.get("tdm-policy", []))
    evidence = [f'<meta name="tdm-reservation" content="{value}">' for value in reservations]
    evidence += [f'<meta name="tdm-policy" content="{value}">' for value in policies]
    return _read_layer(reservations, policies, SOURCE_META, " | ".join(evidence))


def _read_layer(
    reservations: Sequence[str], policies: Sequence[str], source: str, evidence: str
) -> tuple[TdmValue | None, list[Finding]]:
    if not reservations and not policies:
        return None, []
    findings: list[Finding] = []
    reservation = _layer_reservation(reservations, source, evidence, findings)
    policy = _layer_policy(policies, source, evidence, findings)
    if policy is not None and reservation != 1:
        why = "tdm-reservation 0" if reservation == 0 else "no valid tdm-reservation"
        findings.append(Finding("note", source, None, f"tdm-policy given with {why}: policy not processed", evidence))
        policy = None
    return TdmValue(reservation, policy, source, evidence), findings


def _layer_reservation(values: Sequence[str], source: str, evidence: str, findings: list[Finding]) -> int | None:
    valid: set[int] = set()
    for value in values:
        if value.strip() in ("0", "1"):
            valid.add(int(value.strip()))
        else:
            problem = f"tdm-reservation {value.strip()!r} is not 1 or 0: protocol error, unset"
            findings.append(Finding("protocol-error", source, None, problem, evidence))
    if len(valid) > 1:
        # Within one layer the spec gives no precedence. Reading the conflict as unset would
        # throw away an explicit reservation of rights, so the reservation (1) is kept and
        # the conflict is reported for anyone who wants to judge it differently.
        value = "tdm-reservation given as both 1 and 0 in one response: read as 1 (reserved)"
        findings.append(Finding("conflict", source, None, value, evidence))
        return 1
    return valid.pop() if valid else None


def _layer_policy(values: Sequence[str], source: str, evidence: str, findings: list[Finding]) -> str | None:
    usable: list[str] = []
    for value in values:
        policy, problem = check_policy_url(value)
        if problem:
            findings.append(Finding("protocol-error", source, None, problem, evidence))
        elif policy is not None and policy not in usable:
            usable.append(policy)
    if len(usable) > 1:
        value = f"{len(usable)} different tdm-policy URLs: the first is used"
        findings.append(Finding("conflict", source, None, value, evidence))
    return usable[0] if usable else None


# --- layering --------------------------------------------------------------------------


def layer_tdm(
    file_value: TdmValue | None, header_value: TdmValue | None, meta_value: TdmValue | None
) -> tuple[TdmValue | None, list[Finding]]:
    """Apply the spec's precedence file < header < meta; unset layers keep the earlier value.

    A layer is taken whole: its policy comes with its reservation, and policies are not
    merged across layers. Every override that changes the reservation is reported.
    """
    effective: TdmValue | None = None
    findings: list[Finding] = []
    for layer in (file_value, header_value, meta_value):
        if layer is None or layer.reservation is None:
            continue
        if effective is not None and layer.reservation != effective.reservation:
            value = (
                f"{layer.source} says tdm-reservation {layer.reservation}, {effective.source} said "
                f"{effective.reservation}: {layer.source} wins (TDMRep processing priority)"
            )
            findings.append(Finding("conflict", layer.source, None, value, f"{effective.evidence} || {layer.evidence}"))
        effective = layer
    return effective, findings


def tdm_finding(value: TdmValue, agent: str | None = None) -> Finding:
    """The effective TDMRep statement as a finding (value "1", "0" or "unset")."""
    reservation = "unset" if value.reservation is None else str(value.reservation)
    return Finding("tdm-reservation", value.source, agent, reservation, value.evidence)
