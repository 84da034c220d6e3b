"""Every platform's path classification, pinned by a table (issue 11: classify_path built on platforms/base).

tests/data/classify_paths.json was recorded from the hand-written classifiers before they became
rule tables: paths covering each page type, segment count, trailing slash and query, per platform.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from noai_check.platforms import PLATFORMS, SITE
from noai_check.platforms.bandcamp import classify_artist_path

TABLE = json.loads((Path(__file__).parent / "data" / "classify_paths.json").read_text(encoding="utf-8"))
CLASSIFIERS: dict[str, Callable[[str], str]] = {
    **{name: platform.classify_path for name, platform in PLATFORMS.items()},
    "bandcamp-artist": classify_artist_path,
    "site": SITE.classify_path,
}


def test_every_classifier_has_a_table() -> None:
    assert set(TABLE) == set(CLASSIFIERS)


@pytest.mark.parametrize("name", sorted(CLASSIFIERS))
def test_classification_matches_the_table(name: str) -> None:
    classify = CLASSIFIERS[name]
    wrong = {path: (classify(path), expected) for path, expected in TABLE[name].items() if classify(path) != expected}
    assert wrong == {}, f"{name}: path -> (got, expected)"
    assert len(set(TABLE[name].values())) >= 2
