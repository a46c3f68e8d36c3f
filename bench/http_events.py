"""Single events over a real HTTP server: ``POST /api/v1/events/collect`` through granian.

    .venv/bin/python bench/http_events.py [--events 20000] [--workers 4] [--concurrency 16] [--kill]

Named ``http_events`` because a module named ``http`` in this directory shadowed the
standard library's ``http`` package for every script in this folder.

Starts the production server (granian with como/server.py's flags, access log included;
``--server gunicorn`` for the gthread baseline) on a free loopback port with como's
application (bench/http_wsgi.py), and one ``manage.py ingest_drain`` process; a load generator
in this process (bench/loadgen.py, asyncio) POSTs ``--events`` single events with
``--concurrency`` connections. It prints events/s and the answer's p50/p99, two raw limits of
the same server in the same run, sent the same requests (a bare WSGI no-op before the collect
edge and Django: the honest floor for the edge, como/ingest/edge.py, which skips Django's
middleware too; and a no-op Django view behind all the middleware), the ratios, the time from
each sampled event's 202 to its row (stored and scored: they commit together) read on another
connection, p50/p99, and the CPU each part spent per event (web workers, drain, PostgreSQL
backends of this database, the load generator) with what 2 quiet cores would give.
``--kill`` SIGKILLs a web worker a third of the way in
and the drain two thirds in (a new drain is started), then checks that every event answered
202 is stored exactly once. Everything it created is removed.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import loadgen
from proc_cpu import Meter, children
from smoke import parse_arguments

ROOT = Path(__file__).resolve().parent.parent
TARGET = 1_500  # single events/s, docs/architecture.md "Hot paths"
LATENCY_TARGET = 1.0  # s, 202 → stored and scored, p99
URL = "/api/v1/events/collect"
NOOP = "/api/bench/noop"  # bench/http_urls.py: a Django view behind all the middleware
BARE = "/api/bench/bare"  # bench/http_wsgi.py: before the edge and Django
POLL_SECONDS = 0.02

#: --smoke: seconds, for `make test` (bench/smoke.py).
SMOKE = {"events": 300, "noop": 300, "workers": 2, "threads": 2, "concurrency": 4}


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20_000, help="single events to POST")
    parser.add_argument("--noop", type=int, default=10_000, help="no-op requests (raw limit)")
    parser.add_argument("--workers", type=int, default=2, help="web worker processes")
    parser.add_argument(
        "--server",
        choices=["granian", "gunicorn"],
        default="granian",
        help="granian as deployed (como/server.py), or gunicorn (a dev dependency) to compare",
    )
    parser.add_argument(
        "--access-log",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="granian's access log line a request, as deployed (into the run's log file)",
    )
    parser.add_argument("--worker-class", default="gthread", help="gunicorn worker class")
    parser.add_argument(
        "--threads", type=int, default=16, help="blocking threads (granian) or gthreads a worker"
    )
    parser.add_argument("--concurrency", type=int, default=32, help="client connections")
    parser.add_argument("--sample", type=int, default=10, help="time every Nth event's latency")
    parser.add_argument(
        "--kill", action="store_true", help="SIGKILL a web worker and the drain mid-run"
    )
    return parse_arguments(parser, SMOKE)


def setup_django(queue: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "como.settings")
    os.environ.setdefault("COMO_ENV", "development")
    os.environ["CELERY_TASK_DEFAULT_QUEUE"] = queue
    import django

    django.setup()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_environment(queue: str) -> dict[str, str]:
    # The limits are charged as in production (their Redis round trips are part of the cost)
    # but set high enough never to refuse this load; the drain's activity messages go to a
    # queue of the run's own, removed at the end.
    return {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "COMO_RATE_API": "100000000/m",
        "COMO_RATE_INGEST_EVENTS": "100000000/m",
        "COMO_RATE_ANON": "100000000/m",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
    }


def start_server(args: argparse.Namespace, port: int, env: dict[str, str], log: Any) -> Any:
    if args.server == "granian":
        from como import server

        command = server.command(
            host="127.0.0.1",
            port=port,
            workers=args.workers,
            threads=args.threads,
            application="bench.http_wsgi:application",
            access_log=args.access_log,
        )
    else:
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "bench.http_wsgi:application",
            f"--bind=127.0.0.1:{port}",
            f"--workers={args.workers}",
            f"--worker-class={args.worker_class}",
            f"--threads={args.threads}",
            "--backlog=2048",
            "--no-control-socket",
        ]
    server_env = {**env, "DJANGO_SETTINGS_MODULE": "bench.http_site"}
    return subprocess.Popen(command, cwd=ROOT, env=server_env, stdout=log, stderr=log)


def server_name(args: argparse.Namespace) -> str:
    if args.server == "granian":
        log = "access log" if args.access_log else "no access log"
        return f"granian {args.workers} WSGI workers x {args.threads} blocking threads, {log}"
    threads = f" x {args.threads} threads" if args.threads > 1 else ""
    return f"gunicorn {args.workers} {args.worker_class} workers{threads}"


def start_drain(env: dict[str, str], log: Any) -> Any:
    command = [sys.executable, "manage.py", "ingest_drain"]
    env = {**env, "DJANGO_SETTINGS_MODULE": "como.settings"}
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)


def wait_serving(server: Any, port: int, headers: dict[str, str], timeout: float = 90) -> None:
    """Until the no-op view answers 202 (the workers booted, the application loaded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}; see its log")
        probe = loadgen.run(
            host="127.0.0.1", port=port, path=NOOP, headers=headers, bodies=[b"{}"], concurrency=1
        )
        if probe.status[0] == 202:
            return
        time.sleep(0.3)
    raise SystemExit("the server did not answer in time; see its log")


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def stop(process: Any) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def make_events(count: int, prefix: str) -> list[bytes]:
    """Events as a site's snippet sends them: now, in order, a tenth of them per person."""
    start = datetime.now(UTC) - timedelta(minutes=5)
    people = max(1, count // 10)
    types = ["page_view"] * 7 + ["email_click", "form_submit", "webinar_attend"]
    bodies = []
    for n in range(count):
        event = {
            "id": f"{prefix}-{n}",
            "type": types[n % len(types)],
            "occurred_at": (start + timedelta(milliseconds=n)).isoformat(),
            "contact": {"email": f"visitor{n % people}@http-bench.example.com"},
            "properties": {"path": "/pricing", "referrer": "https://www.google.com/"},
        }
        bodies.append(json.dumps(event).encode())
    return bodies


def backend_pids(exclude: set[int], _own: list[Any] = []) -> list[int]:  # noqa: B006
    """PostgreSQL backends of this database (the web workers', the drains'), minus ours.

    On a connection of its own, outside Django (it is called from the load generator's loop).
    """
    import psycopg
    from django.db import connection

    if not _own:
        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        _own.append(psycopg.connect(**params, autocommit=True))
    rows = (
        _own[0]
        .execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        .fetchall()
    )
    return [pid for (pid,) in rows if pid not in exclude]


class LatencyProbe(threading.Thread):
    """Reads, on its own connection, when sampled accepted events appear as stored rows."""

    def __init__(self, workspace_id: int) -> None:
        super().__init__(daemon=True)
        self.workspace_id = workspace_id
        self.pending: dict[str, float] = {}
        self.latencies: list[float] = []
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.backend = 0  # its PostgreSQL backend: bench overhead, not the system's cost

    def add(self, event_id: str, answered_at: float) -> None:
        with self.lock:
            self.pending[event_id] = answered_at

    def run(self) -> None:
        from django.db import connection

        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.backend = cursor.fetchone()[0]
            while not self.done.is_set() or self.pending:
                with self.lock:
                    ids = list(self.pending)[:2000]
                if ids:
                    with connection.cursor() as cursor:
                        cursor.execute(
                            "SELECT event_id FROM leads_event "
                            "WHERE workspace_id = %s AND event_id = ANY(%s)",
                            [self.workspace_id, ids],
                        )
                        found = [row[0] for row in cursor.fetchall()]
                    now = time.perf_counter()
                    with self.lock:
                        for event_id in found:
                            self.latencies.append(now - self.pending.pop(event_id))
                time.sleep(POLL_SECONDS)
        finally:
            connection.close()


def wait_drained(workspace_id: int, accepted: set[str], timeout: float) -> None:
    from como.ingest.models import AcceptedEvent
    from como.leads.models import Event

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        waiting = AcceptedEvent.objects.filter(workspace_id=workspace_id).exists()
        stored = Event.objects.filter(workspace_id=workspace_id).count()
        if not waiting and stored >= len(accepted):
            return
        time.sleep(0.2)
    raise SystemExit("the drain did not store every accepted event in time")


def clean_up(workspace: Any, queue: str) -> None:
    import redis
    from django.conf import settings

    from como.rawsql import raw_cursor

    with raw_cursor() as cursor:
        for statement in (
            "DELETE FROM leads_lifecycletransition WHERE workspace_id = %s",
            "DELETE FROM leads_event WHERE workspace_id = %s",
            "DELETE FROM leads_anonymousid WHERE workspace_id = %s",
            "DELETE FROM leads_contact WHERE workspace_id = %s",
        ):
            cursor.execute(statement, [workspace.pk])
    agent = workspace.agent_user
    workspace.delete()  # its accepted events go with it
    agent.delete()
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    broker.close()


def main() -> None:
    args = arguments()
    tag = uuid.uuid4().hex[:8]
    queue = f"como-bench-{tag}"
    setup_django(queue)

    from django.db.models import Count

    from como.leads.models import Event
    from como.workspaces.services import api_key_create, workspace_create

    bodies = make_events(args.events, f"one-{tag}")
    warm = make_events(max(50, 10 * args.workers), f"warm-{tag}")
    noop = bodies[: args.noop] if args.noop <= len(bodies) else bodies * 2
    meters = {part: Meter() for part in ("web workers", "drain", "PostgreSQL backends")}
    load = os.getloadavg()
    workspace = workspace_create(slug=f"bench-{tag}", vertical="b2b", name="Bench (throwaway)")
    key = api_key_create(workspace=workspace, name="bench").secret
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    port = free_port()
    env = server_environment(queue)
    (ROOT / ".data").mkdir(exist_ok=True)
    log = open(ROOT / ".data" / f"bench-http-{tag}.log", "wb")  # noqa: SIM115
    server = start_server(args, port, env, log)
    drains = [start_drain(env, log)]
    probe = LatencyProbe(workspace.pk)
    kills: list[str] = []
    try:
        wait_serving(server, port, headers)

        def post(path: str, payload: list[bytes], on_answer: Any = None) -> loadgen.Outcome:
            return loadgen.run(
                host="127.0.0.1",
                port=port,
                path=path,
                headers=headers,
                bodies=payload,
                concurrency=args.concurrency,
                on_answer=on_answer,
            )

        post(NOOP, warm)  # every worker imports, connects and warms its caches
        warmed = post(URL, warm)
        bare_meter = Meter()
        bare_meter.sample(children(server.pid))
        bare = post(BARE, noop)
        bare_meter.sample(children(server.pid))
        raw = post(NOOP, noop)
        probe.start()
        while not probe.backend:
            time.sleep(0.01)

        def sample() -> None:
            meters["web workers"].sample(children(server.pid))
            meters["drain"].sample([drain.pid for drain in drains])
            meters["PostgreSQL backends"].sample(backend_pids({probe.backend}))

        answered = 0

        def on_answer(index: int, status: int, now: float) -> None:
            nonlocal answered
            answered += 1
            if answered % 1000 == 0:
                sample()
            if status == 202 and index % args.sample == 0:
                probe.add(f"one-{tag}-{index}", now)
            if args.kill and answered == len(bodies) // 3:
                victim = worker_pids(server.pid)[0]
                os.kill(victim, signal.SIGKILL)
                kills.append(f"web worker {victim} at answer {answered}")
            if args.kill and answered == 2 * len(bodies) // 3:
                os.kill(drains[-1].pid, signal.SIGKILL)
                drains[-1].wait()
                drains.append(start_drain(env, log))
                sample()
                kills.append(f"drain {drains[-2].pid} at answer {answered}")

        sample()
        cpu_started = time.process_time()
        run = post(URL, bodies, on_answer)
        loadgen_cpu = time.process_time() - cpu_started
        accepted = {f"one-{tag}-{i}" for i, status in enumerate(run.status) if status == 202}
        accepted_warm = {f"warm-{tag}-{i}" for i, s in enumerate(warmed.status) if s == 202}
        wait_drained(workspace.pk, accepted | accepted_warm, 300)
        sample()
        probe.done.set()
        probe.join(timeout=60)
        stored = dict(
            Event.objects.filter(workspace=workspace, event_id__startswith=f"one-{tag}-")
            .values_list("event_id")
            .annotate(n=Count("id"))
        )
    finally:
        probe.done.set()
        for drain in drains:
            stop(drain)
        stop(server)
        log.close()
        clean_up(workspace, queue)

    statuses: dict[int, int] = {}
    for status in run.status:
        statuses[status] = statuses.get(status, 0) + 1
    answers = [lat for lat, status in zip(run.latency, run.status, strict=True) if status]
    rate = len(accepted) / run.elapsed
    raw_rate = len(raw.status) / raw.elapsed
    bare_rate = len(bare.status) / bare.elapsed
    print("como single events over HTTP")
    print(
        f"  box: {os.cpu_count()} cores, load average {load[0]:.2f} at the start, "
        f"{os.getloadavg()[0]:.2f} at the end; {server_name(args)}, one ingest_drain, "
        f"{args.concurrency} client connections (asyncio, this process)"
    )
    verdict = "met" if rate >= TARGET else "NOT met"
    print(
        f"  collect: {len(accepted)} events in {run.elapsed:.2f} s = {rate:,.0f} events/s; "
        f"p50 {loadgen.percentile(answers, 0.5) * 1000:.1f} ms, "
        f"p99 {loadgen.percentile(answers, 0.99) * 1000:.1f} ms (target ≥ {TARGET:,}: {verdict})"
    )
    bare_cpu = bare_meter.spent() / len(bare.status) * 1000
    for name, outcome, limit in (
        (f"bare WSGI no-op, same server ({bare_cpu:.3f} ms CPU in workers)", bare, bare_rate),
        ("no-op Django view, all middleware", raw, raw_rate),
    ):
        print(
            f"  raw limit, {name}: {len(outcome.status)} requests in {outcome.elapsed:.2f} s = "
            f"{limit:,.0f} requests/s; p50 {loadgen.percentile(outcome.latency, 0.5) * 1000:.1f}"
            f" ms, p99 {loadgen.percentile(outcome.latency, 0.99) * 1000:.1f} ms; "
            f"ratio collect / it: {rate / limit:.3f}"
        )
    count = max(1, len(accepted))
    spent = {part: meter.spent() for part, meter in meters.items()}
    spent["load generator"] = loadgen_cpu
    per_event = {part: seconds / count * 1000 for part, seconds in spent.items()}
    system = sum(ms for part, ms in per_event.items() if part != "load generator")
    print(
        "  CPU per event: "
        + ", ".join(f"{part} {ms:.3f} ms" for part, ms in per_event.items())
        + f"; como's total {system:.3f} ms = {(os.cpu_count() or 1) * 1000 / system:,.0f} "
        f"events/s on {os.cpu_count()} quiet cores (load generator elsewhere; PostgreSQL's "
        "WAL writer and checkpointer not counted)"
    )
    lat = probe.latencies
    verdict = "met" if lat and loadgen.percentile(lat, 0.99) <= LATENCY_TARGET else "NOT met"
    print(
        f"  202 → stored and scored: p50 {loadgen.percentile(lat, 0.5) * 1000:.0f} ms, "
        f"p99 {loadgen.percentile(lat, 0.99) * 1000:.0f} ms over {len(lat)} sampled events "
        f"(read every {POLL_SECONDS * 1000:.0f} ms; target p99 ≤ {LATENCY_TARGET:.0f} s: "
        f"{verdict})"
    )
    print(f"  answers: {dict(sorted(statuses.items()))} (0: no answer), {len(run.errors)} errors")
    lost = accepted - set(stored)
    twice = [event_id for event_id, n in stored.items() if n != 1]
    if kills:
        print(f"  killed: {'; '.join(kills)}")
    print(
        f"  exactly once: {len(accepted)} accepted, {len(accepted & set(stored))} of them "
        f"stored, {len(lost)} lost, {len(twice)} stored twice; "
        f"{len(set(stored) - accepted)} stored without a 202 (their answer was cut off)"
    )
    if lost or twice:
        raise SystemExit("an accepted event was lost or stored twice")
    if not args.kill and len(accepted) != len(bodies):
        raise SystemExit(f"only {len(accepted)} of {len(bodies)} events were accepted")


if __name__ == "__main__":
    main()
