"""Spawning ai.txt: media-type patterns on the robots.txt engine; unreadable means no statement."""

from __future__ import annotations

import pytest

from noai_check.signals.aitxt import parse_ai_txt
from tests.corpus import corpus_or_skip

SPAWNING_AUDIO = b"""\
# Spawning AI
# Prevent datasets from using the following file types

User-Agent: *
Disallow: *.mp3
Disallow: *.wav
Allow: /free/*.mp3
"""


def test_media_type_rules_block_matching_files() -> None:
    ai_txt = parse_ai_txt(SPAWNING_AUDIO, 200)
    assert ai_txt.present and ai_txt.status == 200
    verdict = ai_txt.allows("https://example.com/tracks/song.mp3")
    assert not verdict.allowed
    assert verdict.line is not None and verdict.line.text == "Disallow: *.mp3"
    assert verdict.reason == "disallowed by ai.txt line 5 'Disallow: *.mp3' in the group for *"
    assert not ai_txt.allows("/a/b/take.wav?x=1").allowed
    assert ai_txt.allows("/cover.jpg").allowed


def test_allow_lines_opt_content_in() -> None:
    assert parse_ai_txt(SPAWNING_AUDIO, 200).allows("/free/song.mp3").allowed


def test_each_rule_is_a_finding_with_its_line() -> None:
    findings = parse_ai_txt(SPAWNING_AUDIO, 200).findings
    assert [(f.signal, f.source, f.agent, f.value, f.evidence) for f in findings] == [
        ("ai.txt", "ai.txt", None, "disallow *.mp3", "ai.txt line 5: Disallow: *.mp3"),
        ("ai.txt", "ai.txt", None, "disallow *.wav", "ai.txt line 6: Disallow: *.wav"),
        ("ai.txt", "ai.txt", None, "allow /free/*.mp3", "ai.txt line 7: Allow: /free/*.mp3"),
    ]


def test_agent_groups_are_respected_and_named_in_findings() -> None:
    ai_txt = parse_ai_txt(b"User-Agent: img2dataset\nDisallow: *.jpg\n", 200)
    assert not ai_txt.allows("/a.jpg", "img2dataset").allowed
    assert ai_txt.allows("/a.jpg").allowed
    assert [(f.agent, f.value) for f in ai_txt.findings if f.value.startswith("disallow")] == [
        ("img2dataset", "disallow *.jpg")
    ]


def test_robots_txt_path_is_not_special_in_ai_txt() -> None:
    assert not parse_ai_txt(b"User-Agent: *\nDisallow: /\n", 200).allows("/robots.txt").allowed


@pytest.mark.parametrize("status", [404, 410, 400])
def test_not_served_is_no_statement(status: int) -> None:
    ai_txt = parse_ai_txt(b"<html>Not Found</html>", status)
    assert not ai_txt.present and ai_txt.findings == []
    verdict = ai_txt.allows("/song.mp3")
    assert verdict.allowed and verdict.line is None and "no statement" in verdict.reason


@pytest.mark.parametrize("status", [500, 503, 429, 403, 401, 301, None])
def test_unreadable_is_no_statement_with_a_finding(status: int | None) -> None:
    ai_txt = parse_ai_txt(b"", status)
    assert not ai_txt.present
    assert [finding.value for finding in ai_txt.findings] == ["could not be read"]
    verdict = ai_txt.allows("/song.mp3")
    assert verdict.allowed and verdict.reason == "ai.txt unavailable: no statement"


def test_html_page_is_not_an_ai_txt() -> None:
    ai_txt = parse_ai_txt(b"  <!DOCTYPE html><html><body>Disallow: *.mp3</body></html>", 200)
    assert not ai_txt.present
    assert [finding.value for finding in ai_txt.findings] == ["html-body"]
    assert ai_txt.allows("/song.mp3").allowed


def test_empty_file_is_present_and_allows() -> None:
    ai_txt = parse_ai_txt(b"", 200)
    assert ai_txt.present and ai_txt.allows("/song.mp3").allowed


def test_parser_problems_are_reported_as_ai_txt_findings() -> None:
    ai_txt = parse_ai_txt(b"\xef\xbb\xbfUser-Agent: *\nDisallow: *.mp3\n", 200)
    assert not ai_txt.allows("/a.mp3").allowed
    bom = [finding for finding in ai_txt.findings if finding.value == "bom"]
    assert bom and bom[0].signal == "ai.txt" and bom[0].evidence.startswith("ai.txt")


def test_spawning_file_from_the_corpus() -> None:
    path = corpus_or_skip("ai_robots_txt", "ai.txt__spawning-format__2024-04-01.txt")
    ai_txt = parse_ai_txt(path.read_bytes(), 200)
    assert ai_txt.present
    assert not ai_txt.allows("/images/cat.png").allowed
    assert {finding.value for finding in ai_txt.findings} == {"disallow /", "disallow *"}
