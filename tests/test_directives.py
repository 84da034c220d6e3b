"""X-Robots-Tag and robots meta directives: scopes, colons, case, several headers."""

from noai_check.signals.directives import parse_meta_content, parse_x_robots_tag, parse_x_robots_tags


def test_global_noai_from_header():
    d = parse_x_robots_tag("noai")
    assert d.everyone == ["noai"] and d.per_agent == {}


def test_agent_scope_covers_the_rest_of_the_line():
    # datadiligence splits on commas first and reads noimageai as global: the bug we must not repeat.
    d = parse_x_robots_tag("GPTBot: noai, noimageai")
    assert d.everyone == []
    assert d.per_agent == {"gptbot": ["noai", "noimageai"]}


def test_mixed_list_global_then_scoped():
    d = parse_x_robots_tag("noindex, otherbot: noai")
    assert d.everyone == ["noindex"]
    assert d.per_agent == {"otherbot": ["noai"]}


def test_valued_directives_are_not_agents():
    d = parse_x_robots_tag("max-snippet: 20, noai")
    assert d.everyone == ["max-snippet: 20", "noai"]
    assert d.per_agent == {}


def test_unavailable_after_with_colons_in_date():
    d = parse_x_robots_tag("unavailable_after: 25 Jun 2026 15:00:00 PST, noai")
    assert d.everyone == ["unavailable_after: 25 Jun 2026 15:00:00 PST", "noai"]
    assert d.per_agent == {}


def test_unavailable_after_rfc850_date_with_comma():
    d = parse_x_robots_tag("unavailable_after: Wednesday, 25-Jun-26 15:00:00 PST, noimageai")
    assert d.everyone[-1] == "noimageai"
    assert len(d.everyone) == 2


def test_case_and_spacing():
    d = parse_x_robots_tag("  NoAI ,NOIMAGEAI  ")
    assert d.everyone == ["noai", "noimageai"]


def test_several_headers_are_all_read():
    d = parse_x_robots_tags(["noindex", "noimageai", "GPTBot: noai"])
    assert d.everyone == ["noindex", "noimageai"]
    assert d.per_agent == {"gptbot": ["noai"]}
    assert d.evidence[(None, "noimageai")] == "X-Robots-Tag: noimageai"


def test_scope_does_not_leak_to_next_header():
    d = parse_x_robots_tags(["GPTBot: noindex", "noai"])
    assert d.everyone == ["noai"]


def test_space_separated_is_flagged_and_read():
    d = parse_meta_content("noai noimageai", None, "<meta name=robots content='noai noimageai'>")
    assert d.everyone == ["noai", "noimageai"]
    assert [f.signal for f in d.findings] == ["non-standard-syntax"]


def test_meta_agent_scope():
    d = parse_meta_content("noai", "GPTBot", "<meta name=GPTBot content=noai>")
    assert d.per_agent == {"gptbot": ["noai"]} and d.everyone == []


def test_ai_findings_name_their_source():
    d = parse_x_robots_tags(["GPTBot: noai"])
    d.merge(parse_meta_content("noimageai", None, '<meta name="robots" content="noimageai">'))
    found = {(f.signal, f.source, f.agent) for f in d.ai_findings()}
    assert found == {("noai", "x-robots-tag", "gptbot"), ("noimageai", "meta", None)}


def test_semicolon_separated_is_flagged_and_read_in_meta_and_header_alike():
    meta = parse_meta_content("noai;noimageai", None, '<meta name="robots" content="noai;noimageai">')
    header = parse_x_robots_tags(["noai; noimageai"])
    for parsed, source in ((meta, "meta"), (header, "x-robots-tag")):
        assert parsed.everyone == ["noai", "noimageai"]
        assert [(f.signal, f.source) for f in parsed.findings] == [("non-standard-syntax", source)]
        assert "separated by semicolons" in parsed.findings[0].evidence
    trailing = parse_meta_content("noai;", None, "<meta name=robots content='noai;'>")
    assert trailing.everyone == ["noai"] and [f.signal for f in trailing.findings] == ["non-standard-syntax"]
    assert parse_meta_content("noindex;nofollow", None, "x").findings == []  # no AI directive: left as written
