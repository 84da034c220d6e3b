"""The replica's Jinja environment: the markup of its pages lives in ``templates/``.

Autoescape is on for every template. Plain strings are escaped with ``html.escape`` (through
``finalize``) rather than markupsafe's own escape, because the two spell quotes differently
(``&#x27;`` vs ``&#39;``) and tests pin the replica's exact bytes (hashes, sizes). What a
template must not escape arrives as ``Markup`` from one of the filters below, each saying why.
"""

from __future__ import annotations

import datetime
import json
from functools import cache
from html import escape
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

_EPOCH = datetime.date(2019, 1, 1)


def _finalize(value: Any) -> Any:
    """Escape plain strings the way ``html.escape`` does; ``Markup`` (already safe) passes untouched."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return Markup(escape(value))
    return value


def xml_text(text: str) -> Markup:
    """Sitemap ``<loc>`` text: ``&``, ``<``, ``>`` escaped, quotes left alone (element text, not an attribute)."""
    return Markup(escape(text, quote=False))


def script_json(data: object, compact: bool = True) -> Markup:
    """JSON inside ``<script>``: HTML-escaping would corrupt it; ``\\u003c`` keeps ``</script>`` out instead."""
    separators = (",", ":") if compact else None
    return Markup(json.dumps(data, separators=separators).replace("<", "\\u003c"))


def json_text(data: object) -> str:
    """JSON as plain text, for an attribute value: autoescape then escapes it like any other text."""
    return json.dumps(data)


def hydration_json(data: object) -> Markup:
    """SoundCloud's hydration blob: non-ASCII kept, no ``<``, ``>`` or ``&`` left to end the script."""
    blob = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return Markup(blob.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def published(item_id: int) -> str:
    """A stable, made-up publication time for a track."""
    day = _EPOCH + datetime.timedelta(days=item_id % 1800)
    return f"{day.isoformat()}T{item_id % 24:02d}:{item_id % 60:02d}:00Z"


def duration(item_id: int) -> str:
    return f"PT00H{2 + item_id % 5:02d}M{item_id % 60:02d}S"


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("noai_check.replica", "templates"),
        autoescape=True,
        finalize=_finalize,
        keep_trailing_newline=True,  # pages end with a newline, and tests pin their bytes
        undefined=StrictUndefined,
    )
    env.filters.update(
        xml_text=xml_text, script_json=script_json, json_text=json_text, hydration_json=hydration_json
    )
    env.globals.update(published=published, duration=duration)
    return env


def render(name: str, **context: Any) -> str:
    return environment().get_template(name).render(**context)
