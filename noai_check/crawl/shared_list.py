"""A domain list shared by many workers through Redis: enqueue once, claim with a lease, ack with the result.

Why not scrapy-redis alone: its queue hands a request to one worker and forgets it, so a worker
killed with SIGKILL loses what it held. Here a domain is always in exactly one of three places,
moved between them by Lua scripts (atomic in Redis): ``pending`` (a list), ``leases`` (a sorted set
scored by the lease deadline, read on Redis's own clock so machines need not agree on the time)
or ``results`` (a hash domain -> record JSON). A lease that runs out is taken by the next claim, a
result is kept once (``HSETNX``: the first one wins, a second one is dropped), and ``sweep`` puts
back any domain found in none of the three. Keys live under ``noai:sites:<NAME>:``.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, cast

import redis
from redis.exceptions import RedisError

from noai_check.errors import NoaiCheckError

DEFAULT_LEASE_SECONDS = 300.0  # a domain's five site files and home page, each with a short timeout, fit easily
ENQUEUE_BATCH = 1000  # domains per round trip: 100,000 domains in 100 calls
_NAME = re.compile(r"[A-Za-z0-9._-]{1,100}")

# KEYS: domains, pending, meta; ARGV: domain1, rank1, domain2, rank2, ... -> how many were new.
_ENQUEUE = """
local added = 0
for i = 1, #ARGV, 2 do
  local seq = redis.call('HINCRBY', KEYS[3], 'seq', 1)
  if redis.call('HSETNX', KEYS[1], ARGV[i], seq .. '\\t' .. ARGV[i + 1]) == 1 then
    redis.call('RPUSH', KEYS[2], ARGV[i])
    added = added + 1
  end
end
return added
"""

# KEYS: pending, leases, results, attempts, domains; ARGV: count, lease seconds
# -> flat list domain, attempt, "seq<TAB>rank", ... Expired leases first: their holder is presumed dead.
_CLAIM = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local deadline = now + tonumber(ARGV[2])
local want = tonumber(ARGV[1])
local out = {}
local function take(d)
  redis.call('ZADD', KEYS[2], deadline, d)
  out[#out + 1] = d
  out[#out + 1] = redis.call('HINCRBY', KEYS[4], d, 1)
  out[#out + 1] = redis.call('HGET', KEYS[5], d) or ''
end
for _, d in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, want)) do
  if redis.call('HEXISTS', KEYS[3], d) == 1 then redis.call('ZREM', KEYS[2], d) else take(d) end
end
while #out < 3 * want do
  local d = redis.call('LPOP', KEYS[1])
  if not d then break end
  if redis.call('HEXISTS', KEYS[3], d) == 0 then take(d) end
end
return out
"""

# KEYS: results, leases; ARGV: domain, record -> 1 when this is the domain's first result.
_ACK = """
local first = redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[1])
return first
"""

# KEYS: leases, results; ARGV: lease seconds, domain... -> how many leases were extended.
_RENEW = """
local t = redis.call('TIME')
local deadline = tonumber(t[1]) + tonumber(t[2]) / 1000000 + tonumber(ARGV[1])
local renewed = 0
for i = 2, #ARGV do
  if redis.call('HEXISTS', KEYS[2], ARGV[i]) == 0 then
    renewed = renewed + redis.call('ZADD', KEYS[1], 'XX', 'CH', deadline, ARGV[i])
  end
end
return renewed
"""

# KEYS: leases, results, pending; ARGV: domain... -> how many went back to pending.
_RELEASE = """
local back = 0
for i = 1, #ARGV do
  if redis.call('ZREM', KEYS[1], ARGV[i]) == 1 and redis.call('HEXISTS', KEYS[2], ARGV[i]) == 0 then
    redis.call('LPUSH', KEYS[3], ARGV[i])
    back = back + 1
  end
end
return back
"""


@dataclass(frozen=True)
class Claim:
    """A domain a worker now holds until ``lease`` seconds pass; ``attempt`` 2+ means an earlier holder gave up or died."""

    domain: str
    rank: int | None
    attempt: int


