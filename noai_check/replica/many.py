"""One local server that answers for many domains by ``Host``, and lists of those domains with known policies.

A domain's name says its policy: ``s<rank>-<shape>.test`` (``.invalid`` for ``nodns``), and the server
answers each request from the shape alone, so a list of 100,000 domains costs no memory here. The
shapes copy what real sites serve (robots.txt blocks of AI agents, Cloudflare's managed robots.txt with
Content-Signal, a byte-order mark, 5xx and 404 robots.txt, an HTML page served as robots.txt, a server
that never answers in time, a home page redirecting to ``www.``, a name that does not resolve, noai
metas, tdmrep.json, ai.txt, llms.txt). ``expected(domain)`` is what an audit must find.

Crawl it with ``-s NOAI_CONNECT_TO=*=127.0.0.1:PORT`` (plus ``*:443=127.0.0.1:TLS_PORT`` when started
with TLS) and ``-s TWISTED_DNS_RESOLVER=noai_check.crawl.connect_to.NoDNSResolver``.

``python -m noai_check.replica.many [--list N FILE] [--tls]`` writes a list and/or serves.
Stdlib only (the certificate for ``--tls`` is made with the ``openssl`` command).
"""

from __future__ import annotations

import re
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

AI_BLOCKED = ("GPTBot", "ClaudeBot", "CCBot", "Google-Extended")
# (shape, share of the list in percent); the order is the order within every block of 100 ranks.
SHAPES: tuple[tuple[str, int], ...] = (
    ("plain", 38), ("aiblock", 20), ("cloudflare", 5), ("bom", 2), ("r503", 3), ("r404", 10), ("htmlrobots", 2),
    ("slow", 1), ("www", 7), ("nodns", 3), ("noai", 3), ("tdmrep", 2), ("aitxt", 2), ("llms", 2),
)
_SHAPE_AT = [shape for shape, share in SHAPES for _ in range(share)]
_NAME = re.compile(r"^(?:www\.)?s(\d+)-([a-z0-9]+)\.(?:test|invalid)$")

_AI_BLOCK = "".join(f"User-agent: {agent}\nDisallow: /\n\n" for agent in AI_BLOCKED)
_CLOUDFLARE = (
    "# As a condition of accessing this website, you agree to abide by the following\n"
    "# content signals:\n# ai-train: training or fine-tuning AI models.\n\n"
    "# BEGIN Cloudflare Managed content\n\nUser-agent: *\nContent-Signal: search=yes,ai-train=no\nAllow: /\n\n"
    + "".join(f"User-agent: {agent}\nDisallow: /\n\n" for agent in ("GPTBot", "CCBot", "ClaudeBot"))
    + "# END Cloudflare Managed Content\n"
)
_HOME = "<!doctype html><html><head><title>{d}</title>{meta}</head><body><h1>{d}</h1></body></html>"


def shape_for(rank: int) -> str:
    """The shape of the domain at ``rank`` (1-based) in a generated list."""
    return _SHAPE_AT[(rank - 1) % 100]


def domain_for(rank: int) -> str:
    shape = shape_for(rank)
    return f"s{rank}-{shape}.{'invalid' if shape == 'nodns' else 'test'}"


def write_list(path: Path, count: int) -> Path:
    """A Tranco-shaped ``rank,domain`` list of ``count`` generated domains (written as a stream)."""
    with path.open("w", encoding="utf-8") as stream:
        for rank in range(1, count + 1):
            stream.write(f"{rank},{domain_for(rank)}\n")
    return path


@dataclass(frozen=True)
class Expected:
    """What an audit of a generated domain must report."""

    status: str  # "ok" | "unverifiable"
    blocked: frozenset[str]  # agents robots.txt disallows at the root
    robots_readable: bool
    origin_host: str | None


def expected(domain: str) -> Expected:
    match = _NAME.match(domain)
    if not match:
        raise ValueError(f"not a generated domain: {domain}")
    shape = match.group(2)
    if shape in ("nodns", "slow"):
        return Expected("unverifiable", frozenset(), False, None)
    if shape == "r503":  # robots.txt 5xx: nothing may be fetched (RFC 9309), so nothing is known
        return Expected("unverifiable", frozenset(), False, domain)
    blocked = {"aiblock": AI_BLOCKED, "bom": ("GPTBot",), "cloudflare": ("GPTBot", "CCBot", "ClaudeBot")}.get(shape, ())
    return Expected("ok", frozenset(blocked), True, ("www." + domain) if shape == "www" else domain)


def robots_txt(shape: str) -> tuple[int, str, bytes]:
    """(status, content type, body) of a shape's robots.txt."""
    text = {
        "plain": "User-agent: *\nDisallow: /private/\n",
        "aiblock": _AI_BLOCK + "User-agent: *\nAllow: /\n",
        "cloudflare": _CLOUDFLARE,
        "tdmrep": "User-agent: *\nAllow: /\n",
        "noai": "User-agent: *\nAllow: /\n",
    }.get(shape)
    if shape == "bom":
        return 200, "text/plain", b"\xef\xbb\xbfUser-agent: GPTBot\nDisallow: /\n"
    if shape == "r503":
        return 503, "text/html", b"<html><body>Service unavailable</body></html>"
    if shape == "htmlrobots":
        return 200, "text/html", b"<!doctype html><html><body>Welcome</body></html>"
    if text is None:
        return 404, "text/html", b"<html><body>Not found</body></html>"
    return 200, "text/plain", text.encode()


