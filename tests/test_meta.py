"""Meta tags found by the scanner, compared with what real HTML parsers (html5lib, lxml) see."""

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from noai_check.signals.meta_tags import _no_signal_meta, _Scan, html_charset, iter_meta_tags
from noai_check.signals.page import _NOT_AGENTS
from tests.corpus import corpus_or_skip
from tests.html5_reference import reference_metas, scanned_metas


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
    assert html_charset(b"caf\xe9", "text/html; charset=latin-1") == ("cp1252", None)  # WHATWG: latin-1 is windows-1252
    assert html_charset(b'<meta charset="bogus-9">', "")[0] == "utf-8"


def test_latin1_and_utf16_pages():
    assert [t.content for t in iter_meta_tags('<meta name="description" content="café">'.encode("latin-1"), "latin-1")] == ["café"]
    utf16 = '<meta name="robots" content="noai">'.encode("utf-16")
    assert [t.content for t in iter_meta_tags(utf16, "utf-16")] == ["noai"]


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


# Documents that trip a scan which is not a tokenizer. Each is compared with html5lib's tree; the
# second field says whether a robots meta saying noai is really in the document (for the reader).
HOSTILE = [
    (b"<div data-x='<meta name=\"robots\" content=\"noai\">'></div>", False),
    (b'<div data-x="<meta name=robots content=noai>"><meta name=robots content=noimageai>', False),
    (b"<div title=a\"b><meta name=robots content=noai>", True),  # a quote inside an unquoted value opens nothing
    (b"<div title='a>b' <meta name=robots content=noai>>", False),  # "<meta" is an attribute name here
    (b'<a =">"><meta name=robots content=noai>', True),  # "=" starting an attribute is its name: ends at first ">"
    (b'<a href="x"="y>"><meta name=robots content=noai>', True),
    (b"<a href=x=\">\"><meta name=robots content=noai>", True),
    (b"<!--><meta name=robots content=noai>", True),
    (b"<!---><meta name=robots content=noai>", True),
    (b"<!----><meta name=robots content=noai>", True),
    (b"<!-- a --!><meta name=robots content=noai>", True),
    (b"<!--!><meta name=robots content=noai>-->", False),
    (b"<!-- --!-><meta name=robots content=noai>", False),
    (b"<!-- unterminated <meta name=robots content=noai>", False),
    (b"<!x><meta name=robots content=noai>", True),
    (b"<?php echo 1 ?><meta name=robots content=noai>", True),
    (b"</ x><meta name=robots content=noai>", True),
    (b"<![CDATA[<meta name=robots content=noai>]]>", False),
    (b"<![CDATA[ a > <meta name=robots content=noai> ]]>", True),  # a bogus comment up to the first ">"
    (b"<svg><![CDATA[ a > <meta name=robots content=noai> ]]></svg>", False),  # a real CDATA section
    (b"<svg><![cdata[ a > <meta name=robots content=noai> ]]></svg>", True),  # case-sensitive there
    (b"<xmp><meta name=robots content=noai></xmp>", False),
    (b"<noembed><meta name=robots content=noai></noembed>", False),
    (b"<noframes><meta name=robots content=noai></noframes>", False),
    (b"<iframe><meta name=robots content=noai></iframe>", False),
    (b"<textarea><meta name=robots content=noai></textarea>", False),
    (b"<title><meta name=robots content=noai></title>", False),
    (b"<style>p{}</style x='>'><meta name=robots content=noai>", True),  # an end tag's quoted attribute
    (b"<plaintext></plaintext><meta name=robots content=noai>", False),
    (b"<script></script ><meta name=robots content=noai>", True),
    (b"<script></script/><meta name=robots content=noai>", True),
    (b"<script></scriptx><meta name=robots content=noai></script>", False),
    (b"<SCRIPT>x</SCRIPT><META NAME=ROBOTS CONTENT=NOAI>", True),
    (b"<script><!--<script></script><meta name=robots content=noai></script>", False),
    (b"<script><!--<script>--></script><meta name=robots content=noai>", True),
    (b"<script><!--</script><meta name=robots content=noai>", True),
    (b"<script><!-->x</script><meta name=robots content=noai>", True),
    (b"<script>unterminated <meta name=robots content=noai>", False),
    (b"<template><meta name=robots content=noai></template>", False),
    (b"<body><template><template></template><meta name=robots content=noai></template>", False),
    (b"<svg><style><meta name=robots content=noai></style></svg>", True),  # SVG <style> is not raw text; meta breaks out
    (b"<svg><desc><style><meta name=robots content=noai></style></desc></svg>", False),
    (b"<math><mi><textarea><meta name=robots content=noai></textarea></mi></math>", False),
    (b"<svg><title><meta name=robots content=noai></title></svg>", True),
    (b"<svg><font color=red><meta name=robots content=noai></font></svg>", True),
    (b"<meta name=robots content=noai", False),  # a tag cut by the end of the page is dropped
    (b'<meta name=robots content="noai', False),
    (b"<meta name=robots content='noai>", False),
    (b"<meta", False),
    (b'<meta/name="robots"/content="noai"/>', True),
    (b"<meta/name=robots/content=noai>", False),  # one unquoted value: "robots/content=noai"
    (b"<meta\x00 name=robots content=noai>", False),  # the tag name is "meta\\ufffd"
    (b"<meta name=ro\x00bots content=\"no\x00ai\">", False),
    (b"\x00<meta name=robots content=noai>", True),
    (b"<meta name=robots content=\"a&amp;b&ampx&amp=&#x41;&notit;&#0;\">", False),
    (b"<meta name=robots content=\"a\r\nb\rc\">", False),
    (b"<meta name=robots name=googlebot content=noai content=none>", True),
    (b"<noscript><noscript><meta name=robots content=noai></noscript></noscript>", True),
    (b"<head><noscript><meta name=robots content=noai></noscript></head>", True),
    (b"<head><noscript><div><meta name=robots content=noai></noscript>", True),
    (b"<head><noscript><title>t</title><meta name=robots content=noai>", True),
    (b"</head><meta name=robots content=noai><body>", True),
    (b"<p>x</p><meta name=robots content=noai>", True),
    (b"<html><head><title>a</title></head><body></body></html><meta name=robots content=noai>", True),
    (b"<!doctype html \"><meta name=robots content=noai>\">", True),
    (b"<head></head><frameset><meta name=robots content=noai></frameset><meta name=robots content=noai>", False),
    (b"<frameset><noframes><meta name=robots content=noai></noframes></frameset>", False),
    (b"<div>\xff\xfe<meta name=robots content=noai>", True),
]


