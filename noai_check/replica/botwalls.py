"""What anti-bot edges send instead of the page: DataDome, Cloudflare, PerimeterX, Akamai, 429, 503.

SoundCloud sits behind DataDome; a crawler that reads a wall's 403 as "4xx, allowed" or a
Cloudflare 200 challenge (which even carries its own robots meta) as the page reports
nonsense. Each wall below has the status, headers and body markers a detector keys on.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from noai_check.replica.model import Headers


def botwall(kind: str, url: str) -> tuple[int, Headers, str]:
    """The wall of ``kind`` (see ``model.BOTWALLS``) for a request to ``url``: status, headers, body."""
    return _WALLS[kind](url)


def _datadome(url: str) -> tuple[int, Headers, str]:
    headers: Headers = (
        ("Content-Type", "text/html;charset=utf-8"),
        ("X-DataDome", "protected"),
        ("X-DD-B", "1"),
        ("Cache-Control", "max-age=0, private, no-cache, no-store, must-revalidate"),
        ("Set-Cookie", "datadome=Rk9vYmFyLXJlcGxpY2EtdG9rZW4~; Max-Age=31536000; Path=/; SameSite=Lax"),
    )
    body = (
        "<html><head><title>soundcloud.com</title>"
        "<style>#cmsg{animation: A 1.5s;}@keyframes A{0%{opacity:0;}99%{opacity:0;}100%{opacity:1;}}</style>"
        '</head><body style="margin:0"><p id="cmsg">Please enable JS and disable any ad blocker</p>'
        "<script data-cfasync=\"false\">var dd={'rt':'c','cid':'AHrlqAAAAAMAreplica','hsh':'7FC6D5',"
        "'t':'fe','s':41234,'e':'replica','host':'geo.captcha-delivery.com'}</script>"
        '<script data-cfasync="false" src="https://ct.captcha-delivery.com/c.js"></script>'
        "</body></html>\n"
    )
    return 403, headers, body


def _cloudflare(url: str) -> tuple[int, Headers, str]:
    # A 200 challenge is the hard case: it looks like success and even carries a robots meta.
    headers: Headers = (
        ("Content-Type", "text/html; charset=UTF-8"),
        ("Server", "cloudflare"),
        ("CF-Mitigated", "challenge"),
        ("CF-Ray", "8a1f0c2b3d4e5f60-AMS"),
        ("Cache-Control", "private, max-age=0, no-store, no-cache, must-revalidate"),
        ("X-Frame-Options", "SAMEORIGIN"),
    )
    body = f"""<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<meta name="robots" content="noindex,nofollow">
<meta name="viewport" content="width=device-width,initial-scale=1"></head>
<body><div class="main-wrapper" role="main"><div class="main-content">
<h1 class="zone-name-title h1">{escape(url)}</h1>
<noscript><div class="h2"><span id="challenge-error-text">Enable JavaScript and cookies to continue</span></div></noscript>
</div></div>
<script>(function(){{window._cf_chl_opt={{cvId: '3',cZone: '127.0.0.1',cType: 'managed'}};
var a=document.createElement('script');a.src='/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1?ray=8a1f0c2b3d4e5f60';
document.getElementsByTagName('head')[0].appendChild(a);}}());</script></body></html>
"""
    return 200, headers, body


def _perimeterx(url: str) -> tuple[int, Headers, str]:
    headers: Headers = (
        ("Content-Type", "text/html; charset=utf-8"),
        ("Cache-Control", "private, no-cache, no-store"),
        ("Set-Cookie", "_pxhd=cmVwbGljYS1weGhk:replica; Path=/"),
    )
    body = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Access to this page has been denied</title></head>
<body>
<div class="px-captcha-error-container">
<div class="px-captcha-error-header">Before we continue...</div>
<div class="px-captcha-error-message">Press &amp; Hold to confirm you are a human (and not a bot).</div>
<div id="px-captcha"></div>
</div>
<script>window._pxAppId='PXr3pl1ca0';window._pxJsClientSrc='/r3pl1ca0/init.js';window._pxFirstPartyEnabled=true;</script>
<script src="https://captcha.px-cdn.net/PXr3pl1ca0/captcha.js?a=c&amp;m=0"></script>
</body></html>
"""
    return 403, headers, body


def _akamai(url: str) -> tuple[int, Headers, str]:
    headers: Headers = (
        ("Content-Type", "text/html"),
        ("Server", "AkamaiGHost"),
        ("Mime-Version", "1.0"),
        ("Cache-Control", "max-age=0, no-cache, no-store"),
        ("Pragma", "no-cache"),
    )
    entity = "".join(f"&#{ord(ch)};" if ch in ":/." else escape(ch) for ch in url)
    body = f"""<HTML><HEAD>
<TITLE>Access Denied</TITLE>
</HEAD><BODY>
<H1>Access Denied</H1>

You don't have permission to access "{entity}" on this server.<P>
Reference&#32;&#35;18&#46;2f1c1002&#46;1715000000&#46;7e3a9b1
</BODY>
</HTML>
"""
    return 403, headers, body


def _status(code: int, reason: str, retry_after: str) -> tuple[int, Headers, str]:
    headers: Headers = (("Content-Type", "text/html; charset=utf-8"), ("Retry-After", retry_after))
    return code, headers, f"<html><head><title>{code} {reason}</title></head><body><h1>{reason}</h1></body></html>\n"


_WALLS: dict[str, Callable[[str], tuple[int, Headers, str]]] = {
    "datadome": _datadome,
    "cloudflare": _cloudflare,
    "perimeterx": _perimeterx,
    "akamai": _akamai,
    "status-429": lambda url: _status(429, "Too Many Requests", "60"),
    "status-503": lambda url: _status(503, "Service Unavailable", "120"),
}
