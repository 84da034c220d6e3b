"""The metas html5lib's tree has for the same bytes: the reference the regex-free scan is held to."""

from __future__ import annotations

import html5lib

from noai_check.signals.meta_tags import iter_meta_tags

Located = tuple[str | None, str | None, str | None, bool, bool]  # name, http-equiv, content, in <noscript>, in <body>


def reference_metas(document: bytes, encoding: str = "utf-8") -> list[Located]:
    """Every meta with a name or http-equiv in html5lib's tree (scripting off, as lxml reads noscript),
    with where it is; metas inside <template> are not in the document and are left out."""
    root = html5lib.parse(document, treebuilder="etree", namespaceHTMLElements=False, override_encoding=encoding)
    found: list[Located] = []

    def walk(element, in_head: bool, in_noscript: bool) -> None:  # type: ignore[no-untyped-def]
        for child in element:
            tag = child.tag
            if not isinstance(tag, str) or tag == "template":
                continue
            if tag == "meta" and ("name" in child.attrib or "http-equiv" in child.attrib):
                attrs = child.attrib
                found.append((attrs.get("name"), attrs.get("http-equiv"), attrs.get("content"), in_noscript, not in_head))
            walk(child, in_head or tag == "head", in_noscript or tag == "noscript")

    walk(root, False, False)
    return found


def scanned_metas(document: bytes, encoding: str = "utf-8") -> list[Located]:
    """The same list from noai-check's scan."""
    return [
        (t.attrs.get("name"), t.attrs.get("http-equiv"), t.attrs.get("content"), t.in_noscript, t.in_body)
        for t in iter_meta_tags(document, encoding)
    ]
