"""One timestamp format (issue 11): noai_check.timestamps writes and reads it; nothing else spells it."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from noai_check import timestamps
from noai_check.timestamps import FORMAT, format_timestamp, now, parse_timestamp

PACKAGE = Path(__file__).resolve().parents[1] / "noai_check"


def test_now_is_utc_to_the_second() -> None:
    stamp = now()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp)
    assert abs(parse_timestamp(stamp) - datetime.now(timezone.utc)) < timedelta(seconds=5)


def test_now_follows_the_clock_second_by_second(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1764000000.0]
    monkeypatch.setattr(timestamps.time, "time", lambda: clock[0])
    stamps = []
    for moment in (1764000000.0, 1764000000.999, 1764000001.0, 1764003599.5, 1764003600.0):
        clock[0] = moment
        stamps.append(now())
    assert stamps == ["2025-11-24T16:00:00Z", "2025-11-24T16:00:00Z", "2025-11-24T16:00:01Z", "2025-11-24T16:59:59Z",
                      "2025-11-24T17:00:00Z"]
    assert stamps[-1] == format_timestamp(datetime.fromtimestamp(1764003600, timezone.utc))


def test_format_converts_to_utc_and_round_trips() -> None:
    paris = timezone(timedelta(hours=1))
    assert format_timestamp(datetime(2026, 11, 26, 14, 5, 7, tzinfo=paris)) == "2026-11-26T13:05:07Z"
    assert format_timestamp(datetime(2026, 11, 26, 13, 5, 7)) == "2026-11-26T13:05:07Z"
    assert format_timestamp(parse_timestamp("2026-01-02T03:04:05Z")) == "2026-01-02T03:04:05Z"


@pytest.mark.parametrize("text", ["", "2026-11-26", "2026-11-26T13:05:07+00:00", "2026-11-26 13:05:07Z"])
def test_parse_refuses_other_formats(text: str) -> None:
    with pytest.raises(ValueError):
        parse_timestamp(text)


def test_no_other_module_spells_the_format() -> None:
    """A second copy of the format (or a second clock) is how two files come to disagree."""
    spelled = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if path.name != "timestamps.py"
        and (FORMAT in path.read_text(encoding="utf-8") or "datetime.now(" in path.read_text(encoding="utf-8"))
    ]
    assert spelled == []
