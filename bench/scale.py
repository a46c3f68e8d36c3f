"""Scale-out benchmark: actions drained/s and events ingested/s with 1 and 2 worker processes.

    .venv/bin/python bench/scale.py [--actions 400] [--events 20000] [--processes 1,2]

Runs against the configured database (DATABASE_URL, or the embedded PostgreSQL), which must be
migrated, and the configured Redis. For each process count N, as ``docker compose … --scale
worker=N --scale ingest=N`` would run them:

- **actions**: ``--actions`` webhook actions approved while no worker runs (their execute
  messages wait in a queue of the benchmark's own), then N ``celery worker`` processes
  (``--concurrency=1`` each, bench/worker.py) drain them against a local receiver; actions/s
  from the first claim to the last success (bench/actions.py's backlog phase).
- **events**: ``--events`` events put in the collect buffer (as ``POST /api/v1/events/collect``
  leaves them), then N ``manage.py ingest_drain`` processes store them through the bulk
  path (identity, COPY + INSERT into the partitioned events table, scoring); events/s from the
  first batch committed to the buffer empty. By default each drain batch names people of its
  own (many workspaces, many people: the case scale-out is for); ``--shared-people`` draws all
  events from one pool, so concurrent batches update the same contacts.

The raw limits, in the same run: the webhook executor called directly, one call after another
(bench/actions.py), and a psycopg COPY of the stored rows into an index-free table
(bench/ingest.py). CPU per item is the worker processes' own (user + system), not
PostgreSQL's: for the drains from the first committed batch to the last (``/proc``), for the
Celery workers from ``RUSAGE_CHILDREN``, their start included. Everything the benchmark created
is removed.
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from actions import clean_up as actions_clean_up
from actions import propose_webhooks, rows_of, serve_receiver, wait_succeeded
from ingest import clean_up as ingest_clean_up
from ingest import copy_baseline, make_events, require_migrated, setup_django
from smoke import parse_arguments
from worker import running_worker

ROOT = Path(__file__).resolve().parent.parent

#: --smoke: seconds, for `make test` (bench/smoke.py).
SMOKE = {"actions": 10, "events": 300, "batch": 50, "processes": "1"}


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--actions", type=int, default=400, help="actions drained per run")
    parser.add_argument("--events", type=int, default=20_000, help="events ingested per run")
    parser.add_argument("--batch", type=int, default=1000, help="events per drain batch")
    parser.add_argument(
        "--shared-people",
        action="store_true",
        help="one pool of people for all events (concurrent batches then share contacts)",
    )
    parser.add_argument("--processes", default="1,2", help="worker process counts to measure")
    parser.add_argument("--seed", type=int, default=7)
    return parse_arguments(parser, SMOKE)


@dataclass(frozen=True)
class Figure:
    processes: int
    items: int
    seconds: float
    cpu_seconds: float

    @property
    def rate(self) -> float:
        return self.items / self.seconds


def process_cpu(process: subprocess.Popen[bytes]) -> float:
    """CPU seconds (user + system) a running process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def drain_actions(url: str, tag: str, queue: str, count: int, processes: int) -> Figure:
    """``count`` approved actions drained by ``processes`` one-process Celery workers."""
    from django.contrib.auth import get_user_model

    from como.agents.services import action_approve
    from como.workspaces.services import membership_add, workspace_create

    workspace = workspace_create(
        slug=f"bench-{tag}-a{processes}", vertical="b2b", name="Bench (throwaway)"
    )
    approver = get_user_model().objects.create(username=f"bench-approver-{tag}-{processes}")
    membership_add(workspace=workspace, user=approver, role="approver")
    try:
        actions = propose_webhooks(workspace, url, f"scale-{processes}", count)
        for action in actions:
            action_approve(action=action, user=approver)  # no worker yet: they queue up
        cpu = children_cpu()
        with tempfile.TemporaryFile(prefix="como-bench-scale-") as log, ExitStack() as stack:
            workers = [stack.enter_context(running_worker(queue, 1, log)) for _ in range(processes)]
            wait_succeeded([a.pk for a in actions], workers[0], timeout=120 + count)
        cpu = children_cpu() - cpu
        rows = rows_of([a.pk for a in actions])
    finally:
        actions_clean_up(workspace, [approver], queue)
    span = max(r.finished_at for r in rows) - min(r.claimed_at for r in rows)
    return Figure(processes, len(rows), span.total_seconds(), cpu)


