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


def test_a_challenge_page_is_small_and_a_large_page_is_the_page_whatever_it_mentions():
    from noai_check.judge.botwall import _CHALLENGE_MAX_BYTES

    head = b"<html><title>Just a moment...</title>"
    small = head + b" " * (_CHALLENGE_MAX_BYTES - 1 - len(head))
    assert unverifiable_reason(resp(200, small)) == "bot wall: Cloudflare challenge page (status 200)"
    assert unverifiable_reason(resp(200, small + b" ")) is None
    assert unverifiable_reason(resp(403, small + b" ")) == "bot wall: Cloudflare (status 403)"


def test_edges_of_each_status_class():
    assert unverifiable_reason(Fetched("u", None)) == "no response"
    assert unverifiable_reason(resp(300, b"")) == "status 300"
    assert unverifiable_reason(resp(500, b"")) == "status 500: server error"
    assert unverifiable_reason(resp(410, b"")) == "status 410: page not found"
    assert unverifiable_reason(resp(499, b"")) == "status 499"
    # A 3xx is not a 2xx page: any sign of a vendor makes it a wall, not only a challenge's.
    moment = b"<html><title>Just a moment...</title>"
    assert unverifiable_reason(resp(300, moment)) == "bot wall: Cloudflare (status 300)"


def test_only_the_first_20000_bytes_are_scanned_for_a_challenge():
    marker = b"cf-chl-"
    cut = b" " * (20000 - len(marker) + 1) + marker  # its last byte is byte 20,001
    whole = b" " * (20000 - len(marker)) + marker  # its last byte is byte 20,000
    assert unverifiable_reason(resp(200, cut)) is None
    assert unverifiable_reason(resp(200, whole)) == "bot wall: Cloudflare challenge page (status 200)"


def test_an_error_from_a_vendors_edge_is_named_by_its_server_header_alone():
    assert unverifiable_reason(resp(403, b"<html>no</html>", server="cloudflare")) == "bot wall: Cloudflare (status 403)"
    assert unverifiable_reason(resp(403, b"<html>no</html>", server="nginx")) == "status 403"


def test_akamai_needs_both_of_its_generic_words():
    assert unverifiable_reason(resp(403, b"<p>Reference #18.abc</p>")) == "status 403"
    assert unverifiable_reason(resp(403, b"<p>Access denied</p>")) == "status 403"
    assert unverifiable_reason(resp(403, b"<p>Access Denied. Reference #18.abc</p>")) == "bot wall: Akamai (status 403)"


def test_cloudflare_says_challenge_in_a_header_of_a_200():
    assert unverifiable_reason(resp(200, b"<html>ok</html>", cf_mitigated="Challenge")) == (
        "bot wall: Cloudflare challenge page (status 200)"
    )
    assert unverifiable_reason(resp(200, b"<html>ok</html>", cf_mitigated="none")) is None


def test_a_vendors_script_path_names_it_on_an_error_but_is_no_challenge_on_a_2xx():
    script = b'<script src="/cdn-cgi/challenge-platform/scripts/x.js"></script>'
    assert unverifiable_reason(resp(300, script)) == "bot wall: Cloudflare (status 300)"
    assert unverifiable_reason(resp(200, script)) is None
