"""``noai-check verify``: exit 0 when nothing fails, 1 with one line per reason, 2 without a run."""

from __future__ import annotations

import json

import pytest

from noai_check.cli import main
from noai_check.history import record_crawl
from tests.fake_crawl import ROBOTS_V2, TERMS_V2, claim, page, write_crawl


@pytest.fixture(autouse=True)
def wide_console(monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")
    monkeypatch.setenv("NO_COLOR", "1")


def crawl(reports, n: int, **kwargs) -> None:
    assert record_crawl(write_crawl(reports, finished_at=f"2026-01-0{n}T00:00:00Z", **kwargs)) is not None


def verify(reports, *extra: str, capsys) -> tuple[int, str, str]:
    code = main(["verify", "soundcloud", "--reports-dir", str(reports), *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_no_history_is_a_usage_error(tmp_path, capsys):
    code, _, err = verify(tmp_path, capsys=capsys)
    assert code == 2 and "no runs recorded" in err


def test_only_incomplete_runs_is_a_usage_error(tmp_path, capsys):
    crawl(tmp_path, 1, complete=False)
    code, _, err = verify(tmp_path, capsys=capsys)
    assert code == 2 and "no complete run" in err and "1 incomplete" in err


def test_a_first_run_passes_with_a_warning(tmp_path, capsys):
    crawl(tmp_path, 1)
    code, out, _ = verify(tmp_path, capsys=capsys)
    assert code == 0 and "first complete run" in out and "OK" in out


def test_claims_fail_only_when_asked(tmp_path, capsys):
    crawl(tmp_path, 1, claims=[claim("no-ai-tag", "partial", 1, 4), claim("other", "verified", 4, 4)])
    assert verify(tmp_path, capsys=capsys)[0] == 0
    code, out, _ = verify(tmp_path, "--fail-on", "regression,claims", capsys=capsys)
    assert code == 1
    assert [line for line in out.splitlines() if line.startswith("FAIL")] == [
        "FAIL claims: claim no-ai-tag is partial: 1 of 4 checked pages satisfy it"]


@pytest.mark.parametrize("later, reason", [
    ({"robots": ROBOTS_V2}, ("agent became allowed by robots.txt on https://sc.example: GPTBot at /, "
                             "1 of 1 sampled profile paths, 1 of 1 sampled track paths")),
    ({"terms_html": TERMS_V2}, ("AI clause added to the terms at https://sc.example/terms-of-use: "
                                "\u201cYour content may be used to train artificial intelligence models.\u201d")),
    ({"pages": [page("/a/one"), page("/a", "profile", noai=False)]}, "page lost a signal: https://sc.example/a: noai true -> false"),
])
def test_each_kind_of_regression_fails_with_its_reason(tmp_path, capsys, later, reason):
    crawl(tmp_path, 1, pages=[page("/a/one"), page("/a", "profile", noai=True)])
    crawl(tmp_path, 2, **{"pages": [page("/a/one"), page("/a", "profile", noai=True)], **later})
    code, out, _ = verify(tmp_path, capsys=capsys)
    assert code == 1
    assert [line for line in out.splitlines() if line.startswith("FAIL")] == [f"FAIL regression: {reason}"]


def test_gains_are_not_failures(tmp_path, capsys):
    crawl(tmp_path, 1, robots=b"User-agent: *\nDisallow:\n", pages=[page("/a", "profile", noai=False)])
    crawl(tmp_path, 2, pages=[page("/a", "profile", noai=True)])  # GPTBot now blocked, noai gained
    assert verify(tmp_path, capsys=capsys)[0] == 0


def test_an_unreadable_terms_page_is_a_warning_not_a_failure(tmp_path, capsys):
    crawl(tmp_path, 1)
    crawl(tmp_path, 2, terms_status=503)
    code, out, _ = verify(tmp_path, capsys=capsys)
    assert code == 0 and "warning" in out and "unknown" in out


def test_an_interrupted_newest_run_is_skipped_with_a_warning_or_fails_when_asked(tmp_path, capsys):
    crawl(tmp_path, 1)
    crawl(tmp_path, 2)
    crawl(tmp_path, 3, complete=False, pages=[])  # would "lose" every page if it were compared
    code, out, _ = verify(tmp_path, capsys=capsys)
    assert code == 0 and "run 3" in out and "incomplete" in out
    code, out, _ = verify(tmp_path, "--fail-on", "incomplete", capsys=capsys)
    assert code == 1 and "FAIL incomplete" in out


def test_json_output(tmp_path, capsys):
    crawl(tmp_path, 1)
    crawl(tmp_path, 2, terms_html=TERMS_V2)
    code, out, _ = verify(tmp_path, "--json", capsys=capsys)
    data = json.loads(out)
    assert code == 1 and data["passed"] is False and data["fail_on"] == ["regression"]
    assert (data["previous"]["run_id"], data["run"]["run_id"]) == (1, 2)
    assert [f["category"] for f in data["failures"]] == ["regression"]
    assert [c["kind"] for c in data["changes"]] == ["terms"]


@pytest.mark.parametrize("value", ["", "regression,nonsense", "claim"])
def test_unknown_fail_on_is_a_usage_error(tmp_path, capsys, value):
    crawl(tmp_path, 1)
    code, _, err = verify(tmp_path, "--fail-on", value, capsys=capsys)
    assert code == 2 and "--fail-on" in err
