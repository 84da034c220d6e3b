"""`scrapy crawl sites -s NOAI_REDIS_URL=...` for real: worker processes sharing one list through a real redis-server.

Against the many-domain replica (noai_check/replica/many.py) on 127.0.0.1. Two workers crawl one
list, one is killed with SIGKILL mid-crawl, and `noai-check collect` must then give the same
per-domain records and report as one single-machine run of the same list: nothing lost, nothing twice.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from noai_check.replica.many import ManyDomains, write_list
from tests.crawling import REPO
from tests.redis_server import RedisServer, free_port

COUNT = 200
FAST = {
    "DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_TIMEOUT": "1", "LOG_LEVEL": "INFO",
    "TWISTED_DNS_RESOLVER": "noai_check.crawl.connect_to.NoDNSResolver",
    # Few requests at a time: the workers take long enough that one can be killed while it holds domains.
    "CONCURRENT_REQUESTS": "8",
}
# The report facts that differ between any two runs (times, how it was run), not what was found.
RUN_KEYS = ("started_at", "finished_at", "settings", "tool_version", "finish_reason", "duration_seconds")


def sites_command(reports: Path, listing: Path, replica: ManyDomains, settings: dict[str, str] | None = None) -> list[str]:
    command = [sys.executable, "-m", "scrapy", "crawl", "sites", "-a", f"domains={listing}", "-a", "name=top"]
    merged = {**FAST, "NOAI_REPORTS_DIR": str(reports), "NOAI_CONNECT_TO": replica.connect_to, **(settings or {})}
    for key, value in merged.items():
        command += ["-s", f"{key}={value}"]
    return command


def start(command: list[str], log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    with log.open("wb") as out:
        return subprocess.Popen(command, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, env=env)


def collect(server: RedisServer, reports: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "noai_check.cli", "collect", "top", "--redis", server.url,
                           "--reports-dir", str(reports)], capture_output=True, text=True, timeout=120, check=False)


def by_domain(out: Path) -> dict[str, dict[str, Any]]:
    lines = (out / "domains.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    found = {record["domain"]: record for record in records}
    assert len(found) == len(records), "a domain recorded twice"
    return found


def findings(out: Path) -> dict[str, Any]:
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return {key: value for key, value in report.items() if key not in RUN_KEYS}


def results(server: RedisServer) -> int:
    return int(redis.Redis(port=server.port).hlen("noai:sites:top:results"))


def wait_for(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, ManyDomains, Path]]:
    """The list, the replica, and the report of one single-machine run (no Redis) to compare with."""
    folder = tmp_path_factory.mktemp("single")
    listing = write_list(folder / "top.csv", COUNT)
    with listing.open("a", encoding="utf-8") as stream:
        stream.write("201,https://example.test/a/path\n202,s1-plain.test\n")  # skipped lines are reported too
    with ManyDomains(tls=True) as replica:
        done = subprocess.run(sites_command(folder / "reports", listing, replica), cwd=REPO, capture_output=True,
                              text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stderr[-3000:]
        yield listing, replica, folder / "reports" / "sites-top"


def test_two_workers_one_killed_give_the_single_machine_report(single, redis_server: RedisServer,
                                                               tmp_path: Path) -> None:
    listing, replica, reference = single
    reports = tmp_path / "reports"
    command = sites_command(reports, listing, replica, {"NOAI_REDIS_URL": redis_server.url, "NOAI_REDIS_LEASE": "3"})
    workers = [start(command, tmp_path / f"worker{i}.log") for i in (1, 2)]
    wait_for(lambda: results(redis_server) >= COUNT // 4, 120, "a quarter of the results")
    workers[0].send_signal(signal.SIGKILL)  # mid-crawl: it holds leased domains and has requests queued in Redis
    assert workers[0].wait(timeout=10) == -signal.SIGKILL
    assert results(redis_server) < COUNT
    assert workers[1].wait(timeout=240) == 0, (tmp_path / "worker2.log").read_text()[-3000:]

    done = collect(redis_server, reports)
    assert done.returncode == 0, done.stderr
    collected = reports / "sites-top"
    assert by_domain(collected) == by_domain(reference)
    assert findings(collected) == findings(reference)
    taken_over = redis.Redis(port=redis_server.port, decode_responses=True).hvals("noai:sites:top:attempts")
    assert max(int(n) for n in taken_over) >= 2, "the killed worker's domains were never taken over"


def test_redis_lost_stops_the_worker_cleanly_and_a_restart_goes_on(single, redis_server: RedisServer,
                                                                   tmp_path: Path) -> None:
    listing, replica, reference = single
    reports = tmp_path / "reports"
    command = sites_command(reports, listing, replica, {"NOAI_REDIS_URL": redis_server.url, "NOAI_REDIS_LEASE": "3"})
    worker = start(command, tmp_path / "worker.log")
    wait_for(lambda: results(redis_server) >= COUNT // 4, 120, "a quarter of the results")
    redis.Redis(port=redis_server.port).save()  # what survives the loss: the list as it was then
    redis_server.stop()
    assert worker.wait(timeout=60) == 1
    log = (tmp_path / "worker.log").read_text()
    assert "Traceback" not in log
    assert "error: Redis" in log and "start the worker again when Redis is back" in log

    redis_server.start()  # the same port and folder: it reads back the saved list
    assert 0 < results(redis_server) < COUNT
    again = start(command, tmp_path / "again.log")
    assert again.wait(timeout=240) == 0, (tmp_path / "again.log").read_text()[-3000:]
    assert collect(redis_server, reports).returncode == 0
    assert by_domain(reports / "sites-top") == by_domain(reference)


@pytest.mark.parametrize(("settings", "message"), [
    ({"NOAI_REDIS_URL": "redis://127.0.0.1:{closed}/0"}, "Redis at redis://127.0.0.1:{closed}/0: ConnectionError"),
    ({"NOAI_REDIS_URL": "127.0.0.1:6379"}, "Redis URL '127.0.0.1:6379'"),
    ({"NOAI_REDIS_URL": "redis://127.0.0.1:{closed}/0", "NOAI_REDIS_LEASE": "0"},
     "NOAI_REDIS_LEASE must be a number of seconds > 0, got '0'"),
])
def test_bad_redis_settings_are_one_line_and_exit_2(single, tmp_path: Path, settings: dict[str, str],
                                                    message: str) -> None:
    listing, replica, _ = single
    closed = free_port()
    given = {key: value.format(closed=closed) for key, value in settings.items()}
    done = subprocess.run(sites_command(tmp_path, listing, replica, given), cwd=REPO,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("error: " + message.format(closed=closed))


def test_a_worker_stopped_with_ctrl_c_gives_its_domains_back_at_once(single, redis_server: RedisServer,
                                                                     tmp_path: Path) -> None:
    listing, replica, _ = single
    command = sites_command(tmp_path / "reports", listing, replica, {"NOAI_REDIS_URL": redis_server.url})
    worker = start(command, tmp_path / "worker.log")
    wait_for(lambda: results(redis_server) >= 10, 120, "the first results")
    worker.send_signal(signal.SIGINT)
    assert worker.wait(timeout=60) == 0
    client = redis.Redis(port=redis_server.port)
    assert "unfinished domains given back to list top" in (tmp_path / "worker.log").read_text()
    assert client.zcard("noai:sites:top:leases") == 0  # nothing left to wait for: the default lease is 300 s
    assert client.llen("noai:sites:top:pending") + results(redis_server) == COUNT
