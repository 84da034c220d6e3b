"""Shortcuts taken for speed give exactly what the plain code gives.

Warm: the verdict path (last-URL memo per merged group, blanket groups, request-path and walk caches)
gives exactly the verdicts of a plain walk: every rule in walk order, the path computed afresh.
Cold: lines split by str.splitlines and read by the inlined loop of _parse_text are the lines and
records of the CR/LF regex and _read_fields.

Asked in the orders that exercise the shortcuts: page by page (each URL for every agent in a row),
pairs in random order, a URL asked again after others, and more distinct URLs and agents than the
caches hold (request_path's 4,096, the 2,048 walks, the 4,096 resolved agents).
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from noai_check.signals import path_pattern
from noai_check.signals.robots import RobotsTxt, RobotsVerdict, _parse_document, parse_robots
from noai_check.signals.robots_groups import _GroupBuilder, _parse_text, _Parsed
from noai_check.signals.robots_lines import (
    _LINE_BREAK,
    RobotsLine,
    _decode,
    _printable,
    _read_fields,
    _Record,
    split_lines,
)
from noai_check.signals.robots_walk import _rule_verdict
from tests.corpus import corpus_or_skip

_plain_path = path_pattern.request_path.__wrapped__

AGENTS = ["GPTBot", "CCBot", "ClaudeBot", "Googlebot", "Google-Extended", "Bytespider", "anthropic-ai",
          "PerplexityBot", "GPTBot/1.0", "Googlebot-Image", "omgili", "NoSuchBot", "*"]
SPECIAL_URLS = ["/", "", "/robots.txt", "https://h.test/robots.txt", "/%72obots.txt", "/a/../robots.txt",
                "/ROBOTS.TXT", "/robots.txt?x=1", "https://h.test/robots.txt#top", "/%7Euser/", "/a*b$", "/é/x",
                "https://h.test", "h.test/path", "/./x/../y", "/a%2Fb", "/a b", "/ai.txt"]
PIECES = ["/", "/a", "/ab", "/abc", "/b", "/ba", "/a/", "*", "$", "x", "%2F", "%7E", "?q=", ".html", "é", "-", ".txt"]


def _key(verdict: RobotsVerdict) -> tuple[bool, int | None, str]:
    return verdict.allowed, verdict.line.number if verdict.line else None, verdict.reason


def _plain(robots: RobotsTxt, url: str, agent: str) -> tuple[bool, int | None, str]:
    """The verdict as the plain code reaches it: no memo, no blanket, no buckets, no walk cache."""
    path = _plain_path(url)
    if path == "/robots.txt" and robots._source == "robots.txt":
        return _key(robots._always_allowed)
    if robots._fixed is not None:
        return _key(robots._fixed)
    resolved = robots._resolve(agent)
    for entry in resolved.entries:
        pattern = entry[0].pattern
        if pattern.matches(path):
            return _key(_rule_verdict(entry, resolved.source, resolved.label))
    return _key(resolved.no_match)


def _urls_of(body: bytes, rng: random.Random, count: int) -> list[str]:
    """URLs under the file's own rule paths (matching and missing), plus the special spellings."""
    paths = []
    for line in body.decode("utf-8", "replace").splitlines():
        field, _, value = line.partition(":")
        if field.strip().lower() in ("allow", "disallow") and value.strip():
            paths.append(value.strip().split("#")[0].replace("*", rng.choice(["x", "/y/", ""])).rstrip("$"))
    paths = paths or ["/"]
    urls = [f"https://h.test{rng.choice(paths)}{rng.choice(['', 'x', '/p', '?q=1', '.html', '%7E'])}" for _ in range(count)]
    return urls + SPECIAL_URLS


def _orders(urls: list[str], agents: list[str], rng: random.Random) -> list[list[tuple[str, str]]]:
    """Page by page; all pairs shuffled; and each URL re-asked after another URL's agents."""
    by_page = []
    for url in urls:
        shuffled = agents[:]
        rng.shuffle(shuffled)
        by_page += [(url, agent) for agent in shuffled]
    mixed = [(url, agent) for url in urls for agent in agents]
    rng.shuffle(mixed)
    again = []
    for first, second in itertools.pairwise(urls):
        again += [(first, agents[0]), (second, agents[0]), (first, agents[-1]), (first, agents[0])]
    return [by_page, mixed, again]


def _assert_same(body: bytes, urls: list[str], agents: list[str], seed: str, **kwargs: object) -> None:
    rng = random.Random(seed)
    fast, plain = _parse(body, **kwargs), _parse(body, **kwargs)
    for order in _orders(urls, agents, rng):
        for url, agent in order:
            assert _key(fast.verdict(url, agent)) == _plain(plain, url, agent), (seed, url, agent)


