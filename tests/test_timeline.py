"""The AI-policy timeline's pure part: dated versions in, per-agent intervals and changes out."""

from __future__ import annotations

import hashlib

import pytest

from noai_check.history.timeline import RobotsTimeline, TimelineInput, build_timeline
from noai_check.history.timeline_files import AI_TXT, ROBOTS, TDMREP, FileVersion, iso_from_archive
from noai_check.platforms import PLATFORMS
from noai_check.platforms.sample_paths import SAMPLE_PATHS

START, END = "2022-01-01T00:00:00Z", "2025-12-31T23:59:59Z"
TOKENS = ["GPTBot", "ClaudeBot", "CCBot"]
PATHS = {"track": "/artist/track", "profile": "/artist"}

OPEN = b"User-agent: *\nDisallow: /upload\n"
BLOCK_GPT = b"User-agent: GPTBot\nDisallow: /\n\nUser-agent: *\nDisallow: /upload\n"
BLOCK_TRACKS = b"User-agent: ClaudeBot\nDisallow: /*/\n\nUser-agent: *\nDisallow: /upload\n"
SIGNAL = b"User-agent: *\nContent-Signal: ai-train=no, search=yes\nAllow: /\n"


def version(stamp: str, body: bytes | None, status: int | None = 200, path: str = ROBOTS, error: str | None = None,
            content_type: str = "text/plain") -> FileVersion:
    url = "https://soundcloud.com" + path
    return FileVersion(path, url, stamp, f"https://web.archive.org/web/{stamp}id_/{url}", status, body, content_type, error)


def timeline(*versions: FileVersion, terms: tuple[str, ...] = (), start: str = START) -> dict:
    by_file: dict[str, list[FileVersion]] = {}
    for v in versions:
        by_file.setdefault(v.path, []).append(v)
    return build_timeline(TimelineInput("soundcloud", "soundcloud.com", start, END, TOKENS, PATHS, by_file, terms))


def states(intervals: list[dict]) -> list[tuple[str, str, str]]:
    return [(i["from"][:10], i["to"][:10], i["state"]) for i in intervals]


def test_an_agent_is_blocked_from_the_version_that_blocks_it_until_the_one_that_stops():
    result = timeline(version("20220301000000", OPEN), version("20230815120000", BLOCK_GPT),
                      version("20240601000000", OPEN))
    assert states(result["agents"]["GPTBot"]) == [
        ("2022-01-01", "2022-03-01", "unknown"),  # nothing archived covers January and February
        ("2022-03-01", "2023-08-15", "allowed"),
        ("2023-08-15", "2024-06-01", "blocked"),
        ("2024-06-01", "2025-12-31", "allowed"),
    ]
    assert states(result["agents"]["CCBot"]) == [("2022-01-01", "2022-03-01", "unknown"), ("2022-03-01", "2025-12-31", "allowed")]
    assert result["first_blocked"] == {"GPTBot": "2023-08-15T12:00:00Z", "ClaudeBot": None, "CCBot": None}
    blocked = result["agents"]["GPTBot"][2]
    assert blocked["reason"] == "line 2: Disallow: /"


def test_page_type_lanes_judge_the_sample_path_and_first_blocked_counts_them():
    result = timeline(version("20220101000000", OPEN), version("20230101000000", BLOCK_TRACKS))
    assert states(result["agents"]["ClaudeBot"]) == [("2022-01-01", "2025-12-31", "allowed")]  # the root stays open
    assert states(result["agents_by_page_type"]["track"]["ClaudeBot"]) == [
        ("2022-01-01", "2023-01-01", "allowed"), ("2023-01-01", "2025-12-31", "blocked")]
    assert states(result["agents_by_page_type"]["profile"]["ClaudeBot"]) == [("2022-01-01", "2025-12-31", "allowed")]
    assert result["first_blocked"]["ClaudeBot"] == "2023-01-01T00:00:00Z"
    assert result["sample_paths"] == PATHS


@pytest.mark.parametrize(("body", "status", "error", "why"), [
    (None, None, "the archive refused the replay (429) three times", "refused"),
    (b"", 503, None, "answered 503"),
])
def test_an_unreadable_version_is_unknown_never_allowed(body, status, error, why):
    result = timeline(version("20220101000000", BLOCK_GPT), version("20230101000000", body, status, error=error),
                      version("20240101000000", BLOCK_GPT))
    assert states(result["agents"]["GPTBot"]) == [
        ("2022-01-01", "2023-01-01", "blocked"), ("2023-01-01", "2024-01-01", "unknown"), ("2024-01-01", "2025-12-31", "blocked")]
    assert why in result["agents"]["GPTBot"][1]["reason"]
    assert states(result["agents"]["CCBot"])[1][2] == "unknown"


def test_a_captured_404_means_no_robots_txt_then_so_everything_is_allowed():
    result = timeline(version("20220101000000", BLOCK_GPT), version("20230101000000", b"Not found", 404))
    assert states(result["agents"]["GPTBot"])[-1] == ("2023-01-01", "2025-12-31", "allowed")


def test_no_version_at_all_is_unknown_throughout_and_never_first_blocked():
    result = timeline()
    assert states(result["agents"]["GPTBot"]) == [("2022-01-01", "2025-12-31", "unknown")]
    assert result["first_blocked"]["GPTBot"] is None
    assert result["versions"] == {}


