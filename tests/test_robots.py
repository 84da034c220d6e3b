"""robots.txt engine: one tiny case per RFC 9309 rule, fetch outcome and known parser trap."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from noai_check.signals.path_pattern import (
    _path_params_query,
    _remove_dot_segments,
    compile_pattern,
    normalize_escapes,
    request_path,
)
from noai_check.signals.robots import MAX_PARSED_BYTES, RobotsLine, asked_agent_keys, parse_robots


def robots(text: str, status: int | None = 200, **kwargs: object) -> object:
    return parse_robots(text.encode("utf-8"), status, **kwargs)  # type: ignore[arg-type]


def allowed(text: str, url: str, agent: str) -> bool:
    return parse_robots(text.encode("utf-8")).verdict(url, agent).allowed


def finding_values(parsed: object) -> list[str]:
    return [finding.value for finding in parsed.findings]  # type: ignore[attr-defined]


# ---------------------------------------------------------------- groups


def test_stacked_user_agent_lines_share_the_rules() -> None:
    text = "User-agent: GPTBot\nUser-agent: CCBot\nDisallow: /\n"
    assert not allowed(text, "/", "GPTBot")
    assert not allowed(text, "/", "CCBot")
    assert allowed(text, "/", "ClaudeBot")


@pytest.mark.parametrize(
    "between",
    [
        "Sitemap: https://example.com/sitemap.xml",
        "Content-Signal: search=yes, ai-train=no",
        "Content-Usage: train-ai=n",
        "Crawl-delay: 10",
        "Invalid-Unknown-Line: unknown",
    ],
)
def test_other_records_between_user_agent_lines_do_not_split_the_group(between: str) -> None:
    text = f"User-agent: GPTBot\n{between}\nUser-agent: CCBot\nDisallow: /\n"
    assert not allowed(text, "/", "GPTBot")
    assert not allowed(text, "/", "CCBot")


def test_a_user_agent_line_after_a_rule_starts_a_new_group() -> None:
    text = "User-agent: GPTBot\nDisallow: /a\nUser-agent: CCBot\nDisallow: /b\n"
    assert allowed(text, "/b", "GPTBot")
    assert allowed(text, "/a", "CCBot")


def test_an_empty_disallow_still_ends_the_user_agent_run() -> None:
    text = "User-agent: GPTBot\nDisallow:\nUser-agent: CCBot\nDisallow: /\n"
    assert allowed(text, "/", "GPTBot")
    assert not allowed(text, "/", "CCBot")


def test_groups_naming_the_same_agent_are_merged() -> None:
    text = "User-agent: GPTBot\nDisallow: /a\n\nUser-agent: CCBot\nDisallow: /\n\nuser-agent: gptbot\nDisallow: /b\n"
    assert not allowed(text, "/a", "GPTBot")
    assert not allowed(text, "/b", "GPTBot")
    assert allowed(text, "/c", "GPTBot")


def test_unnamed_agents_fall_back_to_the_star_group() -> None:
    text = "User-agent: *\nDisallow: /private\nUser-agent: GPTBot\nDisallow: /\n"
    assert not allowed(text, "/private/x", "ClaudeBot")
    assert allowed(text, "/public", "ClaudeBot")


def test_several_star_groups_are_merged() -> None:
    text = "User-agent: *\nDisallow: /a\nUser-agent: GPTBot\nDisallow: /\nUser-agent: *\nDisallow: /b\n"
    assert not allowed(text, "/a", "ClaudeBot")
    assert not allowed(text, "/b", "ClaudeBot")


def test_a_specific_group_fully_replaces_the_star_group() -> None:
    text = "User-agent: *\nDisallow: /private\n\nUser-agent: GPTBot\nDisallow: /x\n"
    assert allowed(text, "/private", "GPTBot")
    assert not allowed(text, "/x", "GPTBot")


def test_no_group_for_the_agent_and_no_star_group_allows_everything() -> None:
    verdict = robots("User-agent: GPTBot\nDisallow: /\n").verdict("/", "ClaudeBot")
    assert verdict.allowed and verdict.line is None
    assert verdict.reason.startswith("no rule matches: allowed")


def test_rules_before_the_first_group_are_ignored_and_recorded() -> None:
    parsed = robots("Disallow: /\nUser-agent: GPTBot\nDisallow: /x\n")
    assert parsed.verdict("/", "GPTBot").allowed
    assert parsed.verdict("/", "CCBot").allowed
    assert "rules-before-first-group" in finding_values(parsed)


def test_verdict_names_the_deciding_line() -> None:
    verdict = robots("User-agent: *\nAllow: /\n\n# AI\nUser-agent: GPTBot\nDisallow: /\n").verdict(
        "https://example.com/track", "GPTBot"
    )
    assert not verdict.allowed
    assert verdict.line == RobotsLine(6, "Disallow: /")
    assert verdict.reason == "disallowed by robots.txt line 6 'Disallow: /' in the group for GPTBot"


# ---------------------------------------------------------------- agent names


def test_agent_names_match_case_insensitively_and_not_by_substring() -> None:
    text = "User-agent: claude\nDisallow: /\n"
    assert allowed(text, "/", "ClaudeBot")
    assert not allowed(text, "/", "CLAUDE")


def test_asked_agent_is_reduced_to_its_product_token() -> None:
    text = "User-agent: GPTBot\nDisallow: /\n"
    assert not allowed(text, "/", "GPTBot/1.2")
    assert not allowed(text, "/", "GPTBot (+https://openai.com/gptbot)")
    assert asked_agent_keys("GPTBot/1.2") == ("gptbot/1.2", "gptbot")


def test_an_asked_name_with_digits_is_not_cut_to_its_letters() -> None:
    text = "User-agent: AI\nDisallow: /\n"
    assert allowed(text, "/", "AI2Bot")
    assert asked_agent_keys("AI2Bot") == ("ai2bot",)


@pytest.mark.parametrize("name", ["AI2Bot", "iaskspider/2.0", "MistralAI-User/1.0", "Kangaroo Bot", "bigsur.ai"])
def test_invalid_product_tokens_match_the_name_as_written_and_are_recorded(name: str) -> None:
    parsed = robots(f"User-agent: {name}\nDisallow: /\n")
    assert not parsed.verdict("/", name).allowed
    assert not parsed.verdict("/", name.upper()).allowed
    invalid = [finding for finding in parsed.findings if finding.value == "invalid-product-token"]
    assert len(invalid) == 1 and invalid[0].agent == name
    assert "line 1" in invalid[0].evidence and "Google" in invalid[0].evidence


def test_an_invalid_token_is_also_read_as_google_reads_it() -> None:
    parsed = robots("User-agent: AI2Bot\nDisallow: /\n")
    assert not parsed.verdict("/", "AI").allowed
    assert "as Google's parser reads it, as 'AI'" in parsed.findings[0].evidence


def test_a_versioned_user_agent_line_matches_the_product_like_google() -> None:
    parsed = robots("User-agent: GPTBot/1.0\nDisallow: /\n\nUser-agent: *\nAllow: /\n")
    verdict = parsed.verdict("/article", "GPTBot")
    assert not verdict.allowed and verdict.line == RobotsLine(2, "Disallow: /")
    assert "'User-agent: GPTBot/1.0' is not a valid RFC 9309 product token" in verdict.reason
    assert "RFC-strict parsers ignore that line" in verdict.reason
    assert parsed.verdict("/article", "CCBot").allowed
    [finding] = [f for f in parsed.findings if f.value == "invalid-product-token"]
    assert "RFC-strict parsers ignore the line" in finding.evidence
    # Asked by the full name as written, the line names it: no Google-only note then.
    versioned = parsed.verdict("/article", "GPTBot/1.0")
    assert not versioned.allowed and "not a valid" not in versioned.reason
    assert not robots("User-agent: iaskspider/2.0\nDisallow: /\n").verdict("/", "iaskspider").allowed


def test_a_valid_group_for_the_same_agent_is_merged_and_keeps_its_own_reason() -> None:
    parsed = robots("User-agent: GPTBot/1.0\nDisallow: /a\n\nUser-agent: GPTBot\nDisallow: /c\n")
    assert "not a valid" in parsed.verdict("/a", "GPTBot").reason
    assert not parsed.verdict("/c", "GPTBot").allowed
    assert "not a valid" not in parsed.verdict("/c", "GPTBot").reason
    both = robots("User-agent: GPTBot/1.0\nUser-agent: GPTBot\nDisallow: /\n").verdict("/", "GPTBot")
    assert not both.allowed and "not a valid" not in both.reason


def test_star_followed_by_words_is_global_like_google() -> None:
    parsed = robots("User-agent: * all robots\nDisallow: /\n")
    assert not parsed.verdict("/", "GPTBot").allowed
    assert "invalid-product-token" in finding_values(parsed)


def test_only_ascii_whitespace_is_trimmed_from_a_value() -> None:
    # RFC 9309 allows SP and HTAB around values; Google agrees, protego trims U+00A0 too.
    parsed = robots("User-agent: *\u00a0\nDisallow: /\n")
    assert parsed.verdict("/", "GPTBot").allowed
    assert "invalid-product-token" in finding_values(parsed)
    [finding] = parsed.protego_disagreements(["GPTBot"], ["/"])
    assert "non-ASCII whitespace" in finding.evidence


def test_agents_named_lists_each_value_as_written_once() -> None:
    parsed = robots(
        "User-agent: GPTBot\nUser-agent: *\nDisallow: /\nUser-agent: GPTBot\nUser-agent: AI2Bot\nAllow: /\n"
    )
    assert parsed.agents_named() == ["GPTBot", "*", "AI2Bot"]


# ---------------------------------------------------------------- path matching


def test_longest_match_wins() -> None:
    text = "User-agent: *\nDisallow: /x/\nAllow: /x/page\n"
    assert allowed(text, "/x/page.html", "a")
    assert not allowed(text, "/x/other", "a")


def test_longest_match_counts_octets_not_rule_order() -> None:
    text = "User-agent: *\nAllow: /page\nDisallow: /*.html\n"
    assert not allowed(text, "/page.html", "a")
    assert allowed(text, "/page", "a")


def test_allow_wins_a_tie() -> None:
    verdict = robots("User-agent: *\nDisallow: /a\nAllow: /a\n").verdict("/a", "x")
    assert verdict.allowed and verdict.line == RobotsLine(3, "Allow: /a")


def test_dollar_anchors_the_end() -> None:
    text = "User-agent: *\nDisallow: /*.pdf$\n"
    assert not allowed(text, "/files/a.pdf", "a")
    assert allowed(text, "/files/a.pdf?download=1", "a")
    assert allowed(text, "/files/a.pdfx", "a")


def test_dollar_in_the_middle_is_a_plain_character() -> None:
    text = "User-agent: *\nDisallow: /a$b\n"
    assert not allowed(text, "/a$bc", "x")
    assert allowed(text, "/a", "x")


@pytest.mark.parametrize(
    ("rule", "url"),
    [
        # RFC 9309 2.2.3's table, and the same octets escaped in lower case.
        ("/path/foo-%24", "https://www.example.com/path/foo-$"),
        ("/path/file-with-a-%2A.html", "https://www.example.com/path/file-with-a-*.html"),
        ("/%24", "/$100"),
        ("/search/%2a/", "/search/*/"),
        ("/search/%2A/", "/search/%2a/"),
        ("/q?price=%24*", "/q?price=$5"),
    ],
)
def test_a_star_or_dollar_in_the_url_is_compared_percent_encoded(rule: str, url: str) -> None:
    assert not allowed(f"User-agent: *\nDisallow: {rule}\n", url, "x")


def test_an_escaped_star_or_dollar_in_a_rule_is_no_wildcard_or_anchor() -> None:
    text = "User-agent: *\nDisallow: /a%2Ab\nDisallow: /c%24\n"
    assert allowed(text, "/a-b", "x") and allowed(text, "/axb", "x")
    assert not allowed(text, "/a*b", "x")
    assert not allowed(text, "/c$/more", "x")  # %24 is the octet "$", not the end anchor
    assert allowed(text, "/c", "x")


@pytest.mark.parametrize(
    ("rules", "url", "expected_line"),
    [
        # Google's measure: the value as written. "/%7Ea" is 5 octets, "/~ab" 4 (decoded, "/~a" is 3).
        ("Allow: /~ab\nDisallow: /%7Ea\n", "/~abc", "Disallow: /%7Ea"),
        ("Allow: /ab\nDisallow: /%61\n", "/abc", "Disallow: /%61"),
        # Non-ASCII octets count as their escapes: "/é" is /%C3%A9, 7 octets.
        ("Allow: /%C3%A9\nDisallow: /é\n", "/é", "Allow: /%C3%A9"),
        ("Disallow: /é\nAllow: /%C3%A\n", "/é", "Disallow: /é"),
    ],
)
def test_rule_length_is_measured_on_the_pattern_as_written(rules: str, url: str, expected_line: str) -> None:
    verdict = robots("User-agent: *\n" + rules).verdict(url, "x")
    assert verdict.line is not None and verdict.line.text == expected_line


def test_star_matches_any_sequence() -> None:
    text = "User-agent: *\nDisallow: /foo/*/bar\n"
    assert not allowed(text, "/foo/x/y/bar", "a")
    assert not allowed(text, "/foo//bar", "a")
    assert allowed(text, "/foo/bar", "a")


def test_the_query_string_is_matched() -> None:
    text = "User-agent: *\nDisallow: /*?sort=\nDisallow: /search?\n"
    assert not allowed(text, "https://example.com/list?sort=new", "a")
    assert allowed(text, "https://example.com/list", "a")
    assert not allowed(text, "/search?q=x", "a")
    assert allowed(text, "/search", "a")


def test_an_empty_query_is_part_of_the_path() -> None:
    # RFC 3986: "/search?" has an (empty) query and "/search" has none; the request sends the "?".
    # Google's GetPathParamsQuery keeps it too ("http://h/search?" -> "/search?"), so "$" after
    # "/search" does not match it; only fast-robotstxt's build drops the "?" (see the corpus tests).
    text = "User-agent: *\nDisallow: /search?\n"
    assert not allowed(text, "https://example.com/search?", "a")
    assert allowed(text, "https://example.com/search", "a")
    assert request_path("https://example.com/search?#top") == "/search?"
    assert allowed("User-agent: *\nDisallow: /search$\n", "https://example.com/search?", "a")
    assert not allowed("User-agent: *\nDisallow: /search?$\n", "https://example.com/search?", "a")


def test_dot_segments_are_resolved_before_matching() -> None:
    text = "User-agent: *\nDisallow: /private/\n"
    assert not allowed(text, "https://example.com/public/../private/x", "a")
    assert not allowed(text, "https://example.com/./private/%2e/x", "a")
    assert allowed(text, "https://example.com/private/..", "a")
    assert not allowed("User-agent: *\nDisallow: /.well-known/\n", "/.well-known/ai.txt", "a")


def test_a_backslash_is_a_plain_path_character() -> None:
    # Browsers turn "\" into "/" in http URLs; HTTP libraries send it (escaped) as it is.
    text = "User-agent: *\nDisallow: /a/b\n"
    assert allowed(text, "https://example.com/a\\b", "a")
    assert not allowed("User-agent: *\nDisallow: /a\\b\n", "/a%5Cb", "a")


def test_fragment_is_not_matched() -> None:
    assert allowed("User-agent: *\nDisallow: /a#b\n", "/a#b", "x") is False  # "#b" is a comment: rule is /a
    assert allowed("User-agent: *\nDisallow: /b\n", "https://example.com/a#/b", "x")


def test_matching_is_case_sensitive() -> None:
    assert allowed("User-agent: *\nDisallow: /X/\n", "/x/y", "a")


def test_encoded_slash_stays_encoded() -> None:
    text = "User-agent: *\nDisallow: /a%2Fb\n"
    assert not allowed(text, "/a%2fb", "x")
    assert allowed(text, "/a/b", "x")
    assert allowed("User-agent: *\nDisallow: /a/b\n", "/a%2Fb", "x")


def test_unreserved_escapes_are_decoded_on_both_sides() -> None:
    assert not allowed("User-agent: *\nDisallow: /%7Euser\n", "/~user/page", "x")
    assert not allowed("User-agent: *\nDisallow: /~user\n", "/%7euser/page", "x")
    assert not allowed("User-agent: *\nDisallow: /foo/bar/%62%61%7A\n", "/foo/bar/baz", "x")


def test_non_ascii_is_compared_as_utf8_escapes() -> None:
    assert not allowed("User-agent: *\nDisallow: /café\n", "/caf%C3%A9", "x")
    assert not allowed("User-agent: *\nDisallow: /caf%c3%a9\n", "https://example.com/café", "x")


def test_a_space_in_a_rule_matches_its_escape() -> None:
    assert not allowed("User-agent: *\nDisallow: /a b\n", "/a%20b", "x")


def test_empty_disallow_matches_nothing() -> None:
    verdict = robots("User-agent: *\nDisallow:\n").verdict("/anything", "GPTBot")
    assert verdict.allowed and verdict.line is None


def test_robots_txt_itself_is_always_allowed() -> None:
    assert allowed("User-agent: *\nDisallow: /\n", "https://example.com/robots.txt", "x")
    assert robots("", 503).verdict("/robots.txt", "x").allowed


def test_a_pattern_that_is_not_a_path_matches_nothing_and_is_recorded() -> None:
    parsed = robots("User-agent: *\nDisallow: https://example.com/private/\n")
    assert parsed.verdict("https://example.com/private/x", "x").allowed
    assert "pattern-not-a-path" in finding_values(parsed)


def test_request_path_forms() -> None:
    assert request_path("") == "/"
    assert request_path("https://example.com") == "/"
    assert request_path("https://example.com?q") == "/?q"
    assert request_path("https://example.com/a/b?c=d#frag") == "/a/b?c=d"
    assert request_path("/a?b") == "/a?b"
    assert request_path("//double/slash") == "//double/slash"


def test_normalize_escapes() -> None:
    assert normalize_escapes("/a%2f%7e%c3%a9ü") == "/a%2F~%C3%A9%C3%BC"


# ---------------------------------------------------------------- lines and bytes


def test_field_names_are_case_insensitive_and_whitespace_tolerant() -> None:
    assert not allowed("  uSeR-aGeNt :  GPTBot  \n\tdIsAlLoW\t:\t/ \n", "/", "GPTBot")


@pytest.mark.parametrize(
    "text",
    [
        "useragent: GPTBot\nDisallow: /\n",
        "user agent: GPTBot\nDisallow: /\n",
        "User-agent: GPTBot\ndisalow: /\n",
        "User-agent: GPTBot\ndissallow: /\n",
    ],
)
def test_common_typos_are_accepted_without_a_finding(text: str) -> None:
    parsed = robots(text)
    assert not parsed.verdict("/", "GPTBot").allowed
    assert parsed.findings == []


def test_site_map_typo_is_a_sitemap() -> None:
    parsed = robots("site-map: https://example.com/a.xml\nSitemap: https://example.com/b.xml\n")
    assert parsed.sitemaps == ["https://example.com/a.xml", "https://example.com/b.xml"]


def test_a_missing_colon_is_read_like_google_and_recorded() -> None:
    parsed = robots("User-agent GPTBot\nDisallow /\n")
    assert not parsed.verdict("/", "GPTBot").allowed
    assert finding_values(parsed).count("missing-colon") == 2


def test_comments_are_removed() -> None:
    text = "User-agent: GPTBot # OpenAI\n# Disallow: /\nDisallow: /private # keep out\n"
    assert allowed(text, "/", "GPTBot")
    assert not allowed(text, "/private", "GPTBot")


def test_bom_is_stripped_and_recorded() -> None:
    parsed = parse_robots(b"\xef\xbb\xbfUser-agent: GPTBot\nDisallow: /\n")
    assert not parsed.verdict("/", "GPTBot").allowed
    assert "bom" in finding_values(parsed)


def test_a_cut_off_bom_is_stripped_too() -> None:
    assert not parse_robots(b"\xef\xbbUser-agent: GPTBot\nDisallow: /\n").verdict("/", "GPTBot").allowed


def test_a_bom_later_in_the_file_is_not_stripped() -> None:
    parsed = parse_robots(b"User-agent: GPTBot\n\xef\xbb\xbfDisallow: /\n")
    assert parsed.verdict("/", "GPTBot").allowed


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_endings(newline: str) -> None:
    text = newline.join(["User-agent: foo", "Allow: /some/path", "User-agent: GPTBot", "", "Disallow: /"]) + newline
    parsed = robots(text)
    assert not parsed.verdict("/page", "GPTBot").allowed
    assert parsed.verdict("/page", "GPTBot").line == RobotsLine(5, "Disallow: /")


def test_only_cr_and_lf_end_lines() -> None:
    # str.splitlines() would also split at \x0b, \x0c, \x1c and U+2028; RFC 9309 ends lines at CR/LF only.
    assert allowed("User-agent: GPTBot\nDisallow: /a\x0cDisallow: /\n", "/", "GPTBot")


def test_only_the_first_500_kib_are_parsed() -> None:
    head = b"User-agent: GPTBot\nDisallow: /early\n"
    padding = b"# padding\n" * ((MAX_PARSED_BYTES - len(head)) // 10)
    body = head + padding + b"Disallow: /late\n"
    parsed = parse_robots(body)
    assert not parsed.verdict("/early", "GPTBot").allowed
    assert parsed.verdict("/late", "GPTBot").allowed
    assert "over-500KiB (rest ignored)" in finding_values(parsed)


def test_a_line_cut_by_the_500_kib_limit_is_dropped_not_shortened() -> None:
    head = b"User-agent: GPTBot\n"
    padding = b"#" * (MAX_PARSED_BYTES - len(head) - 12) + b"\n"
    body = head + padding + b"Disallow: /private-area\n"  # the limit falls inside "/private-area"
    assert len(head + padding) < MAX_PARSED_BYTES < len(body)
    assert parse_robots(body).verdict("/priv", "GPTBot").allowed


def test_non_utf8_bytes_are_recorded_and_match_as_raw_octets() -> None:
    parsed = parse_robots(b"User-agent: *\nDisallow: /caf\xe9\n")
    assert "non-utf8" in finding_values(parsed)
    assert not parsed.verdict("/caf%E9", "x").allowed
    assert "\ufffd" in parsed.verdict("/caf%E9", "x").reason


def test_html_body_is_recorded() -> None:
    parsed = robots("<!DOCTYPE html>\n<html><body>Not found</body></html>\n", content_type="text/html")
    assert parsed.outcome == "parsed"
    assert "html-body" in finding_values(parsed)
    assert parsed.verdict("/", "GPTBot").allowed


def test_sitemaps_anywhere_are_collected() -> None:
    parsed = robots("Sitemap: https://e.com/1.xml\nUser-agent: *\nsitemap: https://e.com/2.xml\nDisallow: /\n")
    assert parsed.sitemaps == ["https://e.com/1.xml", "https://e.com/2.xml"]


# ---------------------------------------------------------------- fetch outcomes


@pytest.mark.parametrize(
    ("status", "redirects", "outcome", "allowed_", "cited"),
    [
        (200, 0, "parsed", False, "group for GPTBot"),
        (404, 0, "allow-all", True, "2.3.1.3"),
        (410, 0, "allow-all", True, "2.3.1.3"),
        (401, 0, "allow-all", True, "2.3.1.3"),
        (403, 0, "allow-all", True, "2.3.1.3"),
        (429, 0, "disallow-all", False, "429"),
        (500, 0, "disallow-all", False, "2.3.1.4"),
        (503, 0, "disallow-all", False, "2.3.1.4"),
        (None, 0, "disallow-all", False, "2.3.1.4"),
        (301, 2, "disallow-all", False, "not followed"),
        (200, 6, "allow-all", True, "2.3.1.2"),
    ],
)
def test_fetch_outcomes(status: int | None, redirects: int, outcome: str, allowed_: bool, cited: str) -> None:
    parsed = robots("User-agent: GPTBot\nDisallow: /\n", status, redirects=redirects)
    verdict = parsed.verdict("/page", "GPTBot")
    assert parsed.outcome == outcome
    assert parsed.status == status
    assert verdict.allowed is allowed_
    assert cited in verdict.reason
    if outcome != "parsed":
        assert verdict.line is None
        assert parsed.group_lines("GPTBot", "content-signal") == []
        assert parsed.agents_named() == []


def test_503_reason_wording() -> None:
    assert robots("", 503).verdict("/", "x").reason == "robots.txt answered 503: complete disallow (RFC 9309 2.3.1.4)"


def test_unreachable_reason_carries_the_error() -> None:
    parsed = robots("", None, error="DNS lookup failed")
    assert "DNS lookup failed" in parsed.verdict("/", "x").reason


@pytest.mark.parametrize("status", [401, 403])
def test_bot_wall_statuses_add_a_finding(status: int) -> None:
    parsed = robots("<html>captcha</html>", status)
    values = finding_values(parsed)
    assert f"bot-wall status {status}: 4xx read as allow-all (could be a bot wall)" in values
    assert "an HTML page" in parsed.findings[0].evidence
    assert robots("", 404).findings == []


def test_too_many_redirects_is_recorded() -> None:
    assert "too-many-redirects" in finding_values(robots("", 200, redirects=6))


# ---------------------------------------------------------------- extension lines


CLOUDFLARE_PREPENDED = """\
# BEGIN Cloudflare Managed content

