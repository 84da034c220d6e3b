from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from noai_check.signals.findings import Finding
from noai_check.signals.robots import parse_robots
from noai_check.signals.tdmrep import (
    TdmRepFile,
    TdmValue,
    layer_tdm,
    parse_tdmrep_json,
    tdm_finding,
    tdm_from_headers,
    tdm_from_meta,
)
from tests.corpus import CORPUS_DIR

CORPUS = CORPUS_DIR / "tdm" / "tdmrep_json"


def _file(rules: object, status: int = 200, content_type: str = "application/json") -> TdmRepFile:
    return parse_tdmrep_json(json.dumps(rules).encode(), status, content_type)


def _errors(parsed: TdmRepFile) -> list[str]:
    return [f.value for f in parsed.findings if f.signal == "protocol-error"]


# --- tdmrep.json: shape and fetch outcome ------------------------------------------------


def test_spec_example_reserves_everything() -> None:
    parsed = _file([{"location": "/", "tdm-reservation": 1}])
    assert parsed.present and parsed.status == 200 and parsed.findings == []
    value = parsed.match("https://example.com/any/page?x=1")
    assert value is not None
    assert (value.reservation, value.policy, value.source) == (1, None, "tdmrep.json")
    assert value.evidence == 'tdmrep.json rule #0: {"location": "/", "tdm-reservation": 1}'


@pytest.mark.parametrize("status", [404, 403, 410])
def test_4xx_means_not_implemented_without_noise(status: int) -> None:
    parsed = parse_tdmrep_json(b"Not Found", status)
    assert not parsed.present and parsed.rules == [] and parsed.findings == []
    assert parsed.match("/") is None


@pytest.mark.parametrize("status", [None, 500, 503, 301])
def test_unreachable_is_not_present_but_noted(status: int | None) -> None:
    parsed = parse_tdmrep_json(b"", status)
    assert not parsed.present
    assert [f.signal for f in parsed.findings] == ["note"]


def test_html_page_with_200_is_not_a_tdmrep_file() -> None:
    body = b"<!DOCTYPE html><html><head><title>Page not found</title></head><body>404</body></html>"
    parsed = parse_tdmrep_json(body, 200, "text/html; charset=utf-8")
    assert not parsed.present
    assert _errors(parsed) == ["tdmrep.json answered with an HTML page: not a tdmrep.json"]
    assert "<!DOCTYPE html>" in parsed.findings[0].evidence


def test_html_page_is_recognised_even_with_a_json_content_type() -> None:
    parsed = parse_tdmrep_json(b"\n  <html><body>app</body></html>", 200, "application/json")
    assert not parsed.present
    assert "HTML page" in _errors(parsed)[0]


@pytest.mark.parametrize(
    "body", [b"", b"[{", b"[{'location': '/'}]", b"[1,]", b"\xff\xfe[", b'[{"location": "/", "tdm-reservation": NaN}]']
)
def test_invalid_json_is_not_present(body: bytes) -> None:
    parsed = parse_tdmrep_json(body, 200, "application/json")
    assert not parsed.present
    assert len(_errors(parsed)) == 1


def test_absurd_nesting_is_reported_not_raised() -> None:
    deep = parse_tdmrep_json(b"[" * 100_000 + b"]" * 100_000, 200)
    assert not deep.present
    assert _errors(deep) == ["tdmrep.json nests too deeply to be read"]


def test_object_instead_of_array_is_not_applied_and_says_what_was_lost() -> None:
    parsed = _file({"tdm-reservation": 1, "tdm-policy": "https://example.com/legal"})
    assert not parsed.present
    assert parsed.match("/") is None
    assert _errors(parsed) == [
        (
            "tdmrep.json top level is a JSON object, not an array: not a valid tdmrep.json "
            "(its 'tdm-reservation': 1 is therefore not applied)"
        )
    ]


def test_bom_and_text_plain_are_accepted_with_a_note() -> None:
    body = b"\xef\xbb\xbf" + json.dumps([{"location": "/", "tdm-reservation": 0}]).encode()
    parsed = parse_tdmrep_json(body, 200, "text/plain")
    assert parsed.present
    assert [(f.signal, f.value) for f in parsed.findings] == [
        ("note", "tdmrep.json served as text/plain, not application/json (read anyway)")
    ]
    value = parsed.match("/x")
    assert value is not None and value.reservation == 0


def test_empty_array_is_present_with_no_match() -> None:
    parsed = _file([])
    assert parsed.present and parsed.match("/") is None


# --- tdmrep.json: rule values --------------------------------------------------------------