def ingest_events(
    tag: str, queue: str, count: int, processes: int, seed: int, batch: int, shared: bool
) -> tuple[Figure, float]:
    """``count`` buffered events stored by ``processes`` drain processes; the raw COPY rate of
    the stored rows is measured before they are removed."""
    from django.utils import timezone

    from como.ingest.models import AcceptedEvent
    from como.workspaces.services import workspace_create

    workspace = workspace_create(
        slug=f"bench-{tag}-e{processes}", vertical="b2b", name="Bench (throwaway)"
    )
    rng = random.Random(seed)
    if shared:
        events = make_events(count, max(1, count // 10), rng, f"evt{processes}", f"p{processes}")
    else:
        # Each drain batch's people are its own (10 events each), as when many workspaces or
        # many distinct people send at once: concurrent batches never touch the same contact.
        events = [
            event
            for start in range(0, count, batch)
            for event in make_events(
                min(batch, count - start),
                max(1, batch // 10),
                rng,
                f"evt{processes}-{start}",
                f"p{processes}-{start}",
            )
        ]
    now = timezone.now()
    table = f"bench_copy_{tag}_{processes}"
    try:
        AcceptedEvent.objects.bulk_create(
            [
                AcceptedEvent(
                    workspace=workspace, source="api", payload=json.dumps(e), accepted_at=now
                )
                for e in events
            ],
            batch_size=2000,
        )
        left = AcceptedEvent.objects.filter(workspace=workspace)
        # Polling drains (not --once), stopped once the buffer is empty, so that their CPU can
        # be read between the first committed batch and the last: start-up left out.
        command = [sys.executable, "manage.py", "ingest_drain", f"--batch={batch}"]
        env = {**os.environ, "CELERY_TASK_DEFAULT_QUEUE": queue}
        drains = [
            subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
            for _ in range(processes)
        ]
        first: tuple[float, int, float] | None = None
        try:
            while (remaining := left.count()) > 0:
                if first is None and remaining < count:
                    first = (time.perf_counter(), remaining, sum(map(process_cpu, drains)))
                if any(d.poll() is not None for d in drains):
                    raise SystemExit(f"a drain exited with {remaining} events left")
                time.sleep(0.01)
            ended = time.perf_counter()
            cpu_end = sum(map(process_cpu, drains))
        finally:
            for drain in drains:
                drain.terminate()
                drain.wait(timeout=60)
        if first is None:  # all of it in one batch between two looks
            raise SystemExit("too few events to time: raise --events")
        copy_elapsed, copied = copy_baseline(workspace.pk, table)
    finally:
        AcceptedEvent.objects.filter(workspace=workspace).delete()
        ingest_clean_up(workspace, table, queue)
    return Figure(processes, first[1], ended - first[0], cpu_end - first[2]), copied / copy_elapsed


def main() -> None:
    args = arguments()
    counts = [int(n) for n in str(args.processes).split(",")]
    tag = uuid.uuid4().hex[:8]
    queue = f"como-bench-{tag}"
    parent_end, child_end = multiprocessing.Pipe()
    receiver = multiprocessing.get_context("fork").Process(
        target=serve_receiver, args=(child_end, 0.0), daemon=True
    )
    receiver.start()
    url = parent_end.recv()
    setup_django(queue)
    require_migrated()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request otherwise
    from como.agents.models import AgentAction
    from como.agents.webhook import webhook_execute

    load = os.getloadavg()
    actions: list[Figure] = []
    events: list[Figure] = []
    copies: list[float] = []
    try:
        for n in counts:
            actions.append(drain_actions(url, tag, queue, args.actions, n))
            figure, copy_rate = ingest_events(
                tag, queue, args.events, n, args.seed, args.batch, args.shared_people
            )
            events.append(figure)
            copies.append(copy_rate)
        # The executor's raw limit: called directly, one call after another, no broker.
        probe = AgentAction(payload={"url": url, "event": "lead.mql"})
        started = time.perf_counter()
        for n in range(args.actions):
            webhook_execute(probe, f"raw-{tag}-{n}")
        raw_actions = args.actions / (time.perf_counter() - started)
    finally:
        receiver.terminate()
    raw_copy = max(copies)

    print("como scale-out benchmark (1 → N worker processes on one box)")
    print(
        f"  machine: {os.cpu_count()} cores, load average {load[0]:.2f} at start, "
        f"{os.getloadavg()[0]:.2f} at end (the box is shared: compare ratios, not walls)"
    )
    print(
        f"  raw limits: webhook executor direct {raw_actions:,.0f} calls/s; "
        f"COPY {raw_copy:,.0f} rows/s"
    )
    for figure in actions:
        print(
            f"  actions, {figure.processes} worker process(es): {figure.items} in "
            f"{figure.seconds:6.2f} s = {figure.rate:>7,.0f} actions/s  "
            f"(ratio to raw {figure.rate / raw_actions:.3f}; "
            f"{figure.cpu_seconds / figure.items * 1000:.2f} ms worker CPU per action; "
            f"x{figure.rate / actions[0].rate:.2f} of 1 process)"
        )
    people = (
        "one pool of people across batches"
        if args.shared_people
        else "each batch's people its own (no contact in two concurrent batches)"
    )
    print(f"  events: {args.events} per run in drain batches of {args.batch}, {people}")
    for figure in events:
        print(
            f"  events,  {figure.processes} drain process(es):  {figure.items} in "
            f"{figure.seconds:6.2f} s = {figure.rate:>7,.0f} events/s   "
            f"(ratio to COPY {figure.rate / raw_copy:.3f}; "
            f"{figure.cpu_seconds / figure.items * 1000:.3f} ms drain CPU per event; "
            f"x{figure.rate / events[0].rate:.2f} of 1 process)"
        )


if __name__ == "__main__":
    main()
