"""The sample: reproducible from (site, seed), split across page types with tracks and profiles first."""

from __future__ import annotations

from spiders.soundcloud import SoundCloudSpider


class _Stats:
    def inc_value(self, *_args, **_kwargs):
        pass


def spider(seed: str = "1", max_pages: int = 10) -> SoundCloudSpider:
    made = SoundCloudSpider(base_url="https://soundcloud.test", seed=seed, max_pages=str(max_pages))
    made.crawler = type("C", (), {"stats": _Stats()})()
    return made


URLS = (
    [f"https://soundcloud.test/user{u}/track{t}" for u in range(10) for t in range(10)]
    + [f"https://soundcloud.test/user{u}" for u in range(10)]
    + [f"https://soundcloud.test/user{u}/sets/s{u}" for u in range(10)]
    + ["https://soundcloud.test/discover", "https://soundcloud.test/user1/likes", "https://elsewhere.test/user1"]
)


def wave(s: SoundCloudSpider, urls=URLS) -> list[tuple[str, str]]:
    for url in urls:
        s._add_candidate(url, "test")
    return s.next_wave()


def test_split_by_weight_tracks_first():
    chosen = wave(spider(max_pages=10))
    kinds = [kind for _, kind in chosen]
    assert len(chosen) == 10
    assert kinds.count("track") == 5 and kinds.count("profile") == 3 and kinds.count("set") == 2


def test_same_seed_same_sample_whatever_the_discovery_order():
    assert sorted(wave(spider("a"))) == sorted(wave(spider("a"), list(reversed(URLS))))
    assert sorted(wave(spider("a"))) != sorted(wave(spider("b")))


def test_budget_moves_to_types_that_have_candidates():
    only_tracks = [u for u in URLS if "/track" in u]
    chosen = wave(spider(max_pages=10), only_tracks)
    assert len(chosen) == 10 and {kind for _, kind in chosen} == {"track"}


def test_never_more_than_max_pages_over_waves():
    s = spider(max_pages=7)
    first = wave(s)
    for url, kind in first:
        s.state["seen"].add(url)
        s._count_scheduled(kind)
    assert len(first) == 7 and wave(s) == []


def test_query_and_fragment_do_not_make_a_new_page():
    s = spider(max_pages=50)
    chosen = wave(s, ["https://soundcloud.test/user1?page=2", "https://soundcloud.test/user1#x", "https://soundcloud.test/user1"])
    assert chosen == [("https://soundcloud.test/user1", "profile")]


def _sitemap(urls) -> bytes:
    return ('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + "".join(f"<url><loc>{u}</loc></url>" for u in urls) + "</urlset>").encode()


def test_sitemaps_read_off_the_reactor_sample_as_found_urls_do_whatever_their_order():
    """A sitemap is read in a thread (_read_sitemap) and merged (_add_ranked); in any order and split,
    the sample is the one the URLs themselves give."""
    reference = wave(spider("a", max_pages=12))
    half = len(URLS) // 2
    for parts in ([URLS[:half], URLS[half:]], [URLS[half:], URLS[:half]], [list(reversed(URLS))]):
        s = spider("a", max_pages=12)
        for part in parts:
            _, kept, _ = s._read_sitemap(_sitemap(part))
            for page_type, ranked in kept.items():
                s._add_ranked(page_type, ranked)
        assert sorted(s.next_wave()) == sorted(reference)