def _parse(body: bytes, status: int | None = 200, source: str = "robots.txt") -> RobotsTxt:
    if source == "robots.txt":
        return parse_robots(body, status)
    return _parse_document(body, status, redirects=0, error=None, content_type="", source=source)


def _generated(rng: random.Random, rules: int) -> bytes:
    """Groups of random rules, blanket groups ("/" alone, Allow and Disallow "/"), stacked and versioned agents,
    and groups repeating an earlier group's rule values (Allow/Disallow redrawn, or as written) that share its walk."""
    lines: list[str] = []
    values: list[str] = []
    for agents in (["*"], ["GPTBot", "CCBot"], ["GPTBot/1.0"], ["Googlebot"], ["ClaudeBot"], ["Bytespider"]):
        lines += [f"User-agent: {agent}" for agent in agents]
        shape = rng.randrange(5)
        if shape == 0:
            lines.append("Disallow: /")
        elif shape == 1:
            lines += ["Allow: /", "Disallow: /"]
        elif shape == 2:
            lines.append("Disallow:")
        elif shape == 4 and values:
            kinds = [rng.choice(["Allow", "Disallow"]) for _ in values] if rng.random() < 0.5 else None
            lines += [f"{kinds[i] if kinds else 'Disallow'}: {value}" for i, value in enumerate(values)]
        count = rules if shape == 3 else rng.randrange(3) if shape != 4 else 0
        drawn = ["".join(rng.choice(PIECES) for _ in range(rng.randrange(1, 4))) for _ in range(count)]
        lines += [f"{rng.choice(['Allow', 'Disallow'])}: {value}" for value in drawn]
        values = drawn or values
        lines.append("")
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("seed", range(40))
def test_generated_files_give_the_plain_verdicts(seed: int) -> None:
    rng = random.Random(seed)
    body = _generated(rng, rng.choice([3, 30, 90]))
    _assert_same(body, _urls_of(body, rng, 40), AGENTS, f"generated-{seed}")


@pytest.mark.parametrize("status", [200, 404, 503, None])
@pytest.mark.parametrize("source", ["robots.txt", "ai.txt"])
def test_fetch_outcomes_and_other_sources_give_the_plain_verdicts(status: int | None, source: str) -> None:
    rng = random.Random(f"{status}{source}")
    body = _generated(rng, 30)
    _assert_same(body, _urls_of(body, rng, 30), AGENTS, f"{status}-{source}", status=status, source=source)


def test_more_urls_and_agents_than_the_caches_hold_give_the_plain_verdicts() -> None:
    rng = random.Random(7)
    body = b"User-agent: *\n" + b"".join(f"Disallow: /a{i}/\nAllow: /a{i}/x*.html$\n".encode() for i in range(80))
    body += b"User-agent: GPTBot\nDisallow: /\n"
    urls = [f"https://h.test/a{rng.randrange(90)}/x{i}.html" for i in range(6000)]  # > 4,096 paths, > 2,048 walks
    agents = ["GPTBot", "Googlebot", "CCBot"]
    fast, plain = parse_robots(body), parse_robots(body)
    for url in urls + urls[::-1]:
        for agent in agents:
            assert _key(fast.verdict(url, agent)) == _plain(plain, url, agent), (url, agent)
    many = [f"Bot{i}" for i in range(4200)]  # more agents than the 4,096 resolved ones kept
    for agent in many:
        assert _key(fast.verdict(urls[0], agent)) == _plain(plain, urls[0], agent)
    assert _key(fast.verdict(urls[0], "GPTBot")) == _plain(plain, urls[0], "GPTBot")  # re-asked after the others


def test_agents_sharing_a_group_get_one_verdict_object() -> None:
    robots = parse_robots(b"User-agent: *\nDisallow: /private\nAllow: /\n")
    assert robots.verdict("/private/x", "GPTBot") is robots.verdict("/private/x", "CCBot")


def test_groups_with_the_same_rule_values_share_a_walk_and_keep_their_own_lines() -> None:
    robots = parse_robots(b"User-agent: A\nDisallow: /x\nAllow: /x/y\n\nUser-agent: B\nAllow: /x\nDisallow: /x/y\n")
    assert robots.group_identity("A").walk is robots.group_identity("B").walk  # type: ignore[attr-defined]
    assert _key(robots.verdict("/x/y/z", "A")) == (True, 3, "allowed by robots.txt line 3 'Allow: /x/y' in the group for A")
    assert _key(robots.verdict("/x/y/z", "B")) == (
        False, 7, "disallowed by robots.txt line 7 'Disallow: /x/y' in the group for B"
    )
    assert _key(robots.verdict("/x/q", "B")) == (True, 6, "allowed by robots.txt line 6 'Allow: /x' in the group for B")
    assert _key(robots.verdict("/x/q", "A")) == (False, 2, "disallowed by robots.txt line 2 'Disallow: /x' in the group for A")


