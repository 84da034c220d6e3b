"""`noai-check timeline`: bad input is one line and exit 2, before the archive is asked anything."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from noai_check.cli import main
from noai_check.cli.timeline import archive_config, date_range, parse_period
from noai_check.errors import NoaiCheckError

TODAY = datetime(2026, 12, 5, 17, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(("argv", "message"), [
    (["timeline", "soundcloud", "--from", "2024-13"], "--from '2024-13' is not a date"),
    (["timeline", "soundcloud", "--from", "24"], "--from must be YYYY, YYYY-MM or YYYY-MM-DD, not '24'"),
    (["timeline", "soundcloud", "--to", "2024-02-30"], "--to '2024-02-30' is not a date"),
    (["timeline", "soundcloud", "--from", "3000"], "--from 3000 is in the future"),
    (["timeline", "soundcloud", "--from", "2025", "--to", "2024"], "--from 2025 is after --to 2024"),
    (["timeline", "soundcloud", "--from", "1990"], "before 1996"),
    (["timeline", "myspace"], "unknown platform 'myspace'"),
    (["timeline", "site"], "`timeline site` needs --base-url"),
    (["timeline", "site", "--base-url", "ftp://x.example/"], "not an http(s) URL"),
    (["timeline", "soundcloud", "--archive-url", "web.archive.org"], "not an http(s) URL"),
])
def test_bad_input_is_one_line_and_exit_2(argv, message, capsys, tmp_path):
    assert main([*argv, "--reports-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not list(tmp_path.iterdir())  # nothing written


@pytest.mark.parametrize("value", ["abc", "-1", "nan", "inf"])
def test_a_bad_cdx_delay_in_the_environment_is_refused(value, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("NOAI_ARCHIVE_CDX_DELAY", value)
    monkeypatch.setenv("NOAI_ARCHIVE_URL", "http://127.0.0.1:9")
    assert main(["timeline", "soundcloud", "--reports-dir", str(tmp_path)]) == 2
    assert "NOAI_ARCHIVE_CDX_DELAY must be a number of seconds >= 0" in capsys.readouterr().err


def test_cdx_delay_defaults_to_the_archive_policy_and_may_be_lowered():
    assert archive_config({}).archive_cdx_delay == 2.5 and archive_config({"NOAI_ARCHIVE_CDX_DELAY": "0"}).archive_cdx_delay == 0.0
    assert archive_config({"NOAI_ARCHIVE_CDX_DELAY": " 0.25 "}).archive_cdx_delay == 0.25
    assert archive_config({}).archive_url == "https://web.archive.org"
    assert archive_config({"NOAI_MAX_MEDIA": "many"}).archive_replays == 4  # a crawl setting is not the timeline's


def test_periods_run_from_their_first_moment_to_their_last_second():
    assert parse_period("2024", end=False, what="--from") == datetime(2024, 1, 1, tzinfo=timezone.utc)
    assert parse_period("2024", end=True, what="--to") == datetime(2024, 12, 31, 23, 59, 59, tzinfo=timezone.utc)
    assert parse_period("2024-02", end=True, what="--to") == datetime(2024, 2, 29, 23, 59, 59, tzinfo=timezone.utc)
    assert parse_period("2024-12", end=True, what="--to") == datetime(2024, 12, 31, 23, 59, 59, tzinfo=timezone.utc)
    assert parse_period("2024-02-07", end=True, what="--to") == datetime(2024, 2, 7, 23, 59, 59, tzinfo=timezone.utc)


def test_this_year_ends_now_not_in_the_future():
    first, last = date_range("2026", "2026", TODAY)
    assert first == datetime(2026, 1, 1, tzinfo=timezone.utc) and last == TODAY
    assert date_range(None, None, TODAY) == (None, TODAY)
    with pytest.raises(NoaiCheckError, match="in the future"):
        date_range(None, "2027", TODAY)
