"""Distributed `scrapy crawl sites`: two workers against one worker through one Redis, and `collect` of 100,000 domains.

Run from the checkout: ``python bench/bench_redis.py [--domains 2000] [--rounds 3] [--collect 100000]``.
Needs Debian's ``redis-server`` (started here on a free port of 127.0.0.1, nothing saved to disk).

1. Speed. The many-domain replica (noai_check/replica/many.py, https and http, every shape: AI blocks,
   5xx/404 robots.txt, redirects to www., names that do not resolve, servers that time out) runs in
   its own process. Each run forgets the list in Redis, enqueues it again (not timed), then starts 1 or
   2 workers at once with the same command (`scrapy crawl sites ... -s NOAI_REDIS_URL=...`) and times
   until the last one exits: domains/s = domains / those seconds. Rounds alternate the two (each goes
   first in turn). Printed: median (min–max) domains/s of each and their ratio (target >= 1.5).
   Beside it, where the CPU went in the two-worker runs: CPU seconds of the workers, the replica and
   redis-server, and of every other process on the machine (from /proc/stat), over the wall time:
   when that sum reaches the cores the machine has, no second worker can make the crawl faster.
2. Collect. A list of N domains (default 100,000) with a result each in Redis (records of the real
   shapes from the speed runs, one per domain), then `noai-check collect` in a subprocess, timed
   whole (target < 60 s); beside it the baseline: what a single-machine run does at its end with the
   same records on disk (report and history from domains.jsonl), in a subprocess too.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.runs import ratio, rotated, spread
from noai_check.crawl.distributed import enqueue_file, write_results
from noai_check.crawl.shared_list import SharedList
from noai_check.replica.many import domain_for, write_list
from tests.redis_server import RedisServer, free_port

SETTINGS = {
    "DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_TIMEOUT": "1", "LOG_LEVEL": "WARNING",
    "TWISTED_DNS_RESOLVER": "noai_check.crawl.connect_to.NoDNSResolver",
}
REPLICA = ("from noai_check.replica.many import ManyDomains\nimport time\nr = ManyDomains(tls=True)\n"
           "print(r.connect_to, flush=True)\ntime.sleep(10**6)\n")
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_of(pid: int) -> float:
    """CPU seconds (user + system) a live process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def machine_busy() -> float:
    """CPU seconds every core of the machine has spent not idle since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(values) - values[3] - values[4]) / TICKS  # idle and iowait are not busy


def sched_of(pid: int) -> tuple[float, float]:
    """(seconds running on a CPU, seconds runnable but waiting for one) of all a process's threads so far."""
    running = waiting = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError, ValueError):
            run_ns, wait_ns, _ = Path(task, "schedstat").read_text().split()
            running, waiting = running + int(run_ns), waiting + int(wait_ns)
    return running / 1e9, waiting / 1e9


def run_workers(count: int, command: list[str]) -> tuple[float, float, float]:
    """Start ``count`` workers at once; (wall seconds until the last exits, their CPU seconds, and their seconds
    spent runnable but waiting for a CPU: /proc/PID/task/*/schedstat, read until each exits)."""
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    started = time.monotonic()
    pids = [subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).pid
            for _ in range(count)]
    waited = dict.fromkeys(pids, 0.0)
    cpu, alive = 0.0, set(pids)
    while alive:
        for pid in list(alive):
            with contextlib.suppress(OSError):
                waited[pid] = sched_of(pid)[1]
            done, status, usage = os.wait4(pid, os.WNOHANG)
            if done:
                alive.discard(pid)
                if os.waitstatus_to_exitcode(status) != 0:
                    raise SystemExit(f"a worker failed (exit {os.waitstatus_to_exitcode(status)})")
                cpu += usage.ru_utime + usage.ru_stime
        time.sleep(0.2)
    return time.monotonic() - started, cpu, sum(waited.values())


def speed(server: RedisServer, domains: int, rounds: int, folder: Path) -> None:
    listing = write_list(folder / "speed.csv", domains)
    replica = subprocess.Popen([sys.executable, "-c", REPLICA], cwd=REPO, stdout=subprocess.PIPE, text=True,
                               stderr=subprocess.DEVNULL)  # its log of connections the workers reset when done
    assert replica.stdout is not None
    connect_to = replica.stdout.readline().strip()
    redis_pid = server.process.pid if server.process else 0
    command = [sys.executable, "-m", "scrapy", "crawl", "sites", "-a", f"domains={listing}", "-a", "name=speed"]
    for key, value in {**SETTINGS, "NOAI_CONNECT_TO": connect_to, "NOAI_REDIS_URL": server.url,
                       "NOAI_REPORTS_DIR": str(folder / "reports")}.items():
        command += ["-s", f"{key}={value}"]
    walls: dict[str, list[float]] = {"1 worker": [], "2 workers": []}
    shares: dict[str, list[dict[str, float]]] = {name: [] for name in walls}
    try:
        for round_ in range(rounds):
            for name in rotated(list(walls), round_):
                shared = SharedList.connect(server.url, "speed")
                shared.delete()
                enqueue_file(shared, listing)
                before = (cpu_of(replica.pid), cpu_of(redis_pid), machine_busy())
                wall, workers_cpu, workers_wait = run_workers(int(name[0]), command)
                after = (cpu_of(replica.pid), cpu_of(redis_pid), machine_busy())
                assert shared.progress().finished, "a run left domains without a result"
                walls[name].append(wall)
                replica_cpu, redis_cpu, busy = (b - a for a, b in zip(before, after, strict=True))
                shares[name].append({"wall": wall, "workers": workers_cpu, "replica": replica_cpu, "redis": redis_cpu,
                                     "others": max(0.0, busy - workers_cpu - replica_cpu - redis_cpu),
                                     "waiting": workers_wait})
                print(f"  round {round_ + 1}: {name}: {wall:.1f} s, {domains / wall:.1f} domains/s", flush=True)
    finally:
        replica.terminate()
        replica.wait()
    one, two = ([domains / w for w in walls[k]] for k in walls)
    median_ratio, paired = ratio(walls["1 worker"], walls["2 workers"])
    print(f"\n{domains} domains, {rounds} rounds, {os.cpu_count()} cores")
    print(f"1 worker:  {spread(one, digits=1)} domains/s")
    print(f"2 workers: {spread(two, digits=1)} domains/s")
    print(f"ratio 2 workers / 1 worker: {median_ratio:.2f} (run by run: {', '.join(f'{p:.2f}' for p in paired)}; "
          "target >= 1.5)")
    print("Where the CPU went (cores busy on average over each run's wall time), and our workers' CPU per domain:")
    for name, runs in shares.items():
        for share in runs:
            used = sum(v for k, v in share.items() if k not in ("wall", "waiting")) / share["wall"]
            print("  {}: {:.2f} of {} cores busy: workers {:.2f}, replica {:.2f}, redis {:.2f}, other processes {:.2f}; "
                  "workers {:.1f} ms CPU a domain, and {:.2f} s runnable but waiting for a CPU per second of the "
                  "run".format(name, used, os.cpu_count(), *(share[k] / share["wall"] for k in
                                                             ("workers", "replica", "redis", "others")),
                               1000 * share["workers"] / domains, share["waiting"] / share["wall"]))