@dataclass(frozen=True)
class Progress:
    """Where the list's domains are: ``total`` = ``pending`` + ``leased`` + ``done`` unless a sweep is due."""

    total: int
    pending: int
    leased: int
    done: int
    enqueued: bool  # the whole list was enqueued (not only its first batches)

    @property
    def finished(self) -> bool:
        return self.enqueued and self.done >= self.total


@contextlib.contextmanager
def redis_errors(url: str) -> Iterator[None]:
    """Turn a lost or unreachable Redis into one NoaiCheckError line naming the URL (never a traceback)."""
    try:
        yield
    except RedisError as error:
        raise NoaiCheckError(f"Redis at {url}: {error.__class__.__name__}: {error}") from error


def _rank(text: str) -> int | None:
    return int(text) if text.lstrip("-").isdigit() else None


class SharedList:
    """One named domain list in Redis; every method is safe to call from any number of workers at once."""

    def __init__(self, client: redis.Redis, name: str, url: str = "redis", lease_seconds: float = DEFAULT_LEASE_SECONDS):
        if not _NAME.fullmatch(name):
            raise NoaiCheckError(f"list name {name!r}: use letters, digits, '.', '_' and '-' (it names Redis keys and a folder)")
        self.client, self.name, self.url, self.lease_seconds = client, name, url, lease_seconds
        self.prefix = prefix = f"noai:sites:{name}:"
        self.keys = {part: prefix + part for part in ("domains", "pending", "leases", "results", "attempts", "meta")}
        self._enqueue = client.register_script(_ENQUEUE)
        self._claim = client.register_script(_CLAIM)
        self._ack = client.register_script(_ACK)
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)

    @classmethod
    def connect(cls, url: str, name: str, lease_seconds: float = DEFAULT_LEASE_SECONDS) -> SharedList:
        """Connect and check Redis answers now: a wrong URL or a Redis that is down fails here, before any work."""
        with redis_errors(url):
            try:
                client = redis.Redis.from_url(url, decode_responses=True, socket_connect_timeout=5, socket_timeout=30)
            except ValueError as error:  # a URL redis-py cannot read (no scheme, bad port)
                raise NoaiCheckError(f"Redis URL {url!r}: {error}") from error
            client.ping()
        return cls(client, name, url, lease_seconds)

    def enqueue(self, entries: Iterable[tuple[int | None, str]], batch: int = ENQUEUE_BATCH) -> int:
        """Add (rank, domain) pairs not added before, streamed in batches; return how many were new.

        Idempotent: a second enqueue of the same list (or a worker's auto-enqueue racing ``noai-check
        enqueue``) adds nothing twice. The list counts as enqueued only once this returns.
        """
        added, chunk = 0, []
        with redis_errors(self.url):
            for rank, domain in entries:
                chunk += [domain, "" if rank is None else str(rank)]
                if len(chunk) >= 2 * batch:
                    added += self._enqueue_chunk(chunk)
                    chunk = []
            added += self._enqueue_chunk(chunk)
            self.client.hset(self.keys["meta"], "enqueued", "1")
        return added

    def _enqueue_chunk(self, chunk: list[str]) -> int:
        if not chunk:
            return 0
        keys = [self.keys["domains"], self.keys["pending"], self.keys["meta"]]
        return int(self._enqueue(keys=keys, args=chunk))

    def save_info(self, key: str, value: object) -> None:
        """Keep a fact about the list (the lines the reader skipped) for ``collect`` to put in the report."""
        with redis_errors(self.url):
            self.client.hset(self.keys["meta"], f"info:{key}", json.dumps(value, sort_keys=True))

    def info(self, key: str) -> Any:
        with redis_errors(self.url):
            raw = self.client.hget(self.keys["meta"], f"info:{key}")
        return None if raw is None else json.loads(str(raw))

    def is_enqueued(self) -> bool:
        with redis_errors(self.url):
            return self.client.hget(self.keys["meta"], "enqueued") == "1"

    def claim(self, count: int = 1) -> list[Claim]:
        """Take up to ``count`` domains (expired leases first, then pending ones) under a fresh lease."""
        keys = [self.keys[k] for k in ("pending", "leases", "results", "attempts", "domains")]
        with redis_errors(self.url):
            flat = self._claim(keys=keys, args=[count, self.lease_seconds])
        return [Claim(flat[i], _rank(flat[i + 2].partition("\t")[2]), int(flat[i + 1])) for i in range(0, len(flat), 3)]

    def ack(self, domain: str, record: dict[str, Any]) -> bool:
        """Store a domain's result and end its lease; False when it already had one (the first is kept)."""
        with redis_errors(self.url):
            first = self._ack(keys=[self.keys["results"], self.keys["leases"]],
                              args=[domain, json.dumps(record, ensure_ascii=False, separators=(",", ":"))])
        return bool(first)

    def renew(self, domains: Iterable[str]) -> int:
        """Push back the deadline of leases still held (a slow domain is not taken from a live worker)."""
        names = list(domains)
        if not names:
            return 0
        with redis_errors(self.url):
            return int(self._renew(keys=[self.keys["leases"], self.keys["results"]], args=[self.lease_seconds, *names]))

    def release(self, domains: Iterable[str]) -> int:
        """Give back domains a worker stops without finishing (Ctrl-C): the next claim takes them, no lease to wait out."""
        names = list(domains)
        if not names:
            return 0
        keys = [self.keys["leases"], self.keys["results"], self.keys["pending"]]
        with redis_errors(self.url):
            return int(self._release(keys=keys, args=names))

    def progress(self) -> Progress:
        with redis_errors(self.url):
            pipe = self.client.pipeline(transaction=True)
            for command, key in (("hlen", "domains"), ("llen", "pending"), ("zcard", "leases"), ("hlen", "results")):
                getattr(pipe, command)(self.keys[key])
            pipe.hget(self.keys["meta"], "enqueued")
            total, pending, leased, done, enqueued = pipe.execute()
        return Progress(int(total), int(pending), int(leased), int(done), enqueued == "1")

    def _leased(self) -> set[str]:
        return set(cast("list[str]", self.client.zrange(self.keys["leases"], 0, -1)))

    def sweep(self) -> int:
        """Put back on ``pending`` every domain with no result that is neither pending nor leased; return how many.

        A domain claimed or finished while this runs may be put back needlessly: claim skips a domain
        that has a result, so at worst it is fetched once more and its second result dropped.
        """
        with redis_errors(self.url):
            done = set(self.client.hkeys(self.keys["results"]))  # names only: the records stay in Redis
            missing = [d for d in self._domains_in_order() if d not in done]
            if not missing:
                return 0
            held = set(self.client.lrange(self.keys["pending"], 0, -1)) | self._leased()
            lost = [d for d in missing if d not in held]
            if lost:
                self.client.rpush(self.keys["pending"], *lost)
        return len(lost)

    def _domains_in_order(self) -> list[str]:
        """Every domain, in the order the list gave them (the sequence number stored at enqueue)."""
        seqs = []
        for domain, value in self.client.hscan_iter(self.keys["domains"], count=ENQUEUE_BATCH):
            seqs.append((int(value.partition("\t")[0]), domain))
        seqs.sort()
        return [domain for _, domain in seqs]

    def iter_results(self, batch: int = ENQUEUE_BATCH) -> Iterator[dict[str, Any]]:
        """Every stored result, in list order, read in batches (memory holds the domain names, not the records)."""
        return (json.loads(raw) for raw in self.iter_raw_results(batch))

    def iter_raw_results(self, batch: int = ENQUEUE_BATCH) -> Iterator[str]:
        """Every stored result as the JSON text the worker sent (one line of domains.jsonl), in list order."""
        with redis_errors(self.url):
            order = self._domains_in_order()
            for start in range(0, len(order), batch):
                yield from (str(raw) for raw in self.client.hmget(self.keys["results"], order[start:start + batch]) if raw)

    def delete(self) -> int:
        """Forget the list, its results and its workers' request queues (a new run of NAME starts from scratch)."""
        with redis_errors(self.url):
            keys = list(self.client.scan_iter(match=self.prefix + "*", count=1000))
            return int(self.client.delete(*keys)) if keys else 0
