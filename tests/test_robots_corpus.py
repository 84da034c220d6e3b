"""robots.txt engine against real files, Google's test suites and Google's own parser.

Every place where we knowingly read a file differently from Google is listed with its
reason, and the tests assert that we *do* differ there, so the lists cannot rot.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import pytest

from noai_check.signals.path_pattern import normalize_escapes, request_path
from noai_check.signals.robots import MAX_PARSED_BYTES, RobotsTxt, parse_robots
from tests.corpus import CORPUS_DIR, corpus_or_skip, read_tsv, unescape

pytestmark = pytest.mark.corpus

# ---------------------------------------------------------------- documented differences from Google

INVALID_TOKEN = (
    "invalid product token also matched by its full name: RFC 9309 tokens are [a-zA-Z_-]; like Google we read "
    "'Foo Bar' or 'AB42bot' as 'Foo'/'AB' (with a finding), and we also let it name an agent asked as 'Foo Bar' "
    "or 'AB42bot' (registry names such as AI2Bot), which Google's parser does not"
)
RAW_NON_ASCII_URL = (
    "RFC 9309 2.2.2: non-ASCII in the URL is percent-encoded as UTF-8 before matching; Google's library "
    "expects the caller to pass an encoded URL and compares raw bytes"
)
UNRESERVED_DECODED = "RFC 9309 2.2.2 (table): '%62%61%7A' in a rule matches '/baz'; Google compares escapes as written"
INDEX_HTML = "Google-only: 'Allow: /x/index.html' also allows '/x/'; RFC 9309 has no such rule"
LINE_TOO_LONG = "Google cuts lines longer than 16,664 bytes; RFC 9309 has no line limit, we read the whole line"
RESERVED_KEPT = (
    "RFC 3986 2.2 / RFC 9309 2.2.2: an escaped reserved character ('%2F', '%3D') is not the raw character, "
    "so '/a%2Fb' does not match '/a/b'; this Google build decodes such escapes"
)
ROBOTS_TXT_ALLOWED = "RFC 9309 2.2.2: /robots.txt is implicitly allowed; Google's library leaves that to its caller"

GOOGLE_UNIT_DIFFERENCES = {
    "RobotsUnittest.GoogleOnly_AcceptUserAgentUpToFirstSpace#2": INVALID_TOKEN,
    "RobotsUnittest.ID_Encoding#3": RAW_NON_ASCII_URL,
    "RobotsUnittest.ID_Encoding#5": RAW_NON_ASCII_URL,
    "RobotsUnittest.ID_Encoding#6": UNRESERVED_DECODED,
    "RobotsUnittest.GoogleOnly_IndexHTMLisDirectory#1": INDEX_HTML,
    "RobotsUnittest.GoogleOnly_LineTooLong#2": LINE_TOO_LONG,
    "RobotsUnittest.GoogleOnly_LineTooLong#5": LINE_TOO_LONG,
}

GOOGLE_SPEC_DIFFERENCES = {
    "correctness/index-page#t1#1": INDEX_HTML,
    "correctness/non-ascii-paths#t2#3": RAW_NON_ASCII_URL,
    "correctness/non-ascii-paths#t3#5": RAW_NON_ASCII_URL,
    "correctness/non-ascii-paths#t4#6": UNRESERVED_DECODED,
    "correctness/user-agent-name#t1#2": INVALID_TOKEN,
    "stress/369883#t1#7": INVALID_TOKEN,  # "User-agent: AB42bot" asked as AB42bot
    "stress/369883#t1#8": INVALID_TOKEN,
    "stress/327748#t1#6": ROBOTS_TXT_ALLOWED,
    "stress/369883#t1#6": ROBOTS_TXT_ALLOWED,
    "stress/369883#t1#10": ROBOTS_TXT_ALLOWED,
    "stress/860237#t1#10": ROBOTS_TXT_ALLOWED,
}

PATH_ESCAPE_DIFFERENCES = {
    # Our verdict() takes paths as well as URLs: a string starting with "/" is a path, so
    # "//a/b/c" is the path of http://host//a/b/c, not a scheme-relative URL.
    "//a/b/c": "input starting with '/' is a path, not a network-path reference",
}


def _load_cases(name: str) -> list[dict[str, str]]:
    return read_tsv(corpus_or_skip(name))


def _case_ids(rows: list[dict[str, str]]) -> list[str]:
    return [row["case_name"] for row in rows]


def _our_verdict(row: dict[str, str]) -> bool:
    body = unescape(row["robots_txt"])
    agent = unescape(row["user_agent"]).decode("utf-8")
    url = unescape(row["url"]).decode("utf-8")
    return parse_robots(body).verdict(url, agent).allowed


def _check_case(row: dict[str, str], differences: dict[str, str]) -> None:
    expected = row["expected_allowed"] == "1"
    got = _our_verdict(row)
    if row["case_name"] in differences:
        assert got != expected, f"no longer differs from Google ({differences[row['case_name']]}): update the list"
    else:
        assert got == expected


def _rows_or_empty(name: str) -> list[dict[str, str]]:
    path = CORPUS_DIR / name
    return read_tsv(path) if path.exists() else []


_UNIT_ROWS = _rows_or_empty("google_robots_cases.tsv")
_SPEC_ROWS = _rows_or_empty("google_robotstxt_spec_test_cases.tsv")


@pytest.mark.parametrize("row", _UNIT_ROWS, ids=_case_ids(_UNIT_ROWS))
def test_google_robots_unit_cases(row: dict[str, str]) -> None:
    _check_case(row, GOOGLE_UNIT_DIFFERENCES)


@pytest.mark.parametrize("row", _SPEC_ROWS, ids=_case_ids(_SPEC_ROWS))
def test_google_robotstxt_spec_cases(row: dict[str, str]) -> None:
    _check_case(row, GOOGLE_SPEC_DIFFERENCES)


def test_google_case_files_are_all_there() -> None:
    assert len(_load_cases("google_robots_cases.tsv")) == 145
    assert len(_load_cases("google_robotstxt_spec_test_cases.tsv")) == 400


def test_every_documented_difference_names_a_real_case() -> None:
    unit = set(_case_ids(_load_cases("google_robots_cases.tsv")))
    spec = set(_case_ids(_load_cases("google_robotstxt_spec_test_cases.tsv")))
    assert set(GOOGLE_UNIT_DIFFERENCES) <= unit
    assert set(GOOGLE_SPEC_DIFFERENCES) <= spec


def test_google_path_and_escape_helpers() -> None:
    for row in _load_cases("google_robots_path_escape_cases.tsv"):
        source = unescape(row["input"]).decode("utf-8")
        expected = unescape(row["expected_output"]).decode("utf-8")
        if row["function"] == "GetPathParamsQuery":
            got = request_path(source)
        else:
            got = normalize_escapes(source)
        if source in PATH_ESCAPE_DIFFERENCES and row["function"] == "GetPathParamsQuery":
            assert got != expected
        else:
            assert got == expected, row


def test_user_agent_validity_matches_google() -> None:
    # " Foobot " is valid for us: the RFC grammar allows whitespace around a value, and we strip it.
    for row in _load_cases("google_robots_useragent_validity.tsv"):
        agent = unescape(row["user_agent"]).decode("utf-8")
        parsed = parse_robots(f"User-agent: {agent}\nDisallow: /\n".encode())
        flagged = any(finding.value == "invalid-product-token" for finding in parsed.findings)
        expected_valid = row["expected_valid"] == "1" or agent == " Foobot "
        assert flagged is not expected_valid, agent


# ---------------------------------------------------------------- real files


def _corpus_files() -> list[Path]:
    robots_dir = corpus_or_skip("robots")
    protego_dir = corpus_or_skip("protego", "test_data")
    return sorted(robots_dir.glob("*.txt")) + sorted(protego_dir.iterdir())


def test_every_corpus_file_parses() -> None:
    files = _corpus_files()
    assert len(files) > 4000
    for path in files:
        parsed = parse_robots(path.read_bytes())
        assert parsed.outcome == "parsed"
        for agent in ("GPTBot", "*", "AI2Bot"):
            parsed.verdict("/", agent)
            parsed.content_usage_lines("/", agent)


def _soundcloud(date: str) -> RobotsTxt:
    return parse_robots(corpus_or_skip("robots", f"soundcloud.com__{date}.txt").read_bytes())


@pytest.mark.parametrize(
    ("date", "gptbot_blocked"),
    [("2019-07-20__protego", False), ("2022-07-10", False), ("2023-11-19", True), ("egonkm-2024-05-26", True)],
)
def test_soundcloud_history(date: str, gptbot_blocked: bool) -> None:
    parsed = _soundcloud(date)
    verdict = parsed.verdict("https://soundcloud.com/", "GPTBot")
    assert verdict.allowed is not gptbot_blocked
    if gptbot_blocked:
        assert verdict.line is not None and verdict.line.text == "Disallow: /"
        assert "group for GPTBot" in verdict.reason
        for agent in ("anthropic-ai", "CCBot", "Google-Extended", "omgili", "omgilibot"):
            assert not parsed.verdict("https://soundcloud.com/artist/track", agent).allowed
    assert parsed.verdict("https://soundcloud.com/artist/track", "ClaudeBot").allowed
    assert parsed.verdict("https://soundcloud.com/artist/track", "Googlebot").allowed
    assert parsed.sitemaps


def test_ai_robots_txt_blocks_every_named_agent_in_its_one_group() -> None:
    path = corpus_or_skip("ai_robots_txt", "robots.txt__2026-08-22.txt")
    parsed = parse_robots(path.read_bytes())
    names = json.loads(corpus_or_skip("ai_robots_txt", "robots.json__2026-08-22.json").read_text())
    assert len(parsed.agents_named()) >= 160
    for name in names:
        assert not parsed.verdict("/", name).allowed, name
    assert parsed.verdict("/", "Googlebot").allowed
    invalid = {finding.agent for finding in parsed.findings if finding.value == "invalid-product-token"}
    assert {"AI2Bot", "iaskspider/2.0", "Kangaroo Bot"} <= invalid


def test_cloudflare_managed_content_signal_is_scoped_to_its_group() -> None:
    path = corpus_or_skip("tdm", "content_signal_robots", "freshersdunia.in__2026-08-04__cloudflare-managed.txt")
    parsed = parse_robots(path.read_bytes())
    assert [line.value for line in parsed.group_lines("Googlebot", "content-signal")] == [
        "search=yes,ai-train=no,use=reference"
    ]
    assert parsed.group_lines("GPTBot", "content-signal") == []
    assert not parsed.verdict("/", "GPTBot").allowed
    assert parsed.verdict("/", "Googlebot").allowed


# ---------------------------------------------------------------- differential against Google's parser

# The AI agents researchers ask about, a search crawler, "*", and one registry name that is not
# an RFC 9309 token (AI2Bot), so the invalid-token reading is exercised on real files too.
AGENTS = [
    "GPTBot",
    "CCBot",
    "ClaudeBot",
    "Google-Extended",
    "anthropic-ai",
    "Bytespider",
    "PerplexityBot",
    "omgili",
    "Googlebot",
    "*",
    "AI2Bot",
]
PATHS_PER_FILE = 60
HOST = "http://example.com"
_RULE_LINE = re.compile(r"^[ \t]*(?:dis)?allow[ \t]*:[ \t]*([^#\s]+)", re.IGNORECASE | re.MULTILINE)
_UA_LINE = re.compile(
    r"^([ \t]*user-?agent[ \t]*:[ \t]*)([^#\r\n]*?)([ \t]*(?:#[^\r\n]*)?)$", re.IGNORECASE | re.MULTILINE
)
_INDEX_ALLOW = re.compile(r"^([ \t]*allow[ \t]*:[ \t]*(\S*/)index\.html[ \t]*)$", re.IGNORECASE | re.MULTILINE)
_TOKEN = re.compile(r"[A-Za-z_-]*")


class _Google:
    """Google's parser (fast-robotstxt) fed the exact bytes, as Google's crawler would read them."""

    def __init__(self) -> None:
        robotstxt = pytest.importorskip("robotstxt")
        self.matcher = robotstxt.RobotsMatcher()
        self._raw = getattr(getattr(robotstxt, "robots", None), "_lib", None)

    def allows(self, body: bytes, agent: str, url: str) -> bool:
        if self._raw is None:
            return bool(self.matcher.is_allowed(body.decode("utf-8", "replace"), agent, url))
        agent_bytes, url_bytes = agent.encode(), url.encode()
        return bool(
            self._raw.robots_allowed_by_robots(
                self.matcher._ptr, body, len(body), agent_bytes, len(agent_bytes), url_bytes, len(url_bytes)
            )
        )


def _text(body: bytes) -> str:
    return body.decode("utf-8", "surrogateescape")


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def _test_paths(body: bytes) -> list[str]:
    """ "/" plus one path per rule of the file (wildcards dropped), deterministic and capped."""
    paths = {"/"}
    for pattern in _RULE_LINE.findall(_text(body)):
        path = pattern.rstrip("$").replace("*", "")
        paths.add(normalize_escapes(path if path.startswith("/") else "/" + path))
    return sorted(paths)[:PATHS_PER_FILE]


def _ours(body: bytes, agent: str, url: str) -> bool:
    return _parsed(body).verdict(url, agent).allowed


@lru_cache(maxsize=256)
def _parsed(body: bytes) -> RobotsTxt:
    return parse_robots(body)


def _google_token_lines(body: bytes) -> bytes:
    """The file with each invalid User-agent value replaced by what Google keeps of it."""

    def replace(match: re.Match[str]) -> str:
        value = match.group(2)
        if value == "*" or re.fullmatch(r"\*\s.*", value) or re.fullmatch(r"[A-Za-z_-]+", value):
            return match.group(0)
        token = _TOKEN.match(value).group()  # type: ignore[union-attr]
        return match.group(1) + (token or "-never-matches-") + match.group(3)

    return _bytes(_UA_LINE.sub(replace, _text(body)))


def _with_index_html_rule(body: bytes) -> bytes:
    return _bytes(_INDEX_ALLOW.sub(lambda match: f"{match.group(1)}\nAllow: {match.group(2)}$", _text(body)))


_ASCII_ESCAPE = re.compile(r"%([2-7][0-9A-Fa-f])")
# Decoding these would change the rule itself: "%" starts escapes, "#" a comment, "*" and "$" are wildcards.
_KEEP_ESCAPED = frozenset("%#*$\x7f")


def _decode_ascii_escapes(text: str) -> str:
    def decode(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return match.group(0) if char in _KEEP_ESCAPED else char

    return _ASCII_ESCAPE.sub(decode, text)


def _reserved_escapes_decoded(body: bytes) -> bytes:
    def replace(match: re.Match[str]) -> str:
        return match.group(0).replace(match.group(1), _decode_ascii_escapes(match.group(1)))

    return _bytes(_RULE_LINE.sub(replace, _text(body)))


# Each category: why we differ, and a check that proves it is that reason (a counterfactual
# that, applied to the input, makes the two parsers agree).
Explainer = Callable[[_Google, bytes, str, str, bool], bool]

DIFFERENCE_CATEGORIES: dict[str, tuple[str, Explainer]] = {
    "robots.txt always allowed": (
        ROBOTS_TXT_ALLOWED,
        lambda google, body, agent, url, ours: request_path(url) == "/robots.txt" and ours,
    ),
    "empty query kept": (
        "a trailing '?' (empty query) stays part of the path, as in RFC 3986 and protego; this Google build drops it",
        lambda google, body, agent, url, ours: url.endswith("?") and _ours(body, agent, url[:-1]) != ours,
    ),
    "backslash kept": (
        "'\\' stays a path character; this Google build's URL parser turns it into '/'",
        lambda google, body, agent, url, ours: "\\" in url and _ours(body, agent, url.replace("\\", "/")) != ours,
    ),
    "invalid token by full name": (
        INVALID_TOKEN,
        lambda google, body, agent, url, ours: _ours(_google_token_lines(body), agent, url) != ours,
    ),
    "index.html": (
        INDEX_HTML,
        lambda google, body, agent, url, ours: _ours(_with_index_html_rule(body), agent, url) != ours,
    ),
    "reserved escapes kept": (
        RESERVED_KEPT,
        lambda google, body, agent, url, ours: (
            "%" in url + _text(body)
            and _ours(_reserved_escapes_decoded(body), agent, HOST + _decode_ascii_escapes(request_path(url))) != ours
        ),
    ),
    "500 KiB cap": (
        "RFC 9309 2.5: we parse the first 512,000 bytes; Google's library reads the whole body",
        lambda google, body, agent, url, ours: (
            len(body) > MAX_PARSED_BYTES and google.allows(body[:MAX_PARSED_BYTES], agent, url) == ours
        ),
    ),
}


def _explain(google: _Google, body: bytes, agent: str, url: str, ours: bool) -> str | None:
    for name, (_reason, explains) in DIFFERENCE_CATEGORIES.items():
        if explains(google, body, agent, url, ours):
            return name
    return None


def _differential_files() -> list[Path]:
    """All platform and ai.robots.txt files plus every 10th protego file: under a minute on 2 cores."""
    robots_dir = corpus_or_skip("robots")
    protego_dir = corpus_or_skip("protego", "test_data")
    ai_robots = sorted(corpus_or_skip("ai_robots_txt").glob("robots.txt__*.txt"))
    return sorted(robots_dir.glob("*.txt")) + ai_robots + sorted(protego_dir.iterdir())[::10]


def test_differential_against_googles_parser() -> None:
    google = _Google()
    counts: Counter[str] = Counter()
    unexplained: list[str] = []
    compared = 0
    for path in _differential_files():
        body = path.read_bytes()
        for url in (HOST + p for p in _test_paths(body)):
            for agent in AGENTS:
                compared += 1
                ours = _ours(body, agent, url)
                if ours == google.allows(body, agent, url):
                    continue
                category = _explain(google, body, agent, url, ours)
                if category is None:
                    unexplained.append(f"{path.name}: {agent} {url} ours={ours}")
                else:
                    counts[category] += 1
    report = ", ".join(f"{name}: {count}" for name, count in counts.most_common())
    print(f"\ncompared {compared} (file, agent, URL) triples with Google's parser; differences by reason: {report}")
    assert not unexplained, f"{len(unexplained)} unexplained differences from Google:\n" + "\n".join(unexplained[:50])
    assert compared > 100_000


@pytest.mark.parametrize(
    ("category", "body", "agent", "url"),
    [
        ("robots.txt always allowed", b"User-agent: *\nDisallow: /\n", "GPTBot", HOST + "/robots.txt"),
        ("empty query kept", b"User-agent: *\nDisallow: /search?\n", "GPTBot", HOST + "/search?"),
        ("backslash kept", b"User-agent: *\nDisallow: /a/b\n", "GPTBot", HOST + "/a\\b"),
        ("invalid token by full name", b"User-agent: AI2Bot\nDisallow: /\n", "AI2Bot", HOST + "/"),
        ("index.html", b"User-agent: *\nAllow: /x/index.html\nDisallow: /\n", "GPTBot", HOST + "/x/"),
        ("reserved escapes kept", b"User-agent: *\nDisallow: /\nAllow: /a%2Fb\n", "GPTBot", HOST + "/a/b"),
        ("reserved escapes kept", b"User-agent: *\nDisallow: /a=b\n", "GPTBot", HOST + "/a%3Db"),
        ("500 KiB cap", b"User-agent: *\n" + b"#" * MAX_PARSED_BYTES + b"\nDisallow: /\n", "GPTBot", HOST + "/"),
    ],
)
def test_each_difference_category_is_real(category: str, body: bytes, agent: str, url: str) -> None:
    """Each category reproduces on a minimal file, and its check recognises it."""
    google = _Google()
    ours = _ours(body, agent, url)
    assert ours != google.allows(body, agent, url)
    assert _explain(google, body, agent, url, ours) == category
