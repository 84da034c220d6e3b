"""The replica's pages come from Jinja templates (noai_check/replica/templates) with autoescape on.

Tests elsewhere pin the replica's exact bytes (hashes, sizes), so escaping must spell quotes the
way ``html.escape`` did before the templates (``&#x27;``, not markupsafe's ``&#39;``), and a
page's own meta tags, placed in a comment or a script, must arrive as the trap they are.
"""

from __future__ import annotations

from importlib.resources import files

from noai_check.replica.model import Link, Meta, Page
from noai_check.replica.pages import Origins, plain_page
from noai_check.replica.templating import environment

ORIGINS = Origins("http://127.0.0.1:1", "http://127.0.0.1:2")
HOSTILE = "It's <b>\"bold\"</b> & co"


def test_every_template_ships_with_the_package_and_compiles() -> None:
    shipped = files("noai_check.replica") / "templates"
    names = environment().list_templates()
    assert {"soundcloud/shell.html", "platform/base.html", "sitemaps/urlset.xml"} <= set(names)
    for name in names:
        assert (shipped / name).is_file()
        environment().get_template(name)


def test_text_is_escaped_as_html_escape_spells_it() -> None:
    page = Page(links=(Link(href="/a?b=1&c='2'", text=HOSTILE),))
    html = plain_page(title=HOSTILE, path="/terms", paragraphs=[HOSTILE], page=page, origins=ORIGINS)
    escaped = "It&#x27;s &lt;b&gt;&quot;bold&quot;&lt;/b&gt; &amp; co"
    assert f"<title>{escaped} | SoundCloud</title>" in html
    assert f'<p id="clause-1">{escaped}</p>' in html
    assert '<li><a href="/a?b=1&amp;c=&#x27;2&#x27;">' in html
    assert "<b>" not in html and "&#39;" not in html


def test_placed_metas_are_markup_not_escaped_twice() -> None:
    metas = (
        Meta("name", "robots", "noai", place="head"),
        Meta("name", "robots", "a--b", place="comment"),
        Meta("name", "robots", "x'y", place="script"),
    )
    html = plain_page(title="T", path="/", paragraphs=[], page=Page(meta=metas), origins=ORIGINS)
    assert '<meta name="robots" content="noai">\n<link rel="canonical"' in html
    assert '<!-- <meta name="robots" content="a- -b"> -->' in html
    assert "window.__sc_headTemplate = '<meta name=\"robots\" content=\"x&#x27;y\">';" in html