def _corpus_files() -> list[Path]:
    robots_dir = corpus_or_skip("robots")
    files = sorted(robots_dir.glob("*.txt")) + sorted(corpus_or_skip("ai_robots_txt").glob("robots.txt__*.txt"))
    protego = sorted(path for path in corpus_or_skip("protego", "test_data").iterdir() if path.is_file())
    return files + [path for path in protego[::25] if path.stat().st_size < 200_000]


@pytest.mark.corpus
def test_corpus_files_give_the_plain_verdicts() -> None:
    for path in _corpus_files():
        rng = random.Random(path.name)
        body = path.read_bytes()
        _assert_same(body, _urls_of(body, rng, 30), AGENTS[:8] + ["NoSuchBot"], path.name)


# ---------------------------------------------------------------- the cold shortcuts: line splitting and reading

BREAKS = ["\n", "\r", "\r\n", "\n\r", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
LINE_PIECES = [*BREAKS, "User-agent", "user agent", "Disallow", "dissallow", "allow", "Sitemap", "Content-Usage",
               "color", ":", " ", "\t", "#", "*", "/", "/a", "GPTBot", "GPTBot/1.0", "é", "\udce9", "x", "\ufeff"]
texts = st.lists(st.sampled_from(LINE_PIECES), max_size=40).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(BREAKS + ["a", "", " "]), max_size=12).map("".join))
def test_split_lines_ends_lines_as_the_regex_does(text: str) -> None:
    assert split_lines(text) == _LINE_BREAK.split(text)


def _plain_parse(text: str, source: str) -> _Parsed:
    """Every line through _read_fields and the group builder: the reading the inlined loop shortcuts."""
    builder = _GroupBuilder(source)
    for number, raw in enumerate(_LINE_BREAK.split(text), start=1):
        printable = _printable(raw)
        builder.parsed.texts.append(printable)
        fields = _read_fields(raw)
        if fields is not None:
            builder.add(_Record(fields[0], fields[1], RobotsLine(number, printable), fields[2]))
    return builder.finish()


def _shape(parsed: _Parsed) -> object:
    groups = [
        (group.agents, [(r.allow, r.value, r.number, r.text) for r in group.rules], group.extensions)
        for group in parsed.groups
    ]
    return groups, parsed.sitemaps, parsed.findings, parsed.texts


@settings(max_examples=600, deadline=None)
@given(texts)
def test_the_line_loop_reads_every_line_as_the_plain_reading(text: str) -> None:
    assert _shape(_parse_text(text, "robots.txt")) == _shape(_plain_parse(text, "robots.txt"))


@pytest.mark.corpus
def test_the_largest_corpus_files_are_read_as_the_plain_reading() -> None:
    protego = corpus_or_skip("protego", "test_data")
    for name in ("www.renderotica.com", "go.com", "www.hermes.com", "docs.oracle.com"):
        text, _findings = _decode(corpus_or_skip("protego", "test_data", name).read_bytes(), "robots.txt")
        assert _shape(_parse_text(text, "robots.txt")) == _shape(_plain_parse(text, "robots.txt")), protego / name


def test_two_long_walks_asked_about_one_path_keep_their_own_places():
    """Two groups with different long rule lists (walked through the walk cache) asked about the same path:
    each agent's verdict comes from its own group's rule, not from the place the other walk found."""
    gpt = "\n".join(f"Disallow: /a/{i:03d}" for i in range(120))
    ccbot = "\n".join(f"Allow: /a/{i:03d}" for i in range(100, 220)) + "\nDisallow: /a/"
    robots = parse_robots(f"User-agent: GPTBot\n{gpt}\n\nUser-agent: CCBot\n{ccbot}\n".encode(), 200)
    for url in ("https://h.test/a/050", "https://h.test/a/110", "https://h.test/a/150", "https://h.test/a/999"):
        for agent in ("GPTBot", "CCBot", "GPTBot"):
            assert _key(robots.verdict(url, agent)) == _plain(robots, url, agent), (url, agent)
    assert robots.verdict("https://h.test/a/150", "CCBot").allowed is True
    assert robots.verdict("https://h.test/a/150", "GPTBot").allowed is True  # no GPTBot rule matches /a/150
    assert robots.verdict("https://h.test/a/050", "GPTBot").allowed is False
    assert robots.verdict("https://h.test/a/050", "CCBot").allowed is False  # CCBot's Disallow: /a/
