"""A small HTTP/1.1 load generator on asyncio streams, for bench/http_events.py.

Why not locust: on a 2-core box the load generator competes with the server it measures, and
locust (gevent, a web UI, a stats pipeline) spends far more per request than this loop, which
parses only the status line, the headers it needs and ``Content-Length``. Why not httpx: its
async client costs a few hundred µs per request, a good part of a core at 1,500 requests/s.
Connections are kept alive when the server allows it (granian, gunicorn's ``gthread`` worker)
and opened anew when it closes them (gunicorn's ``sync`` worker closes every one).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass
class Outcome:
    """What happened to each request, by index: its status (0: no answer) and latency."""

    status: list[int]
    latency: list[float]
    answered_at: list[float]
    elapsed: float = 0.0
    errors: list[str] = field(default_factory=list)


async def _request(
    conn: list[asyncio.StreamReader | asyncio.StreamWriter | None],
    host: str,
    port: int,
    head: bytes,
    body: bytes,
) -> int:
    if conn[0] is None:
        conn[0], conn[1] = await asyncio.open_connection(host, port)
    reader, writer = conn[0], conn[1]
    assert isinstance(reader, asyncio.StreamReader)
    assert isinstance(writer, asyncio.StreamWriter)
    writer.write(head + body)
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("closed before answering")
    status = int(status_line.split(b" ", 2)[1])
    length, close = 0, False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection" and value.strip().lower() == b"close":
            close = True
    if length:
        await reader.readexactly(length)
    if close:
        writer.close()
        conn[0] = conn[1] = None
    return status


def run(
    *,
    host: str,
    port: int,
    path: str,
    headers: dict[str, str],
    bodies: Sequence[bytes],
    concurrency: int,
    on_answer: Callable[[int, int, float], None] | None = None,
) -> Outcome:
    """POST every body once with ``concurrency`` connections; answers in index order."""
    count = len(bodies)
    outcome = Outcome([0] * count, [0.0] * count, [0.0] * count)
    fixed = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    prefix = f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{fixed}"
    next_index = 0

    async def client() -> None:
        nonlocal next_index
        conn: list[asyncio.StreamReader | asyncio.StreamWriter | None] = [None, None]
        while next_index < count:
            index = next_index
            next_index += 1
            body = bodies[index]
            head = f"{prefix}Content-Length: {len(body)}\r\n\r\n".encode()
            started = time.perf_counter()
            try:
                status = await _request(conn, host, port, head, body)
            except (OSError, ValueError, IndexError, asyncio.IncompleteReadError) as error:
                if conn[1] is not None:
                    conn[1].close()  # type: ignore[union-attr]
                conn[0] = conn[1] = None
                outcome.errors.append(f"{type(error).__name__}: {error}")
                continue
            now = time.perf_counter()
            outcome.status[index] = status
            outcome.latency[index] = now - started
            outcome.answered_at[index] = now
            if on_answer is not None:
                on_answer(index, status, now)
        if conn[1] is not None:
            conn[1].close()  # type: ignore[union-attr]

    async def main() -> None:
        await asyncio.gather(*(client() for _ in range(concurrency)))

    started = time.perf_counter()
    asyncio.run(main())
    outcome.elapsed = time.perf_counter() - started
    return outcome


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
