"""Which encoding an HTML page is read in, decided as browsers decide it (HTML standard, encoding sniffing).

Order: a byte-order mark, then the ``Content-Type`` charset, then a ``<meta charset>`` in the first
bytes, then UTF-8. Labels are WHATWG Encoding Standard labels: a label browsers do not know (an
EBCDIC codec Python happens to have, UTF-7, UTF-32) is ignored, not obeyed. A meta that says UTF-16
means UTF-8: bytes that spell an ASCII ``<meta>`` cannot be UTF-16.
"""

from __future__ import annotations

import codecs

from w3lib.encoding import html_body_declared_encoding, resolve_encoding

# WHATWG labels Python spells differently or does not know (https://encoding.spec.whatwg.org/#names-and-labels).
_LABELS = {
    "unicode-1-1-utf-8": "utf-8", "unicode11utf8": "utf-8", "unicode20utf8": "utf-8", "x-unicode20utf8": "utf-8",
    "utf-16": "utf-16-le", "utf-16le": "utf-16-le", "csunicode": "utf-16-le", "iso-10646-ucs-2": "utf-16-le",
    "ucs-2": "utf-16-le", "unicode": "utf-16-le", "unicodefeff": "utf-16-le",
    "utf-16be": "utf-16-be", "unicodefffe": "utf-16-be",
    "iso-8859-8-i": "iso8859-8", "csiso88598i": "iso8859-8", "logical": "iso8859-8",
    "x-user-defined": "cp1252", "x-mac-cyrillic": "mac-cyrillic", "x-mac-ukrainian": "mac-cyrillic",
}
# The Python codecs of the WHATWG encodings (w3lib already maps gbk, shift_jis, euc-kr, big5, latin1...).
_WHATWG = frozenset(
    "utf-8 cp866 iso8859-2 iso8859-3 iso8859-4 iso8859-5 iso8859-6 iso8859-7 iso8859-8 iso8859-10 iso8859-13 "
    "iso8859-14 iso8859-15 iso8859-16 koi8-r koi8-u mac-roman cp874 cp1250 cp1251 cp1252 cp1253 cp1254 cp1255 "
    "cp1256 cp1257 cp1258 mac-cyrillic gb18030 gbk big5hkscs euc_jp iso2022_jp cp932 cp949 utf-16-be utf-16-le".split()
)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_BE, "utf-16-be"), (codecs.BOM_UTF16_LE, "utf-16-le"))


def whatwg_encoding(label: str) -> str | None:
    """The Python codec of a WHATWG encoding label, or None when browsers would not know the label."""
    label = label.strip(" \t\n\f\r\"'").lower()
    if label in _LABELS:
        return _LABELS[label]
    codec = resolve_encoding(label) if label else None
    return codec if codec in _WHATWG else None


def header_charset(values: list[str]) -> str | None:
    """The charset label of the ``Content-Type`` header lines, read as Fetch's "extract a MIME type":
    the last MIME type wins, keeping an earlier line's charset when the essence is the same."""
    essence, charset = "", None
    for line in values:
        for value in line.split(","):
            parts = value.split(";")
            kind = parts[0].strip().lower()
            if "/" not in kind:
                continue
            if kind != essence:
                essence, charset = kind, None
            for parameter in parts[1:]:
                name, _, given = parameter.partition("=")
                if name.strip().lower() == "charset" and given.strip(" \t\"'"):
                    charset = given.strip(" \t\"'")
    return charset


def is_ascii_compatible(codec: str) -> bool:
    """True when the page's bytes can be scanned as they are: "<", ">", quotes and ASCII letters
    mean themselves (false for UTF-16 and ISO-2022, whose bytes stand for other characters)."""
    name = codec.lower().replace("_", "-")
    return not name.startswith(("utf-16", "utf16", "utf-32", "utf32", "iso2022", "iso-2022"))


def html_charset(body: bytes, content_type: str | list[str] = "") -> tuple[str, str | None]:
    """The codec an HTML body is read in and a problem note when its bytes do not decode cleanly in it.

    ``content_type`` is the whole header (with its parameters), or every line of it.
    """
    problem = None
    codec = next((name for bom, name in _BOMS if body.startswith(bom)), None)
    if codec is None:
        label = header_charset([content_type] if isinstance(content_type, str) else content_type)
        codec = whatwg_encoding(label) if label else None
        if label and codec is None:
            problem = f"unknown charset {label!r} in Content-Type; ignored"
    if codec is None:
        declared = html_body_declared_encoding(body[:4096])
        codec = _meta_codec(declared) if declared else None
        if declared and codec is None:
            problem = f"unknown charset {declared!r} in <meta>; read as UTF-8"
    codec = codec or "utf-8"
    try:
        body.decode(codec)
    except UnicodeDecodeError as exc:
        problem = f"body is not valid {codec}: {exc.reason} at byte {exc.start}"
    return codec, problem


def _meta_codec(declared: str) -> str | None:
    codec = whatwg_encoding(declared)
    if codec is None and declared.lower().replace("_", "-").startswith(("utf-16", "utf16")):
        return "utf-8"
    return "utf-8" if codec in ("utf-16-le", "utf-16-be") else codec
