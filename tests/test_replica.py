"""The replica site: real HTTP over 127.0.0.1, checked against what each scenario promises."""

from __future__ import annotations

import gzip
import http.client
import json
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import xml.etree.ElementTree as ET
from pathlib import Path

import lxml.html
import pytest

from noai_check.replica import Replica, ScenarioError, load_scenario, start_replica

REPO = Path(__file__).resolve().parents[1]
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


class Fetched:
    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key.lower() == name.lower()]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def fetch(url: str, method: str = "GET", timeout: float = 5) -> Fetched:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request(method, parts.path + (f"?{parts.query}" if parts.query else ""))
        response = conn.getresponse()
        return Fetched(response.status, response.getheaders(), response.read())
    finally:
        conn.close()


def metas(body: bytes, name: str) -> list[str]:
    """Contents of real ``<meta name=...>`` elements (case-insensitive name), as a parser sees them."""
    tree = lxml.html.fromstring(body)
    return [m.get("content") for m in tree.iter("meta") if (m.get("name") or "").lower() == name]


# start / stop


def test_start_binds_two_free_loopback_ports_and_stop_closes_them() -> None:
    first, second = start_replica(), start_replica()
    try:
        origins = {first.base_url, first.media_url, second.base_url, second.media_url}
        assert len(origins) == 4
        assert all(re.fullmatch(r"http://127\.0\.0\.1:\d+", origin) for origin in origins)
        assert fetch(first.url("/robots.txt")).status == 200
    finally:
        first.stop()
        second.stop()
    first.stop()  # a second stop is harmless
    for origin in (first.base_url, first.media_url):
        with pytest.raises(ConnectionRefusedError):
            fetch(origin + "/robots.txt")


def test_context_manager_stops_the_replica() -> None:
    with start_replica("soundcloud-bom") as running:
        url = running.url("/")
        assert fetch(url).status == 200
    with pytest.raises(ConnectionRefusedError):
        fetch(url)


# site files


def test_robots_txt_models_the_2024_file(replica: Replica) -> None:
    got = fetch(replica.url("/robots.txt"))
    assert got.status == 200
    assert got.header("Content-Type") == ["text/plain; charset=utf-8"]
    lines = got.text.splitlines()
    star = lines.index("User-agent: *")
    assert lines[star + 1] == "Content-Signal: search=yes, ai-train=no"  # inside the * group
    stacked = lines.index("User-agent: anthropic-ai")
    assert lines[stacked + 1 : stacked + 4] == ["User-agent: CCBot", "User-agent: Google-Extended", "Disallow: /"]
    assert f"Sitemap: {replica.base_url}/sitemap.xml" in lines
    assert lines.index(f"Sitemap: {replica.base_url}/sitemap.xml") < lines.index("User-agent: omgili")
    assert not got.body.startswith(b"\xef\xbb\xbf")
    assert fetch(replica.url("/sitemapIndex.xml")).status == 404  # named in robots.txt, stale


def test_tdmrep_json_puts_the_broad_rule_first(replica: Replica) -> None:
    got = fetch(replica.url("/.well-known/tdmrep.json"))
    assert got.status == 200
    assert got.header("Content-Type") == ["application/json"]
    rules = json.loads(got.body)
    assert rules[0] == {"location": "/", "tdm-reservation": 1, "tdm-policy": replica.url("/terms-of-use")}
    assert rules[1] == {"location": "/open-label/", "tdm-reservation": 0}


def test_ai_txt_and_llms_txt(replica: Replica) -> None:
    ai = fetch(replica.url("/ai.txt"))
    assert (ai.status, ai.header("Content-Type")) == (200, ["text/plain; charset=utf-8"])
    assert "Disallow: *.mp3" in ai.text.splitlines()
    llms = fetch(replica.url("/llms.txt"))
    assert (llms.status, llms.header("Content-Type")) == (200, ["text/plain; charset=utf-8"])
    assert llms.text.startswith("# ")
    assert f"({replica.base_url}/terms-of-use)" in llms.text