User-Agent: *
Content-signal: search=yes,ai-train=no
Allow: /

User-agent: GPTBot
Disallow: /

# END Cloudflare Managed Content

User-agent: GPTBot
Content-Signal: ai-input=no
Disallow: /private

User-agent: *
Content-Signal: search=yes, ai-train=no, use=reference
Disallow: /admin
"""


def test_content_signal_lines_belong_to_their_group_and_merge() -> None:
    parsed = robots(CLOUDFLARE_PREPENDED)
    gpt = parsed.group_lines("GPTBot", "content-signal")
    assert [(line.value, line.line.number) for line in gpt] == [("ai-input=no", 13)]
    star = parsed.group_lines("ClaudeBot", "Content-Signal")
    assert [line.value for line in star] == ["search=yes,ai-train=no", "search=yes, ai-train=no, use=reference"]
    assert all(line.field == "content-signal" for line in star)
    assert not parsed.verdict("/", "GPTBot").allowed
    assert not parsed.verdict("/admin", "ClaudeBot").allowed
    assert parsed.verdict("/", "ClaudeBot").allowed


def test_group_lines_for_an_agent_with_no_group_and_no_star() -> None:
    assert robots("User-agent: GPTBot\nContent-Signal: ai-train=no\n").group_lines("CCBot", "content-signal") == []


def test_content_signal_between_stacked_agents_belongs_to_all_of_them() -> None:
    parsed = robots("User-agent: GPTBot\nContent-Signal: ai-train=no\nUser-agent: CCBot\nDisallow: /x\n")
    assert [line.value for line in parsed.group_lines("CCBot", "content-signal")] == ["ai-train=no"]


AIPREF_EXAMPLE = """\
User-Agent: *
Allow: /
Disallow: /never/
Content-Usage: train-ai=n
Content-Usage: /ai-ok/ train-ai=y
"""


def test_content_usage_without_a_path_applies_everywhere() -> None:
    lines = robots(AIPREF_EXAMPLE).content_usage_lines("https://example.com/page", "GPTBot")
    assert [(line.field, line.value, line.line.number) for line in lines] == [("content-usage", "train-ai=n", 4)]


def test_content_usage_with_the_longest_matching_path_wins() -> None:
    lines = robots(AIPREF_EXAMPLE).content_usage_lines("/ai-ok/song", "GPTBot")
    assert [line.value for line in lines] == ["train-ai=y"]


def test_no_content_usage_applies_under_a_disallowed_path() -> None:
    assert robots(AIPREF_EXAMPLE).content_usage_lines("/never/x", "GPTBot") == []


def test_identical_content_usage_paths_are_all_returned() -> None:
    text = "User-agent: *\nContent-Usage: /p train-ai=y\nContent-Usage: /p\ttrain-ai=n # strict\nContent-Usage: train-ai=y\n"
    lines = robots(text).content_usage_lines("/p/1", "x")
    assert [line.value for line in lines] == ["train-ai=y", "train-ai=n"]


def test_content_usage_follows_the_agents_group() -> None:
    text = "User-agent: *\nContent-Usage: train-ai=y\nAllow: /\n\nUser-agent: GPTBot\nContent-Usage: train-ai=n\nAllow: /\n"
    parsed = robots(text)
    assert [line.value for line in parsed.content_usage_lines("/", "GPTBot")] == ["train-ai=n"]
    assert [line.value for line in parsed.content_usage_lines("/", "CCBot")] == ["train-ai=y"]


def test_content_usage_between_user_agent_lines_keeps_one_group_and_is_recorded() -> None:
    # aipref's grammar (rule =/ content-usage) would end the user-agent run here; RFC 9309
    # parsers such as Google's keep one group, and crawl verdicts follow them.
    text = "User-agent: GPTBot\nContent-Usage: train-ai=n\nUser-agent: CCBot\nDisallow: /\n"
    parsed = robots(text)
    assert not parsed.verdict("/", "GPTBot").allowed
    [finding] = [finding for finding in parsed.findings if finding.value == "content-usage-between-user-agents"]
    assert "line 2" in finding.evidence and "aipref" in finding.evidence
    assert "content-usage-between-user-agents" not in finding_values(
        robots("User-agent: a\nUser-agent: b\nContent-Usage: x\n")
    )


def test_group_lines_return_the_full_content_usage_value() -> None:
    lines = robots(AIPREF_EXAMPLE).group_lines("x", "content-usage")
    assert [line.value for line in lines] == ["train-ai=n", "/ai-ok/ train-ai=y"]


# ---------------------------------------------------------------- protego


def test_protego_substring_match_is_reported() -> None:
    parsed = robots("User-agent: Claude\nDisallow: /\n")
    [finding] = parsed.protego_disagreements(["ClaudeBot"], ["/"])
    assert finding.signal == "parser-disagreement" and finding.agent == "ClaudeBot"
    assert finding.value == "rfc9309=allowed protego=blocked"
    assert "substring ('claude' hits ClaudeBot)" in finding.evidence


def test_protego_group_split_is_reported_with_the_line() -> None:
    parsed = robots("User-agent: GPTBot\nContent-Signal: ai-train=no\nUser-agent: CCBot\nDisallow: /\n")
    [finding] = parsed.protego_disagreements(["GPTBot", "CCBot"], ["https://example.com/"])
    assert finding.agent == "GPTBot" and finding.value == "rfc9309=blocked protego=allowed"
    assert "splits the group" in finding.evidence and "line 2: 'Content-Signal: ai-train=no'" in finding.evidence


def test_protego_bom_is_reported() -> None:
    parsed = parse_robots(b"\xef\xbb\xbfUser-agent: GPTBot\nDisallow: /\n")
    [finding] = parsed.protego_disagreements(["GPTBot"], ["/"])
    assert finding.evidence.startswith("BOM")


def test_protego_index_html_reading_is_reported() -> None:
    parsed = robots("User-agent: *\nAllow: /shop/index.html\nDisallow: /\n")
    [finding] = parsed.protego_disagreements(["GPTBot"], ["/shop/"])
    assert finding.value == "rfc9309=blocked protego=allowed" and "Google-only" in finding.evidence


def test_protego_url_pattern_reading_is_reported() -> None:
    parsed = robots("User-agent: *\nDisallow: https://example.com/x\n")
    [finding] = parsed.protego_disagreements(["GPTBot"], ["/https://example.com/x"])
    assert "matches nothing" in finding.evidence


def test_protego_not_reading_an_invalid_token_as_google_does_is_explained() -> None:
    parsed = robots("User-agent: GPTBot/1.0\nDisallow: /\n\nUser-agent: *\nAllow: /\n")
    [finding] = parsed.protego_disagreements(["GPTBot", "CCBot"], ["/"])
    assert finding.agent == "GPTBot" and finding.value == "rfc9309=blocked protego=allowed"
    assert "protego does not read 'User-agent: GPTBot/1.0' as GPTBot" in finding.evidence


def test_protego_agrees_on_plain_files() -> None:
    parsed = robots("User-agent: *\nDisallow: /private\n\nUser-agent: GPTBot\nDisallow: /\n")
    assert parsed.protego_disagreements(["GPTBot", "CCBot", "*"], ["/", "/private/x", "/public"]) == []


def test_protego_is_not_compared_without_a_parsed_file() -> None:
    assert robots("User-agent: Claude\nDisallow: /\n", 503).protego_disagreements(["ClaudeBot"], ["/"]) == []


# ---------------------------------------------------------------- properties


def _reference_match(pattern: str, path: str) -> bool:
    """Slow, obviously correct robots.txt glob: "*" any run, trailing "$" anchors."""
    anchored = pattern.endswith("$")
    body = pattern[:-1] if anchored else pattern
    source = "".join(".*" if char == "*" else re.escape(char) for char in body)
    return re.match(source + (r"\Z" if anchored else ""), path, re.DOTALL) is not None


@given(
    pattern=st.text(alphabet="/ab*$", max_size=8).map(lambda text: "/" + text),
    path=st.text(alphabet="/ab$", max_size=10).map(lambda text: "/" + text),
)
def test_wildcard_matching_agrees_with_a_naive_reference(pattern: str, path: str) -> None:
    # The URL's "$" is compared as %24 and so is a pattern's non-final "$": the same verdict as raw.
    assert compile_pattern(pattern).matches(request_path(path)) == _reference_match(pattern, path)


@given(url=st.one_of(st.text(), st.text(alphabet="/.?#%:;ab~é *$", max_size=14).map(lambda text: "https://h" + text)))
def test_request_path_fast_path_agrees_with_the_general_one(url: str) -> None:
    general = normalize_escapes(_path_params_query(url))
    if "/." in general.partition("?")[0]:
        general = _remove_dot_segments(general)
    general = general.replace("*", "%2A").replace("$", "%24")
    assert request_path.__wrapped__(url) == general


def test_many_stars_do_not_backtrack_exponentially() -> None:
    pattern = compile_pattern("/" + "*a" * 30 + "*b")
    assert not pattern.matches("/" + "a" * 20_000)


@settings(max_examples=300)
@given(
    body=st.binary(max_size=600),
    status=st.one_of(st.none(), st.integers(min_value=-5, max_value=999)),
    redirects=st.integers(min_value=0, max_value=10),
)
def test_parse_never_raises(body: bytes, status: int | None, redirects: int) -> None:
    parsed = parse_robots(body, status, redirects=redirects)
    assert parsed.outcome in ("parsed", "allow-all", "disallow-all")
    parsed.verdict("/", "GPTBot")


_ROBOTS_LINES = st.lists(
    st.sampled_from(
        [
            "User-agent: *",
            "User-agent: GPTBot",
            "Disallow: /",
            "Allow: /a",
            "Disallow: /*b$",
            "Content-Usage: /a train-ai=n",
            "Disallow: /%zz",
            "Disallow: /ü*",
        ]
    ),
    max_size=8,
)


@settings(max_examples=300)
@given(lines=_ROBOTS_LINES, url=st.text(), agent=st.text(max_size=20))
def test_verdict_never_raises(lines: list[str], url: str, agent: str) -> None:
    parsed = robots("\n".join(lines))
    verdict = parsed.verdict(url, agent)
    assert isinstance(verdict.allowed, bool) and verdict.reason
    parsed.content_usage_lines(url, agent)
    parsed.group_lines(agent, "content-usage")
