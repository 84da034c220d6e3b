"""report.html: one self-contained page, every crawled string escaped by Jinja's autoescape."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

_ENV = Environment(
    loader=PackageLoader("noai_check", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
)


def render_html(report: dict[str, Any]) -> str:
    return _ENV.get_template("report.html").render(r=report)
