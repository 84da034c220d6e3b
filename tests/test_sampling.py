"""The sample: reproducible from (site, seed), split across page types with tracks and profiles first."""

from __future__ import annotations

from noai_check.crawl.sampling import Sample, rank
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
        s.discovery.add_candidate(url, "test")
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
        s.sample.schedule(url, kind)
    assert len(first) == 7 and wave(s) == []


def test_query_and_fragment_do_not_make_a_new_page():
    s = spider(max_pages=50)
    chosen = wave(s, ["https://soundcloud.test/user1?page=2", "https://soundcloud.test/user1#x", "https://soundcloud.test/user1"])
    assert chosen == [("https://soundcloud.test/user1", "profile")]


def _sitemap(urls) -> bytes:
    return ('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + "".join(f"<url><loc>{u}</loc></url>" for u in urls) + "</urlset>").encode()


def test_sitemaps_read_off_the_reactor_sample_as_found_urls_do_whatever_their_order():
    """A sitemap is read in a thread (Discovery.read_sitemap) and merged (Sample.add_ranked); in any order and split,
    the sample is the one the URLs themselves give."""
    reference = wave(spider("a", max_pages=12))
    half = len(URLS) // 2
    for parts in ([URLS[:half], URLS[half:]], [URLS[half:], URLS[:half]], [list(reversed(URLS))]):
        s = spider("a", max_pages=12)
        for part in parts:
            _, kept, _ = s.discovery.read_sitemap(_sitemap(part))
            for page_type, ranked in kept.items():
                s.sample.add_ranked(page_type, ranked)
        assert sorted(s.next_wave()) == sorted(reference)


# -- the pure Sample, fed plain data (no spider, no Scrapy) -----------------------------

def _sample(seed: str = "s", max_pages: int = 10) -> Sample:
    return Sample(("track", "profile"), {"track": 3.0, "profile": 1.0}, max_pages, seed)


def _fed(sample: Sample, tracks: int = 50, profiles: int = 50) -> Sample:
    for n in range(tracks):
        sample.add(f"https://x.test/u/t{n}", "track")
    for n in range(profiles):
        sample.add(f"https://x.test/u{n}", "profile")
    return sample


def test_sample_splits_the_budget_by_weight_lowest_rank_first():
    sample = _fed(_sample())
    chosen = sample.next_wave()
    assert [t for _, t in chosen].count("track") == 8 and [t for _, t in chosen].count("profile") == 2  # 7 + 2, then 1 more by weight
    tracks = sorted(sample.candidates["track"].values())
    assert all(rank("s", url) < tracks[0] for url, t in chosen if t == "track")  # the lowest ranks went first


def test_sample_is_the_seeds_alone_and_skips_what_was_scheduled():
    assert _fed(_sample("a")).next_wave() == _fed(_sample("a")).next_wave() != _fed(_sample("b")).next_wave()
    sample = _sample(max_pages=4)
    sample.schedule("https://x.test/u/t1", "track")
    sample.add("https://x.test/u/t1", "track")
    assert sample.candidates.get("track", {}) == {} and sample.content_scheduled() == 1
    _fed(sample)
    assert len(sample.next_wave()) == 3


def test_sample_memory_is_bounded_and_ranked_input_gives_the_same_wave():
    plain = _fed(_sample(max_pages=5), tracks=3000, profiles=0)
    assert len(plain.candidates["track"]) <= 2 * plain.pool_limit
    ranked = _sample(max_pages=5)
    found = {"track": {f"https://x.test/u/t{n}": rank("s", f"https://x.test/u/t{n}") for n in range(3000)}}
    for page_type, pairs in ranked.lowest(found).items():
        ranked.add_ranked(page_type, pairs)
    assert ranked.next_wave() == plain.next_wave()