def test_bom_scenario_starts_robots_txt_with_a_bom() -> None:
    with start_replica("soundcloud-bom") as running:
        body = fetch(running.url("/robots.txt")).body
    assert body.startswith(b"\xef\xbb\xbfUser-agent: GPTBot\n")


def test_robots_503_scenario() -> None:
    with start_replica("soundcloud-robots-503") as running:
        got = fetch(running.url("/robots.txt"))
        assert got.status == 503
        assert got.header("Retry-After") == ["120"]
        assert fetch(running.url("/lofi-harbor/low-tide")).status == 200


# pages


def test_track_page_has_the_soundcloud_shape(replica: Replica) -> None:
    got = fetch(replica.url("/lofi-harbor/low-tide"))
    assert got.status == 200
    assert got.header("Content-Type") == ["text/html; charset=utf-8"]
    assert got.header("Server") == ["am/2"]
    tree = lxml.html.fromstring(got.body)
    props = {m.get("property"): m.get("content") for m in tree.iter("meta") if m.get("property")}
    assert props["og:url"] == replica.url("/lofi-harbor/low-tide")
    assert props["og:type"] == "music.song"
    assert props["twitter:title"] == "Low Tide"  # written property=, not name=, like SoundCloud
    artwork = f"{replica.media_url}/artworks-301000002-t500x500.jpg"
    assert props["og:image"] == artwork
    assert '<noscript><article itemscope itemtype="http://schema.org/MusicRecording">' in got.text
    assert f'<img src="{artwork}"' in got.text
    assert 'href="/lofi-harbor"' in got.text
    blob = re.search(r"window\.__sc_hydration = (\[.*?\]);</script>", got.text)
    assert blob and json.loads(blob.group(1))[1]["data"]["permalink"] == "low-tide"
    assert metas(got.body, "robots") == ["noai, noimageai"]


def test_text_from_the_scenario_is_html_escaped(tmp_path: Path) -> None:
    path = tmp_path / "escape.json"
    path.write_text(
        json.dumps(
            {
                "users": [
                    {
                        "slug": "x",
                        "display_name": 'A <b>"bold"</b> & co',
                        "bio": "</noscript><script>alert(1)</script>",
                        "meta": [{"name": "robots", "content": '"><script>'}],
                    }
                ]
            }
        )
    )
    with start_replica(path) as running:
        got = fetch(running.url("/x"))
    assert "<b>" not in got.text and "alert(1)</script>" not in got.text
    assert "A &lt;b&gt;&quot;bold&quot;&lt;/b&gt; &amp; co" in got.text
    assert metas(got.body, "robots") == ['"><script>']


@pytest.mark.parametrize(
    ("path", "robots"),
    [
        ("/lofi-harbor/fog-horn", ["NoAI"]),
        ("/lofi-harbor/night-ferry", ["NOAI,NoImageAI"]),
        ("/marta-kessler/sketch-no-5", ["noai"]),  # in <body>
        ("/night-shift-collective/dawn-patrol", []),  # only inside an HTML comment
        ("/night-shift-collective/dusk-patrol", []),  # only inside a script string
        ("/lofi-harbor/harbor-lights", []),
    ],
)
def test_robots_metas_are_where_the_scenario_puts_them(replica: Replica, path: str, robots: list[str]) -> None:
    assert metas(fetch(replica.url(path)).body, "robots") == robots


def test_meta_traps_and_body_placement(replica: Replica) -> None:
    in_body = fetch(replica.url("/marta-kessler/sketch-no-5")).text
    assert in_body.index('<meta name="robots" content="noai">') > in_body.index("<body")
    commented = fetch(replica.url("/night-shift-collective/dawn-patrol")).text
    assert '<!-- <meta name="robots" content="noai, noimageai"> -->' in commented
    scripted = fetch(replica.url("/night-shift-collective/dusk-patrol")).text
    assert re.search(r"<script>[^<]*'<meta name=\"robots\" content=\"noai\">'", scripted)
    assert metas(fetch(replica.url("/marta-kessler/sketch-no-3")).body, "gptbot") == ["noai"]


