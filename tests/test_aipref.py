from __future__ import annotations

import base64
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from noai_check.signals.aipref import (
    VOCABULARY,
    Date,
    DisplayString,
    InnerList,
    Item,
    StructuredFieldError,
    Token,
    UsageStatement,
    combine_field_lines,
    combine_usage,
    content_usage_findings,
    parse_content_usage,
    parse_content_usage_lines,
    parse_dictionary,
)

# --- RFC 9651 Dictionary parser -----------------------------------------------------


def test_every_item_type_parses() -> None:
    members = parse_dictionary(
        'i=-42, d=3.125, s="a \\"q\\" \\\\", t=foo/bar:baz, b=:AQI=:, t1=?1, f=?0, '
        'dt=@1700000000, ds=%"caf%c3%a9", bare, star*=*x'
    )
    assert members["i"] == Item(-42, {})
    assert members["d"] == Item(Decimal("3.125"), {})
    assert members["s"] == Item('a "q" \\', {})
    assert members["t"] == Item(Token("foo/bar:baz"), {})
    assert members["b"] == Item(b"\x01\x02", {})
    assert members["t1"] == Item(True, {})
    assert members["f"] == Item(False, {})
    assert members["dt"] == Item(Date(1700000000), {})
    assert members["ds"] == Item(DisplayString("café"), {})
    assert members["bare"] == Item(True, {})
    assert members["star*"] == Item(Token("*x"), {})


def test_inner_list_and_parameters() -> None:
    members = parse_dictionary('a=(1 y;p=2 "s");q=?0, b;x;y=z')
    assert members["a"] == InnerList([Item(1, {}), Item(Token("y"), {"p": 2}), Item("s", {})], {"q": False})
    assert members["b"] == Item(True, {"x": True, "y": Token("z")})
    assert parse_dictionary("a=()") == {"a": InnerList([], {})}


def test_whitespace_rules() -> None:
    assert parse_dictionary("   a=1 ,\tb=2   ") == {"a": Item(1, {}), "b": Item(2, {})}
    assert parse_dictionary("a=1,b=2") == {"a": Item(1, {}), "b": Item(2, {})}
    assert parse_dictionary("") == {}


def test_duplicate_key_keeps_last_value_in_first_position() -> None:
    members = parse_dictionary("a=1, b=2, a=3")
    assert list(members.items()) == [("a", Item(3, {})), ("b", Item(2, {}))]


def test_byte_sequence_without_padding_is_accepted() -> None:
    assert parse_dictionary("b=:AQI:") == {"b": Item(b"\x01\x02", {})}


@pytest.mark.parametrize(
    "value",
    [
        "Train-ai=n",  # uppercase key
        "a=1, B=2",
        "1a=1",  # key starts with a digit
        "a=1,",  # trailing comma
        "a=1,,b=2",  # empty member
        "a =1",  # SP before '='
        "a= 1",  # SP after '='
        "a=1 b=2",  # missing comma
        "\ta=1",  # only SP may lead the field
        "a=é",  # not ASCII
        'a="unterminated',
        'a="bad \\n escape"',
        'a="tab\there"',
        "a=1.2345",  # 4 fractional digits
        "a=1234567890123456",  # 16-digit integer
        "a=1234567890123.1",  # 13 integer digits in a decimal
        "a=1.",
        "a=-",
        "a=?2",
        "a=@1.5",  # Date must be an Integer
        'a=%"caf%C3%A9"',  # uppercase hex in Display String
        'a=%"%ff"',  # not UTF-8
        "a=:AQ!=:",
        "a=:AQI=",  # Byte Sequence not closed
        "a=(1 2",  # inner list not closed
        "a=(1,2)",
        "a=<x>",
        "a;",  # parameter without key
        "a=1;P=2",  # uppercase parameter key
    ],
)
def test_syntax_errors_fail(value: str) -> None:
    with pytest.raises(StructuredFieldError):
        parse_dictionary(value)


def test_combine_field_lines_joins_with_comma_and_skips_empty_lines() -> None:
    assert combine_field_lines(["train-ai=n", "search=y"]) == "train-ai=n, search=y"
    assert combine_field_lines(["train-ai=n", "  ", ""]) == "train-ai=n"