@pytest.mark.parametrize("reservation", ["1", True, "yes", 2, -1, 1.0, None, [1]])
def test_reservation_other_than_number_1_or_0_is_unset_and_an_error(reservation: object) -> None:
    parsed = _file([{"location": "/", "tdm-reservation": reservation}])
    assert parsed.present
    assert parsed.rules[0].reservation is None
    value = parsed.match("/page")
    assert value is not None and value.reservation is None  # the first match is unset, not skipped
    assert len(_errors(parsed)) == 1
    assert "protocol error, unset" in _errors(parsed)[0]


def test_unset_first_match_does_not_fall_through_to_a_later_rule() -> None:
    parsed = _file([{"location": "/", "tdm-reservation": "1"}, {"location": "/", "tdm-reservation": 0}])
    value = parsed.match("/x")
    assert value is not None and value.reservation is None


def test_missing_reservation_names_the_underscore_lookalike() -> None:
    parsed = _file([{"location": "/", "tdm_reservation": 1}])
    assert parsed.rules[0].reservation is None
    assert _errors(parsed) == [
        "rule #0: no tdm-reservation (found 'tdm_reservation', which is not the property name): unset"
    ]


@pytest.mark.parametrize(
    "rule", [{"tdm-reservation": 1}, {"location": 5, "tdm-reservation": 1}, {"location": "", "tdm-reservation": 1}]
)
def test_rule_without_usable_location_matches_nothing(rule: dict[str, object]) -> None:
    parsed = _file([rule, {"location": "/", "tdm-reservation": 0}])
    assert parsed.rules[0].location is None
    assert "matches nothing" in _errors(parsed)[0]
    value = parsed.match("/x")
    assert value is not None and value.reservation == 0


def test_location_that_is_a_full_url_is_flagged_and_never_matches() -> None:
    parsed = _file([{"location": "https://example.com/", "tdm-reservation": 1}])
    assert "does not start with '/'" in _errors(parsed)[0]
    assert parsed.match("https://example.com/") is None


def test_non_object_rule_is_ignored() -> None:
    parsed = _file(["/", {"location": "/", "tdm-reservation": 1}])
    assert "not an object" in _errors(parsed)[0]
    value = parsed.match("/")
    assert value is not None and value.reservation == 1


def test_relative_policy_is_a_protocol_error() -> None:
    parsed = _file([{"location": "/", "tdm-reservation": 1, "tdm-policy": "/policy.json"}])
    assert parsed.rules[0].policy is None
    assert _errors(parsed) == ["rule #0: tdm-policy '/policy.json' is not an absolute URL: invalid, ignored"]


def test_policy_with_reservation_0_is_noted_not_processed() -> None:
    parsed = _file([{"location": "/", "tdm-reservation": 0, "tdm-policy": "https://example.com/p.json"}])
    assert _errors(parsed) == []
    assert [f.value for f in parsed.findings] == ["tdm-policy given with tdm-reservation 0: policy not processed"]
    value = parsed.match("/")
    assert value is not None and value.reservation == 0 and value.policy is None


def test_policy_travels_with_reservation_1() -> None:
    parsed = _file([{"location": "/", "tdm-reservation": 1, "tdm-policy": "https://example.com/p.json"}])
    value = parsed.match("/")
    assert value is not None and value.policy == "https://example.com/p.json"


def test_repeated_and_unknown_properties_are_reported() -> None:
    body = b'[{"location": "/", "tdm-reservation": 0, "tdm-reservation": 1, "scope": "all"}]'
    parsed = parse_tdmrep_json(body, 200)
    assert parsed.rules[0].reservation == 1
    assert [f.value for f in parsed.findings] == [
        "rule #0: repeats 'tdm-reservation'; the last value is used",
        "rule #0: unknown property 'scope' ignored",
    ]


# --- tdmrep.json: matching ---------------------------------------------------------------


def test_first_match_wins_even_when_a_later_rule_is_longer() -> None:
    parsed = _file(
        [
            {"location": "/", "tdm-reservation": 0},
            {"location": "/private/deeper/", "tdm-reservation": 1},
        ]
    )
    value = parsed.match("https://example.com/private/deeper/page")
    assert value is not None and value.reservation == 0
    assert value.evidence.startswith("tdmrep.json rule #0:")


