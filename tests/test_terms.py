"""Terms of service: clauses out of HTML, AI clauses marked, two versions compared."""

from __future__ import annotations

import pytest

from noai_check.history.terms_watch import compare_clauses
from noai_check.signals.terms import ai_terms, clause, extract_clauses


def texts(html: str) -> list[str]:
    return [c.text for c in extract_clauses(html)]


def test_clauses_are_paragraphs_and_list_items_with_whitespace_normalised():
    html = """<html><head><title>T</title><style>p{}</style></head><body>
    <p>First   clause,
       over two lines.</p>
    <ul><li>Item <b>one</b></li><li>Item&nbsp;two</li></ul>
    <div>Loose text in a div<p>Nested paragraph</p>and its tail</div>
    <p>Line one<br>Line two</p>
    <script>var p = "<p>not a clause</p>";</script>
    </body></html>"""
    assert texts(html) == ["First clause, over two lines.", "Item one", "Item two", "Loose text in a div",
                           "Nested paragraph", "and its tail", "Line one", "Line two"]


def test_page_chrome_is_left_out():
    html = """<body><header>Sign in</header><nav><a>Home</a></nav><div role="banner">Logo</div>
    <p>The only clause.</p><aside>Related</aside><footer>(c) 2025</footer><div role="contentinfo">Imprint</div></body>"""
    assert texts(html) == ["The only clause."]


def test_main_or_article_is_preferred_over_the_rest_of_the_page():
    html = """<body><noscript><p>JavaScript is disabled</p></noscript>
    <noscript><article><h1>Terms of Use</h1><p id="c1">Clause one.</p></article></noscript></body>"""
    assert texts(html) == ["Terms of Use", "Clause one."]
    assert texts("<body><p>Outside</p><main><p>Inside</p></main></body>") == ["Inside"]


@pytest.mark.parametrize("html", ["", "   ", "<html></html>", "<!-- only a comment -->"])
def test_empty_pages_have_no_clauses(html):
    assert extract_clauses(html) == []


@pytest.mark.parametrize("text", [
    "Uploads may inform, train, develop or serve as input to artificial intelligence or machine intelligence technologies.",
    "We use machine learning to recommend tracks.",
    "No use of content for generative models.",
    "You may not use the Services for text and data mining.",
    "We reserve TDM rights under Article 4 of the DSM Directive.",
    "You may not scrape the site.",
    "Content may be included in datasets.",
    "Content may be used to train models.",
    "training data for large language models",
    "No use in LLM products.",
    "Neural network processing.",
    "Use of content by AI systems is prohibited.",
    "We train our recommendation algorithms on listening data.",
])
def test_ai_clauses_are_marked(text):
    assert clause(text).ai, text


@pytest.mark.parametrize("text", [
    "We run training sessions for staff.",
    "Calls may be recorded for training purposes.",
    "We offer a training programme for artists.",
    "Our business model may change.",
    "Il y a du pain. Ai-je tort?",  # lower-case "ai" is not AI
    "Please maintain your account details.",  # "ai" inside a word
    "Mining companies may not advertise.",
    "The train leaves at noon.",
])
def test_ordinary_clauses_are_not_ai_clauses(text):
    assert ai_terms(text) == (), text


def c(*texts_: str):
    return [clause(t) for t in texts_]


def test_same_clauses_are_the_same():
    assert compare_clauses(c("A.", "B."), c("A.", "B.")).status == "same"


def test_added_and_removed_clauses():
    result = compare_clauses(c("Alpha clause here.", "Beta clause."), c("Alpha clause here.", "Completely new wording about fees."))
    assert result.status == "changed"
    assert [x.text for x in result.added] == ["Completely new wording about fees."]
    assert [x.text for x in result.removed] == ["Beta clause."]
    assert result.changed == []


def test_a_similar_removed_and_added_pair_is_one_changed_clause():
    old = "You grant us a licence to host, stream and distribute your content on the platform."
    new = "You grant us a licence to host, stream, distribute and promote your content on the platform."
    result = compare_clauses(c("Intro.", old), c("Intro.", new))
    assert result.added == [] and result.removed == []
    [(before, after, ratio)] = result.changed
    assert (before.text, after.text) == (old, new) and ratio >= 0.6


def test_an_ai_clause_added_is_flagged_and_one_that_became_ai_too():
    added = "Content may be used to train artificial intelligence models."
    result = compare_clauses(c("Intro."), c("Intro.", added))
    assert [x.text for x in result.ai_added] == [added]
    became = compare_clauses(c("We may use your content to improve our services."),
                             c("We may use your content to improve our services and machine learning."))
    assert len(became.changed) == 1 and [x.text for x in became.ai_added] == [became.changed[0][1].text]


def test_ai_clause_removed_and_changed():
    rule = "We do not allow third parties to use content for AI training."
    assert [x.text for x in compare_clauses(c("Intro.", rule), c("Intro.")).ai_removed] == [rule]
    loosened = "We do not allow third parties to use content for AI training without a licence."
    result = compare_clauses(c(rule), c(loosened))
    assert len(result.ai_changed) == 1 and result.ai_added == []


def test_duplicate_clauses_are_counted():
    result = compare_clauses(c("Same.", "Same."), c("Same."))
    assert [x.text for x in result.removed] == ["Same."]


@pytest.mark.parametrize("before, after", [(None, ["A."]), (["A."], None), (None, None)])
def test_a_page_that_did_not_load_is_unknown_never_all_clauses_removed(before, after):
    result = compare_clauses(before and c(*before), after and c(*after))
    assert result.status == "unknown" and result.removed == [] and result.added == [] and result.reason


def test_a_page_that_loaded_without_text_is_unknown_too():
    result = compare_clauses(c("A.", "B."), [])
    assert result.status == "unknown" and result.removed == []