# --- Content-Usage ---------------------------------------------------------------------


def test_simple_preferences() -> None:
    statement = parse_content_usage("train-ai=n, search=y")
    assert statement == UsageStatement(prefs={"train-ai": "n", "search": "y"})


def test_uppercase_key_makes_every_preference_unknown() -> None:
    statement = parse_content_usage("search=y, Train-ai=n")
    assert statement.prefs == {}
    assert statement.error is not None and "offset 10" in statement.error


def test_quoted_n_is_unknown_and_reported() -> None:
    statement = parse_content_usage('train-ai="n"')
    assert statement.prefs == {}
    assert statement.error is None
    assert statement.unknown_values == {"train-ai": 'String "n"'}


@pytest.mark.parametrize(
    ("value", "described"),
    [
        ("train-ai", "Boolean true (a bare key or ?1)"),
        ("train-ai=?0", "Boolean false"),
        ("train-ai=(n)", "Inner List of 1 item(s)"),
        ("train-ai=N", "Token N"),
        ("train-ai=no", "Token no"),
        ("train-ai=0", "Integer 0"),
        ('train-ai=%"n"', "Display String 'n'"),
    ],
)
def test_values_other_than_token_y_or_n_are_unknown(value: str, described: str) -> None:
    statement = parse_content_usage(value)
    assert statement.prefs == {}
    assert statement.unknown_values == {"train-ai": described}


@pytest.mark.parametrize(
    ("value", "expected"),
    [("train-ai=n, train-ai=y", "y"), ("train-ai=y, train-ai=n", "n"), ("train-ai;allow=n, train-ai=y", "y")],
)
def test_last_duplicate_wins(value: str, expected: str) -> None:
    assert parse_content_usage(value).prefs == {"train-ai": expected}


def test_draft_example_with_duplicates_leaves_everything_unknown() -> None:
    statement = parse_content_usage('train-ai=y, train-ai, search=n, search="n"')
    assert statement.prefs == {}
    assert set(statement.unknown_values) == {"train-ai", "search"}


def test_parameters_are_ignored() -> None:
    assert parse_content_usage('train-ai=n;reason="none";v=2, search=y;x').prefs == {"train-ai": "n", "search": "y"}


@pytest.mark.parametrize(
    "label", ["ai", "genai", "tdm", "inference", "all", "train-genai", "ai-use", "bots", "ai-output"]
)
def test_old_vocabulary_labels_are_reported_never_mapped(label: str) -> None:
    statement = parse_content_usage(f"{label}=n")
    assert statement.prefs == {}
    assert statement.unknown_keys == [label]


def test_unknown_keys_do_not_disturb_known_ones() -> None:
    statement = parse_content_usage("ai=n, train-ai=y, x-foo=(1 2)")
    assert statement.prefs == {"train-ai": "y"}
    assert statement.unknown_keys == ["ai", "x-foo"]


def test_vocabulary_is_the_current_one() -> None:
    assert VOCABULARY == ("train-ai", "search")


def test_header_lines_are_one_dictionary() -> None:
    assert parse_content_usage_lines(["train-ai=n", "search=y"]).prefs == {"train-ai": "n", "search": "y"}
    # joined, the later line's duplicate wins (this is not most-restrictive combining)
    assert parse_content_usage_lines(["train-ai=n", "train-ai=y"]).prefs == {"train-ai": "y"}
    # one bad line spoils the whole field
    assert parse_content_usage_lines(["train-ai=n", "Search=y"]).prefs == {}
    assert parse_content_usage_lines(["train-ai=n", ""]).prefs == {"train-ai": "n"}


def test_combine_usage_is_most_restrictive() -> None:
    statements = [
        parse_content_usage("train-ai=y, search=y"),
        parse_content_usage("train-ai=n"),
        parse_content_usage("Broken"),
        parse_content_usage('search="n"'),
    ]
    assert combine_usage(statements) == {"train-ai": "n", "search": "y"}
    assert combine_usage([parse_content_usage("train-ai=n"), parse_content_usage("train-ai=y")]) == {"train-ai": "n"}
    assert combine_usage([parse_content_usage("ai=n")]) == {}
    assert combine_usage([]) == {}