def test_spec_example_with_three_groups() -> None:
    parsed = _file(
        [
            {"location": "/directory-a/", "tdm-reservation": 1},
            {
                "location": "/directory-b/html/",
                "tdm-reservation": 1,
                "tdm-policy": "https://provider.com/policies/policy.json",
            },
            {"location": "/directory-b/images/*.jpg", "tdm-reservation": 0},
        ]
    )
    reservations = {
        path: (value.reservation if (value := parsed.match(path)) else "no match")
        for path in [
            "/directory-a/x.pdf",
            "/directory-b/html/i.html",
            "/directory-b/images/a/b.jpg",
            "/directory-b/images/a.png",
            "/other",
        ]
    }
    assert reservations == {
        "/directory-a/x.pdf": 1,
        "/directory-b/html/i.html": 1,
        "/directory-b/images/a/b.jpg": 0,
        "/directory-b/images/a.png": "no match",
        "/other": "no match",
    }


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("/", "/", True),
        ("/fish", "/fish.html", True),
        ("/fish", "/Fish.html", False),  # case-sensitive
        ("/fish$", "/fish", True),
        ("/fish$", "/fish/", False),
        ("/*.php$", "/folder/index.php", True),
        ("/*.php$", "/index.php?x=1", False),
        ("/*.php", "/index.php?x=1", True),
        ("/a*b*c", "/a-b-c-d", True),
        ("/a*b*c", "/a-c-b", False),
        ("*.jpg", "/x/y.jpg", True),
        ("/*", "/anything", True),
        ("/p$q", "/p$q", True),  # a '$' that is not last is literal
        ("/path/foo-%24", "/path/foo-$", True),  # spec: special characters matched verbatim are %-encoded
        ("/path/foo-$", "/path/foo-$", False),  # ... because a final '$' is the anchor
        ("/star-%2A", "/star-*", True),
        ("/%7Euser/", "/~user/page", True),  # unreserved escapes are decoded before comparison
        ("/~user/", "/%7euser/page", True),
        ("/a%2Fb", "/a/b", False),  # reserved escapes stay escaped
        ("/a%2fb", "/a%2Fb", True),  # ... but hex case is not significant
        ("/café", "/caf%C3%A9", True),
        ("/caf%c3%a9", "/café", True),
    ],
)
def test_pattern_matching(pattern: str, path: str, expected: bool) -> None:
    assert _location_matches(pattern, path) is expected


def _location_matches(location: str, url: str) -> bool:
    return _file([{"location": location, "tdm-reservation": 1}]).match(url) is not None


def _robots_blocks(pattern: str, url: str) -> bool:
    return not parse_robots(f"User-agent: *\nDisallow: {pattern}\n".encode()).verdict(url, "GPTBot").allowed


# (location / Disallow pattern, URL, matches): both files read every row the same way.
AGREEMENT_TABLE = [
    ("/b", "/a/../b", True),  # dot segments are resolved, as the HTTP client sends the request
    ("/a/", "/a/../b", False),
    ("/a/..", "/a/../b", False),
    ("/x/", "https://example.com/y/./../x/z", True),
    ('/"q"', "/%22q%22", True),  # a '"' cannot be sent raw: it is compared as %22
    ("/%22q%22", '/"q"', True),
    ("/a%2Fb", "/a/b", False),  # an escaped slash is not a slash
    ("/a%2fb", "/a%2Fb", True),
    ("/a/b", "/a%2Fb", False),
    ("/café", "/caf%C3%A9", True),  # non-ASCII is compared as UTF-8 escapes
    ("/caf%c3%a9", "https://example.com/café?x=1", True),
    ("/ツ", "/%E3%83%84/", True),
    ("/%7Euser", "/~user/page", True),  # unreserved escapes are decoded
    ("/*.jpg$", "/img/a.jpg", True),
    ("/*.jpg$", "/img/a.jpg?size=2", False),
    ("*.jpg", "/x/y.jpg", True),
    ("/a*b", "/a-x-b", True),
    ("/path/foo-%24", "/path/foo-$", True),  # RFC 9309 2.2.3: '$' in a URL is %24
    ("/path/foo-$", "/path/foo-$", False),  # ... and a final '$' in a pattern is the anchor
    ("/p$q", "/p$q", True),
    ("/star-%2A", "/star-*", True),
    ("/star-%2A", "/star-x", False),
    ("/search?", "/search?", True),
    ("/search$", "/search?", False),
    ("/a b", "/a%20b", True),
    ("/Fish", "/fish", False),  # case-sensitive
]


@pytest.mark.parametrize(("pattern", "url", "expected"), AGREEMENT_TABLE)
def test_tdmrep_and_robots_txt_match_paths_alike(pattern: str, url: str, expected: bool) -> None:
    assert _location_matches(pattern, url) is expected
    assert _robots_blocks(pattern, url) is expected


