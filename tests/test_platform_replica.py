"""The replica's per-platform side: items in each platform's look, extra page hosts, a site-wide wall, validation."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from noai_check.replica import ScenarioError, load_scenario, start_replica
from noai_check.replica.platform_pages import LOOKS


def get(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # 127.0.0.1 only
            return response.status, dict(response.headers), response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode("utf-8", "replace")


def test_bandcamp_artists_live_on_their_own_hosts_with_their_own_site_files():
    with start_replica("bandcamp") as replica:
        assert set(replica.hosts) == {"jeanjean", "night-owls"}
        assert len({replica.base_url, replica.media_url, *replica.hosts.values()}) == 4
        artist = replica.hosts["jeanjean"]
        status, _, body = get(artist + "/album/symmetry")
        assert status == 200 and 'name="bc-page-properties"' in body and 'href="/track/coquin"' in body
        assert get(artist + "/robots.txt")[0] == 200 and "GPTBot" in get(artist + "/robots.txt")[2]
        assert get(replica.base_url + "/album/symmetry")[0] == 404  # not on the hub
        assert get(replica.hosts["night-owls"] + "/album/symmetry")[0] == 404  # nor on another artist
        home = get(replica.base_url + "/")[2]
        assert f'href="{artist}/"' in home  # {host:jeanjean} expanded
        assert {url.split("/")[2] for url, _ in replica.expectations()} >= {o.split("/")[2] for o in replica.hosts.values()}


def test_youtube_routes_by_the_query():
    with start_replica("youtube") as replica:
        status, _, body = get(replica.base_url + "/watch?v=aB3dE5fG7hJ")
        assert status == 200 and "ytInitialData" in body and 'rel="canonical" href="' + replica.base_url + '/watch?v=aB3dE5fG7hJ"' in body
        assert get(replica.base_url + "/watch?v=Zx9_Yw8-Vu7")[1].get("X-Robots-Tag") == "GPTBot: noai"
        assert get(replica.base_url + "/watch?v=nosuchvideo")[0] == 404


def test_looks_keep_robots_metas_to_the_scenario():
    with start_replica("deviantart") as replica:
        art = get(replica.base_url + "/pachyderm-ink/art/Cope-145564099")[2]
        assert art.count('name="robots"') == 1 and "noimageai" in art and 'name="application-name" content="DeviantArt"' in art
        image = next(url for url, e in replica.expectations() if e.page_type == "media" and e.noai)
        assert get(image)[1].get("X-Robots-Tag") == "noai"
        terms = get(replica.base_url + "/about/policy/service/")[2]
        assert "DeviantArt" in terms and "SoundCloud" not in terms and 'id="clause-2"' in terms
    with start_replica("flickr") as replica:
        photo = get(replica.base_url + "/photos/harbourlight/53120000001/")[2]
        assert 'rel="canonical" href="/photos/harbourlight/53120000001/"' in photo  # Flickr writes it relative
        assert 'data-dynamic="true"' in photo


def test_a_site_wide_wall_answers_everything_site_files_included():
    with start_replica("deviantart-datadome") as replica:
        for path in ("/robots.txt", "/.well-known/tdmrep.json", "/", "/pachyderm-ink", "/anything"):
            status, headers, body = get(replica.base_url + path)
            assert status == 403 and headers.get("X-DataDome") == "protected" and "captcha-delivery" in body


@pytest.mark.parametrize("name", sorted(LOOKS))
def test_every_look_has_a_scenario_that_loads(name):
    assert load_scenario(name).platform == name


@pytest.mark.parametrize(
    "items, hosts, problem",
    [
        ([{"path": "/x", "template": "art", "host": "nobody"}], [], "is not one of main"),
        ([{"path": "/x", "template": "art"}, {"path": "/x", "template": "art"}], [], "path /x is defined twice"),
        ([{"path": "x", "template": "art"}], [], "must start with /"),
        ([{"path": "/x"}], [], "template: missing"),
        ([{"path": "/x", "template": "art", "expect": {"page_type": "nonsense", "verifiable": True}}], [], "nonsense"),
        ([], ["Bad Host"], "lowercase slug"),
    ],
)
def test_bad_items_are_one_line_errors(tmp_path: Path, items, hosts, problem):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"platform": "deviantart", "hosts": hosts, "items": items}), encoding="utf-8")
    with pytest.raises(ScenarioError, match=problem):
        load_scenario(path)


def test_loading_a_scenario_with_other_hosts_is_refused():
    with start_replica("bandcamp") as replica, pytest.raises(ScenarioError, match="hosts"):
        replica.load("deviantart")
