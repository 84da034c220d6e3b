"""What a kill -9 leaves half-written (a JSON line, a gzip member) is cut on resume and skipped by readers."""

from __future__ import annotations

import gzip
import json

from noai_check.crawl.jobdir import cut_evidence, cut_partial_line, load_run, read_links, save_run
from noai_check.files import iter_records
from noai_check.judge.page_records import iter_judged


def _record(url: str) -> bytes:
    return json.dumps({"agents": {"GPTBot": {"allowed": True}}, "fetched_at": "x", "url": url}, sort_keys=True).encode()


def test_a_half_written_last_line_is_cut_before_appending(tmp_path):
    pages = tmp_path / "pages.jsonl"
    pages.write_bytes(_record("https://a.test/1") + b"\n" + _record("https://a.test/2")[:25])
    assert cut_partial_line(pages) == 25
    assert pages.read_bytes() == _record("https://a.test/1") + b"\n"
    assert cut_partial_line(pages) == 0
    only = tmp_path / "only.jsonl"
    only.write_bytes(b'{"url": "https://a.test/')
    assert cut_partial_line(only) == 24 and only.read_bytes() == b""


def test_readers_skip_a_line_cut_inside_a_utf8_character(tmp_path):
    pages = tmp_path / "pages.jsonl"
    torn = json.dumps({"url": "https://a.test/café"}, ensure_ascii=False).encode()
    pages.write_bytes(_record("https://a.test/1") + b"\n" + torn[: torn.index(b"\xc3") + 1])
    assert [r["url"] for r in iter_records(pages)] == ["https://a.test/1"]
    assert [r["url"] for r, _ in iter_judged(pages)] == ["https://a.test/1"]
    pages.write_bytes(_record("https://a.test/1") + b"\n" + _record("https://a.test/2")[:-3])  # cut after "fetched_at"
    assert [r["url"] for r in iter_records(pages)] == ["https://a.test/1"]
    assert [r["url"] for r, _ in iter_judged(pages)] == ["https://a.test/1"]


def test_evidence_keeps_whole_recorded_members_only(tmp_path):
    evidence = tmp_path / "responses.jsonl.gz"
    members = [gzip.compress((json.dumps({"url": f"https://a.test/{n}", "pad": "x" * 70000 * (n % 2)}) + "\n").encode()) for n in range(4)]
    whole = b"".join(members)
    evidence.write_bytes(whole[:-10])  # the last member cut by a kill
    cut_evidence(evidence, {f"https://a.test/{n}" for n in range(4)})
    with gzip.open(evidence, "rt") as stream:
        assert [json.loads(line)["url"] for line in stream] == [f"https://a.test/{n}" for n in range(3)]
    evidence.write_bytes(whole)  # the last one written, its record not: it will be fetched again
    cut_evidence(evidence, {f"https://a.test/{n}" for n in range(3)})
    assert evidence.read_bytes() == b"".join(members[:3])


def test_run_file_is_all_or_nothing(tmp_path):
    assert load_run(tmp_path / "job") is None
    save_run(tmp_path / "job", {"seed": "7", "started_at": "t"})
    assert load_run(tmp_path / "job") == {"seed": "7", "started_at": "t"}
    (tmp_path / "job" / "noai-run.json").write_text('{"seed": ')
    assert load_run(tmp_path / "job") is None


def test_links_journal_skips_a_torn_line(tmp_path):
    journal = tmp_path / "noai-links.jsonl"
    journal.write_text('{"url": "u", "links": ["a"], "media": []}\n{"url": "v", "li')
    assert read_links(journal) == {"u": {"links": ["a"], "media": []}}


def _old_spider_state(tmp_path, state_extra: dict | None = None) -> None:
    """spider.state as noai-check pickled it before its own run file: Fetched under noai_check.fetched."""
    import dataclasses
    import pickle
    import sys
    import types
    from collections import deque

    old = types.ModuleType("noai_check.fetched")

    @dataclasses.dataclass(frozen=True)
    class Fetched:  # the fields the old class had
        url: str
        status: int | None
        headers: dict
        body: bytes = b""
        error: str | None = None
        redirects: int = 0
        final_url: str | None = None

    Fetched.__module__, Fetched.__qualname__ = "noai_check.fetched", "Fetched"
    old.Fetched = Fetched
    sys.modules["noai_check.fetched"] = old
    try:
        state = {"started_at": "2026-11-30T10:00:00Z", "seed": "424242", "candidates": {}, "seen": {"https://a.test/"},
                 "plan": deque([("https://a.test/t", "track")]),
                 "site_files": {"https://a.test": {"robots_txt": Fetched("https://a.test/robots.txt", 200, {}, b"")}},
                 **(state_extra or {})}
        (tmp_path / "spider.state").write_bytes(pickle.dumps(state, protocol=4))
    finally:
        del sys.modules["noai_check.fetched"]


def test_a_jobdir_paused_by_an_earlier_version_resumes_with_its_seed(tmp_path):
    _old_spider_state(tmp_path)
    assert load_run(tmp_path) == {"seed": "424242", "started_at": "2026-11-30T10:00:00Z", "legacy": True}


def test_an_old_state_naming_anything_else_is_not_loaded(tmp_path):
    import pickle

    class Boom:
        def __reduce__(self):
            return (print, ("executed",))

    (tmp_path / "spider.state").write_bytes(pickle.dumps({"seed": "1", "x": Boom()}))
    assert load_run(tmp_path) is None
    (tmp_path / "spider.state").write_bytes(b"not a pickle")
    assert load_run(tmp_path) is None
