"""Ingest benchmark: events/s through the bulk API, against a raw COPY of the same rows.

    .venv/bin/python bench/ingest.py [--events 20000] [--batch 1000] [--single 2000]

Runs against the configured database (DATABASE_URL, or the embedded PostgreSQL), which must be
migrated. It creates a throwaway workspace with an API key, POSTs the events through the whole
Django request path (middleware, API-key authentication, DRF view, validation, identity
resolution, COPY + INSERT, scoring) with Django's test ``Client``, in this process or, with
several ``--clients``, in processes forked from it after Django is set up and warm — no HTTP
server or sockets, so the figure is the application's and the database's, not a web server's.
Then it COPYs the very rows that were stored into a scratch table in the same run and reports
the ingest rate as a ratio of that raw limit. Everything it created is removed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import queue
import random
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any, NamedTuple

from pydantic_core import from_json
from smoke import parse_arguments

ROOT = Path(__file__).resolve().parent.parent
BATCH_TARGET = 20_000  # events/s, docs/architecture.md "Hot paths"
SINGLE_TARGET = 1_500
URL = "/api/v1/events"

#: --smoke: seconds, for `make test` (bench/smoke.py).
SMOKE = {"events": 400, "batch": 100, "single": 20}


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20_000, help="events to ingest in batches")
    parser.add_argument("--batch", type=int, default=1_000, help="events per POST")
    parser.add_argument(
        "--people", type=int, default=0, help="distinct people (default: events / 10)"
    )
    parser.add_argument(
        "--single", type=int, default=2_000, help="single-event POSTs to time (0 to skip)"
    )
    parser.add_argument(
        "--clients",
        type=int,
        default=2,
        help="concurrent clients (forked processes, one database connection each); 1 = sequential",
    )
    parser.add_argument("--seed", type=int, default=7)
    return parse_arguments(parser, SMOKE)


def setup_django(queue: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "como.settings")
    os.environ.setdefault("COMO_ENV", "development")  # a developer's machine, as make's
    # A benchmark measures throughput; the rate limits would cap it at their defaults.
    os.environ["COMO_RATE_LIMITS"] = "false"
    # Our activity-recording messages go to a queue of our own, purged at the end, so a running
    # worker neither processes them during the measurement nor finds them afterwards.
    os.environ["CELERY_TASK_DEFAULT_QUEUE"] = queue
    import django

    django.setup()
    # As como.wsgi does once the application is loaded: what startup loaded (the URL
    # configuration and every view with it) leaves the garbage collector's passes, which are
    # made rarer (como/gcpolicy.py).
    from django.urls import get_resolver

    from como import gcpolicy

    assert get_resolver().url_patterns
    gcpolicy.settle()


def require_migrated() -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        sys.exit("The database is not migrated; run `python manage.py migrate` first.")


def person(rng: random.Random, index: int, group: str) -> dict[str, str]:
    """How event senders name people: mostly email, some CRM ids, some anonymous visitors, a
    few of whom identify later (so merges and promotions are part of the workload)."""
    kind = index % 10
    if kind < 6:
        return {"email": f"person{index}.{group}@bench.example.com"}
    if kind < 8:
        return {"external_id": f"crm-{group}-{index}"}
    visitor = {"anonymous_id": f"cookie-{group}-{index}"}
    if rng.random() < 0.25:
        visitor["email"] = f"person{index}.{group}@bench.example.com"
    return visitor


def make_events(
    count: int, people: int, rng: random.Random, prefix: str, group: str = "a"
) -> list[dict[str, Any]]:
    types = ["page_view"] * 6 + ["email_open", "email_click", "form_submit", "webinar_attend"]
    paths = ["/", "/pricing", "/blog/lead-scoring", "/compare", "/careers", "/demo"]
    events = []
    for n in range(count):
        who = rng.randrange(people)
        events.append(
            {
                "id": f"{prefix}-{n}",
                "type": rng.choice(types),
                "occurred_at": f"2026-01-{1 + n % 28:02d}T{n % 24:02d}:{n % 60:02d}:00Z",
                "contact": person(rng, who, group),
                "properties": {"path": rng.choice(paths), "referrer": "https://www.google.com/"},
                "utm": {"source": "google", "medium": "cpc", "campaign": "spring-2026"},
            }
        )
    return events


def warm_up(key: str, clients: int) -> list[list[bytes]]:
    """Post a small batch from this process, before any client is forked, so first-use
    imports and caches are paid once and inherited; return a small batch per client, which
    warms its own database connection before the clock starts. Ids and people of their own."""
    from django.test import Client

    rng = random.Random(-1)
    first = json.dumps({"events": make_events(200, 50, rng, "warm", "w")}).encode()
    post_all(Client(HTTP_HOST="localhost"), key, [first])
    return [
        [json.dumps({"events": make_events(200, 50, rng, f"warm{c}", f"w{c}")}).encode()]
        for c in range(clients)
    ]


def post_all(client: Any, key: str, bodies: list[bytes]) -> int:
    created = 0
    for body in bodies:
        response = client.post(
            URL, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}"
        )
        if response.status_code != 200:
            raise RuntimeError(f"POST answered {response.status_code}: {response.content[:500]!r}")
        # pydantic_core's parser: the load generator's own cost is not the application's, and
        # the json module takes several times longer over a 1,000-result answer.
        created += from_json(response.content)["created"]
    return created


def clients_label(count: int) -> str:
    if count == 1:
        return "1 client (this process, sequential)"
    return f"{count} concurrent client processes (forked, one database connection each)"


class Run(NamedTuple):
    """One timed run: wall seconds, events created, and CPU seconds spent on them by the
    client process(es) and by the database server processes serving it (None when
    the server is not on this machine). On a loaded box the wall figure moves with the load;
    CPU per event is what the code costs."""

    elapsed: float
    created: int
    client_cpu: float
    server_cpu: float | None

    def cpu_line(self) -> str:
        per = 1e6 / max(1, self.created)
        line = f"CPU per event: client {self.client_cpu * per:.0f} µs"
        if self.server_cpu is not None:
            total = (self.client_cpu + self.server_cpu) * per
            # Client and server share the machine's cores: its rate with nothing else running.
            ceiling = (os.cpu_count() or 1) * 1e6 / total
            line += (
                f", server {self.server_cpu * per:.0f} µs, total {total:.0f} µs "
                f"(all {os.cpu_count()} cores busy with only this: ≈ {ceiling:,.0f} events/s)"
            )
        return line


def server_cpu(pid: int) -> float | None:
    """CPU seconds a local PostgreSQL backend has used (Linux schedstat), None if not local."""
    try:
        with open(f"/proc/{pid}/schedstat") as stat:
            return int(stat.read().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        return None


def post_concurrently(
    key: str, shares: list[list[bytes]], warm: list[list[bytes]] | None = None
) -> Run:
    """POST each share from its own client: one share is posted here, sequentially; several
    are posted by as many processes forked from this one, each on its own database
    connection, as web workers are (granian runs 2 worker processes). Threads of one process
    would share one interpreter lock and could never use a second core for Python.

    ``warm`` (a body list per share) is posted by each client on its connection before the
    clock starts: its prepared statements and caches are then those of a warm
    worker."""
    if len(shares) == 1:
        return _post_sequentially(key, shares[0], (warm or [[]])[0])
    return _post_in_processes(key, shares, warm or [[] for _ in shares])


def _post_sequentially(key: str, bodies: list[bytes], warm: list[bytes]) -> Run:
    from django.db import connection
    from django.test import Client

    http = Client(HTTP_HOST="localhost")
    post_all(http, key, warm)
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    before = server_cpu(pid)
    started, cpu = time.perf_counter(), time.process_time()
    created = post_all(http, key, bodies)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    after = server_cpu(pid)
    return Run(elapsed, created, cpu, None if before is None or after is None else after - before)


class _ClientReport(NamedTuple):
    created: int
    cpu: float  # the client process's own CPU seconds over its share
    server_cpu: float | None  # its PostgreSQL backend's
    error: str | None


def _post_in_processes(key: str, shares: list[list[bytes]], warm: list[list[bytes]]) -> Run:
    import multiprocessing

    from django.db import connections

    # A forked child must not share this process's database socket: each opens its own.
    # (multiprocessing's fork start runs the after-fork hooks Celery registers, so its broker
    # connections are not shared either; redis-py pools reset themselves in a new pid.)
    connections.close_all()
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(len(shares) + 1)
    results = context.Queue()
    processes = [
        context.Process(
            target=_client_process, args=(index, key, shares[index], warm[index], barrier, results)
        )
        for index in range(len(shares))
    ]
    for process in processes:
        process.start()
    # Every client is warm and connected; a broken barrier is a client that failed before
    # the start, and its report says why.
    with contextlib.suppress(threading.BrokenBarrierError):
        barrier.wait(timeout=600)
    started = time.perf_counter()
    reports: dict[int, _ClientReport] = {}
    while len(reports) < len(processes):
        try:
            index, report = results.get(timeout=1)
        except queue.Empty:
            # A client that died without a word (killed, crashed) must not hang the bench.
            dead = [p.exitcode for p in processes if p.exitcode not in (None, 0)]
            if dead and results.empty():
                raise SystemExit(f"a client process died (exit code {dead[0]})") from None
            continue
        reports[index] = report
    elapsed = time.perf_counter() - started
    for process in processes:
        process.join()
    failed = [r.error for r in reports.values() if r.error is not None]
    if failed:
        raise SystemExit(f"a client failed: {failed[0]}")
    backends = [r.server_cpu for r in reports.values()]
    servers = None if None in backends else sum(b for b in backends if b is not None)
    return Run(
        elapsed,
        sum(r.created for r in reports.values()),
        sum(r.cpu for r in reports.values()),
        servers,
    )


def _client_process(
    index: int,
    key: str,
    bodies: list[bytes],
    warm: list[bytes],
    barrier: Any,
    results: Any,
) -> None:
    """One forked client: warm up, wait for the others, post, report."""
    from django.db import connection
    from django.test import Client

    try:
        try:
            http = Client(HTTP_HOST="localhost")
            post_all(http, key, warm)
            connection.ensure_connection()
            pid = connection.connection.info.backend_pid
            before = server_cpu(pid)
        except BaseException:
            barrier.abort()
            raise
        barrier.wait(timeout=600)
        cpu = time.process_time()
        created = post_all(http, key, bodies)
        cpu = time.process_time() - cpu
        after = server_cpu(pid)
        spent = None if before is None or after is None else after - before
        results.put((index, _ClientReport(created, cpu, spent, None)))
    except BaseException as error:
        results.put((index, _ClientReport(0, 0.0, None, f"{type(error).__name__}: {error}")))
    finally:
        connection.close()


def copy_baseline(workspace_id: int, table: str) -> tuple[float, int]:
    """COPY the rows ingest stored into an index-free scratch table: the raw write limit."""
    import psycopg
    from django.db import connection
    from psycopg import sql

    columns = [
        "workspace_id",
        "event_id",
        "contact_id",
        "type",
        "properties",
        "occurred_at",
        "received_at",
        "source",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_term",
        "utm_content",
    ]
    connection.ensure_connection()
    pg = connection.connection
    with psycopg.Cursor(pg) as cursor:
        cursor.execute(
            sql.SQL(
                "SELECT {} FROM leads_event WHERE workspace_id = %s AND event_id LIKE 'evt%%'"
            ).format(
                sql.SQL(", ").join(
                    sql.SQL("properties::text") if c == "properties" else sql.Identifier(c)
                    for c in columns
                )
            ),
            [workspace_id],
        )
        rows = cursor.fetchall()
        cursor.execute(
            sql.SQL(
                "CREATE TABLE {} (LIKE leads_event INCLUDING DEFAULTS INCLUDING IDENTITY)"
            ).format(sql.Identifier(table))
        )
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        started = time.perf_counter()
        with pg.transaction(), cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
        elapsed = time.perf_counter() - started
    return elapsed, len(rows)


def clean_up(workspace: Any, table: str, queue: str) -> None:
    import redis
    from django.conf import settings
    from psycopg import sql

    from como.rawsql import raw_cursor

    with raw_cursor() as cursor:
        cursor.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table)))
        for statement in (
            "DELETE FROM leads_lifecycletransition WHERE workspace_id = %s",
            "DELETE FROM leads_event WHERE workspace_id = %s",
            "DELETE FROM leads_anonymousid WHERE workspace_id = %s",
            # B2B workspaces: contacts linked to accounts are their committees' members.
            "DELETE FROM vertical_b2b_committeemember WHERE workspace_id = %s",
            "DELETE FROM leads_contact WHERE workspace_id = %s",
        ):
            cursor.execute(statement, [workspace.pk])
    agent = workspace.agent_user
    workspace.delete()
    agent.delete()
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    broker.close()


def main() -> None:
    args = arguments()
    tag = uuid.uuid4().hex[:8]
    queue = f"como-bench-{tag}"
    setup_django(queue)
    require_migrated()

    from como.leads.models import Event
    from como.workspaces.services import api_key_create, workspace_create

    rng = random.Random(args.seed)
    clients = max(1, args.clients)
    people = args.people or max(1, args.events // 10)
    # Each client gets its own people, as concurrent senders mostly do; batches that name the
    # same new people at the same moment are correct too (tests/como/ingest/test_concurrency.py)
    # but pay for retries.
    shares: list[list[bytes]] = []
    singles: list[list[bytes]] = []
    for c in range(clients):
        events = make_events(args.events // clients, people // clients, rng, f"evt{c}", f"g{c}")
        shares.append(
            [
                json.dumps({"events": events[i : i + args.batch]}).encode()
                for i in range(0, len(events), args.batch)
            ]
        )
        singles.append(
            [
                json.dumps(e).encode()
                for e in make_events(
                    args.single // clients, people // clients, rng, f"one{c}", f"s{c}"
                )
            ]
        )
    single_warm_up = [
        [json.dumps(e).encode() for e in make_events(1, 1, rng, f"onewarm{c}", f"sw{c}")]
        for c in range(clients)
    ]
    total = sum(len(e) for share in shares for e in [json.loads(b)["events"] for b in share])

    load = os.getloadavg()
    workspace = workspace_create(slug=f"bench-{tag}", vertical="b2b", name="Bench (throwaway)")
    key = api_key_create(workspace=workspace, name="bench").secret
    table = f"bench_copy_{tag}"
    try:
        run = post_concurrently(key, shares, warm_up(key, clients))
        elapsed, created = run.elapsed, run.created
        stored = Event.objects.filter(workspace=workspace, event_id__startswith="evt").count()
        single_elapsed, single_created = (
            post_concurrently(key, singles, single_warm_up)[:2] if args.single else (0.0, 0)
        )
        copy_elapsed, copied = copy_baseline(workspace.pk, table)
    finally:
        clean_up(workspace, table, queue)

    rate = created / elapsed
    copy_rate = copied / copy_elapsed
    print("como ingest benchmark")
    print(
        f"  machine: {os.cpu_count()} cores, load average {load[0]:.2f} at start "
        "(other work on the box lowers every figure; the ratio to COPY moves less)"
    )
    print(
        "  path: Django test Client in each client process — middleware, API-key auth, DRF view, "
        "JSON parse, validation, identity, COPY + INSERT, scoring, commit; no HTTP server"
    )
    print(
        f"  load: {total} events in POSTs of {args.batch} from {clients_label(clients)}; "
        f"{people} people (email / external id / anonymous, some identifying); "
        "events in random time order (bench/scoring.py (a) sends them in order)"
    )
    verdict = "met" if rate >= BATCH_TARGET else "NOT met"
    print(
        f"  bulk API:      {created:>7} events in {elapsed:6.2f} s = {rate:>9,.0f} events/s"
        f"  (stored {stored}; target ≥ {BATCH_TARGET:,}: {verdict})"
    )
    print(f"                 {run.cpu_line()}")
    if args.single:
        single_rate = single_created / single_elapsed
        # In process, each POST stores its event synchronously through the bulk path; the
        # ≥ 1,500/s target is for the collect endpoint over HTTP, which http_events.py measures.
        print(
            f"  single POSTs:  {single_created:>7} events in {single_elapsed:6.2f} s = "
            f"{single_rate:>9,.0f} events/s  (POST /api/v1/events one at a time, in process; "
            f"the ≥ {SINGLE_TARGET:,}/s target is the collect endpoint's: bench/http_events.py)"
        )
    print(
        f"  raw COPY:      {copied:>7} rows   in {copy_elapsed:6.2f} s = {copy_rate:>9,.0f} rows/s"
        "    (psycopg COPY of the same rows into an index-free scratch table, one connection)"
    )
    print(f"  ratio bulk API / raw COPY: {rate / copy_rate:.3f}")
    if stored != total:
        raise SystemExit(f"stored {stored} events, expected {total}")


if __name__ == "__main__":
    main()
