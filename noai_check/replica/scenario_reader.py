"""A strict reader of one scenario JSON object: typed getters, and errors that name file and key.

Every getter marks its key as used, so ``done()`` can reject the keys nobody read (a typo in a
scenario must fail loudly, not silently serve a different site).
"""

from __future__ import annotations

import json
from typing import Any, NoReturn

from noai_check.errors import NoaiCheckError

REQUIRED: Any = object()  # the default that makes a key required


class ScenarioError(NoaiCheckError, ValueError):
    """A scenario file that cannot be served; the message is one line naming file and key."""


class Reader:
    """A JSON object being read that knows where it sits, so errors can name the bad key."""

    def __init__(self, raw: Any, where: str, source: str) -> None:
        self.where = where
        self.source = source
        if not isinstance(raw, dict):
            self.fail(None, f"expected an object, got {type(raw).__name__}")
        self.raw: dict[str, Any] = raw
        self.used: set[str] = set()

    def at(self, key: str | None) -> str:
        if key is None:
            return self.where or "(top level)"
        return f"{self.where}.{key}" if self.where else key

    def fail(self, key: str | None, problem: str) -> NoReturn:
        raise ScenarioError(f"{self.source}: {self.at(key)}: {problem}")

    def value(self, key: str, kinds: tuple[type, ...], default: Any = REQUIRED) -> Any:
        self.used.add(key)
        if key not in self.raw:
            if default is REQUIRED:
                self.fail(key, "missing")
            return default
        found = self.raw[key]
        if found is None and default is None:
            return None
        if isinstance(found, bool) and bool not in kinds or not isinstance(found, kinds):
            wanted = " or ".join(kind.__name__ for kind in kinds)
            self.fail(key, f"expected {wanted}, got {json.dumps(found)[:40]}")
        return found

    def text(self, key: str, default: Any = REQUIRED) -> Any:
        return self.value(key, (str,), default)

    def number(self, key: str, default: Any = REQUIRED, low: int = 0) -> Any:
        found = self.value(key, (int,), default)
        if isinstance(found, int) and found < low:
            self.fail(key, f"must be >= {low}")
        return found

    def flag(self, key: str, default: Any = REQUIRED) -> Any:
        return self.value(key, (bool,), default)

    def choice(self, key: str, choices: tuple[str, ...], default: Any = REQUIRED) -> Any:
        found = self.text(key, default)
        if found is not None and found not in choices:
            self.fail(key, f"{found!r} is not one of {', '.join(choices)}")
        return found

    def child(self, key: str) -> Reader | None:
        found = self.value(key, (dict,), None)
        return None if found is None else Reader(found, self.at(key), self.source)

    def children(self, key: str) -> list[Reader]:
        items = self.value(key, (list,), [])
        return [Reader(item, f"{self.at(key)}[{i}]", self.source) for i, item in enumerate(items)]

    def texts(self, key: str) -> tuple[str, ...]:
        items = self.value(key, (list,), [])
        for i, item in enumerate(items):
            if not isinstance(item, str):
                self.fail(f"{key}[{i}]", "expected a string")
        return tuple(items)

    def done(self) -> None:
        for key in self.raw:
            if key not in self.used:
                self.fail(key, "unknown key")