def test_repeated_x_robots_tag_headers_arrive_as_separate_lines(replica: Replica) -> None:
    got = fetch(replica.url("/lofi-harbor/quay-walk"))
    assert got.header("X-Robots-Tag") == ["noindex", "noimageai"]


@pytest.mark.parametrize(
    ("path", "name", "values"),
    [
        ("/marta-kessler", "X-Robots-Tag", ["noai"]),
        ("/marta-kessler/sketch-no-1", "X-Robots-Tag", ["GPTBot: noai, noimageai"]),
        ("/marta-kessler/sketch-no-2", "X-Robots-Tag", ["unavailable_after: 25 Jun 2026 15:00:00 PST, noai"]),
        ("/marta-kessler/sketch-no-4", "X-Robots-Tag", ["noindex, CCBot: noai"]),
        ("/quiet-room/calm-water", "X-Robots-Tag", ["NoAI"]),
        ("/open-label/tdm-zero-noai", "tdm-reservation", ["0"]),
        ("/open-label/meta-over-header", "tdm-reservation", ["1"]),
        ("/open-label/meta-over-header", "tdm-policy", ["{base}/terms-of-use"]),
        ("/open-label", "Content-Usage", ["train-ai=n"]),
        ("/open-label/usage-upper", "Content-Usage", ["Train-AI=n"]),
        ("/open-label/usage-last-wins", "Content-Usage", ["train-ai=y, search=y, train-ai=n"]),
        ("/lofi-harbor/harbor-lights", "X-Robots-Tag", []),
    ],
)
def test_signal_headers(replica: Replica, path: str, name: str, values: list[str]) -> None:
    expanded = [value.replace("{base}", replica.base_url) for value in values]
    assert fetch(replica.url(path)).header(name) == expanded


def test_tdm_metas(replica: Replica) -> None:
    assert metas(fetch(replica.url("/open-label/meta-over-header")).body, "tdm-reservation") == ["0"]
    assert metas(fetch(replica.url("/open-label/bad-tdm-value")).body, "tdm-reservation") == ["true"]


def test_profile_links_tracks_sets_tabs_and_elsewhere(replica: Replica) -> None:
    text = fetch(replica.url("/lofi-harbor")).text
    for href in (
        "/lofi-harbor/harbor-lights",
        "/lofi-harbor/quay-walk",
        "/lofi-harbor/sets/harbor-nights",
        "/lofi-harbor/tracks",
        "/lofi-harbor/likes",
        "/lofi-harbor/followers",
        "https://elsewhere.invalid/x",
        "/discover",
    ):
        assert f'href="{href}"' in text
    for tab in ("tracks", "likes", "followers"):
        assert fetch(replica.url(f"/lofi-harbor/{tab}")).status == 200


def test_set_page_links_to_its_tracks_across_users(replica: Replica) -> None:
    got = fetch(replica.url("/quiet-room/sets/room-tone"))
    assert got.status == 200
    for href in ("/quiet-room/calm-water", "/lofi-harbor/harbor-lights", "/velvet-static/open-signal"):
        assert f'href="{href}"' in got.text
    assert metas(got.body, "robots") == ["noimageai"]


def test_home_links_profiles_tracks_traps_and_reserved_words(replica: Replica) -> None:
    text = fetch(replica.url("/")).text
    for href in (
        "/lofi-harbor",
        "/lofi-harbor/harbor-lights",
        "/loop-a",
        "/discover",
        "/charts/top",
        "/search?q=x",
        "/upload",
        "https://elsewhere.invalid/x",
        "/terms-of-use",
    ):
        assert f'href="{href}"' in text
    for path in ("/discover", "/charts/top", "/search?q=x", "/upload"):
        assert fetch(replica.url(path)).status == 200


def test_terms_of_use_lists_its_clauses(replica: Replica) -> None:
    text = fetch(replica.url("/terms-of-use")).text
    assert text.count('<p id="clause-') == 4
    assert "train" not in text.lower()


def test_redirect_loop(replica: Replica) -> None:
    first = fetch(replica.url("/loop-a"))
    assert (first.status, first.header("Location")) == (302, [replica.url("/loop-b")])
    second = fetch(replica.url("/loop-b"))
    assert (second.status, second.header("Location")) == (302, [replica.url("/loop-a")])