def answer(
    host: str, path: str, scheme: str = "http", overrides: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes, float]:
    """(status, headers, body, delay in seconds) for a request to ``host`` at ``path``.

    ``overrides`` maps a domain to another shape: the same list, a site that changed its policy.
    """
    name = host.split(":", 1)[0].lower()
    match = _NAME.match(name)
    if not match:
        return 421, {"Content-Type": "text/plain"}, b"misdirected: not a generated domain\n", 0.0
    shape, www = match.group(2), host.startswith("www.")
    shape = (overrides or {}).get(name.removeprefix("www."), shape)
    if shape == "slow":
        return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n", SLOW_SECONDS
    if path == "/robots.txt":
        status, kind, body = robots_txt(shape)
        if shape == "noai":  # the one shape with a sitemap (for -a pages=K)
            body += f"Sitemap: {scheme}://{host}/sitemap.xml\n".encode()
        return status, {"Content-Type": kind}, body, 0.0
    if shape == "noai" and path == "/sitemap.xml":
        locs = "".join(f"<url><loc>{scheme}://{host}/p{i}</loc></url>" for i in range(1, 4))
        xml = f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'
        return 200, {"Content-Type": "application/xml"}, xml.encode(), 0.0
    if shape == "noai" and path in ("/p1", "/p2", "/p3"):
        meta = "" if path == "/p3" else '<meta name="robots" content="noai">'
        return 200, {"Content-Type": "text/html; charset=utf-8"}, _HOME.format(d=host + path, meta=meta).encode(), 0.0
    if path == "/":
        if shape == "www" and not www:
            return 301, {"Location": f"{scheme}://www.{host}/", "Content-Type": "text/html"}, b"moved", 0.0
        meta = '<meta name="robots" content="noai, noimageai">' if shape == "noai" else ""
        return 200, {"Content-Type": "text/html; charset=utf-8"}, _HOME.format(d=host, meta=meta).encode(), 0.0
    extra = {
        ("tdmrep", "/.well-known/tdmrep.json"): ("application/json", b'[{"location": "/", "tdm-reservation": 1}]'),
        ("aitxt", "/ai.txt"): ("text/plain", b"User-Agent: *\nDisallow: /\n"),
        ("llms", "/llms.txt"): ("text/plain", b"# A site\n\n> For language models.\n"),
    }.get((shape, path))
    if extra:
        return 200, {"Content-Type": extra[0]}, extra[1], 0.0
    return 404, {"Content-Type": "text/html"}, b"<html><body>Not found</body></html>", 0.0


SLOW_SECONDS = 8.0  # longer than the timeout the tests (4 s) and benchmarks (2 s) set


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        scheme = getattr(self.server, "scheme", "http")
        overrides = getattr(self.server, "overrides", None)
        status, headers, body, delay = answer(self.headers.get("Host", ""), self.path.split("?", 1)[0], scheme, overrides)
        if delay:
            time.sleep(delay)
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        return


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    scheme = "http"
    overrides: dict[str, str] | None = None

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up or failed the TLS handshake (an https try on the http port): not news."""
    request_queue_size = 1024


def _self_signed(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-days", "2", "-subj", "/CN=replica.test", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert, key


class ManyDomains:
    """The server, on loopback ports the OS picks: ``port`` (HTTP) and, with ``tls``, ``tls_port``."""

    def __init__(self, tls: bool = False) -> None:
        self.overrides: dict[str, str] = {}  # domain -> shape, read on every request (set between crawls)
        self._servers = [_Server(("127.0.0.1", 0), _Handler)]
        self.tls_port: int | None = None
        if tls:
            folder = Path(tempfile.mkdtemp(prefix="noai-replica-tls-"))
            cert, key = _self_signed(folder)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            secure = _Server(("127.0.0.1", 0), _Handler)
            secure.socket = context.wrap_socket(secure.socket, server_side=True, do_handshake_on_connect=False)
            secure.scheme = "https"
            self._servers.append(secure)
            self.tls_port = secure.server_address[1]
        self.port = self._servers[0].server_address[1]
        for server in self._servers:
            server.overrides = self.overrides
            threading.Thread(target=server.serve_forever, daemon=True).start()

    @property
    def connect_to(self) -> str:
        """The NOAI_CONNECT_TO value that sends every generated domain here."""
        rules = [f"*.test:443=127.0.0.1:{self.tls_port}"] if self.tls_port else []
        return ",".join([*rules, f"*.test=127.0.0.1:{self.port}"])

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()

    def __enter__(self) -> ManyDomains:  # noqa: PYI034 (Python 3.10 has no typing.Self)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def free_port_closed() -> int:
    """A loopback port with nothing listening (for tests of refused connections)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main(argv: list[str] | None = None) -> int:
    """Write a generated list and/or serve every generated domain until stopped."""
    import argparse
    import signal
    import sys

    parser = argparse.ArgumentParser(prog="python -m noai_check.replica.many", description=main.__doc__)
    parser.add_argument("--list", nargs=2, metavar=("COUNT", "FILE"), help="write a rank,domain list of COUNT domains")
    parser.add_argument("--tls", action="store_true", help="also serve https (a self-signed certificate)")
    parser.add_argument("--no-serve", action="store_true", help="only write the list")
    args = parser.parse_args(argv)
    if args.list:
        if not args.list[0].isdigit():
            print(f"replica: COUNT must be a whole number, got {args.list[0]!r}", file=sys.stderr)
            return 2
        write_list(Path(args.list[1]), int(args.list[0]))
    if args.no_serve:
        return 0
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with ManyDomains(tls=args.tls) as replica:
        print(f"replica: -s NOAI_CONNECT_TO={replica.connect_to}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
