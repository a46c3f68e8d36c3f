"""Real servers on 127.0.0.x for the fetch tests: a listener that only counts connections (the
proof that a refused fetch never connected), and an HTTPS feed server with a test CA (trustme).

Paths of :class:`FeedServer`: ``/feed.csv`` (the feed), ``/to?u=URL`` (302 to URL), ``/loop``
(302 to itself), ``/big`` (max+1 bytes, chunked: no Content-Length), ``/declared`` (a
Content-Length far above the limit), ``/slow`` (one byte every 0.2 s), ``/auth`` (echoes the
Authorization header), ``/gone`` (404), ``/host`` (echoes the Host header).
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

import trustme

FEED = b"VIN,Stock\r\n1HGCM82633A004352,A1\r\n"


class RecordingListener:
    """A TCP socket on ``host`` that accepts and counts every connection made to it."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((host, 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port: int = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            conn.close()

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


class _Handler(BaseHTTPRequestHandler):
    server: FeedServer

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.server.requests.append(self.path)
        parts = urlsplit(self.path)
        if parts.path in self.server.files:
            self._send(200, self.server.files[parts.path], {"Content-Type": "text/csv"})
        elif parts.path == "/feed.csv":
            self._send(200, FEED, {"Content-Type": "text/csv"})
        elif parts.path == "/to":
            self._send(302, headers={"Location": parse_qs(parts.query)["u"][0]})
        elif parts.path == "/loop":
            self._send(302, headers={"Location": "/loop"})
        elif parts.path == "/auth":
            self._send(200, self.headers.get("Authorization", "none").encode())
        elif parts.path == "/host":
            self._send(200, self.headers.get("Host", "").encode())
        elif parts.path == "/big":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"x" * 4096
            for _ in range(self.server.big // len(chunk) + 2):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
        elif parts.path == "/declared":
            self.send_response(200)
            self.send_header("Content-Length", str(10**12))
            self.end_headers()
            self.wfile.write(b"x" * 100)
        elif parts.path == "/slow":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            for _ in range(1000):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.2)
        else:
            self._send(404, b"no such feed")


class FeedServer(ThreadingHTTPServer):
    """An HTTPS server on ``host`` whose certificate (for localhost, 127.0.0.1 and 127.0.0.2)
    is signed by ``ca``; ``big`` is how many bytes ``/big`` sends at least."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, ca: trustme.CA, host: str = "127.0.0.1", big: int = 0) -> None:
        super().__init__((host, 0), _Handler)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("localhost", "127.0.0.1", "127.0.0.2").configure_cert(context)
        self.socket = context.wrap_socket(self.socket, server_side=True)
        self.requests: list[str] = []
        self.big = big
        #: Extra files served by path, as a test sets them.
        self.files: dict[str, bytes] = {}
        self.port: int = self.server_address[1]
        self.host = host
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hangs up mid-body (the size and time caps) is the point

    def url(self, path: str, host: str | None = None) -> str:
        return f"https://{host or self.host}:{self.port}{path}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.shutdown()
        self.server_close()
