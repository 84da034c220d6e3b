"""Shared test setup."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from noai_check.signals.path_pattern import request_path


@pytest.fixture(autouse=True)
def _cold_request_path_cache() -> Iterator[None]:
    """Each test computes its own request paths: no test passes on a path another test cached.

    This also keeps mutation testing honest: mutmut forks each mutant's run from a process that
    already ran the suite, and a warm cache would hand back the unmutated path.
    """
    request_path.cache_clear()
    yield
