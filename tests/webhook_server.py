"""A local webhook receiver that honours ``Idempotency-Key`` the way payment providers do.

A real HTTP server (``ThreadingHTTPServer`` on 127.0.0.1, in a thread of the test process) for
the ``webhook`` executor to talk to:

- the first request with a key performs the *side effect* (recorded in :attr:`effects`), waits
  :attr:`delay` seconds (the provider's work) and stores its response under the key;
- a later request with the same key gets the stored response with ``Idempotent-Replayed: true``
  and no second side effect (Stripe's behaviour); while the first is still running it gets 409;
- every request is recorded in :attr:`deliveries`; :attr:`duplicates` counts the replayed ones;
- :attr:`answers` scripts failures in front of all that (a 503 from an overloaded front end,
  a 400 from validation): each queued status answers one request, with no side effect;
- ``GET /stats`` answers the counts (for a receiver running in another process);
- :meth:`hold_after` makes the n-th side effect wait for :meth:`release` before it answers:
  the moment to kill the worker that sent it (the effect happened; the worker never hears).

Used by tests/como/agents/test_webhook.py, tests/e2e/test_action_exactly_once.py and
bench/actions.py.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


@dataclass(frozen=True)
class Delivery:
    key: str
    body: Any
    status: int
    replayed: bool


class IdempotentReceiver:
    def __init__(self, *, delay: float = 0.0) -> None:
        self.delay = delay
        self.answers: deque[int] = deque()
        self.deliveries: list[Delivery] = []
        self.effects: dict[str, Any] = {}  # key → body, in the order the effects happened
        self._responses: dict[str, tuple[int, bytes]] = {}
        self._running: set[str] = set()
        self._lock = threading.Lock()
        self._hold_at: int | None = None
        self.held = threading.Event()
        self._release = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/hooks"

    @property
    def side_effects(self) -> int:
        return len(self.effects)

    @property
    def duplicates(self) -> int:
        """Deliveries of a key whose effect had happened already (answered from the store)."""
        return sum(1 for delivery in self.deliveries if delivery.replayed)

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {
                "deliveries": len(self.deliveries),
                "side_effects": self.side_effects,
                "duplicates": self.duplicates,
            }

    def hold_after(self, count: int) -> None:
        """Hold the response of the ``count``-th side effect until :meth:`release`."""
        self._hold_at = count

    def release(self) -> None:
        self._release.set()

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _handle(self, key: str, body: Any) -> tuple[int, bytes, bool]:
        """(status, body, replayed) for one request; performs the side effect at most once."""
        hold = False
        with self._lock:
            if self.answers:
                status = self.answers.popleft()
                answer = json.dumps({"error": f"scripted {status}"}).encode()
                self.deliveries.append(Delivery(key, body, status, replayed=False))
                return status, answer, False
            if not key:
                self.deliveries.append(Delivery(key, body, 400, replayed=False))
                return 400, b'{"error": "Idempotency-Key header required"}', False
            if key in self._responses:
                status, answer = self._responses[key]
                self.deliveries.append(Delivery(key, body, status, replayed=True))
                return status, answer, True
            if key in self._running:
                self.deliveries.append(Delivery(key, body, 409, replayed=False))
                return 409, b'{"error": "a request with this Idempotency-Key is running"}', False
            self._running.add(key)
            self.effects[key] = body  # the side effect
            number = len(self.effects)
            hold = number == self._hold_at
        if self.delay:
            time.sleep(self.delay)
        if hold:
            self.held.set()
            self._release.wait(timeout=60)
        answer = json.dumps({"id": f"hook_{number}", "idempotency_key": key}).encode()
        with self._lock:
            self._responses[key] = (200, answer)
            self._running.discard(key)
            self.deliveries.append(Delivery(key, body, 200, replayed=False))
        return 200, answer, False

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as providers' endpoints do
            # Headers and body go out in two writes: with Nagle's algorithm on, the body waits
            # for the client's delayed ACK (40 ms a request). Servers set TCP_NODELAY.
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"null")
                except ValueError:
                    body = raw.decode(errors="replace")
                key = self.headers.get("Idempotency-Key", "")
                status, answer, replayed = receiver._handle(key, body)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    if replayed:
                        self.send_header("Idempotent-Replayed", "true")
                    self.end_headers()
                    self.wfile.write(answer)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender died waiting; the effect stands, as it would at a provider

            def do_GET(self) -> None:
                answer = json.dumps(receiver.stats() if self.path == "/stats" else {}).encode()
                self.send_response(200 if self.path == "/stats" else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