def test_first_rule_in_array_order_wins_not_the_longest() -> None:
    parsed = _file([{"location": "/", "tdm-reservation": 0}, {"location": "/private/", "tdm-reservation": 1}])
    value = parsed.match("/private/x")
    assert value is not None and value.reservation == 0 and "rule #0" in value.evidence


def test_match_reads_path_and_query_of_a_full_url() -> None:
    parsed = _file([{"location": "/search?q=", "tdm-reservation": 1}])
    assert parsed.match("https://example.com/search?q=x#frag") is not None
    assert parsed.match("https://example.com/search") is None
    assert parsed.match("https://example.com") is None
    assert parsed.match("http://[broken") is None


# --- headers and meta ------------------------------------------------------------------


def test_header_reservation_and_policy() -> None:
    value, findings = tdm_from_headers({"tdm-reservation": ["1"], "tdm-policy": ["https://provider.com/p.json"]})
    assert findings == []
    assert value == TdmValue(
        1, "https://provider.com/p.json", "header", "tdm-reservation: 1 | tdm-policy: https://provider.com/p.json"
    )


def test_no_tdm_headers_is_no_layer() -> None:
    assert tdm_from_headers({"content-type": ["text/html"]}) == (None, [])
    assert tdm_from_meta({}) == (None, [])


def test_header_names_are_case_insensitive_and_values_stripped() -> None:
    value, findings = tdm_from_headers({"TDM-Reservation": [" 0 "]})
    assert value is not None and value.reservation == 0 and findings == []


@pytest.mark.parametrize("raw", ["yes", "true", "01", "1.0", "", "reserved", '"1"'])
def test_header_value_other_than_1_or_0_is_unset_and_an_error(raw: str) -> None:
    value, findings = tdm_from_headers({"tdm-reservation": [raw]})
    assert value is not None and value.reservation is None
    assert [f.signal for f in findings] == ["protocol-error"]


def test_repeated_equal_headers_are_fine_and_folded_ones_are_unfolded() -> None:
    assert tdm_from_headers({"tdm-reservation": ["1", "1"]})[0] == TdmValue(
        1, None, "header", "tdm-reservation: 1 | tdm-reservation: 1"
    )
    value, findings = tdm_from_headers({"tdm-reservation": ["1, 1"]})
    assert value is not None and value.reservation == 1 and findings == []


def test_conflicting_headers_read_as_reserved_and_reported() -> None:
    value, findings = tdm_from_headers({"tdm-reservation": ["0", "1"]})
    assert value is not None and value.reservation == 1
    assert [f.signal for f in findings] == ["conflict"]
    assert findings[0].evidence == "tdm-reservation: 0 | tdm-reservation: 1"


def test_invalid_duplicate_does_not_cancel_a_valid_header() -> None:
    value, findings = tdm_from_headers({"tdm-reservation": ["1", "yes"]})
    assert value is not None and value.reservation == 1
    assert [f.signal for f in findings] == ["protocol-error"]


def test_header_policy_rules() -> None:
    _, relative = tdm_from_headers({"tdm-reservation": ["1"], "tdm-policy": ["policy.json"]})
    assert [f.signal for f in relative] == ["protocol-error"]
    value, zero = tdm_from_headers({"tdm-reservation": ["0"], "tdm-policy": ["https://x.example/p"]})
    assert value is not None and value.policy is None
    assert [(f.signal, f.value) for f in zero] == [
        ("note", "tdm-policy given with tdm-reservation 0: policy not processed")
    ]
    value, alone = tdm_from_headers({"tdm-policy": ["https://x.example/p"]})
    assert value is not None and value.reservation is None
    assert [f.signal for f in alone] == ["note"]


def test_meta_reservation() -> None:
    value, findings = tdm_from_meta(
        {"tdm-reservation": ["1"], "tdm-policy": ["https://provider.com/policies/policy.json"]}
    )
    assert findings == []
    assert value is not None and (value.reservation, value.source) == (1, "meta")
    assert value.evidence.startswith('<meta name="tdm-reservation" content="1">')


def test_meta_does_not_split_on_commas() -> None:
    value, findings = tdm_from_meta({"tdm-reservation": ["1, 1"]})
    assert value is not None and value.reservation is None
    assert [f.signal for f in findings] == ["protocol-error"]


# --- layering --------------------------------------------------------------------------