def test_endless_pagination_always_has_a_next_page(replica: Replica) -> None:
    for number in (2, 57, 100_000):
        got = fetch(replica.url(f"/night-shift-collective?page={number}"))
        assert got.status == 200
        assert f'href="/night-shift-collective?page={number + 1}"' in got.text
    assert 'href="/night-shift-collective?page=2"' in fetch(replica.url("/night-shift-collective")).text
    assert "?page=" not in fetch(replica.url("/lofi-harbor?page=2")).text  # other profiles end


@pytest.mark.parametrize(
    ("path", "status", "header", "marker"),
    [
        ("/velvet-static", 403, ("X-DataDome", "protected"), "captcha-delivery.com"),
        ("/velvet-static/static-bloom", 403, ("X-DataDome", "protected"), "captcha-delivery.com"),
        (
            "/night-shift-collective/graveyard-shift",
            200,
            ("CF-Mitigated", "challenge"),
            "<title>Just a moment...</title>",
        ),
        (
            "/night-shift-collective/third-shift",
            403,
            ("Set-Cookie", "_pxhd=cmVwbGljYS1weGhk:replica; Path=/"),
            "px-captcha",
        ),
        ("/night-shift-collective/sets/after-hours", 403, ("Server", "AkamaiGHost"), "Reference&#32;&#35;"),
        ("/night-shift-collective/overtime", 429, ("Retry-After", "60"), "Too Many Requests"),
        ("/night-shift-collective/shift-change", 503, ("Retry-After", "120"), "Service Unavailable"),
    ],
)
def test_bot_walls(replica: Replica, path: str, status: int, header: tuple[str, str], marker: str) -> None:
    got = fetch(replica.url(path))
    assert got.status == status
    assert header[1] in got.header(header[0])
    assert marker in got.text
    assert "__sc_hydration" not in got.text  # the wall replaces the page


def test_datadome_wall_sets_its_cookie(replica: Replica) -> None:
    cookies = fetch(replica.url("/velvet-static")).header("Set-Cookie")
    assert len(cookies) == 1 and cookies[0].startswith("datadome=")


def test_cloudflare_challenge_has_its_own_robots_meta_and_server(replica: Replica) -> None:
    got = fetch(replica.url("/night-shift-collective/graveyard-shift"))
    assert got.header("Server") == ["cloudflare"]
    assert metas(got.body, "robots") == ["noindex,nofollow"]


@pytest.mark.parametrize(
    ("path", "status"), [("/quiet-room/deleted-demo", 404), ("/quiet-room/server-error", 500), ("/no/such/page", 404)]
)
def test_error_pages(replica: Replica, path: str, status: int) -> None:
    got = fetch(replica.url(path))
    assert got.status == status
    assert got.header("Content-Type") == ["text/html; charset=utf-8"]
    assert f"HTTP {status}" in got.text


def test_huge_page_is_over_ten_megabytes(replica: Replica) -> None:
    head = fetch(replica.url("/quiet-room/a-very-long-night"), method="HEAD")
    assert int(head.header("Content-Length")[0]) >= 12 * 1024 * 1024
    got = fetch(replica.url("/quiet-room/a-very-long-night"))
    assert len(got.body) >= 12 * 1024 * 1024
    assert got.text.endswith("</html>\n")
    assert metas(got.body, "robots") == ["noai"]


def test_slow_page_outlasts_a_short_timeout(replica: Replica) -> None:
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        fetch(replica.url("/quiet-room/slow-burn"), timeout=0.3)
    assert time.monotonic() - started < 2


def test_delay_ms_delays_the_answer(tmp_path: Path) -> None:
    path = tmp_path / "slow.json"
    path.write_text(json.dumps({"users": [{"slug": "slow", "display_name": "Slow", "delay_ms": 300}]}))
    with start_replica(path) as running:
        started = time.monotonic()
        assert fetch(running.url("/slow")).status == 200
        assert time.monotonic() - started >= 0.3


# media host