def fill(server: RedisServer, count: int, samples: list[dict[str, object]]) -> None:
    """A finished list of ``count`` domains in Redis: every domain enqueued, each with a result of a real shape."""
    shared = SharedList.connect(server.url, "big")
    shared.delete()
    started = time.monotonic()
    shared.enqueue((rank, domain_for(rank)) for rank in range(1, count + 1))
    print(f"enqueue of {count} domains: {time.monotonic() - started:.1f} s")
    by_shape: dict[str, dict[str, object]] = {str(s["domain"]).split("-", 1)[1]: s for s in samples}
    pipe = shared.client.pipeline(transaction=False)
    for rank in range(1, count + 1):
        domain = domain_for(rank)
        record = {**by_shape.get(domain.split("-", 1)[1], samples[0]), "domain": domain, "rank": rank}
        pipe.hset(shared.keys["results"], domain, json.dumps(record))
        if rank % 1000 == 0:
            pipe.execute()
    pipe.execute()
    shared.client.delete(shared.keys["pending"])
    assert shared.progress().finished
    used = int(shared.client.info("memory")["used_memory"]) / 2**20
    print(f"Redis memory with {count} domains and their results: {used:.0f} MB")


BASELINE = """
import sys, time
from pathlib import Path
from noai_check.files import iter_records
from noai_check.history.sites import record_sites_run
from noai_check.judge.registry import load_registry
from noai_check.report.sites import build_sites_report
out, registry = Path(sys.argv[1]), load_registry()
build_sites_report(iter_records(out / "domains.jsonl"), out, name="big", registry=registry, meta={})
record_sites_run(out.parent, "big", iter_records(out / "domains.jsonl"), registry.tokens(), {})
"""


def timed(command: list[str]) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS in MB) of one subprocess.

    CPU seconds beside the wall time: on a machine other processes keep busy, the wall time says
    more about them than about us.
    """
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{command[:4]} failed")
    return time.monotonic() - started, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def collect_speed(server: RedisServer, count: int, rounds: int, folder: Path) -> None:
    shared = SharedList.connect(server.url, "speed")
    samples = list(shared.iter_results())
    fill(server, count, samples)
    ours, ours_cpu, base, base_cpu, rss = [], [], [], [], []
    for round_ in range(rounds):
        for name in rotated(["collect", "baseline"], round_):
            reports = folder / f"collect-{round_}"
            if name == "collect":
                wall, cpu, peak = timed([sys.executable, "-m", "noai_check.cli", "collect", "big", "--redis",
                                         server.url, "--reports-dir", str(reports)])
                ours.append(wall)
                ours_cpu.append(cpu)
                rss.append(peak)
            else:
                source = folder / f"collect-{max(round_ - 1, 0)}" / "sites-big"
                if not (source / "domains.jsonl").exists():
                    continue  # the first round's baseline needs a domains.jsonl: the collect just after it writes one
                out = folder / f"base-{round_}" / "sites-big"
                out.mkdir(parents=True)
                os.link(source / "domains.jsonl", out / "domains.jsonl")
                wall, cpu, _ = timed([sys.executable, "-c", BASELINE, str(out)])
                base.append(wall)
                base_cpu.append(cpu)
    print(f"\ncollect of {count} domains: {spread(ours, digits=1)} s wall, {spread(ours_cpu, digits=1)} s CPU, "
          f"peak RSS {spread(rss, digits=0)} MB (target < 60 s)")
    if base:
        print(f"baseline, the end of a single-machine run (report and history from domains.jsonl): "
              f"{spread(base, digits=1)} s wall, {spread(base_cpu, digits=1)} s CPU")
    started = time.monotonic()
    write_results(SharedList.connect(server.url, "big"), folder / "only.jsonl")
    print(f"of which Redis -> domains.jsonl alone (in this process): {time.monotonic() - started:.1f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--domains", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--collect", type=int, default=100_000, metavar="N", help="domains for `collect` (0: skip)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-redis-") as tmp:
        server = RedisServer(free_port(), Path(tmp))
        server.start()
        try:
            speed(server, args.domains, args.rounds, Path(tmp))
            if args.collect:
                collect_speed(server, args.collect, args.rounds, Path(tmp))
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
