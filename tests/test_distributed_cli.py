"""`noai-check enqueue` and `noai-check collect` against a real redis-server (no crawl: results are acked here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from noai_check.cli import main
from noai_check.crawl.shared_list import SharedList
from tests.redis_server import RedisServer, free_port

LIST = "rank,domain\n1,alpha.test\n2,beta.test\n3,https://gamma.test/path\n4,alpha.test\n5,192.0.2.7\n6,delta.test\n"


def write_list(tmp_path: Path, text: str = LIST) -> Path:
    path = tmp_path / "top.csv"
    path.write_text(text, encoding="utf-8")
    return path


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m noai_check.cli` as a user would (one error line, its exit code)."""
    return subprocess.run([sys.executable, "-m", "noai_check.cli", *args], capture_output=True, text=True, timeout=60,
                          check=False)


def test_enqueue_twice_adds_each_domain_once_and_counts_skipped_lines(redis_server: RedisServer, tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    path = write_list(tmp_path)
    assert main(["enqueue", "top", str(path), "--redis", redis_server.url]) == 0
    out = capsys.readouterr().out
    assert "3 domains enqueued (0 already there), 3 in the list" in out
    assert "skipped 1 lines: duplicate" in out and "skipped 1 lines: ip address" in out
    assert "skipped 1 lines: url with a path" in out
    assert main(["enqueue", "top", str(path), "--redis", redis_server.url]) == 0
    assert "0 domains enqueued (3 already there), 3 in the list" in capsys.readouterr().out
    queue = SharedList.connect(redis_server.url, "top")
    assert [c.domain for c in queue.claim(10)] == ["alpha.test", "beta.test", "delta.test"]
    queue.ack("alpha.test", {"domain": "alpha.test"})
    assert main(["enqueue", "top", str(path), "--redis", redis_server.url, "--fresh"]) == 0
    assert "3 domains enqueued (0 already there), 3 in the list, 0 done" in capsys.readouterr().out


def test_collect_writes_one_record_per_domain_in_list_order(redis_server: RedisServer, tmp_path: Path) -> None:
    assert main(["enqueue", "top", str(write_list(tmp_path)), "--redis", redis_server.url]) == 0
    queue = SharedList.connect(redis_server.url, "top")
    for claim in reversed(queue.claim(10)):  # finished out of order, one of them twice
        queue.ack(claim.domain, {"domain": claim.domain, "rank": claim.rank})
    queue.ack("beta.test", {"domain": "beta.test", "rank": 99})
    reports = tmp_path / "reports"
    assert main(["collect", "top", "--redis", redis_server.url, "--reports-dir", str(reports)]) == 0
    lines = (reports / "sites-top" / "domains.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [
        {"domain": "alpha.test", "rank": 1}, {"domain": "beta.test", "rank": 2}, {"domain": "delta.test", "rank": 6}]
    report = json.loads((reports / "sites-top" / "report.json").read_text(encoding="utf-8"))
    assert report["domains"] == 3 and report["complete"] is True
    assert report["skipped_lines"]["duplicate"] == {"count": 1, "example": "4,alpha.test"}


def test_collect_of_an_unfinished_list_says_what_is_left_and_puts_lost_domains_back(redis_server: RedisServer,
                                                                                     tmp_path: Path) -> None:
    assert main(["enqueue", "top", str(write_list(tmp_path)), "--redis", redis_server.url]) == 0
    queue = SharedList.connect(redis_server.url, "top")
    (first,) = queue.claim(1)
    queue.ack(first.domain, {"domain": first.domain})
    queue.client.lpop(queue.keys["pending"])  # beta.test lost
    done = cli("collect", "top", "--redis", redis_server.url, "--reports-dir", str(tmp_path / "r"))
    assert done.returncode == 1, done.stderr  # the input is fine: the work is not finished yet
    assert done.stderr.strip().splitlines() == [
        ("error: top: 2 of 3 domains have no result yet (1 waiting, 0 held by workers, 1 put back now): run the "
         "workers (the same `scrapy crawl sites ... -s NOAI_REDIS_URL=...`) until they stop, then collect again")]
    assert queue.progress().pending == 2
    assert not (tmp_path / "r" / "sites-top" / "domains.jsonl").exists()


@pytest.mark.parametrize("command", [["enqueue", "top", "LIST"], ["collect", "top"]])
def test_unreachable_redis_is_one_line_and_exit_2(tmp_path: Path, command: list[str]) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    args = [str(write_list(tmp_path)) if part == "LIST" else part for part in command]
    done = cli(*args, "--redis", url)
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: Redis at {url}: ConnectionError") and done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr


def test_unreadable_list_is_one_line_and_exit_2(redis_server: RedisServer, tmp_path: Path) -> None:
    done = cli("enqueue", "top", str(tmp_path / "missing.csv"), "--redis", redis_server.url)
    assert done.returncode == 2
    assert done.stderr.startswith("error: cannot read the domain list") and done.stderr.count("\n") == 1