FILE_1 = TdmValue(1, None, "tdmrep.json", "tdmrep.json rule #0")
FILE_0 = TdmValue(0, None, "tdmrep.json", "tdmrep.json rule #0")
HEADER_0 = TdmValue(0, None, "header", "tdm-reservation: 0")
HEADER_1 = TdmValue(1, None, "header", "tdm-reservation: 1")
HEADER_UNSET = TdmValue(None, None, "header", "tdm-reservation: yes")
META_1 = TdmValue(1, None, "meta", '<meta name="tdm-reservation" content="1">')
META_UNSET = TdmValue(None, None, "meta", '<meta name="tdm-reservation" content="true">')


def test_header_overrides_file_and_the_conflict_is_reported() -> None:
    value, findings = layer_tdm(FILE_1, HEADER_0, None)
    assert value == HEADER_0
    assert [f.signal for f in findings] == ["conflict"]
    assert (
        findings[0].value
        == "header says tdm-reservation 0, tdmrep.json said 1: header wins (TDMRep processing priority)"
    )
    assert findings[0].evidence == "tdmrep.json rule #0 || tdm-reservation: 0"


def test_meta_overrides_header() -> None:
    value, findings = layer_tdm(FILE_0, HEADER_0, META_1)
    assert value == META_1
    assert len(findings) == 1


def test_absent_layers_keep_the_earlier_value() -> None:
    assert layer_tdm(FILE_1, None, None) == (FILE_1, [])
    assert layer_tdm(None, HEADER_0, None) == (HEADER_0, [])
    assert layer_tdm(None, None, None) == (None, [])


def test_invalid_later_layers_keep_the_earlier_value() -> None:
    assert layer_tdm(FILE_1, HEADER_UNSET, META_UNSET) == (FILE_1, [])
    assert layer_tdm(FILE_0, HEADER_1, META_UNSET) == (HEADER_1, layer_tdm(FILE_0, HEADER_1, None)[1])


def test_agreeing_layers_are_not_a_conflict() -> None:
    value, findings = layer_tdm(FILE_1, HEADER_1, META_1)
    assert value == META_1 and findings == []


def test_tdm_finding() -> None:
    assert tdm_finding(HEADER_0).value == "0"
    assert tdm_finding(HEADER_UNSET, agent="GPTBot").value == "unset"
    assert tdm_finding(META_1).source == "meta"


# --- properties ------------------------------------------------------------------------


@settings(deadline=None)
@given(st.binary(), st.one_of(st.none(), st.integers(100, 599)), st.text(max_size=30))
def test_parse_never_raises_on_bytes(body: bytes, status: int | None, content_type: str) -> None:
    parsed = parse_tdmrep_json(body, status, content_type)
    if parsed.present:
        assert status is not None and 200 <= status < 300
        assert body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"[")


_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["location", "tdm-reservation", "tdm-policy", "x"]) | st.text(max_size=5),
            children,
            max_size=4,
        )
    ),
    max_leaves=20,
)


@settings(deadline=None)
@given(_json, st.text(max_size=40))
def test_any_json_document_and_url_are_handled(document: object, url: str) -> None:
    parsed = parse_tdmrep_json(json.dumps(document).encode(), 200, "application/json")
    assert parsed.present == isinstance(document, list)
    value = parsed.match(url)
    assert value is None or value.reservation in (None, 0, 1)


@settings(deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["tdm-reservation", "tdm-policy", "TDM-Reservation", "other"]),
        st.lists(st.text(max_size=12), max_size=3),
    )
)
def test_header_and_meta_readers_never_raise(values: dict[str, list[str]]) -> None:
    for reader in (tdm_from_headers, tdm_from_meta):
        value, _ = reader(values)
        assert value is None or value.reservation in (None, 0, 1)


# --- real tdmrep.json files (read in place) ----------------------------------------------


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not available")
def test_every_corpus_file_parses() -> None:
    files = sorted(CORPUS.glob("*.json"))
    assert len(files) >= 12
    for path in files:
        parsed = parse_tdmrep_json(path.read_bytes(), 200, "application/json")
        assert parsed.present == path.read_text(encoding="utf-8").lstrip().startswith("["), path.name


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not available")
@pytest.mark.parametrize(
    ("name", "present", "reservation", "policy"),
    [
        ("maxlamm.de__tdmrep.json", True, 1, "https://maxlamm.de/ki-vorbehalt/"),
        ("cofob.dev__tdmrep.json", True, 1, None),  # tab-indented
        ("djibe_recommandations-medicales__tdmrep.json", True, 1, None),  # no trailing newline
        ("xlr8harder.github.io__tdmrep.json", True, 0, None),  # "/*" with reservation 0
        ("janpetrlik.com__tdmrep.json", False, None, None),  # object, not array
        ("koji_blog_baxin.pages.dev__tdmrep.json", False, None, None),  # object with underscore keys
        ("maikfigura.de__tdmrep.json", False, None, None),  # invented JSON-LD shape
    ],
)
def test_corpus_verdicts(name: str, present: bool, reservation: int | None, policy: str | None) -> None:
    parsed = parse_tdmrep_json((CORPUS / name).read_bytes(), 200, "application/json")
    assert parsed.present is present
    value = parsed.match("https://example.org/some/article.html")
    if not present:
        assert value is None
        assert len(_errors(parsed)) == 1 and "not an array" in _errors(parsed)[0]
        return
    assert value is not None
    assert (value.reservation, value.policy) == (reservation, policy)