def test_a_version_before_the_range_decides_its_start():
    result = timeline(version("20200101000000", BLOCK_GPT), version("20230101000000", OPEN))
    assert states(result["agents"]["GPTBot"]) == [("2022-01-01", "2023-01-01", "blocked"), ("2023-01-01", "2025-12-31", "allowed")]
    assert result["first_blocked"]["GPTBot"] == START


def test_versions_json_has_the_capture_the_archive_copy_and_the_body_hash():
    result = timeline(version("20230815120000", OPEN), version("20240101000000", None, None, error="truncated body"))
    first, second = result["versions"][ROBOTS]
    assert first == {"url": "https://soundcloud.com/robots.txt", "captured_at": "2023-08-15T12:00:00Z",
                     "archive_url": "https://web.archive.org/web/20230815120000id_/https://soundcloud.com/robots.txt",
                     "status": 200, "sha256": hashlib.sha256(OPEN).hexdigest()}
    assert second["sha256"] is None and second["error"] == "truncated body"


def test_content_signal_tdmrep_and_ai_txt_changes_are_listed_with_before_and_after():
    tdm_on = b'[{"location": "/", "tdm-reservation": 1}]'
    result = timeline(
        version("20220101000000", OPEN), version("20230101000000", SIGNAL),
        version("20220101000000", b"", 404, path=TDMREP), version("20230601000000", tdm_on, path=TDMREP, content_type="application/json"),
        version("20230701000000", None, None, path=TDMREP, error="replay failed"),  # not a change
        version("20220101000000", b"User-agent: *\nDisallow: *.mp3\n", path=AI_TXT),
        version("20240101000000", b"User-agent: *\nAllow: *.mp3\n", path=AI_TXT),
    )
    by_what = {c["what"]: c for c in result["changes"]}
    assert set(by_what) == {"content-signal", "tdmrep", "ai.txt"}
    assert by_what["content-signal"]["before"] == {} and by_what["content-signal"]["after"] == {"*": {"ai-train": False, "search": True}}
    assert by_what["tdmrep"]["before"] == "absent"
    assert by_what["tdmrep"]["after"] == [{"location": "/", "tdm-reservation": 1, "tdm-policy": None}]
    assert by_what["ai.txt"]["before"] == ["*: disallow *.mp3"] and by_what["ai.txt"]["after"] == ["*: allow *.mp3"]
    assert [c["captured_at"][:4] for c in result["changes"]] == ["2023", "2023", "2024"]


def test_content_signal_lists_only_agents_that_differ_from_the_star_group():
    body = SIGNAL + b"\nUser-agent: GPTBot\nContent-Signal: ai-train=yes\nAllow: /\n"
    result = timeline(version("20220101000000", OPEN), version("20230101000000", body))
    assert result["changes"][0]["after"] == {"*": {"ai-train": False, "search": True}, "GPTBot": {"ai-train": True}}


TERMS_OLD = b"<html><body><main><p>Be kind to other users.</p><p>You keep your rights.</p></main></body></html>"
TERMS_AI = (b"<html><body><main><p>Be kind to other users.</p><p>You keep your rights.</p>"
            b"<p>We may use your content to train artificial intelligence models.</p></main></body></html>")


def test_terms_ai_clauses_added_and_removed_between_readable_versions():
    path = "/terms-of-use"
    result = timeline(version("20230101000000", TERMS_OLD, path=path, content_type="text/html"),
                      version("20240207000000", TERMS_AI, path=path, content_type="text/html"),
                      version("20240301000000", None, None, path=path, error="truncated body"),
                      version("20250101000000", TERMS_OLD, path=path, content_type="text/html"),
                      terms=(path,))
    first, added, failed, removed = result["terms"]
    assert first["status"] == "first" and first["ai_clauses"] == []
    assert added["ai_clauses_added"] == ["We may use your content to train artificial intelligence models."]
    assert added["ai_clauses_removed"] == [] and added["compared_with"] == "2023-01-01T00:00:00Z"
    assert failed["status"] == "unknown" and failed["reason"] == "truncated body"
    assert removed["ai_clauses_removed"] == ["We may use your content to train artificial intelligence models."]
    assert removed["compared_with"] == "2024-02-07T00:00:00Z"  # the failed replay is skipped, not "every clause removed"


def test_streaming_the_robots_versions_gives_the_same_timeline():
    versions = [version("20220301000000", OPEN), version("20230815120000", BLOCK_GPT)]
    robots = RobotsTimeline(TOKENS, PATHS)
    for v in versions:
        robots.add(v)
    data = TimelineInput("soundcloud", "soundcloud.com", START, END, TOKENS, PATHS, {ROBOTS: versions})
    assert build_timeline(data, robots) == build_timeline(data)


def test_two_versions_in_the_same_second_keep_the_later():
    result = timeline(version("20230101000000", OPEN), version("20230101000000", BLOCK_GPT))
    assert states(result["agents"]["GPTBot"])[-1] == ("2023-01-01", "2025-12-31", "blocked")


def test_archive_timestamps_read_as_the_one_format():
    assert iso_from_archive("20240207153000") == "2024-02-07T15:30:00Z"
    assert iso_from_archive("202402") == "2024-02-01T00:00:00Z"


@pytest.mark.parametrize(("platform", "page_type", "path"),
                         [(p, t, path) for p, paths in SAMPLE_PATHS.items() for t, path in paths.items()])
def test_each_sample_path_is_a_page_of_its_type(platform, page_type, path):
    assert PLATFORMS[platform].classify_path(path) == page_type
    assert page_type in PLATFORMS[platform].page_types
