"""A real redis-server for the tests, on a free port of 127.0.0.1, started and stopped by the test.

Debian's ``redis-server`` (``.ci/run`` installs it). Without it the tests that need it are skipped,
except when ``NOAI_REQUIRE_REDIS=1`` (set by CI): then they fail, so CI never passes by skipping them.
Nothing is saved to disk (``--save '' --appendonly no``): each server starts empty.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis


@dataclass
class RedisServer:
    """A running redis-server: its URL, and ``stop``/``start`` to lose it and bring it back (same port)."""

    port: int
    workdir: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir), "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.exceptions.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start on port {self.port}") from None
                time.sleep(0.05)
        client.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def require_redis() -> None:
    """Skip (or, in CI, fail) when redis-server is not installed."""
    if shutil.which("redis-server"):
        return
    message = "redis-server not installed (apt-get install redis-server)"
    if os.environ.get("NOAI_REQUIRE_REDIS") == "1":
        pytest.fail(message + "; NOAI_REQUIRE_REDIS=1 makes this a failure")
    pytest.skip(message)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A fresh, empty redis-server for one test, stopped at its end."""
    require_redis()
    server = RedisServer(free_port(), tmp_path)
    server.start()
    yield server
    server.stop()