def test_media_host_serves_artwork_with_its_own_headers(replica: Replica) -> None:
    plain = fetch(f"{replica.media_url}/artworks-301000001-t500x500.jpg")
    assert plain.status == 200
    assert plain.header("Content-Type") == ["image/jpeg"]
    assert plain.body.startswith(b"\xff\xd8\xff\xe0") and plain.body.endswith(b"\xff\xd9")
    assert plain.header("X-Robots-Tag") == []
    assert plain.header("X-Cache") == ["Hit from cloudfront"]
    assert fetch(f"{replica.media_url}/artworks-301000002-t500x500.jpg").header("X-Robots-Tag") == ["noai"]
    assert fetch(f"{replica.media_url}/avatars-201000002-t500x500.jpg").header("X-Robots-Tag") == ["noimageai"]
    assert fetch(f"{replica.media_url}/artworks-999-t500x500.jpg").status == 404


def test_pages_point_at_the_media_host(replica: Replica) -> None:
    profile = fetch(replica.url("/marta-kessler")).text
    assert f'<img src="{replica.media_url}/avatars-201000002-t500x500.jpg"' in profile


def test_media_host_has_its_own_robots_txt_and_no_tdmrep(replica: Replica) -> None:
    robots = fetch(f"{replica.media_url}/robots.txt")
    assert robots.status == 200
    assert "User-agent: img2dataset" in robots.text
    assert robots.text != fetch(replica.url("/robots.txt")).text
    assert fetch(f"{replica.media_url}/.well-known/tdmrep.json").status == 404


# sitemaps


def sitemap_locs(xml: bytes) -> list[str]:
    return [loc.text or "" for loc in ET.fromstring(xml).iter(f"{SITEMAP_NS}loc")]


def test_sitemap_index_points_at_gzipped_children(replica: Replica) -> None:
    index = fetch(replica.url("/sitemap.xml"))
    assert index.header("Content-Type") == ["application/xml"]
    children = sitemap_locs(index.body)
    assert children == [replica.url(f"/sitemaps/{name}-1.xml.gz") for name in ("tracks", "users", "broken")]
    tracks = fetch(children[0])
    assert tracks.header("Content-Type") == ["application/gzip"]
    track_urls = sitemap_locs(gzip.decompress(tracks.body))
    scenario = replica.scenario
    listed = [replica.url(f"/{u.slug}/{t.slug}") for u in scenario.users for t in u.tracks if t.in_sitemap]
    assert track_urls == listed + ["http://elsewhere.invalid/someone/borrowed-track"]
    assert replica.url("/quiet-room/deleted-demo") in track_urls  # deleted, still listed
    assert replica.url("/night-shift-collective/dusk-patrol") not in track_urls
    users = sitemap_locs(gzip.decompress(fetch(children[1]).body))
    assert users == [replica.url(f"/{u.slug}") for u in scenario.users]


def test_broken_child_sitemap_is_not_xml(replica: Replica) -> None:
    got = fetch(replica.url("/sitemaps/broken-1.xml.gz"))
    assert got.status == 200
    with pytest.raises(ET.ParseError):
        ET.fromstring(gzip.decompress(got.body))
    assert fetch(replica.url("/sitemaps/tracks-2.xml.gz")).status == 404


# HEAD and content types


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/", "text/html; charset=utf-8"),
        ("/lofi-harbor/quay-walk", "text/html; charset=utf-8"),
        ("/robots.txt", "text/plain; charset=utf-8"),
        ("/.well-known/tdmrep.json", "application/json"),
        ("/sitemap.xml", "application/xml"),
        ("/sitemaps/users-1.xml.gz", "application/gzip"),
        ("/velvet-static", "text/html;charset=utf-8"),
        ("/loop-a", "text/html; charset=utf-8"),
        ("/no-such-user/no-such-track", "text/html; charset=utf-8"),
    ],
)
def test_head_answers_like_get_without_a_body(replica: Replica, path: str, content_type: str) -> None:
    get, head = fetch(replica.url(path)), fetch(replica.url(path), method="HEAD")
    without_date = [(k, v) for k, v in get.headers if k != "Date"]
    assert (head.status, [(k, v) for k, v in head.headers if k != "Date"]) == (get.status, without_date)
    assert head.body == b""
    assert head.header("Content-Length") == [str(len(get.body))]
    assert get.header("Content-Type") == [content_type]