@pytest.mark.parametrize(("document", "noai"), HOSTILE, ids=[repr(d)[2:42] for d, _ in HOSTILE])
def test_hostile_documents_read_as_html5lib_reads_them(document, noai):
    assert scanned_metas(document) == reference_metas(document)
    assert any(t.name == "robots" and "noai" in t.content.lower().split(",") for t in iter_meta_tags(document)) == noai


def test_template_in_head_keeps_the_head_open_as_the_standard_says():
    """html5lib 1.1 closes the head at <template>; browsers (and the HTML standard) do not."""
    doc = b"<head><template><meta name=robots content=noimageai></template><meta name=robots content=noai></head>"
    assert [(t.content, t.in_body) for t in iter_meta_tags(doc)] == [("noai", False)]


def test_meta_locations():
    doc = b"<head><meta name=robots content=a><noscript><meta name=robots content=b></noscript></head><body><meta name=robots content=c>"
    assert [(t.content, t.in_noscript, t.in_body) for t in iter_meta_tags(doc)] == [
        ("a", False, False), ("b", True, False), ("c", False, True)
    ]


# Pieces a random document is built from: every trick above, cut into parts that can land anywhere.
FRAGMENTS = [
    b"<meta name=robots content=noai>", b'<meta name="robots" content="noimageai">', b"<meta http-equiv='X-Robots-Tag' content=noai>",
    b"<meta property=og:x content=y>", b"<META NAME=GPTBot CONTENT=noai/>", b"<meta", b" name=robots", b" content=noai", b">",
    b"<head>", b"</head>", b"<body>", b"</body>", b"<html>", b"</html>", b"x", b" ", b"\n", b"\r\n",
    b"<!--", b"-->", b"--!>", b"<!-->", b"<!--->", b"<!---->", b"<!doctype html>", b"<![CDATA[", b"]]>", b"<?php ", b"<", b"</", b"</ x>",
    b"<script>", b"</script>", b"</script >", b"<SCRIPT type=a>", b"<!--<script>", b"<style>", b"</style>", b"<title>", b"</title>",
    b"<textarea>", b"</textarea>", b"<xmp>", b"</xmp>", b"<iframe>", b"</iframe>", b"<noembed>", b"</noembed>", b"<noframes>",
    b"</noframes>", b"<noscript>", b"</noscript>", b"<template>", b"</template>", b"<plaintext>", b"<svg>", b"</svg>", b"<math>",
    b"</math>", b"<desc>", b"</desc>", b"<mi>", b"</mi>", b"<foreignObject>", b"</foreignObject>", b"<div>", b"</div>", b"<p>",
    b"<span>", b"</span>", b'<a href="', b'"', b"'", b"<div title='", b"=", b"<img src=x>", b"<link rel=x>", b"<base href=/>",
    b"\x00", b"&amp;", b'<div data-x="<meta name=robots content=noai>">', b"<br/>", b"</br>", b"<font color=red>", b"<svg/>",
    b"<path/>", b"<g>", b"</g>", b"\xff",
]


def _is_subsequence(part: list, whole: list) -> bool:
    rest = iter(whole)
    return all(item in rest for item in part)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=16).map(b"".join))