@settings(max_examples=300)
@given(
    pattern=st.text(alphabet='/ab*$%2F."é?~', max_size=8).map(lambda text: "/" + text),
    url=st.text(alphabet='/ab*$%2F."é?~', max_size=10).map(lambda text: "https://example.com/" + text),
)
def test_tdmrep_and_robots_txt_agree_on_any_path(pattern: str, url: str) -> None:
    assert _location_matches(pattern, url) is _robots_blocks(pattern, url)


# --- exact findings, table-driven (rows written against surviving mutants) -------------------
# A finding's kind, source and evidence are what a reader re-checks, so each row states them whole.


def _note(value: str, evidence: str) -> Finding:
    return Finding("note", "tdmrep.json", None, value, evidence)


def _error(value: str, evidence: str) -> Finding:
    return Finding("protocol-error", "tdmrep.json", None, value, evidence)


NOT_FETCHED = "tdmrep.json could not be fetched: treated as not implemented, per spec"
NOT_AN_ARRAY = "top level is a JSON {}, not an array: not a valid tdmrep.json"

FILE_OUTCOMES = [
    # (body, status, content type) -> (present, findings)
    (b"[]", 199, "", False, [_note(NOT_FETCHED, "tdmrep.json (HTTP 199)")]),
    (b"[]", 200, "", True, []),
    (b"[]", 299, "", True, []),
    (b"[]", 300, "", False, [_note(NOT_FETCHED, "tdmrep.json (HTTP 300)")]),
    (b"[]", 399, "", False, [_note(NOT_FETCHED, "tdmrep.json (HTTP 399)")]),
    (b"[]", 400, "", False, []),
    (b"[]", 499, "", False, []),
    (b"[]", 500, "", False, [_note(NOT_FETCHED, "tdmrep.json (HTTP 500)")]),
    (b"", None, "", False, [_note(NOT_FETCHED, "tdmrep.json (no response)")]),
    (
        b"[\xff]",
        200,
        "",
        False,
        [_error("tdmrep.json is not UTF-8 (invalid start byte at byte 1)", "tdmrep.json (HTTP 200)")],
    ),
    (
        b"<div>Not found</div>",
        200,
        "text/html; charset=utf-8; q=1",
        False,
        [
            _error(
                "tdmrep.json answered with an HTML page: not a tdmrep.json",
                "tdmrep.json (HTTP 200): <div>Not found</div>",
            )
        ],
    ),
    (
        b"[NaN]",
        200,
        "",
        False,
        [_error("tdmrep.json is not valid JSON (NaN is not JSON)", "tdmrep.json (HTTP 200): [NaN]")],
    ),
    (
        b"[" * 100_000,
        200,
        "",
        False,
        [_error("tdmrep.json nests too deeply to be read", "tdmrep.json (HTTP 200): " + "[" * 120 + "...")],
    ),
    (
        b'{"TDM_Reservation": 1}',
        200,
        "",
        False,
        [
            _error(
                "tdmrep.json " + NOT_AN_ARRAY.format("object") + " (its 'TDM_Reservation': 1 is therefore not applied)",
                'tdmrep.json (HTTP 200): {"TDM_Reservation": 1}',
            )
        ],
    ),
    (b"null", 200, "", False, [_error("tdmrep.json " + NOT_AN_ARRAY.format("null"), "tdmrep.json (HTTP 200): null")]),
    (
        b"[]",
        200,
        "text/plain; charset=utf-8; q=1",
        True,
        [_note("tdmrep.json served as text/plain, not application/json (read anyway)", "tdmrep.json (HTTP 200)")],
    ),
    (b"[]", 200, "Application/JSON; charset=utf-8", True, []),
    (b"[]", 200, "application/vnd.example+json", True, []),
    # The evidence quotes at most 120 characters of a bad body.
    (
        b"x" * 120,
        200,
        "",
        False,
        [
            _error(
                "tdmrep.json is not valid JSON (Expecting value: line 1 column 1 (char 0))",
                "tdmrep.json (HTTP 200): " + "x" * 120,
            )
        ],
    ),
    (
        b"x" * 121,
        200,
        "",
        False,
        [
            _error(
                "tdmrep.json is not valid JSON (Expecting value: line 1 column 1 (char 0))",
                "tdmrep.json (HTTP 200): " + "x" * 120 + "...",
            )
        ],
    ),
]


