"""Meta tags found by the regex scanner, compared with what a real HTML parser sees."""

import lxml.html
from hypothesis import given, settings
from hypothesis import strategies as st

from noai_check.meta import html_charset, iter_meta_tags, looks_like_html


def names(doc):
    return [(t.name, t.content) for t in iter_meta_tags(doc)]


def test_basic_and_attribute_order():
    doc = '<html><head><meta content="noai" name="ROBOTS"><meta name=GPTBot content=noai></head></html>'
    assert names(doc) == [("robots", "noai"), ("gptbot", "noai")]


def test_skips_comments_scripts_and_raw_text():
    doc = """<head><!-- <meta name="robots" content="noai"> -->
    <script>var s = '<meta name="robots" content="noai">';</script>
    <style>/* <meta name="robots" content="x"> */</style>
    <textarea><meta name="robots" content="y"></textarea>
    <title><meta name="robots" content="z"></title>
    <meta name="robots" content="noimageai"></head>"""
    assert names(doc) == [("robots", "noimageai")]


def test_property_metas_are_not_signals():
    assert names('<meta property="og:title" content="noai"><meta name="robots" content="noai">') == [("robots", "noai")]


def test_uppercase_closing_tags_and_comment_dashes():
    doc = '<SCRIPT>x = "<meta name=robots content=a>"</SCRIPT><!-- a - b -- c --><meta name="robots" content="noai">'
    assert names(doc) == [("robots", "noai")]


def test_quoted_gt_and_entities():
    doc = '<meta name="description" content="a > b &amp; c"><meta name="robots" content="noai">'
    assert names(doc) == [("description", "a > b & c"), ("robots", "noai")]


def test_meta_in_body_and_noscript():
    doc = '<body><noscript><meta name="robots" content="noai"></noscript><meta name="robots" content="noimageai"></body>'
    tags = iter_meta_tags(doc)
    assert [(t.content, t.in_noscript) for t in tags] == [("noai", True), ("noimageai", False)]
    assert "inside <noscript>" in tags[0].evidence


def test_unclosed_script_swallows_the_rest_like_a_browser():
    assert names('<script>x<meta name="robots" content="noai">') == []


def test_first_duplicate_attribute_wins():
    assert names('<meta name="robots" name="gptbot" content="noai">') == [("robots", "noai")]


def test_charset_reports_bad_bytes_and_metas_still_read():
    body = b"<meta name=robots content=noai>\xff\xfe"
    charset, problem = html_charset(body, "text/html; charset=utf-8")
    assert charset == "utf-8" and "not valid utf-8" in problem
    assert [t.content for t in iter_meta_tags(body, charset)] == ["noai"]
    assert html_charset(b"caf\xe9", "text/html; charset=latin-1") == ("latin-1", None)
    assert html_charset(b'<meta charset="bogus-9">', "")[0] == "utf-8"


def test_latin1_and_utf16_pages():
    assert [t.content for t in iter_meta_tags('<meta name="description" content="café">'.encode("latin-1"), "latin-1")] == ["café"]
    utf16 = '<meta name="robots" content="noai">'.encode("utf-16")
    assert [t.content for t in iter_meta_tags(utf16, "utf-16")] == ["noai"]


def test_looks_like_html():
    assert looks_like_html(b"\xef\xbb\xbf  <!DOCTYPE html><html>", "")
    assert looks_like_html(b"User-agent: *", "text/html")
    assert not looks_like_html(b"User-agent: *", "text/plain")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["robots", "GPTBot", "description", "ROBOTS"]), max_size=5),
       st.lists(st.sampled_from(["noai", "noimageai", "noindex", "a>b"]), max_size=5))
def test_agrees_with_lxml_on_generated_heads(meta_names, contents):
    metas = "".join(f'<meta name="{n}" content="{c}">' for n, c in zip(meta_names, contents))
    doc = f"<html><head><title>t</title>{metas}<script>var a='<meta name=robots content=x>'</script></head><body></body></html>"
    tree = lxml.html.fromstring(doc)
    expected = [(m.get("name").lower(), m.get("content")) for m in tree.iter("meta") if m.get("name")]
    assert names(doc) == expected


@given(st.text(max_size=2000))
def test_never_raises(text):
    iter_meta_tags(text)
