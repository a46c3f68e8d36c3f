"""Actions benchmark: approval → execution latency and actions/s through a real Celery worker.

    .venv/bin/python bench/actions.py [--actions 500] [--concurrency 2] [--rate 0]

Runs against the configured database (DATABASE_URL, or the embedded PostgreSQL), which must be
migrated, and the configured Redis. In a throwaway workspace it proposes webhook actions (as
the agent identity) and has a real ``celery worker`` subprocess (prefork, on a queue of its own)
run them: the ``webhook`` executor POSTs each to a local receiver (another process, honouring
Idempotency-Key). Approvals go one by one through ``action_approve``: each its own transaction,
the execute task enqueued on commit — the production fast path (no beat: the sweeper only
repairs lost enqueues).

(a) Live: with the worker running, ``--actions`` approvals in a loop. From the timestamps on
    the rows: approval → succeeded latency (``finished_at - approved_at``) p50/p99, and
    actions/s from the first approval to the last success (bounded by the approval loop when
    approving is the slower side; the approvals/s are printed next to it).
(b) Backlog: ``--actions`` more approved while no worker runs, then a fresh worker drains
    them: actions/s from its first claim to its last success — the worker's own rate.

The raw limit, measured in the same run: the same executor called directly in this process,
one call after another, against the same receiver (no database, no broker). Everything the
benchmark created is removed.
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from ingest import require_migrated, setup_django
from smoke import parse_arguments
from worker import percentile, queue_drop, running_worker

ROOT = Path(__file__).resolve().parent.parent
WARM_UP = 10  # actions run before the timed ones: the worker's children, connections, imports

#: --smoke: seconds, for `make test` (bench/smoke.py).
SMOKE = {"actions": 10}


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--actions", type=int, default=500, help="actions per phase")
    parser.add_argument(
        "--concurrency", type=int, default=2, help="worker processes (prefork), as in compose"
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="(a) approvals per second (0: as fast as the approval loop goes)",
    )
    parser.add_argument(
        "--delay", type=float, default=0.0, help="the receiver's work per delivery, seconds"
    )
    return parse_arguments(parser, SMOKE)


def serve_receiver(ready: Connection, delay: float) -> None:
    """The webhook receiver, in a process of its own so it does not share our GIL."""
    sys.path.insert(0, str(ROOT))
    from tests.webhook_server import IdempotentReceiver

    with IdempotentReceiver(delay=delay) as receiver:
        ready.send(receiver.url)
        threading.Event().wait()


def receiver_stats(url: str) -> dict[str, int]:
    stats_url = url.rsplit("/", 1)[0] + "/stats"
    with urllib.request.urlopen(stats_url, timeout=10) as response:  # noqa: S310 - our own
        return dict(json.load(response))


def wait_succeeded(ids: list[int], worker: subprocess.Popen[bytes], timeout: float) -> None:
    from como.agents.models import AgentAction

    deadline = time.monotonic() + timeout
    while True:
        left = AgentAction.objects.filter(pk__in=ids).exclude(status="succeeded")
        if not left.exists():
            return
        if worker.poll() is not None:
            raise SystemExit(f"the worker exited with {worker.returncode}")
        if time.monotonic() > deadline:
            statuses = sorted(set(left.values_list("status", flat=True)))
            raise SystemExit(f"{left.count()} actions not succeeded in time ({statuses})")
        time.sleep(0.05)


@dataclass(frozen=True)
class Row:
    approved_at: datetime
    claimed_at: datetime
    finished_at: datetime
    attempts: int


def rows_of(ids: list[int]) -> list[Row]:
    from como.agents.models import AgentAction

    fields = ("approved_at", "claimed_at", "finished_at", "attempts")
    return [Row(*values) for values in AgentAction.objects.filter(pk__in=ids).values_list(*fields)]


def propose_webhooks(workspace: Any, url: str, prefix: str, count: int) -> list[Any]:
    """``count`` webhook actions to ``url`` proposed by the workspace's agent (not approved)."""
    from como.agents.services import ActionDraft, action_propose

    return [
        action_propose(
            workspace=workspace,
            proposer=workspace.agent_user,
            draft=ActionDraft(
                agent="bench",
                kind="webhook",
                idempotency_key=f"{prefix}-{n}",
                rationale="Benchmark.",
                payload={"url": url, "event": "lead.mql", "n": n},
            ),
        ).action
        for n in range(count)
    ]


def clean_up(workspace: Any, users: list[Any], queue: str) -> None:

    from como.agents.models import AgentAction

    AgentAction.objects.filter(workspace=workspace).delete()  # approvals, transitions with it
    agent = workspace.agent_user
    workspace.delete()  # memberships, playbook
    for user in [agent, *users]:
        user.delete()
    queue_drop(queue)


