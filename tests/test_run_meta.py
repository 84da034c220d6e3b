"""One run.json reader (issue 11): history and `noai-check report` refuse a bad stored crawl the same way."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from noai_check.errors import NoaiCheckError
from noai_check.files import read_run_meta
from noai_check.history.store import snapshot_from_reports
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