def test_random_documents_read_as_html5lib_reads_them(document):
    """Same metas, same contents, same head/body placement. Whether a meta is inside <noscript> is
    compared on the hostile list and the corpus only: a random '<p><noscript><div>' closes the
    <noscript> by implied end tags, which the scan does not model (it only annotates evidence)."""
    ours = [(name, equiv, content, in_body) for name, equiv, content, _, in_body in scanned_metas(document)]
    reference = [(name, equiv, content, in_body) for name, equiv, content, _, in_body in reference_metas(document)]
    if b"<template" in document.lower():
        # html5lib 1.1 misplaces <template> (closes the head at it; lets '<p>' inside it close an outer
        # <p> with the template): the scan follows the standard, so it may only leave out more metas.
        assert _is_subsequence([m[:3] for m in ours], [m[:3] for m in reference])
    else:
        assert ours == reference


UNUSED = frozenset({"description", "viewport", "theme-color"})
NAMED = [
    b'<meta name="description" content="noai">', b"<meta content=noai name=Description>", b"<meta name='viewport'>",
    b'<meta name="description" http-equiv="X-Robots-Tag" content="noai">', b"<meta name=robots name=description content=noai>",
    b"<meta name=description name=robots content=noai>", b'<meta name=" description" content=x>', b"<meta name=descr&#105;ption>",
    b"<meta name=theme-color/>", b"<meta name=theme-colorx>", b"<meta xname=description name=robots content=noai>",
    b'<meta data-name="description" name="GPTBot" content="noai">', b"<meta name=description",
]


def _kept_when_unused(document: bytes) -> None:
    """Leaving out metas by name only ever drops metas with that name and no http-equiv, order kept."""
    pruned = iter_meta_tags(document, "utf-8", UNUSED)
    kept = 0
    for tag in iter_meta_tags(document):
        if kept < len(pruned) and tag == pruned[kept]:
            kept += 1
        else:
            assert _dropped(tag), tag
    assert kept == len(pruned)


def _dropped(tag) -> bool:  # type: ignore[no-untyped-def]
    return tag.name in UNUSED and "http-equiv" not in tag.attrs


def test_unused_names_drop_only_those_metas():
    doc = b"".join(NAMED)
    kept = [(t.attrs.get("name"), t.http_equiv) for t in iter_meta_tags(doc, "utf-8", UNUSED)]
    assert ("description", "x-robots-tag") in kept and ("robots", "") in kept and ("GPTBot", "") in kept
    assert ("Description", "") not in kept and ("viewport", "") not in kept
    for document, _ in HOSTILE:
        _kept_when_unused(document)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS + NAMED), min_size=1, max_size=16).map(b"".join))
def test_unused_names_never_drop_another_meta(document):
    _kept_when_unused(document)


# -- the quick pre-check: a page whose metas are all nameless or unused is not scanned ----------


def _full_scan(document: bytes, unused: frozenset[str] = frozenset()) -> list:  # type: ignore[type-arg]
    return _Scan(document, "utf-8", unused).run()


def _same_as_full_scan(document: bytes) -> None:
    """Without unused names the pre-check changes nothing; with them it may only leave out tags
    the caller said it will not read (a description meta inside a head's <noscript>)."""
    assert iter_meta_tags(document) == _full_scan(document)
    fast, full = iter_meta_tags(document, "utf-8", UNUSED), _full_scan(document, UNUSED)
    assert fast == full or (fast == [] and all(_dropped(tag) for tag in full)), (fast, full)


def test_precheck_skips_pages_of_ordinary_metas_only():
    ordinary = b"<head><meta charset=utf-8><meta property=og:title content=x><meta name=description content=y></head>"
    assert _no_signal_meta(ordinary.lower(), UNUSED)
    assert not _no_signal_meta(ordinary.lower(), frozenset())  # description is read unless the caller says otherwise
    for hidden in (b"<!-- <meta name=robots content=noai> -->", b"<script>'<meta name=robots>'</script>"):
        assert not _no_signal_meta(ordinary + hidden, UNUSED)  # a candidate anywhere: the exact scan decides
        assert iter_meta_tags(ordinary + hidden, "utf-8", UNUSED) == []
    signal = ordinary + b"<meta name=robots content=noai>"
    assert [t.content for t in iter_meta_tags(signal, "utf-8", UNUSED)] == ["noai"]
    for document, _ in HOSTILE:
        _same_as_full_scan(document)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS + NAMED), min_size=1, max_size=16).map(b"".join))
def test_precheck_agrees_with_the_full_scan(document):
    _same_as_full_scan(document)


@pytest.mark.corpus
def test_precheck_agrees_with_the_full_scan_on_every_corpus_page():
    pages = sorted(corpus_or_skip("html").glob("*.html"))
    for page in pages:
        document = page.read_bytes()
        assert iter_meta_tags(document) == _full_scan(document), page.name
        assert iter_meta_tags(document, "utf-8", _NOT_AGENTS) == _full_scan(document, _NOT_AGENTS), page.name