# quiet and fast


def test_quiet_even_when_a_client_hangs_up_mid_body(replica: Replica, capfd: pytest.CaptureFixture[str]) -> None:
    port = int(replica.base_url.rsplit(":", 1)[1])
    for _ in range(3):
        with socket.create_connection(("127.0.0.1", port)) as raw:
            raw.sendall(b"GET /quiet-room/a-very-long-night HTTP/1.1\r\nHost: x\r\n\r\n")
            raw.recv(1024)
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    fetch(replica.url("/"))
    time.sleep(0.2)
    assert capfd.readouterr().err == ""


# scenarios: validation, swapping, generated


def write(tmp_path: Path, data: object, name: str = "bad.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


USER = {"slug": "u", "display_name": "U"}


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ({"users": [{**USER, "colour": "red"}]}, "users[0].colour: unknown key"),
        ({"users": [{**USER, "botwall": "recaptcha"}]}, "users[0].botwall: 'recaptcha' is not one of"),
        ({"users": [{**USER, "tracks": [{"slug": "t"}]}]}, "users[0].tracks[0].title: missing"),
        ({"users": [{**USER, "status": "200"}]}, "users[0].status: expected int"),
        ({"users": [{**USER, "headers": {"X-Robots-Tag": "noai\r\nX-Evil: 1"}}]}, "users[0].headers: bad value"),
        (
            {"users": [{**USER, "meta": [{"name": "robots", "property": "x", "content": "noai"}]}]},
            "users[0].meta[0]: needs exactly one of",
        ),
        (
            {
                "users": [
                    {**USER, "expect": {"page_type": "track", "verifiable": True, "noai": True, "noimageai": False}}
                ]
            },
            "users[0].expect.tdm_reservation: missing",
        ),
        (
            {
                "users": [
                    {
                        **USER,
                        "expect": {
                            "page_type": "track",
                            "verifiable": True,
                            "noai": True,
                            "noimageai": False,
                            "tdm_reservation": 2,
                        },
                    }
                ]
            },
            "users[0].expect.tdm_reservation: must be 1, 0 or null",
        ),
        (
            {"users": [{**USER, "expect": {"page_type": "track", "verifiable": False}}]},
            "users[0].expect.unverifiable_reason_contains: missing",
        ),
        (
            {
                "users": [
                    {
                        **USER,
                        "expect": {
                            "page_type": "track",
                            "verifiable": True,
                            "noai": False,
                            "noimageai": False,
                            "tdm_reservation": None,
                            "agent_directives": {"GPTBot": ["noai"]},
                        },
                    }
                ]
            },
            "users[0].expect.agent_directives.GPTBot",
        ),
        (
            {"users": [{**USER, "sets": [{"slug": "s", "title": "S", "tracks": ["u/missing"]}]}]},
            "users[0].sets[0].tracks: no track 'u/missing'",
        ),
        ({"users": [USER, USER]}, "users[1]: path /u is defined twice"),
        (
            {"users": [{**USER, "tracks": [{"slug": "sets", "title": "S"}]}]},
            "users[0].tracks[0].slug: 'sets' is not a lowercase slug (nor sets)",
        ),
        ({"users": [{**USER, "slug": "Bad Slug"}]}, "users[0].slug: 'Bad Slug' is not a lowercase slug"),
        ({"site": {"robots": {"body": 3}}}, "site.robots.body: expected str or list"),
        ({"pages": [{"path": "/x", "kind": "redirect"}]}, "pages[0].location: missing"),
        ({"generated": {"users": 0, "tracks_per_user": 1}}, "generated.users: must be >= 1"),
        ([1, 2], "(top level): expected an object"),
        ("{not json", "not JSON"),
    ],
)
def test_scenario_errors_name_the_file_and_the_key(tmp_path: Path, data: object, where: str) -> None:
    path = write(tmp_path, data)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert where in message
    assert "\n" not in message


