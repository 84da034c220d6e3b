"""``-s NOAI_CONNECT_TO=PATTERN=IP:PORT[,...]``: like curl's ``--connect-to``, for replicas and benchmarks.

Every connection to a host matching PATTERN (a glob: ``*``, ``*.example``, ``site.test``, optionally with
``:PORT`` to match one port only) goes to IP:PORT instead; the URL, the Host header and the TLS server
name stay the host's, so one local server can answer for thousands of domains by ``Host``. The first
matching rule wins; a host no rule matches is connected to as usual.

It works at Twisted's connection pool, which every plain (non-proxy) request of Scrapy's HTTP/1.1
handler asks for a connection keyed by (scheme, host, port): the pool is handed another endpoint.
The pool also forgets hosts it holds no idle connection to (Twisted keeps an empty entry per host
forever: 100,000 of them for a list of 100,000 domains). The same handler also lets a crawl shorten how long idle keep-alive connections are kept
(``NOAI_IDLE_CONNECTION_TIMEOUT``, seconds): a crawl of 100,000 domains would otherwise hold one open
socket per domain for Twisted's 240 s.
"""

from __future__ import annotations

import fnmatch
import ipaddress
from dataclasses import dataclass
from typing import Any

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from twisted.internet.defer import Deferred, fail
from twisted.internet.endpoints import TCP4ClientEndpoint, TCP6ClientEndpoint, wrapClientTLS
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IResolverSimple
from twisted.web.client import HTTPConnectionPool
from zope.interface import implementer  # type: ignore[import-untyped]


@dataclass(frozen=True)
class ConnectRule:
    """Connections to hosts matching ``host_glob`` (and ``port``, when given) go to ``ip``:``target_port``."""

    host_glob: str
    port: int | None
    ip: str
    target_port: int

    def matches(self, host: str, port: int) -> bool:
        return (self.port is None or self.port == port) and fnmatch.fnmatchcase(host.lower(), self.host_glob)


def _port(text: str, what: str, spec: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ValueError(f"NOAI_CONNECT_TO: {what} port must be 1-65535 in {spec!r}")
    return int(text)


def _rule(spec: str) -> ConnectRule:
    pattern, equals, target = spec.strip().partition("=")
    if not equals or not pattern.strip() or not target.strip():
        raise ValueError(f"NOAI_CONNECT_TO: expected PATTERN=IP:PORT, got {spec.strip()!r}")
    ip, _colon, target_port = target.strip().rpartition(":")
    ip = ip.strip("[]")
    try:
        ipaddress.ip_address(ip)
    except ValueError:
        raise ValueError(f"NOAI_CONNECT_TO: {ip or target!r} is not an IP address (in {spec.strip()!r})") from None
    host, port_sep, port = pattern.strip().lower().rpartition(":") if ":" in pattern else (pattern.strip().lower(), "", "")
    return ConnectRule(host, _port(port, "pattern", spec) if port_sep else None, ip, _port(target_port, "target", spec))


def parse_connect_to(value: str | None) -> tuple[ConnectRule, ...]:
    """The rules of a NOAI_CONNECT_TO value; ValueError with one line for a malformed one.

    >>> parse_connect_to("*.test:443=127.0.0.1:8443, *=127.0.0.1:8080")[0]
    ConnectRule(host_glob='*.test', port=443, ip='127.0.0.1', target_port=8443)
    """
    return tuple(_rule(spec) for spec in (value or "").split(",") if spec.strip())


def connect_target(rules: tuple[ConnectRule, ...], host: str, port: int) -> tuple[str, int] | None:
    """Where a connection to ``host``:``port`` goes, or None for the host itself."""
    for rule in rules:
        if rule.matches(host, port):
            return rule.ip, rule.target_port
    return None


class ConnectToPool(HTTPConnectionPool):
    """A connection pool that connects matching hosts elsewhere (the pool key keeps the real host)."""

    def __init__(self, reactor: Any, rules: tuple[ConnectRule, ...], tls_policy: Any, timeout: float) -> None:
        super().__init__(reactor, persistent=True)  # type: ignore[no-untyped-call]
        self._rules = rules
        self._tls_policy = tls_policy
        self._timeout = timeout

    def getConnection(self, key: Any, endpoint: Any) -> Any:
        connection = super().getConnection(key, endpoint)
        self._forget_if_empty(key)
        return connection

    def _newConnection(self, key: Any, endpoint: Any) -> Any:
        """Only a new connection needs an endpoint: a matching host's goes to the rule's address."""
        if self._rules and len(key) >= 3 and key[0] in (b"http", b"https"):
            host = key[1].decode("ascii", "replace") if isinstance(key[1], bytes) else str(key[1])
            target = connect_target(self._rules, host, key[2])
            if target is not None:
                # An IP endpoint: no name lookup at all (HostnameEndpoint would ask the resolver).
                tcp = TCP6ClientEndpoint if ":" in target[0] else TCP4ClientEndpoint
                endpoint = tcp(self._reactor, target[0], target[1], timeout=self._timeout)
                if key[0] == b"https":
                    endpoint = wrapClientTLS(self._tls_policy.creatorForNetloc(key[1], key[2]), endpoint)
        return super()._newConnection(key, endpoint)

    def _removeConnection(self, key: Any, connection: Any) -> None:
        super()._removeConnection(key, connection)  # type: ignore[no-untyped-call]
        self._forget_if_empty(key)

    def _forget_if_empty(self, key: Any) -> None:
        """Twisted keeps an empty list per (scheme, host, port) ever connected to: one per domain of a list."""
        if key in self._connections and not self._connections[key]:
            del self._connections[key]


class ConnectToDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler with NOAI_CONNECT_TO and NOAI_IDLE_CONNECTION_TIMEOUT."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        from twisted.internet import reactor

        from noai_check.crawl.config import CrawlConfig

        config = CrawlConfig.from_settings(crawler.settings)
        old = self._pool
        pool = ConnectToPool(
            reactor, parse_connect_to(config.connect_to), self._contextFactory,
            crawler.settings.getfloat("DOWNLOAD_TIMEOUT", 180),
        )
        pool.maxPersistentPerHost = old.maxPersistentPerHost
        pool._factory = old._factory
        if config.idle_connection_timeout > 0:
            pool.cachedConnectionTimeout = config.idle_connection_timeout
        self._pool = pool


@implementer(IResolverSimple)
class NoDNSResolver:
    """``-s TWISTED_DNS_RESOLVER=noai_check.crawl.connect_to.NoDNSResolver``: every name lookup fails at once.

    For replicas and benchmarks: hosts NOAI_CONNECT_TO matches need no lookup, and any other host (a
    list's ``.invalid`` domains) is "host does not resolve" without a query leaving the machine.
    """

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> NoDNSResolver:
        return cls()

    def install_on_reactor(self) -> None:
        from twisted.internet import reactor

        reactor.installResolver(self)

    def getHostByName(self, name: str, timeout: Any = ()) -> Deferred[str]:
        return fail(DNSLookupError(f"address {name!r} not found (NoDNSResolver: no lookups)"))
