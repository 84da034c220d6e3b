"""A page's own signals: metas and headers together, and bad input that must never raise."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from noai_check.judge.registry import meta_crawler_names
from noai_check.signals.page import analyze_page
from noai_check.signals.response import Fetched, make_headers

CRAWLERS = meta_crawler_names()  # the meta names the judge passes to analyze_page


def page(body: bytes, **headers: str | list[str]) -> Fetched:
    pairs = {"content-type": "text/html; charset=utf-8", **{k.replace("_", "-"): v for k, v in headers.items()}}
    return Fetched("https://example.test/a", 200, make_headers(pairs), body)


def test_meta_and_header_union():
    signals = analyze_page(page(b'<meta name="robots" content="noimageai">', x_robots_tag=["GPTBot: noai", "noai"]), CRAWLERS)
    assert signals.noai and signals.noimageai
    assert signals.directives.per_agent == {"gptbot": ["noai"]}
    assert {f.source for f in signals.findings if f.signal in ("noai", "noimageai")} == {"meta", "x-robots-tag"}


def test_unknown_crawler_named_with_noai_counts_but_other_metas_do_not():
    body = b'<meta name="NewAIBot" content="noai"><meta name="keyboard-shortcuts-preference" content="all"><meta name="google" content="notranslate">'
    assert analyze_page(page(body), CRAWLERS).directives.per_agent == {"newaibot": ["noai"]}


def test_http_equiv_x_robots_tag_is_reported_not_counted():
    signals = analyze_page(page(b'<meta http-equiv="X-Robots-Tag" content="noai">'), CRAWLERS)
    assert not signals.noai
    assert [f.signal for f in signals.findings] == ["ambiguous"]


def test_non_html_body_reads_headers_only():
    signals = analyze_page(Fetched("https://x.test/a.jpg", 200, make_headers({"content-type": "image/jpeg", "x-robots-tag": "noai"}), b'\xff\xd8<meta name="robots" content="noimageai">'), CRAWLERS)
    assert signals.noai and not signals.noimageai and not signals.is_html


def test_content_usage_and_signal_headers():
    signals = analyze_page(page(b"", content_usage="train-ai=n", content_signal="ai-train=no, search=yes"), CRAWLERS)
    assert signals.content_usage[0].prefs == {"train-ai": "n"}
    assert signals.content_signal[0].signals == {"ai-train": False, "search": True}


def test_huge_header_and_binary_body():
    signals = analyze_page(page(bytes(range(256)) * 4000, x_robots_tag="noai, " * 20000), CRAWLERS)
    assert signals.noai


@settings(max_examples=200, deadline=None)
@given(
    body=st.binary(max_size=3000) | st.text(max_size=3000).map(lambda t: t.encode("utf-8", "surrogatepass")),
    headers=st.lists(st.tuples(st.sampled_from(["x-robots-tag", "tdm-reservation", "tdm-policy", "content-usage", "content-signal", "content-type"]), st.text(max_size=80)), max_size=6),
)
def test_analyze_page_never_raises(body, headers):
    analyze_page(Fetched("https://example.test/", 200, make_headers(headers), body), CRAWLERS)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(max_size=8), st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10)), max_size=6),
       st.dictionaries(st.text(max_size=10), st.sampled_from([0, 1, 2]), max_size=8))
def test_encode_record_is_json_dumps_byte_for_byte(rest, agent_choice):
    import json

    from noai_check.crawl.records import encode_record

    verdicts = [{"training": "reserved", "reasons": ["a ü"]}, {"training": "none", "reasons": []}, {"robots_allowed": True}]
    record = {**{k: v for k, v in rest.items() if k != "agents"}, "agents": {t: verdicts[i] for t, i in agent_choice.items()}}
    assert encode_record(record) == json.dumps(record, ensure_ascii=False, sort_keys=True)


NOAI = '<html><head><meta name="robots" content="noai"><meta name="description" content="café"></head></html>'


def _described(signals_page: Fetched) -> tuple[bool, str]:
    """(noai read?, the description meta's content as decoded) for one response."""
    from noai_check.signals.meta_tags import html_charset, iter_meta_tags

    signals = analyze_page(signals_page, CRAWLERS)
    charset, _ = html_charset(signals_page.body, ", ".join(signals_page.header_values("content-type")))
    tags = {t.name: t.content for t in iter_meta_tags(signals_page.body, charset)}
    return signals.noai, tags.get("description", "")


def test_utf16_pages_with_and_without_bom_read_as_browsers_read_them():
    plain = {"content-type": "text/html"}
    assert _described(Fetched("https://x.test/", 200, make_headers(plain), b"\xff\xfe" + NOAI.encode("utf-16-le"))) == (True, "café")
    assert _described(Fetched("https://x.test/", 200, make_headers(plain), b"\xfe\xff" + NOAI.encode("utf-16-be"))) == (True, "café")
    # No BOM: the header says so ("utf-16" is UTF-16LE in the Encoding Standard).
    assert _described(page(NOAI.encode("utf-16-le"), content_type="text/html; charset=utf-16")) == (True, "café")
    assert _described(page(NOAI.encode("utf-16-be"), content_type="text/html; charset=UTF-16BE")) == (True, "café")


def test_bom_then_header_then_meta_decide_the_encoding():
    cp1252 = NOAI.replace("<head>", '<head><meta charset="utf-8">').encode("cp1252")
    assert _described(page(cp1252, content_type="text/html; charset=windows-1252")) == (True, "café")  # header beats meta
    bom = b"\xef\xbb\xbf" + NOAI.encode("utf-8")
    assert _described(page(bom, content_type="text/html; charset=windows-1252")) == (True, "café")  # BOM beats header
    utf16_meta = NOAI.replace("<head>", '<head><meta charset="utf-16">').encode("utf-8")
    assert _described(page(utf16_meta, content_type="text/html")) == (True, "café")  # a meta saying UTF-16 means UTF-8
    ebcdic = NOAI.encode("utf-8")  # cp037 is a Python codec, not a WHATWG label: browsers ignore it
    assert _described(page(ebcdic, content_type="text/html; charset=cp037")) == (True, "café")


def test_charset_labels_follow_the_encoding_standard():
    from noai_check.signals.charset import header_charset, whatwg_encoding

    assert [whatwg_encoding(label) for label in ("latin1", "ISO-8859-1", "unicode-1-1-utf-8", "utf-16", "x-user-defined",
                                                  "sjis", "utf-7", "cp037", "utf-32", "bogus")] == [
        "cp1252", "cp1252", "utf-8", "utf-16-le", "cp1252", "cp932", None, None, None, None]
    assert header_charset(["text/html; charset=utf-8", "text/html"]) == "utf-8"  # same essence keeps the charset
    assert header_charset(["text/html; charset=utf-8", "text/plain"]) is None
    assert header_charset(['text/html; charset="Shift_JIS"']) == "Shift_JIS"


def test_robots_meta_in_body_counts_with_a_finding():
    body = b'<html><head><title>t</title></head><body><p>hi</p><meta name="robots" content="noai"><meta name="GPTBot" content="noimageai"></body>'
    signals = analyze_page(page(body), CRAWLERS)
    assert signals.noai and signals.directives.per_agent == {"gptbot": ["noimageai"]}
    assert [(f.signal, f.source, f.agent) for f in signals.findings if f.signal == "meta-in-body"] == [
        ("meta-in-body", "meta", None), ("meta-in-body", "meta", "gptbot")
    ]
    in_head = analyze_page(page(b'<head><meta name="robots" content="noai"></head><body><p>x</p></body>'), CRAWLERS)
    assert in_head.noai and not [f for f in in_head.findings if f.signal == "meta-in-body"]
    # Text before any head closes the head: the meta after it is in the body, as parsers build it.
    assert [f.signal for f in analyze_page(page(b'Hello<meta name="robots" content="noai">'), CRAWLERS).findings].count("meta-in-body") == 1


def test_semicolon_separated_meta_reads_both_with_a_finding():
    signals = analyze_page(page(b'<meta name="robots" content="noai;noimageai"><meta name="NewAIBot" content="noai;noimageai">'), CRAWLERS)
    assert signals.noai and signals.noimageai and signals.directives.per_agent == {"newaibot": ["noai", "noimageai"]}
    assert [(f.signal, f.source, f.agent) for f in signals.findings if f.signal == "non-standard-syntax"] == [
        ("non-standard-syntax", "meta", None), ("non-standard-syntax", "meta", "newaibot")
    ]
