"""Serve a scenario on two loopback ports (site and media host) from daemon threads.

Stdlib only, no Twisted or asyncio, so the same replica works beside an in-process Scrapy
crawl, from a subprocess, and from ``noai-check demo``. Ports are always chosen by the OS:
a fixed port once sent a crawl to somebody else's server.
"""

from __future__ import annotations

import logging
import socketserver
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Protocol, final
from urllib.parse import urlsplit

from noai_check.replica.agent_rules import answer_for
from noai_check.replica.model import Expect, Scenario
from noai_check.replica.pages import Origins
from noai_check.replica.routes import MainSite, MediaSite, Response
from noai_check.replica.scenario import ScenarioError, load_scenario

logger = logging.getLogger(__name__)
_DISCONNECTS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)


class _Site(Protocol):
    def resolve(self, target: str) -> Response: ...


class _HostServer(ThreadingHTTPServer):
    """One host; ``site`` is swapped whole when the scenario changes, so no lock is needed."""

    daemon_threads = True
    request_queue_size = 256  # crawls open many connections at once; the default 5 drops them

    def __init__(self, site: _Site | None, verbose: bool) -> None:
        self.site = site
        self.agent_rules: tuple[tuple[str, str], ...] = ()  # answers for some user agents (agent_rules.py)
        self.verbose = verbose
        # path (query dropped) -> the Referer of each request answered (None: none sent): Replica.served, .referers
        self.referers: dict[str, list[str | None]] = {}
        super().__init__(("127.0.0.1", 0), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind would call getfqdn(), a reverse DNS lookup that can stall offline.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]  # type: ignore[assignment]

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def handle_error(self, request: object, client_address: object) -> None:
        if isinstance(sys.exc_info()[1], _DISCONNECTS):
            return  # the client went away; nothing to report
        logger.exception("replica: error while serving %s", client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as crawlers use it
    disable_nagle_algorithm = True  # headers and body go out in two writes; don't wait for ACKs
    timeout = 60  # an idle keep-alive connection frees its thread after this
    server: _HostServer

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def _answer(self, with_body: bool) -> None:
        site = self.server.site
        assert site is not None
        self.server.referers.setdefault(urlsplit(self.path).path, []).append(self.headers.get("Referer"))
        response = site.resolve(self.path)
        if self.server.agent_rules:
            response = answer_for(self.server.agent_rules, self.headers.get("User-Agent", ""), response,
                                  self.server.origin + self.path)
        if response.delay_s:
            time.sleep(response.delay_s)
        self.send_response_only(response.status)
        self.send_header("Date", self.date_time_string())
        for name, value in response.headers:  # repeated names stay separate header lines
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if with_body:
            self.wfile.write(response.body)
        if self.server.verbose:
            self.log_request(response.status, len(response.body))

    def log_message(self, format: str, *args: object) -> None:
        if self.server.verbose:
            super().log_message(format, *args)


@dataclass
class _Current:
    """The scenario being served: a mutable box inside the frozen ``Replica``."""

    scenario: Scenario


@final
@dataclass(frozen=True)
class Replica:
    """A running replica: the site at ``base_url``, its media host at ``media_url``, extra page hosts in ``hosts``."""

    base_url: str
    media_url: str
    _servers: tuple[_HostServer, ...] = field(repr=False, compare=False)
    _current: _Current = field(repr=False, compare=False)
    hosts: dict[str, str] = field(default_factory=dict)  # extra host name -> origin (Bandcamp artists)

    @property
    def scenario(self) -> Scenario:
        return self._current.scenario

    def load(self, scenario: str | Path | Scenario) -> None:
        """Serve another scenario (e.g. version 2 of the site) on the same URLs from now on."""
        loaded = load_scenario(scenario)
        if tuple(loaded.hosts) != tuple(self.hosts):
            raise ScenarioError(f"{loaded.source}: hosts {list(loaded.hosts)} differ from the running replica's {list(self.hosts)}")
        origins = Origins(self.base_url, self.media_url, tuple(self.hosts.items()))
        main, media = MainSite(loaded, origins), MediaSite(loaded, origins)
        extra = [MainSite(loaded, origins, host=name) for name in self.hosts]
        self._servers[0].site, self._servers[1].site = main, media
        self._servers[0].agent_rules = loaded.agent_rules
        for server, site in zip(self._servers[2:], extra):
            server.site = site
        self._current.scenario = loaded

    def url(self, path: str) -> str:
        return self.base_url + path

    def served(self, path: str) -> int:
        """How many requests the site host has answered for ``path`` (any query): how a test knows that a
        browser got as far as running a page's script (its fetch() of the replica's API)."""
        return len(self._servers[0].referers.get(path, ()))

    def referers(self, host: str = "site") -> dict[str, list[str | None]]:
        """Path -> the Referer header of each request for it (None: none sent), on the site or media host."""
        return dict(self._servers[0 if host == "site" else 1].referers)

    def expectations(self) -> Iterator[tuple[str, Expect]]:
        """(absolute URL, what a correct crawler finds there) for every hand-written expectation."""
        origins = {"main": self.base_url, "media": self.media_url, **self.hosts}
        for host, path, expect in self.scenario.expectations():
            yield origins[host] + path, expect

    def stop(self) -> None:
        """Stop listening; safe to call twice. Requests already being answered may finish."""
        for server in self._servers:
            if server.socket.fileno() != -1:
                server.shutdown()
                server.server_close()

    def __enter__(self) -> Replica:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()


def start_replica(scenario: str | Path | Scenario = "soundcloud", *, verbose: bool = False) -> Replica:
    """Load a scenario, bind two free loopback ports, start serving, and return at once."""
    loaded = load_scenario(scenario)
    servers = tuple(_HostServer(None, verbose) for _ in range(2 + len(loaded.hosts)))
    hosts = {name: server.origin for name, server in zip(loaded.hosts, servers[2:])}
    replica = Replica(servers[0].origin, servers[1].origin, servers, _Current(loaded), hosts)
    try:
        replica.load(loaded)
    except BaseException:
        for server in servers:
            server.server_close()
        raise
    for server, name in zip(servers, ("site", "media", *loaded.hosts)):
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"replica-{name}", daemon=True
        )
        thread.start()
    return replica
