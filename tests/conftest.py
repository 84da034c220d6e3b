"""Shared test setup: fixtures several test files need, and the ``crawl`` marker.

Fixtures:
- ``replica``: the SoundCloud scenario served on 127.0.0.1 for one test module.
- ``start_scenario``: start any scenario (name, path or Scenario) for one test; stopped when it ends.
- ``archive``: the SoundCloud-like Wayback Machine history (``noai_check/replica/archive_history.py``), one module.
- ``start_archive``: an archive replica from any snapshots (or ``ArchiveSite``) and options, for one test.
- ``corpus``: the shared corpus folder (``../shared/corpus``), read in place; skips when absent.

Tests that crawl for real (a replica, a ``scrapy crawl`` subprocess) are marked ``crawl`` here, so
``pytest -m "not crawl"`` is the quick unit tier (see ``pytest_collection_modifyitems``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import CodeType
from typing import Any

import pytest

from noai_check.replica import Replica, Scenario, start_replica
from noai_check.replica.archive import ArchiveSite, Snapshot
from noai_check.replica.archive_server import ArchiveReplica, start_archive_replica
from noai_check.signals.path_pattern import request_path
from tests.corpus import CORPUS_DIR
from tests.redis_server import redis_server  # noqa: F401 - a fixture: a real redis-server for one test

# Fixtures whose use means a test talks to a running replica (directly or through another fixture).
_REPLICA_FIXTURES = frozenset({"replica", "start_scenario", "archive", "start_archive"})
# Names a test (or a helper or fixture it uses, in its module) calls to start a replica or run a crawl.
_CRAWL_NAMES = frozenset({"start_replica", "start_archive_replica", "scrapy_crawl", "spider_args", "AsyncCrawlerRunner", "CrawlerProcess",
                          "CrawlerRunner"})

@pytest.fixture(autouse=True)
def _cold_request_path_cache() -> Iterator[None]:
    """Each test computes its own request paths: no test passes on a path another test cached.

    This also keeps mutation testing honest: mutmut forks each mutant's run from a process that
    already ran the suite, and a warm cache would hand back the unmutated path.
    """
    request_path.cache_clear()
    yield


@pytest.fixture(scope="module")
def replica() -> Iterator[Replica]:
    """The SoundCloud scenario, shared by one module's tests (tests that change it start their own)."""
    with start_replica("soundcloud") as running:
        yield running


@pytest.fixture
def start_scenario() -> Iterator[Callable[[str | Path | Scenario], Replica]]:
    """Start a scenario by name (or path, or Scenario) for this test; every one started stops at its end."""
    started: list[Replica] = []

    def start(scenario: str | Path | Scenario) -> Replica:
        running = start_replica(scenario)
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()


@pytest.fixture(scope="module")
def archive() -> Iterator[ArchiveReplica]:
    """The SoundCloud-like archive history (CDX + id_ replays), shared by one module's tests."""
    with start_archive_replica() as running:
        yield running


@pytest.fixture
def start_archive() -> Iterator[Callable[..., ArchiveReplica]]:
    """Start an archive replica from snapshots (or an ``ArchiveSite``) and ``ArchiveSite`` options, for this test."""
    started: list[ArchiveReplica] = []

    def start(snapshots: Sequence[Snapshot] | ArchiveSite | None = None, **options: Any) -> ArchiveReplica:
        running = start_archive_replica(snapshots, **options)
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared corpus, read in place (never copied); the test is skipped when it is not beside the repo."""
    if not CORPUS_DIR.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS_DIR}")
    return CORPUS_DIR


def _code_names(code: CodeType) -> set[str]:
    """Global names and string constants a function's code (nested functions included) refers to."""
    names = set(code.co_names) | {c for c in code.co_consts if isinstance(c, str)}
    for const in code.co_consts:
        if isinstance(const, CodeType):
            names |= _code_names(const)
    return names


def _function_crawls(function: object, module: object, seen: set[str]) -> bool:
    """Whether ``function`` starts a replica or a crawl, itself or through a helper of its module."""
    code = getattr(inspect.unwrap(function), "__code__", None)  # type: ignore[arg-type]
    if code is None:
        return False
    names = _code_names(code)
    if names & _CRAWL_NAMES or "scrapy" in names:  # "scrapy": a `python -m scrapy crawl` subprocess
        return True
    if {"noai_check.cli", "demo"} <= names:  # `python -m noai_check.cli demo`: a replica crawled in a subprocess
        return True
    for name in names - seen:
        seen.add(name)
        helper = getattr(module, name, None)
        ours = inspect.isfunction(helper) and helper.__module__ == getattr(module, "__name__", None)
        if ours and _function_crawls(helper, module, seen):
            return True
    return False


def _crawls(item: pytest.Item) -> bool:
    """Whether a test runs against a replica or crawls: by the fixtures it uses, or by what it (or they) call."""
    if not isinstance(item, pytest.Function):
        return False
    if _REPLICA_FIXTURES & set(item.fixturenames):
        return True
    functions = [item.function]
    for definitions in item._fixtureinfo.name2fixturedefs.values():
        functions += [definition.func for definition in definitions]
    return any(_function_crawls(function, item.module, set()) for function in functions)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every end-to-end test ``crawl`` (the slow tier; ``-m "not crawl"`` leaves the unit tests), and ``corpus``
    every test that uses the ``corpus`` fixture."""
    for item in items:
        if _crawls(item):
            item.add_marker(pytest.mark.crawl)
        if "corpus" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.corpus)
