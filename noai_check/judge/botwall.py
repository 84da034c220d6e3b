"""Tell a real page from a bot wall, a challenge or an error, so "could not see" never reads as "no tag"."""

from __future__ import annotations

from dataclasses import dataclass

from noai_check.signals.response import Fetched


@dataclass(frozen=True)
class _Vendor:
    """How one anti-bot vendor shows itself: any header, cookie or body marker names it."""

    name: str
    headers: tuple[str, ...]
    cookies: tuple[str, ...]
    markers: tuple[bytes, ...]
    challenge: tuple[bytes, ...]  # only a challenge page has these; real pages may carry the others
    all_markers: bool = False  # True: every body marker must be present (generic words)
    server: str = ""  # a Server header naming the vendor's edge (only telling on an error status)

    def blocks(self, response: Fetched, cookies: str, head: bytes) -> bool:
        """An error status from this vendor: any header, cookie or marker names it."""
        if any(response.header_values(h) for h in self.headers) or any(c in cookies for c in self.cookies):
            return True
        if self.server and any(self.server in v.lower() for v in response.header_values("server")):
            return True
        found = [m in head for m in self.markers]
        return all(found) if self.all_markers else any(found)

    def challenges(self, response: Fetched, head: bytes) -> bool:
        """A 200 that is a challenge, not the page (real pages also set vendor cookies and load its script)."""
        return any(m in head for m in self.challenge) or (
            self.name == "Cloudflare" and "challenge" in " ".join(response.header_values("cf-mitigated")).lower()
        )


_VENDORS = (
    _Vendor("DataDome", ("x-datadome", "x-dd-b"), ("datadome=",), (b"captcha-delivery.com", b"datadome"),
            (b"geo.captcha-delivery.com", b"ct.captcha-delivery.com")),
    _Vendor("Cloudflare", ("cf-mitigated",), ("cf_clearance=",),
            (b"just a moment...", b"/cdn-cgi/challenge-platform/", b"attention required! | cloudflare"),
            (b"<title>just a moment...</title>", b"cf-chl-", b"attention required! | cloudflare"), server="cloudflare"),
    _Vendor("PerimeterX", ("x-px-block",), ("_pxhd=", "_px3="), (b"px-captcha", b"perimeterx", b"_pxappid"),
            (b"px-captcha", b"access to this page has been denied")),
    _Vendor("Akamai", ("akamai-grn",), ("ak_bmsc=",), (b"access denied", b"reference"),
            (b"errors.edgesuite.net",), all_markers=True, server="akamaighost"),
)
_CHALLENGE_MAX_BYTES = 200_000  # challenge pages are small; a real page that mentions a vendor is not one


# Every vendor's challenge markers in one tuple, for the usual case: a 2xx page with none of them.
_CHALLENGE_MARKERS = tuple(m for vendor in _VENDORS for m in vendor.challenge)


def bot_wall_vendor(response: Fetched) -> str | None:
    """The anti-bot vendor behind this response: a challenge page on 2xx, any sign on an error."""
    head = response.body[:20000].lower()
    if response.status is not None and 200 <= response.status < 300:
        if not response.header_values("cf-mitigated") and not any(m in head for m in _CHALLENGE_MARKERS):
            return None  # what each vendor's challenges() would find: nothing
        return next((vendor.name for vendor in _VENDORS if vendor.challenges(response, head)), None)
    cookies = " ".join(response.header_values("set-cookie")).lower()
    return next((vendor.name for vendor in _VENDORS if vendor.blocks(response, cookies, head)), None)


def unverifiable_reason(response: Fetched) -> str | None:
    """Why this response cannot show the page's signals, or None when it is the real page."""
    if response.status is None:
        return response.error or "no response"
    if 200 <= response.status < 300:
        if len(response.body) >= _CHALLENGE_MAX_BYTES:
            return None  # the page itself, whatever it mentions: no need to scan its first 20 KB
        vendor = bot_wall_vendor(response)
        return f"bot wall: {vendor} challenge page (status {response.status})" if vendor else None
    vendor = bot_wall_vendor(response)
    if vendor:
        return f"bot wall: {vendor} (status {response.status})"
    if response.status == 429:
        return "status 429: rate limited"
    if response.status >= 500:
        return f"status {response.status}: server error"
    if response.status in (404, 410):
        return f"status {response.status}: page not found"
    return f"status {response.status}"