@pytest.mark.parametrize(("body", "status", "content_type", "present", "findings"), FILE_OUTCOMES)
def test_file_outcomes_and_their_findings(
    body: bytes, status: int | None, content_type: str, present: bool, findings: list[Finding]
) -> None:
    parsed = parse_tdmrep_json(body, status, content_type)
    assert (parsed.present, parsed.status, parsed.findings) == (present, status, findings)


# One rule after a first rule "/zzz" (so it is rule #1): the rule as read and its findings.
_FIRST = '{"location": "/zzz", "tdm-reservation": 0}'

RULES = [
    # (entry as JSON text) -> (TdmRule fields (location, reservation, policy), finding values)
    ("1", (None, None, None), [("protocol-error", "rule #1: a JSON number, not an object: ignored")]),
    ("1.5", (None, None, None), [("protocol-error", "rule #1: a JSON number, not an object: ignored")]),
    ('"/"', (None, None, None), [("protocol-error", "rule #1: a JSON string, not an object: ignored")]),
    ("[]", (None, None, None), [("protocol-error", "rule #1: a JSON array, not an object: ignored")]),
    ("true", (None, None, None), [("protocol-error", "rule #1: a JSON boolean, not an object: ignored")]),
    ("null", (None, None, None), [("protocol-error", "rule #1: a JSON null, not an object: ignored")]),
    ('{"location": "/"}', ("/", None, None), [("protocol-error", "rule #1: no tdm-reservation: unset")]),
    ('{"tdm-reservation": 1}', (None, 1, None), [("protocol-error", "rule #1: no location: the rule matches nothing")]),
    (
        '{"location": 5, "tdm-reservation": 1}',
        (None, 1, None),
        [("protocol-error", "rule #1: location 5 is not a path pattern: the rule matches nothing")],
    ),
    (
        '{"location": "a", "tdm-reservation": 1}',
        ("a", 1, None),
        [("protocol-error", "rule #1: location 'a' does not start with '/' or '*': it matches no path")],
    ),
    ('{"location": "*.pdf", "tdm-reservation": 1}', ("*.pdf", 1, None), []),
    (
        '{"location": "/", "tdm-reservation": "1"}',
        ("/", None, None),
        [("protocol-error", 'rule #1: tdm-reservation "1" is not the number 1 or 0: protocol error, unset')],
    ),
    (
        '{"location": "/", "tdm-reservation": 0, "tdm-policy": "https://e.com/p"}',
        ("/", 0, "https://e.com/p"),
        [("note", "tdm-policy given with tdm-reservation 0: policy not processed")],
    ),
    (
        '{"location": "/", "tdm-reservation": 1, "tdm-policy": 5}',
        ("/", 1, None),
        [("protocol-error", "rule #1: tdm-policy 5 is not a URL string: ignored")],
    ),
    (
        '{"location": "/", "tdm-reservation": 1, "tdm-policy": " https://e.com/p "}',
        ("/", 1, "https://e.com/p"),
        [],
    ),
    (
        '{"location": "/", "tdm-reservation": 1, "x": 1}',
        ("/", 1, None),
        [("note", "rule #1: unknown property 'x' ignored")],
    ),
    (
        '{"location": "/", "location": "/a", "tdm-reservation": 1}',
        ("/a", 1, None),
        [("protocol-error", "rule #1: repeats 'location'; the last value is used")],
    ),
]
# A policy must be an absolute URL: scheme and host (an unparseable URL is no exception).
RULES += [
    (
        f'{{"location": "/", "tdm-reservation": 1, "tdm-policy": "{policy}"}}',
        ("/", 1, None),
        [("protocol-error", f"rule #1: tdm-policy {policy!r} is not an absolute URL: invalid, ignored")],
    )
    for policy in ["//example.com/p", "https:/p", "/p", "http://[oops"]
]


