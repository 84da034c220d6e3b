"""The Redis-shared domain list (noai_check.crawl.shared_list) against a real redis-server."""

from __future__ import annotations

import threading
import time

import pytest

from noai_check.crawl.shared_list import SharedList
from noai_check.errors import NoaiCheckError
from tests.redis_server import RedisServer, free_port

DOMAINS = [(1, "a.example"), (2, "b.example"), (3, "c.example"), (None, "d.example")]


def shared(server: RedisServer, lease: float = 60.0, name: str = "top") -> SharedList:
    return SharedList.connect(server.url, name, lease_seconds=lease)


def test_enqueue_is_idempotent_and_keeps_list_order(redis_server: RedisServer) -> None:
    queue = shared(redis_server)
    assert not queue.is_enqueued()
    assert queue.enqueue(iter(DOMAINS), batch=3) == 4
    assert queue.enqueue(iter(DOMAINS + [(9, "a.example")]), batch=2) == 0  # a second enqueue, a duplicate line
    progress = queue.progress()
    assert (progress.total, progress.pending, progress.leased, progress.done) == (4, 4, 0, 0)
    assert progress.enqueued and not progress.finished
    claims = queue.claim(10)
    assert [(c.domain, c.rank, c.attempt) for c in claims] == [
        ("a.example", 1, 1), ("b.example", 2, 1), ("c.example", 3, 1), ("d.example", None, 1)]


def test_two_lists_do_not_mix(redis_server: RedisServer) -> None:
    shared(redis_server, name="one").enqueue(DOMAINS)
    other = shared(redis_server, name="two")
    assert other.progress().total == 0 and other.claim(5) == []


def test_a_result_is_kept_once_and_ends_the_lease(redis_server: RedisServer) -> None:
    queue = shared(redis_server)
    queue.enqueue(DOMAINS[:1])
    (claim,) = queue.claim()
    assert queue.ack(claim.domain, {"domain": claim.domain, "status": "first"})
    assert not queue.ack(claim.domain, {"domain": claim.domain, "status": "second"})
    assert list(queue.iter_results()) == [{"domain": "a.example", "status": "first"}]
    assert queue.progress().finished and queue.progress().leased == 0


def test_an_expired_lease_is_claimed_again_unless_the_domain_has_a_result(redis_server: RedisServer) -> None:
    queue = shared(redis_server, lease=0.3)
    queue.enqueue(DOMAINS[:2])
    assert [c.domain for c in queue.claim(2)] == ["a.example", "b.example"]
    assert queue.claim(2) == []  # both leased, not yet expired
    queue.ack("b.example", {"domain": "b.example"})
    time.sleep(0.4)
    again = queue.claim(2)
    assert [(c.domain, c.attempt) for c in again] == [("a.example", 2)]
    assert queue.progress().leased == 1


def test_renew_keeps_a_slow_domain_with_its_worker(redis_server: RedisServer) -> None:
    queue = shared(redis_server, lease=0.5)
    queue.enqueue(DOMAINS[:1])
    queue.claim()
    for _ in range(3):
        time.sleep(0.25)
        assert queue.renew(["a.example"]) == 1
    assert queue.claim() == []
    queue.ack("a.example", {"domain": "a.example"})
    assert queue.renew(["a.example"]) == 0  # done: nothing to renew, and no lease comes back


def test_released_domains_are_claimed_next_without_waiting_for_their_lease(redis_server: RedisServer) -> None:
    queue = shared(redis_server)
    queue.enqueue(DOMAINS)
    held = [c.domain for c in queue.claim(2)]
    queue.ack("a.example", {"domain": "a.example"})
    assert queue.release(held) == 1  # a.example is done: it stays done
    assert [(c.domain, c.attempt) for c in queue.claim(1)] == [("b.example", 2)]
    assert queue.release([]) == 0


def test_sweep_puts_back_a_domain_found_nowhere(redis_server: RedisServer) -> None:
    queue = shared(redis_server)
    queue.enqueue(DOMAINS)
    queue.claim(1)  # a.example leased
    queue.client.lrem(queue.keys["pending"], 0, "c.example")  # lost, as if a write had not reached Redis
    assert queue.progress().pending == 2
    assert queue.sweep() == 1
    assert queue.sweep() == 0
    assert [c.domain for c in queue.claim(10)] == ["b.example", "d.example", "c.example"]


def test_concurrent_claimers_never_get_the_same_domain(redis_server: RedisServer) -> None:
    shared(redis_server).enqueue((i, f"d{i}.example") for i in range(2000))
    got: list[list[str]] = [[], [], []]

    def work(mine: list[str]) -> None:
        queue = shared(redis_server)
        while claims := queue.claim(7):
            mine += [c.domain for c in claims]

    threads = [threading.Thread(target=work, args=(mine,)) for mine in got]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [d for mine in got for d in mine]
    assert len(everything) == len(set(everything)) == 2000


def test_unreachable_redis_is_one_clear_error() -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    with pytest.raises(NoaiCheckError, match=rf"Redis at {url}: ConnectionError"):
        SharedList.connect(url, "top")
    with pytest.raises(NoaiCheckError, match="Redis URL"):
        SharedList.connect("localhost:6379", "top")


def test_redis_lost_mid_crawl_is_one_clear_error(redis_server: RedisServer) -> None:
    queue = shared(redis_server)
    queue.enqueue(DOMAINS)
    redis_server.stop()
    with pytest.raises(NoaiCheckError, match="Redis at .*ConnectionError"):
        queue.claim()


def test_a_bad_name_is_refused(redis_server: RedisServer) -> None:
    with pytest.raises(NoaiCheckError, match="list name"):
        shared(redis_server, name="two words")
    with pytest.raises(NoaiCheckError, match="list name"):
        shared(redis_server, name="any*")