def main() -> None:
    args = arguments()
    tag = uuid.uuid4().hex[:8]
    queue = f"como-bench-{tag}"

    # The receiver first, forked before Django and its connections exist.
    parent_end, child_end = multiprocessing.Pipe()
    receiver = multiprocessing.get_context("fork").Process(
        target=serve_receiver, args=(child_end, args.delay), daemon=True
    )
    receiver.start()
    url = parent_end.recv()

    setup_django(queue)
    require_migrated()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request otherwise

    from django.contrib.auth import get_user_model

    from como.agents.services import action_approve
    from como.agents.webhook import webhook_execute
    from como.workspaces.services import membership_add, workspace_create

    load = os.getloadavg()
    workspace = workspace_create(slug=f"bench-{tag}", vertical="b2b", name="Bench (throwaway)")
    approver = get_user_model().objects.create(username=f"bench-approver-{tag}")
    membership_add(workspace=workspace, user=approver, role="approver")

    def propose(prefix: str, count: int) -> list[Any]:
        return propose_webhooks(workspace, url, prefix, count)

    def approve(actions: list[Any], rate: float = 0.0) -> float:
        interval = 1 / rate if rate > 0 else 0.0
        started = time.perf_counter()
        for n, action in enumerate(actions):
            if interval:
                time.sleep(max(0.0, started + n * interval - time.perf_counter()))
            action_approve(action=action, user=approver)
        return time.perf_counter() - started

    timeout = 120 + args.actions * 0.5
    with tempfile.TemporaryFile(prefix="como-bench-worker-") as log:
        try:
            warm, live, backlog = (
                propose("warm", WARM_UP),
                propose("live", args.actions),
                propose("backlog", args.actions),
            )
            with running_worker(queue, args.concurrency, log) as worker:
                approve(warm)
                wait_succeeded([a.pk for a in warm], worker, timeout=120)
                approving = approve(live, args.rate)
                wait_succeeded([a.pk for a in live], worker, timeout)
            live_rows = rows_of([a.pk for a in live])

            approve(backlog)  # no worker: the messages wait in the queue
            with running_worker(queue, args.concurrency, log) as worker:
                wait_succeeded([a.pk for a in backlog], worker, timeout)
            backlog_rows = rows_of([a.pk for a in backlog])
            worker_stats = receiver_stats(url)

            # The raw limit: the same executor, called directly, one call after another.
            raw_started = time.perf_counter()
            for n in range(args.actions):
                webhook_execute(live[0], f"raw-{tag}-{n}")
            raw_elapsed = time.perf_counter() - raw_started
        except BaseException:
            log.seek(0)
            tail = log.read()[-4000:].decode(errors="replace")
            print(f"--- the worker's log, last lines:\n{tail}", file=sys.stderr)
            raise
        finally:
            receiver.terminate()
            clean_up(workspace, [approver], queue)

    latencies = [(r.finished_at - r.approved_at).total_seconds() * 1000 for r in live_rows]
    live_span = (
        max(r.finished_at for r in live_rows) - min(r.approved_at for r in live_rows)
    ).total_seconds()
    live_rate = len(live_rows) / live_span
    drain_span = (
        max(r.finished_at for r in backlog_rows) - min(r.claimed_at for r in backlog_rows)
    ).total_seconds()
    drain_rate = len(backlog_rows) / drain_span
    raw_rate = args.actions / raw_elapsed
    retried = sum(1 for r in live_rows + backlog_rows if r.attempts != 1)
    pacing = f"paced at {args.rate:g}/s" if args.rate > 0 else "unpaced"

    print("como actions benchmark")
    print(
        f"  machine: {os.cpu_count()} cores, load average {load[0]:.2f} at start "
        "(other work on the box lowers every figure; the ratio moves less)"
    )
    print(
        "  path: action_approve (own transaction, enqueue on commit) → Redis → celery worker "
        f"(prefork, concurrency {args.concurrency}) → claim → webhook executor → HTTP POST to "
        f"a local receiver (work {args.delay * 1000:g} ms) → result stored"
    )
    print(
        f"  (a) live:    {len(live_rows)} approvals in {approving:6.2f} s = "
        f"{len(live_rows) / approving:>6,.0f} approvals/s ({pacing}, one loop in this process)"
    )
    print(
        f"      latency approval → succeeded: p50 {percentile(latencies, 50):7.1f} ms   "
        f"p99 {percentile(latencies, 99):7.1f} ms   max {max(latencies):7.1f} ms"
    )
    print(
        f"      {len(live_rows)} actions in {live_span:6.2f} s = {live_rate:>6,.0f} actions/s "
        "(first approval to last success)"
    )
    print(
        f"  (b) backlog: {len(backlog_rows)} actions in {drain_span:6.2f} s = "
        f"{drain_rate:>6,.0f} actions/s (a fresh worker, first claim to last success)"
    )
    print(
        f"  raw:         {args.actions} executor calls in {raw_elapsed:6.2f} s = "
        f"{raw_rate:>6,.0f} actions/s (webhook_execute in this process, sequential)"
    )
    print(f"  ratio to raw: (a) {live_rate / raw_rate:.3f}   (b) {drain_rate / raw_rate:.3f}")
    print(
        f"  receiver (worker phases, incl. {WARM_UP} warm-up): {worker_stats['deliveries']} "
        f"deliveries, {worker_stats['side_effects']} side effects, "
        f"{worker_stats['duplicates']} duplicates; actions retried: {retried}"
    )
    expected = WARM_UP + 2 * args.actions
    if worker_stats["side_effects"] != expected or retried:
        raise SystemExit(f"expected {expected} side effects and no retries")


if __name__ == "__main__":
    main()
