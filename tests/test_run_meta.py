"""One run.json reader (issue 11): history and `noai-check report` refuse a bad stored crawl the same way."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from noai_check.cli import main
from noai_check.errors import NoaiCheckError
from noai_check.files import read_run_meta
from noai_check.history.snapshot import snapshot_from_reports
from noai_check.report.rebuild import rebuild_report


def _from_history(folder: Path) -> object:
    return snapshot_from_reports(folder)


def _from_report(folder: Path) -> object:
    return rebuild_report(folder.parent, folder.name)


READERS = [read_run_meta, _from_history, _from_report]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no stored crawl in {out}: run.json is missing"),
        ("[1, 2]", "cannot read the stored crawl in {out}: run.json is not a JSON object"),
        ("{not json", "cannot read the stored crawl in {out}: run.json: Expecting property name"),
        (b"\xff\xfe{}", "cannot read the stored crawl in {out}: run.json: 'utf-8' codec can't decode"),
    ],
)
@pytest.mark.parametrize("reader", READERS)
def test_every_reader_refuses_with_one_message(
    tmp_path: Path, reader: Callable[[Path], object], content: str | bytes | None, message: str
) -> None:
    out = tmp_path / "soundcloud"
    out.mkdir()
    if isinstance(content, str):
        (out / "run.json").write_text(content, encoding="utf-8")
    elif content is not None:
        (out / "run.json").write_bytes(content)
    with pytest.raises(NoaiCheckError) as caught:
        reader(out)
    assert str(caught.value).startswith(message.format(out=out))


def test_reads_the_object(tmp_path: Path) -> None:
    (tmp_path / "run.json").write_text('{"platform": "soundcloud"}', encoding="utf-8")
    assert read_run_meta(tmp_path) == {"platform": "soundcloud"}


GOOD_RUN = {"platform": "soundcloud", "base_url": "https://soundcloud.com", "started_at": "2026-11-26T11:00:00Z",
            "finished_at": "2026-11-26T12:00:00Z", "complete": True, "settings": {}}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"settings": "x"}, "run.json 'settings' must be an object"),
        ({"complete": "yes"}, "run.json 'complete' must be true or false"),
        ({"finished_at": 5}, "run.json 'finished_at' must be a string or null"),
        ({"base_url": None}, "run.json 'base_url' must be a string"),
    ],
)
def test_a_hand_edited_run_json_is_refused_by_type(tmp_path: Path, change: dict[str, object], message: str) -> None:
    (tmp_path / "run.json").write_text(json.dumps({**GOOD_RUN, **change}), encoding="utf-8")
    with pytest.raises(NoaiCheckError, match=re.escape(message)):
        read_run_meta(tmp_path)


def _stored(tmp_path: Path, run: dict[str, object], pages: str = "") -> Path:
    out = tmp_path / "soundcloud"
    out.mkdir()
    (out / "run.json").write_text(json.dumps(run), encoding="utf-8")
    (out / "pages.jsonl").write_text(pages, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("run", "pages", "message"),
    [
        (GOOD_RUN, '{"url": "https://soundcloud.com/a/b", "page_type": "track", "verifiable": false}\n', ""),
        ({k: v for k, v in GOOD_RUN.items() if k != "base_url"}, "", "run.json has no 'base_url'"),
        ({k: v for k, v in GOOD_RUN.items() if k != "complete"}, "", "run.json has no 'complete'"),
        (GOOD_RUN, '{"url": 5, "page_type": "track"}\n', "pages.jsonl record 1 is not a page record"),
        (GOOD_RUN, '{"url": "https://soundcloud.com/a/b", "page_type": "track", "verifiable": true}\n{"url": "/x"}\n',
         "pages.jsonl record 2 is not a page record"),
    ],
)
def test_report_command_refuses_a_damaged_crawl_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], run: dict[str, object], pages: str, message: str
) -> None:
    reports = _stored(tmp_path, run, pages)
    code = main(["report", "soundcloud", "--reports-dir", str(reports)])
    err = capsys.readouterr().err
    if not message:  # the smallest record a crawl writes still makes a report
        assert (code, err) == (0, "")
        return
    assert code == 2
    assert message in err and "Traceback" not in err and err.count("\n") == 1
