"""Serve an ``ArchiveSite`` on a loopback port chosen by the OS, from a daemon thread (like ``server.py``)."""

from __future__ import annotations

import logging
import socketserver
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import final

from noai_check.replica.archive import ArchiveSite, Snapshot
from noai_check.replica.archive_history import soundcloud_history

logger = logging.getLogger(__name__)
_DISCONNECTS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)


class _ArchiveServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def __init__(self, site: ArchiveSite, verbose: bool) -> None:
        self.site = site
        self.verbose = verbose
        super().__init__(("127.0.0.1", 0), _Handler)

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)  # no getfqdn(): a reverse DNS lookup can stall offline
        self.server_name, self.server_port = self.server_address[:2]  # type: ignore[assignment]

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], _DISCONNECTS):
            logger.exception("archive replica: error while serving %s", client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 60
    server: _ArchiveServer

    def do_GET(self) -> None:
        answer = self.server.site.resolve(self.path, self.headers.get("User-Agent", ""), time.monotonic())
        self.send_response_only(answer.status)
        self.send_header("Date", self.date_time_string())
        for name, value in answer.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        if answer.cut_at is not None:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(answer.body if answer.cut_at is None else answer.body[: answer.cut_at])

    def log_message(self, format: str, *args: object) -> None:
        if self.server.verbose:
            super().log_message(format, *args)


@final
@dataclass(frozen=True)
class ArchiveReplica:
    """A running archive replica at ``url`` (give it as ``NOAI_ARCHIVE_URL``); ``site.log`` lists what was asked."""

    url: str
    site: ArchiveSite
    _server: _ArchiveServer = field(repr=False, compare=False)

    def stop(self) -> None:
        """Stop listening; safe to call twice."""
        if self._server.socket.fileno() != -1:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> ArchiveReplica:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()


def start_archive_replica(
    snapshots: Sequence[Snapshot] | ArchiveSite | None = None, *, verbose: bool = False, **options: object
) -> ArchiveReplica:
    """Serve ``snapshots`` (default: the SoundCloud-like history) as an archive; ``options`` go to ``ArchiveSite``."""
    if isinstance(snapshots, ArchiveSite):
        site = snapshots
    else:
        site = ArchiveSite(soundcloud_history() if snapshots is None else snapshots, **options)  # type: ignore[arg-type]
    server = _ArchiveServer(site, verbose)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="replica-archive",
                              daemon=True)
    thread.start()
    return ArchiveReplica(f"http://127.0.0.1:{server.server_address[1]}", site, server)
