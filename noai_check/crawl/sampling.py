"""The sample: which pages of each page type a crawl judges, from plain data only (no Scrapy).

Each candidate URL gets a rank, the hash of (seed, URL); a wave takes the lowest ranks per page
type, the remaining budget split by the platform's weights, so the same candidates and seed give
the same sample whatever order they were found in.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


def rank(seed: str, url: str) -> str:
    """A URL's place in the sample for ``seed``: lowest first."""
    return hashlib.sha1(f"{seed}\n{url}".encode()).hexdigest()


@dataclass
class Sample:
    """Candidates per page type (canonical URL -> rank), what was scheduled, and every URL already
    scheduled (``seen``: pages and media alike). ``page_types`` is in priority order."""

    page_types: tuple[str, ...]
    weights: Mapping[str, float]
    max_pages: int
    seed: str
    candidates: dict[str, dict[str, str]] = field(default_factory=dict)
    scheduled: dict[str, int] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)

    def rank(self, url: str) -> str:
        return rank(self.seed, url)

    @property
    def pool_limit(self) -> int:
        """Candidates kept per page type: a wave takes at most max_pages, so more are never needed."""
        return max(1000, 10 * self.max_pages)

    def add(self, url: str, page_type: str) -> None:
        """A canonical URL of a content page type, unless already scheduled."""
        if url in self.seen:
            return
        self.candidates.setdefault(page_type, {})[url] = self.rank(url)
        self.trim(page_type)

    def add_ranked(self, page_type: str, ranked: Iterable[tuple[str, str]]) -> None:
        """(rank, URL) pairs already ranked (by ``lowest``, off the reactor)."""
        pool = self.candidates.setdefault(page_type, {})
        for url_rank, url in ranked:
            if url not in self.seen:
                pool[url] = url_rank
        self.trim(page_type)

    def lowest(self, found: Mapping[str, Mapping[str, str]]) -> dict[str, list[tuple[str, str]]]:
        """Per page type, the (rank, URL) pairs ``add_ranked`` would keep of ``found`` (URL -> rank)."""
        # heapq, not sorted(): one sort of 500,000 pairs is a single C call that holds the GIL
        # for seconds, and the crawl's thread would stand still meanwhile.
        limit = 2 * self.pool_limit
        return {t: heapq.nsmallest(limit, ((r, url) for url, r in pool.items())) for t, pool in found.items()}

    def trim(self, page_type: str) -> None:
        """Keep the lowest ranks only: bounded memory, same sample (a wave takes at most max_pages)."""
        pool = self.candidates[page_type]
        if len(pool) > 2 * self.pool_limit:
            keep = sorted(pool.items(), key=lambda item: item[1])[: self.pool_limit]
            self.candidates[page_type] = dict(keep)

    def schedule(self, url: str, page_type: str) -> None:
        """``url`` is to be fetched as ``page_type``: never a candidate again, and counted."""
        self.seen.add(url)
        self.scheduled[page_type] = self.scheduled.get(page_type, 0) + 1

    def release(self) -> None:
        """Forget the candidates and the URLs seen once the crawl is over (counts stay): at 20,000
        pages they are megabytes the report and the history would otherwise be built on top of."""
        self.candidates = {}
        self.seen = set()

    def content_scheduled(self) -> int:
        return sum(self.scheduled.get(t, 0) for t in self.page_types)

    def next_wave(self) -> list[tuple[str, str]]:
        """The next (url, page type) batch: remaining budget split by weight, lowest ranks first.
        The chosen URLs leave the candidates; the caller schedules them."""
        budget = self.max_pages - self.content_scheduled()
        pools = {t: self.candidates.get(t, {}) for t in self.page_types}
        wave: list[tuple[str, str]] = []
        while budget > 0 and any(pools.values()):
            live = [t for t in self.page_types if pools[t]]
            total = sum(self.weights.get(t, 1.0) for t in live)
            shares = {t: max(1, int(budget * self.weights.get(t, 1.0) / total)) for t in live}
            for page_type in live:  # priority order: tracks and profiles first
                take = min(shares[page_type], budget, len(pools[page_type]))
                chosen = sorted(pools[page_type].items(), key=lambda item: item[1])[:take]
                for url, _ in chosen:
                    del pools[page_type][url]
                    wave.append((url, page_type))
                budget -= take
                if budget <= 0:
                    break
        return wave