@pytest.mark.parametrize(("entry", "fields", "findings"), RULES)
def test_rules_as_read_and_their_findings(
    entry: str, fields: tuple[object, ...], findings: list[tuple[str, str]]
) -> None:
    parsed = parse_tdmrep_json(f"[{_FIRST}, {entry}]".encode(), 200)
    rule = parsed.rules[1]
    raw = json.dumps(json.loads(entry), ensure_ascii=False)
    assert (rule.index, rule.raw, (rule.location, rule.reservation, rule.policy)) == (1, raw, fields)
    evidence = f"tdmrep.json rule #1: {raw}"
    assert parsed.findings == [Finding(kind, "tdmrep.json", None, value, evidence) for kind, value in findings]


def test_the_evidence_of_a_match_quotes_the_rule_as_written() -> None:
    parsed = parse_tdmrep_json('[{"location": "/café", "tdm-reservation": 1}]'.encode(), 200)
    value = parsed.match("https://example.com/caf%C3%A9/x")
    assert value == TdmValue(1, None, "tdmrep.json", 'tdmrep.json rule #0: {"location": "/café", "tdm-reservation": 1}')


# Headers and metas: the effective value of the layer and its findings, whole.
_P, _Q, _R = "https://e.com/p", "https://e.com/q", "https://e.com/r"

LAYERS = [
    (
        tdm_from_meta,
        {"tdm-reservation": ["1"], "tdm-policy": [_P]},
        (1, _P, f'<meta name="tdm-reservation" content="1"> | <meta name="tdm-policy" content="{_P}">'),
        [],
    ),
    (
        tdm_from_headers,
        {"TDM-Reservation": [" yes "]},
        (None, None, "tdm-reservation:  yes "),
        [("protocol-error", "tdm-reservation 'yes' is not 1 or 0: protocol error, unset")],
    ),
    (
        tdm_from_headers,
        {"tdm-reservation": ["1", "0"]},
        (1, None, "tdm-reservation: 1 | tdm-reservation: 0"),
        [("conflict", "tdm-reservation given as both 1 and 0 in one response: read as 1 (reserved)")],
    ),
    (tdm_from_headers, {"tdm-reservation": ["1"], "tdm-policy": [_P, _P]}, (1, _P, None), []),
    (
        tdm_from_headers,
        {"tdm-reservation": ["1"], "tdm-policy": [_P, _Q]},
        (1, _P, None),
        [("conflict", "2 different tdm-policy URLs: the first is used")],
    ),
    (
        tdm_from_headers,
        {"tdm-reservation": ["1"], "tdm-policy": [_P, _Q, _P, _R]},
        (1, _P, None),
        [("conflict", "3 different tdm-policy URLs: the first is used")],
    ),
    (
        tdm_from_headers,
        {"tdm-reservation": ["1"], "tdm-policy": ["/p"]},
        (1, None, None),
        [("protocol-error", "tdm-policy '/p' is not an absolute URL: invalid, ignored")],
    ),
    (
        tdm_from_headers,
        {"tdm-policy": [_P]},
        (None, None, f"tdm-policy: {_P}"),
        [("note", "tdm-policy given with no valid tdm-reservation: policy not processed")],
    ),
    (
        tdm_from_meta,
        {"tdm-reservation": ["0"], "tdm-policy": [_P]},
        (0, None, None),
        [("note", "tdm-policy given with tdm-reservation 0: policy not processed")],
    ),
]


@pytest.mark.parametrize(("read", "values", "expected", "findings"), LAYERS)
def test_layer_values_and_findings(
    read: object, values: dict[str, list[str]], expected: tuple[object, ...], findings: list[tuple[str, str]]
) -> None:
    value, found = read(values)  # type: ignore[operator]
    assert value is not None
    source = "meta" if read is tdm_from_meta else "header"
    reservation, policy, evidence = expected
    assert (value.reservation, value.policy, value.source) == (reservation, policy, source)
    if evidence is not None:
        assert value.evidence == evidence
    assert found == [Finding(kind, source, None, text, value.evidence) for kind, text in findings]


def test_a_layer_conflict_is_a_finding_of_the_later_layer() -> None:
    _value, findings = layer_tdm(None, HEADER_0, META_1)
    assert findings == [
        Finding(
            "conflict",
            "meta",
            None,
            "meta says tdm-reservation 1, header said 0: meta wins (TDMRep processing priority)",
            'tdm-reservation: 0 || <meta name="tdm-reservation" content="1">',
        )
    ]


def test_tdm_finding_is_the_whole_statement() -> None:
    assert tdm_finding(HEADER_0, agent="GPTBot") == Finding(
        "tdm-reservation", "header", "GPTBot", "0", HEADER_0.evidence
    )
    assert tdm_finding(META_UNSET) == Finding("tdm-reservation", "meta", None, "unset", META_UNSET.evidence)