def test_unknown_scenario_name_is_a_one_line_error() -> None:
    with pytest.raises(ScenarioError, match=r"^no-such-site\.json: no such scenario"):
        load_scenario("no-such-site")
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario(Path("/nonexistent/site.json"))


def test_all_packaged_scenarios_load() -> None:
    for name in (
        "soundcloud",
        "soundcloud-v2",
        "soundcloud-bom",
        "soundcloud-robots-503",
        "generated-1k",
        "generated-20k",
    ):
        assert load_scenario(name).name == name


def test_swapping_to_version_2_on_the_same_urls() -> None:
    with start_replica("soundcloud") as running:
        base = running.base_url
        before_robots = fetch(running.url("/robots.txt")).text
        assert "User-agent: GPTBot" in before_robots and "ClaudeBot" not in before_robots
        assert metas(fetch(running.url("/lofi-harbor/harbor-lights")).body, "robots") == []
        assert metas(fetch(running.url("/lofi-harbor/low-tide")).body, "robots") == ["noai, noimageai"]

        running.load("soundcloud-v2")

        assert running.base_url == base and running.scenario.name == "soundcloud-v2"
        after_robots = fetch(running.url("/robots.txt")).text
        assert "User-agent: GPTBot" not in after_robots and "User-agent: ClaudeBot" in after_robots
        assert metas(fetch(running.url("/lofi-harbor/harbor-lights")).body, "robots") == ["noai"]
        assert metas(fetch(running.url("/lofi-harbor/low-tide")).body, "robots") == []
        assert "train generative artificial intelligence" in fetch(running.url("/terms-of-use")).text
        assert running.scenario.expect_for("/lofi-harbor/harbor-lights").noai  # type: ignore[union-attr]

        running.load("soundcloud")
        assert "User-agent: GPTBot" in fetch(running.url("/robots.txt")).text


def test_a_bad_swap_keeps_serving_the_old_scenario(tmp_path: Path) -> None:
    with start_replica("soundcloud-bom") as running:
        with pytest.raises(ScenarioError):
            running.load(write(tmp_path, {"colour": 1}))
        assert running.scenario.name == "soundcloud-bom"
        assert fetch(running.url("/lofi-harbor")).status == 200


def test_generated_20k_sitemaps_list_every_url() -> None:
    with start_replica("generated-20k") as running:
        children = sitemap_locs(fetch(running.url("/sitemap.xml")).body)
        assert children == [
            running.url(p)
            for p in ("/sitemaps/tracks-1.xml.gz", "/sitemaps/tracks-2.xml.gz", "/sitemaps/users-1.xml.gz")
        ]
        tracks: list[str] = []
        for child in children[:2]:
            urls = sitemap_locs(gzip.decompress(fetch(child).body))
            assert len(urls) == 10_000
            tracks += urls
        users = sitemap_locs(gzip.decompress(fetch(children[2]).body))
        assert len(set(tracks)) == 20_000 and len(set(users)) == 1_000
        assert tracks[0] == running.url("/user-00001/track-0001")
        assert tracks[-1] == running.url("/user-01000/track-0020")
        assert users[-1] == running.url("/user-01000")
        assert sum(1 for _ in running.expectations()) == 1 + 1_000 + 20_000


def test_generated_pages_follow_their_numbering() -> None:
    with start_replica("generated-1k") as running:
        profile = fetch(running.url("/user-00002"))
        assert profile.status == 200
        assert profile.text.count('href="/user-00002/track-') == 20
        # the 3rd, 6th, ... track overall carries noai: user 2's track 1 is the 21st
        assert metas(fetch(running.url("/user-00002/track-0001")).body, "robots") == ["noai, noimageai"]
        assert metas(fetch(running.url("/user-00002/track-0002")).body, "robots") == []
        assert metas(fetch(running.url("/user-00001/track-0003")).body, "robots") == ["noai, noimageai"]
        expect = running.scenario.expect_for("/user-00002/track-0001")
        assert expect is not None and expect.noai and expect.page_type == "track"
        assert fetch(running.url("/user-00051")).status == 404
        assert fetch(running.url("/user-00001/track-0021")).status == 404
        urls = sitemap_locs(gzip.decompress(fetch(running.url("/sitemaps/tracks-1.xml.gz")).body))
        assert len(urls) == 1_000


