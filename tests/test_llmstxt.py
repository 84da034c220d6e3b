from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from noai_check.signals.findings import Finding
from noai_check.signals.llmstxt import LlmsTxt, parse_llms_txt

VALID = b"""# FastHTML

> FastHTML is a python library for server-rendered hypermedia applications.

Important notes:

- It is not compatible with FastAPI syntax.

## Docs

- [Quick start](https://example.com/quickstart.md): an overview
- [HTMX reference](https://example.com/htmx.md "HTMX"): all attributes

## Examples

- [Todo app](https://example.com/todo.py)

## Optional

- [Starlette docs](https://example.com/starlette.md)
"""


def test_valid_llms_txt() -> None:
    parsed = parse_llms_txt(VALID, 200, "text/plain")
    assert parsed.present and parsed.status == 200
    assert parsed.title == "FastHTML"
    assert parsed.summary == "FastHTML is a python library for server-rendered hypermedia applications."
    assert parsed.sections == ["Docs", "Examples", "Optional"]
    assert parsed.links == 4
    assert parsed.findings == [Finding("llms.txt", "llms.txt", None, "present", "llms.txt: '# FastHTML' with 4 links")]


def test_missing_h1_is_present_but_a_protocol_error() -> None:
    parsed = parse_llms_txt(b"## Docs\n- [a](https://a.example/a.md)\n", 200, "text/markdown")
    assert parsed.present and parsed.title is None
    assert [(f.signal, f.value) for f in parsed.findings] == [
        ("llms.txt", "present"),
        ("protocol-error", "llms.txt has no H1 title (required)"),
    ]
    assert parsed.findings[0].evidence == "llms.txt: no H1 title with 1 links"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"<!DOCTYPE html><html><head><title>Not found</title></head><body>404</body></html>", "text/html"),
        (b'  <html lang="en"><div id="root"></div><script src="/app.js"></script></html>', ""),
        (b"<div>Oops, page not found</div>", "text/html; charset=utf-8"),
    ],
)
def test_html_soft_404_with_200_is_not_llms_txt(body: bytes, content_type: str) -> None:
    parsed = parse_llms_txt(body, 200, content_type)
    assert not parsed.present
    assert [f.signal for f in parsed.findings] == ["note"]
    assert "HTML page" in parsed.findings[0].value
    assert not any(f.signal == "llms.txt" for f in parsed.findings)


def test_markdown_served_as_text_html_still_counts() -> None:
    assert parse_llms_txt(VALID, 200, "text/html").present


@pytest.mark.parametrize("status", [None, 301, 403, 404, 500])
def test_non_2xx_is_not_present(status: int | None) -> None:
    assert parse_llms_txt(VALID, status) == LlmsTxt(False, status)


@pytest.mark.parametrize("body", [b"", b"   \n\n", b"Not Found", b"OK"])
def test_empty_or_structureless_200_is_not_counted(body: bytes) -> None:
    parsed = parse_llms_txt(body, 200, "text/plain")
    assert not parsed.present
    assert [f.signal for f in parsed.findings] == ["note"]


def test_code_blocks_images_and_hashtags_are_not_structure() -> None:
    body = b"""# Site
![logo](logo.png)
#notaheading
```markdown
# Not a title
## Not a section
[not a link](x)
```
~~~
## also hidden
~~~
## Real
- [real](https://example.com/r.md)
"""
    parsed = parse_llms_txt(body, 200)
    assert parsed.title == "Site"
    assert parsed.sections == ["Real"]
    assert parsed.links == 1
    assert [f.signal for f in parsed.findings] == ["llms.txt"]


def test_late_and_repeated_h1_are_noted() -> None:
    parsed = parse_llms_txt(b"intro text\n# First\n# Second\n", 200)
    assert parsed.title == "First"
    assert [f.value for f in parsed.findings[1:]] == [
        "llms.txt does not open with its H1",
        "llms.txt has 2 H1 headings; the first is the title",
    ]


def test_bom_and_closing_hashes_and_bad_utf8() -> None:
    parsed = parse_llms_txt("\ufeff# Café ##\n".encode() + b"\xff", 200)
    assert parsed.present and parsed.title == "Café"
    assert parsed.findings[-1].value == "llms.txt is not valid UTF-8 (bad bytes replaced)"


@settings(deadline=None)
@given(st.binary(), st.one_of(st.none(), st.integers(100, 599)), st.sampled_from(["", "text/plain", "text/html"]))
def test_parse_never_raises(body: bytes, status: int | None, content_type: str) -> None:
    parsed = parse_llms_txt(body, status, content_type)
    assert parsed.links >= 0
    assert parsed.present == any(f.signal == "llms.txt" for f in parsed.findings)


@settings(deadline=None)
@given(st.text())
def test_parse_never_raises_on_text(text: str) -> None:
    parse_llms_txt(text.encode("utf-8", "surrogatepass"), 200, "text/markdown")
