from noai_check.judge.botwall import unverifiable_reason
from noai_check.signals.response import Fetched, make_headers


def resp(status, body=b"<html>ok</html>", **headers):
    return Fetched("https://x.test/a", status, make_headers({k.replace("_", "-"): v for k, v in headers.items()}), body)


def test_real_page_is_verifiable_even_with_vendor_cookie_and_script():
    body = b"<html><script src='https://js.datadome.co/tags.js'></script><meta name=robots content=noai></html>"
    assert unverifiable_reason(resp(200, body, set_cookie="datadome=abc; Path=/")) is None


def test_datadome_403():
    assert unverifiable_reason(resp(403, b"<html>blocked</html>", x_datadome="protected")) == "bot wall: DataDome (status 403)"


def test_cloudflare_challenge_on_200():
    body = b"<!DOCTYPE html><html><head><title>Just a moment...</title></head></html>"
    assert unverifiable_reason(resp(200, body, server="cloudflare")).startswith("bot wall: Cloudflare challenge page")


def test_perimeterx_and_akamai():
    assert "PerimeterX" in unverifiable_reason(resp(403, b'<div id="px-captcha"></div>'))
    assert "Akamai" in unverifiable_reason(resp(403, b"<H1>Access Denied</H1> Reference #18.abc"))


def test_statuses():
    assert unverifiable_reason(resp(429, b"")) == "status 429: rate limited"
    assert unverifiable_reason(resp(503, b"")) == "status 503: server error"
    assert unverifiable_reason(resp(404, b"")) == "status 404: page not found"
    assert unverifiable_reason(Fetched("u", None, error="timeout: 30s")) == "timeout: 30s"


def test_akamai_by_server_header_with_entity_encoded_reference():
    body = b"<H1>Access Denied</H1> Reference&#32;&#35;18&#46;2f1c"
    assert unverifiable_reason(resp(403, body, server="AkamaiGHost")) == "bot wall: Akamai (status 403)"
    # The same edge serving the real page is not a wall.
    assert unverifiable_reason(resp(200, b"<html>track</html>", server="AkamaiGHost")) is None
