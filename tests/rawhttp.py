"""A raw HTTP server on 127.0.0.1 for answers no well-behaved server library would send.

Each connection gets the bytes ``answer(path)`` returns, sent as chunks with an optional pause
between them (a slow server). It serves at most ``limit`` connections and stops when the test
leaves the ``with`` block, so nothing outlives the test.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

Answer = Callable[[str], Iterable[bytes]]


def _path(request: bytes) -> str:
    line = request.split(b"\r\n", 1)[0].decode("latin-1")
    parts = line.split(" ")
    return parts[1] if len(parts) >= 2 else "/"


def _serve_one(conn: socket.socket, answer: Answer, pause: float, stop: threading.Event) -> None:
    with conn:
        conn.settimeout(5)
        try:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                request += chunk
            for piece in answer(_path(request)):
                if stop.is_set():
                    return
                conn.sendall(piece)
                if pause:
                    time.sleep(pause)
        except OSError:
            return  # the client gave up: that is what slow-server tests expect


@contextmanager
def raw_server(answer: Answer, *, pause: float = 0.0, limit: int = 20) -> Iterator[str]:
    """Serve ``answer`` on 127.0.0.1; yields the base URL (no trailing slash)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def loop() -> None:
        served = 0
        while not stop.is_set() and served < limit:
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            served += 1
            threading.Thread(target=_serve_one, args=(conn, answer, pause, stop), daemon=True).start()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(5)
        listener.close()


def response(status: str = "200 OK", headers: Iterable[tuple[str, str]] = (), body: bytes = b"") -> bytes:
    """One complete HTTP/1.1 response that closes the connection."""
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers),
             f"Content-Length: {len(body)}", "Connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1") + body