# expectations


def test_every_soundcloud_page_states_its_expectation() -> None:
    scenario = load_scenario("soundcloud")
    for user in scenario.users:
        assert user.page.expect, user.slug
        assert all(track.page.expect for track in user.tracks), user.slug
        assert all(playlist.page.expect for playlist in user.sets), user.slug
    walls = {
        page.botwall
        for user in scenario.users
        for page in [user.page, *(t.page for t in user.tracks), *(s.page for s in user.sets)]
    }
    assert walls >= {"datadome", "cloudflare", "perimeterx", "akamai", "status-429", "status-503"}


def test_expectations_for_the_tricky_pages() -> None:
    scenario = load_scenario("soundcloud")
    scoped = scenario.expect_for("/marta-kessler/sketch-no-1")
    assert scoped and not scoped.noai and scoped.agent_directives == {"gptbot": ["noai", "noimageai"]}
    first_rule = scenario.expect_for("/open-label/free-sample")
    assert first_rule and first_rule.tdm_reservation == 1
    walled = scenario.expect_for("/velvet-static")
    assert walled and not walled.verifiable and walled.unverifiable_reason_contains == "datadome"
    assert scenario.expect_for("/night-shift-collective?page=9") == scenario.expect_for("/night-shift-collective")
    media = scenario.expect_for("/artworks-301000002-t500x500.jpg", host="media")
    assert media and media.noai and media.page_type == "media"
    assert scenario.expect_for("/no-such-page") is None


def test_replica_lists_expectations_by_absolute_url(replica: Replica) -> None:
    expected = dict(replica.expectations())
    assert expected[replica.url("/lofi-harbor/quay-walk")].noimageai
    assert expected[f"{replica.media_url}/artworks-301000002-t500x500.jpg"].noai
    assert expected[replica.url("/search?q=x")].page_type == "other"
    assert expected[replica.url("/open-label/usage-last-wins")].to_json() == {
        "page_type": "track",
        "verifiable": True,
        "unverifiable_reason_contains": None,
        "noai": False,
        "noimageai": False,
        "tdm_reservation": 1,
        "agent_directives": {},
        "content_usage": {"train-ai": "n", "search": "y"},
    }


# command line


def test_module_command_prints_its_urls_serves_and_stops_on_sigterm() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "noai_check.replica", "--scenario", "soundcloud-bom"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.fullmatch(r"replica: (http://127\.0\.0\.1:\d+) \(media (http://127\.0\.0\.1:\d+)\)\n", line)
        assert match, line
        assert fetch(match.group(1) + "/robots.txt").body.startswith(b"\xef\xbb\xbf")
        assert fetch(match.group(2) + "/robots.txt").status == 404
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert process.stderr is not None and process.stderr.read() == ""
    finally:
        process.kill()
        process.communicate()  # reads and closes both pipes: no ResourceWarning


def test_module_command_rejects_a_bad_scenario(tmp_path: Path) -> None:
    path = write(tmp_path, {"users": [{"slug": "u"}]})
    done = subprocess.run(
        [sys.executable, "-m", "noai_check.replica", "--scenario", str(path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == f"replica: {path}: users[0].display_name: missing\n"


@pytest.mark.parametrize("content, message", [
    (b"[" * 100_000 + b"]" * 100_000, "JSON nested too deeply to be a scenario"),
    (bytes(range(256)) * 4, "not a JSON scenario (not UTF-8 text at byte 128)"),
], ids=["deep", "binary"])
def test_a_deep_or_binary_scenario_file_is_one_line(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(ScenarioError, match=re.escape(f"{path}: {message}")):
        load_scenario(path)
    done = subprocess.run([sys.executable, "-m", "noai_check.replica", "--scenario", str(path)],
                          cwd=REPO, capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 2 and done.stderr == f"replica: {path}: {message}\n"