def test_findings_quote_evidence_and_report_parse_failures() -> None:
    evidence = ['Content-Usage: train-ai=n, ai=n, search="y"']
    findings = content_usage_findings(
        parse_content_usage('train-ai=n, ai=n, search="y"'), source="header", agent=None, evidence=evidence
    )
    assert [(f.signal, f.value) for f in findings] == [
        ("content-usage", "train-ai=n"),
        ("note", 'Content-Usage search is String "y", not the Token y or n: unknown'),
        ("note", "Content-Usage key 'ai' is not in the vocabulary (train-ai, search): ignored"),
    ]
    assert all(f.evidence == evidence[0] and f.source == "header" and f.agent is None for f in findings)

    lines = ["robots.txt line 4: Content-Usage: / Train-ai=n", "robots.txt line 5: Content-Usage: / search=y"]
    statement = parse_content_usage("Train-ai=n")
    failed = content_usage_findings(statement, source="robots.txt", agent="GPTBot", evidence=lines)
    assert len(failed) == 1
    assert failed[0].signal == "protocol-error"
    assert "all preferences unknown" in failed[0].value
    assert failed[0].evidence == " | ".join(lines)
    assert failed[0].agent == "GPTBot"


# --- properties ------------------------------------------------------------------------


@settings(deadline=None)
@given(st.text())
def test_parse_content_usage_never_raises(value: str) -> None:
    statement = parse_content_usage(value)
    assert set(statement.prefs) <= set(VOCABULARY)
    assert statement.error is None or statement.prefs == {}


_keys = st.from_regex(r"[a-z*][a-z0-9_\-.*]{0,6}", fullmatch=True)
_tokens = st.from_regex(r"[A-Za-z*][A-Za-z0-9!#$%&'*+\-.^_`|~:/]{0,6}", fullmatch=True)
_strings = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=8)
_bare_items = st.one_of(
    st.integers(-999_999_999_999_999, 999_999_999_999_999),
    st.booleans(),
    _strings,
    _tokens.map(Token),
    st.binary(max_size=8),
)


def _serialize_bare(value: object) -> str:
    if isinstance(value, bool):
        return "?1" if value else "?0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Token):
        return value.value
    if isinstance(value, bytes):
        return ":" + base64.b64encode(value).decode() + ":"
    assert isinstance(value, str)
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@settings(deadline=None)
@given(st.lists(st.tuples(_keys, _bare_items, st.sampled_from([", ", ",", " ,\t"])), min_size=1, max_size=6))
def test_serialized_dictionaries_parse_back(members: list[tuple[str, object, str]]) -> None:
    text = "".join(f"{key}={_serialize_bare(value)}{sep}" for key, value, sep in members[:-1])
    text += f"{members[-1][0]}={_serialize_bare(members[-1][1])}"
    expected: dict[str, object] = {}
    for key, value, _ in members:
        expected[key] = value
    parsed = parse_dictionary(text)
    assert list(parsed) == list(expected)
    for key, member in parsed.items():
        assert isinstance(member, Item)
        assert member.value == expected[key]
        assert type(member.value) is type(expected[key])


def test_a_date_beyond_python_datetime_is_still_a_date() -> None:
    """RFC 9651 Dates span the Integer range; a parser bound to datetime (http-sf) fails the whole field here."""
    assert parse_dictionary("x=@999999999999999, y=@-62135596801") == {
        "x": Item(Date(999999999999999), {}),
        "y": Item(Date(-62135596801), {}),
    }
    assert parse_content_usage("train-ai=n, x=@999999999999999").prefs == {"train-ai": "n"}


def test_misplaced_base64_padding_fails_the_field() -> None:
    """Padding present but wrong is a base64 decoding error (RFC 9651 4.2.7), unlike padding left out."""
    assert parse_content_usage("train-ai=n, x=:YQ=:").error is not None
    assert parse_content_usage("train-ai=n, x=:YQ:").prefs == {"train-ai": "n"}
