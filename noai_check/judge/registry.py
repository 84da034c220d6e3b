"""The AI agent registry: which robots.txt product tokens matter, who runs them, and why.

Pure (no Scrapy, no network). The shipped list lives in ``noai_check/judge/data/agents.json`` and
covers every agent of the ai.robots.txt ``robots.json`` of 2026-08-22 (case duplicates folded),
plus ``bingbot`` and ``OAI-AdsBot``. Users can add or override entries with their own file.

``purpose`` says what a robots.txt disallow for the agent means:

* ``training``   - collects data for model training or datasets (a disallow reserves training)
* ``control``    - a control token with no crawler of its own, e.g. Google-Extended (ditto)
* ``ai-search``  - AI search / answer engine indexing
* ``user-fetch`` - fetches a page because a user asked for it
* ``other-ai``   - anything else AI-related (ads checks, customer-configured RAG, link previews...)

``obeys_robots`` is ``"yes"`` only where the operator documents it; otherwise ``"no"`` (documented
or widely reported not to) or ``"unclear"``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from noai_check.errors import NoaiCheckError

PURPOSES: tuple[str, ...] = ("training", "ai-search", "user-fetch", "control", "other-ai")
OBEYS: tuple[str, ...] = ("yes", "no", "unclear")
TRAINING_PURPOSES: frozenset[str] = frozenset({"training", "control"})

AI_ROBOTS_TXT_URL = "https://github.com/ai-robots-txt/ai.robots.txt"

_FIELDS = ("token", "operator", "purpose", "obeys_robots", "docs", "notes", "user_agent", "user_agent_source")
_OPTIONAL_FIELDS = ("user_agent", "user_agent_source")  # written to JSON only when set
_REQUIRED_SHIPPED = ("token", "operator", "purpose", "obeys_robots", "docs")
_TOKEN_RE = re.compile(r"[a-zA-Z_-]+")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_LINE_BREAK_RE = re.compile(r"[\r\n\x0b\x0c\x85\u2028\u2029]+")

# Defaults for user-supplied entries that leave fields out.
_USER_DEFAULTS = {"operator": "unknown", "obeys_robots": "unclear", "docs": "", "notes": "", "user_agent": "",
                  "user_agent_source": ""}
_USER_DEFAULT_PURPOSE = "other-ai"  # text lines naming a new token without a purpose


class RegistryError(NoaiCheckError, ValueError):
    """A registry file could not be used. The message is one line and names the file."""


@dataclass(frozen=True)
class Agent:
    token: str
    operator: str
    purpose: str
    obeys_robots: str
    docs: str
    notes: str = ""
    user_agent: str = ""  # the full User-Agent string the operator publishes; "" = cannot be probed
    user_agent_source: str = ""  # where the operator publishes it

    @property
    def valid_token(self) -> bool:
        """True when the token is an RFC 9309 product token (only ``a-zA-Z_-``)."""
        return _TOKEN_RE.fullmatch(self.token) is not None

    @property
    def reserves_training_when_blocked(self) -> bool:
        """True when a robots.txt disallow for this agent amounts to a training reservation."""
        return self.purpose in TRAINING_PURPOSES

    def to_json(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in _FIELDS if name not in _OPTIONAL_FIELDS or getattr(self, name)}


@dataclass(frozen=True)
class Registry:
    version: str
    agents: tuple[Agent, ...]
    _index: dict[str, Agent] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        agents = tuple(self.agents)
        object.__setattr__(self, "agents", agents)
        index: dict[str, Agent] = {}
        for agent in agents:
            key = agent.token.casefold()
            if key in index:
                raise RegistryError(
                    f"registry {self.version}: duplicate token {agent.token!r} (also {index[key].token!r})"
                )
            index[key] = agent
        object.__setattr__(self, "_index", index)

    def __len__(self) -> int:
        return len(self.agents)

    def __iter__(self) -> Iterator[Agent]:
        return iter(self.agents)

    def __contains__(self, token: object) -> bool:
        return isinstance(token, str) and token.strip().casefold() in self._index

    def get(self, token: str) -> Agent | None:
        """The entry for ``token``, compared case-insensitively (RFC 9309), or None."""
        return self._index.get(token.strip().casefold())

    def tokens(self) -> list[str]:
        return [agent.token for agent in self.agents]

    def by_purpose(self) -> dict[str, list[Agent]]:
        """Agents grouped by purpose: every name in PURPOSES (possibly empty), then any others."""
        groups: dict[str, list[Agent]] = {purpose: [] for purpose in PURPOSES}
        for agent in self.agents:
            groups.setdefault(agent.purpose, []).append(agent)
        return groups

    def invalid_tokens(self) -> list[Agent]:
        """Agents whose token is not a valid RFC 9309 product token (used in the wild anyway)."""
        return [agent for agent in self.agents if not agent.valid_token]

    def with_agents(self, extra: Iterable[Agent]) -> Registry:
        """A registry with ``extra`` added; the same token (any case) replaces the entry in place."""
        merged: dict[str, Agent] = dict(self._index)  # insertion order == self.agents order
        for agent in extra:
            merged[agent.token.casefold()] = agent
        return Registry(self.version, tuple(merged.values()))

    def select(self, tokens: Iterable[str]) -> Registry:
        """The subset for ``--agent``, in the order given; unknown tokens get a placeholder entry."""
        chosen: dict[str, Agent] = {}
        for token in tokens:
            token = token.strip()
            key = token.casefold()
            if not token or key in chosen:
                continue
            chosen[key] = self._index.get(key) or Agent(
                token, operator="unknown", purpose="unknown", obeys_robots="unclear", docs=""
            )
        return Registry(self.version, tuple(chosen.values()))

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version, "agents": [agent.to_json() for agent in self.agents]}


# ---------------------------------------------------------------------------------------------
# Loading


def _fail(source: str, detail: str) -> RegistryError:
    return RegistryError(_one_line(f"agents file {source}: {detail}"))


def _one_line(text: str) -> str:
    return _LINE_BREAK_RE.sub(" ", text)


def _check_token(source: str, where: str, token: str) -> str:
    token = token.strip()
    if not token:
        raise _fail(source, f"{where} has an empty 'token'")
    if _CONTROL_RE.search(token) or "," in token or "#" in token:
        raise _fail(source, f"{where} token {token!r} contains a control character, ',' or '#'")
    return token


def _check_purpose(source: str, where: str, purpose: str) -> str:
    if purpose not in PURPOSES:
        raise _fail(source, f"{where} purpose {purpose!r} is not one of {', '.join(PURPOSES)}")
    return purpose


def _agent_from_entry(source: str, number: int, entry: object, *, strict: bool) -> Agent:
    where = f"entry {number}"
    if not isinstance(entry, Mapping):
        raise _fail(source, f"{where} is not an object")
    unknown = sorted(str(key) for key in entry if key not in _FIELDS)
    if unknown:
        raise _fail(source, f"{where} has unknown field {unknown[0]!r} (fields: {', '.join(_FIELDS)})")
    for name, value in entry.items():
        if not isinstance(value, str):
            raise _fail(source, f"{where} field {name!r} is not a string")
    if "token" not in entry:
        raise _fail(source, f"{where} has no 'token'")
    token = _check_token(source, where, entry["token"])
    where = f"entry {number} ({token})"
    required = _REQUIRED_SHIPPED if strict else ("token", "purpose")
    for name in required:
        if name not in entry:
            raise _fail(source, f"{where} has no {name!r}")
    purpose = _check_purpose(source, where, entry["purpose"])
    values = {**_USER_DEFAULTS, **entry}
    if values["obeys_robots"] not in OBEYS:
        raise _fail(source, f"{where} obeys_robots {values['obeys_robots']!r} is not one of {', '.join(OBEYS)}")
    return Agent(
        token=token,
        operator=values["operator"].strip() or "unknown",
        purpose=purpose,
        obeys_robots=values["obeys_robots"],
        docs=values["docs"].strip(),
        notes=values["notes"].strip(),
        user_agent=_one_line(values["user_agent"]).strip(),
        user_agent_source=values["user_agent_source"].strip(),
    )


def _parse_json(source: str, text: str, *, strict: bool) -> tuple[str | None, list[Agent]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _fail(source, f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except RecursionError:  # [[[[...]]]] nested past the interpreter's limit
        raise _fail(source, "JSON nested too deeply (an agents file is an object or a list of flat objects)") from None
    if isinstance(data, list) and not strict:
        version, entries = None, data
    elif isinstance(data, Mapping):
        if "agents" not in data:
            raise _fail(source, "has no 'agents' list")
        version, entries = data.get("version"), data["agents"]
        if strict and version is None:
            raise _fail(source, "has no 'version'")
        if version is not None and not isinstance(version, str):
            raise _fail(source, "'version' is not a string")
        if not isinstance(entries, list):
            raise _fail(source, "'agents' is not a list")
    else:
        raise _fail(source, "expected an object with 'version' and 'agents'")
    agents: list[Agent] = []
    seen: dict[str, int] = {}
    for number, entry in enumerate(entries, start=1):
        agent = _agent_from_entry(source, number, entry, strict=strict)
        key = agent.token.casefold()
        if key in seen:
            raise _fail(source, f"entry {number} repeats token {agent.token!r} (entry {seen[key]})")
        seen[key] = number
        agents.append(agent)
    return version, agents


def _parse_text(source: str, text: str, shipped: Registry) -> list[Agent]:
    """One token per line, optionally ``token,purpose,operator``; ``#`` starts a comment.

    Fields left out are taken from the shipped entry for that token if there is one, else
    purpose ``other-ai`` (a disallow is then not counted as a training reservation), operator
    ``unknown``, obeys_robots ``unclear``.
    """
    agents: list[Agent] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        where = f"line {number}"
        parts = [part.strip() for part in line.split(",", 2)]
        token = _check_token(source, where, parts[0])
        purpose = parts[1] if len(parts) > 1 and parts[1] else None
        operator = parts[2] if len(parts) > 2 and parts[2] else None
        if purpose is not None:
            _check_purpose(source, f"{where} ({token})", purpose)
        key = token.casefold()
        if key in seen:
            raise _fail(source, f"{where} repeats token {token!r} (line {seen[key]})")
        seen[key] = number
        base = shipped.get(token)
        if base is not None:
            agent = Agent(
                token=token,
                operator=operator or base.operator,
                purpose=purpose or base.purpose,
                obeys_robots=base.obeys_robots,
                docs=base.docs,
                notes=base.notes,
            )
        else:
            agent = Agent(
                token=token,
                operator=operator or _USER_DEFAULTS["operator"],
                purpose=purpose or _USER_DEFAULT_PURPOSE,
                obeys_robots=_USER_DEFAULTS["obeys_robots"],
                docs="",
                notes="user-supplied",
            )
        agents.append(agent)
    return agents


def _looks_like_json(path: Path, text: str) -> bool:
    return path.suffix.lower() == ".json" or text.lstrip("\ufeff \t\r\n")[:1] in ("{", "[")


def _read_text(source: str, path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _fail(source, f"cannot read: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(source, f"not UTF-8 (byte {exc.start})") from None


def shipped_registry() -> Registry:
    """The registry shipped with noai-check (``noai_check/judge/data/agents.json``)."""
    resource = resources.files("noai_check.judge").joinpath("data").joinpath("agents.json")
    source = "noai_check/judge/data/agents.json"
    try:
        text = resource.read_text(encoding="utf-8")
    except OSError as exc:  # pragma: no cover - broken installation
        raise _fail(source, f"cannot read: {exc}") from None
    version, agents = _parse_json(source, text, strict=True)
    assert version is not None
    return Registry(version, tuple(agents))


def load_registry(extra_file: str | Path | None = None) -> Registry:
    """The shipped registry, plus the agents of ``extra_file`` if given.

    ``extra_file`` is either JSON (``{"version": ..., "agents": [...]}`` like the shipped file,
    ``version`` optional, ``token`` and ``purpose`` required per entry; a bare list also works)
    or plain text (one token per line, optionally ``token,purpose,operator``). Entries whose
    token matches a shipped one (case-insensitively) replace it. The resulting version is
    ``<shipped version>+<file name>``. Problems raise RegistryError with the file and entry.
    """
    shipped = shipped_registry()
    if extra_file is None:
        return shipped
    path = Path(extra_file)
    source = str(extra_file)
    text = _read_text(source, path)
    if _looks_like_json(path, text):
        _, extra = _parse_json(source, text, strict=False)
    else:
        extra = _parse_text(source, text, shipped)
    merged = shipped.with_agents(extra)
    return Registry(f"{shipped.version}+{path.name}", merged.agents)


# Search crawlers whose robots metas matter here too (Bing reads noarchive/nocache as "no AI").
SEARCH_CRAWLERS = frozenset(
    "googlebot googlebot-news googlebot-image googlebot-video bingbot msnbot slurp yandex yandexbot "
    "baiduspider duckduckbot applebot".split()
)


@lru_cache(maxsize=1)
def meta_crawler_names() -> frozenset[str]:
    """Meta names (lower case) that scope robots directives to a crawler: the shipped registry's tokens
    and the search crawlers. noai_check.signals.page.analyze_page takes them as an argument."""
    return frozenset(token.lower() for token in load_registry().tokens()) | SEARCH_CRAWLERS
