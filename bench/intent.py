"""B2B intent data: a week of provider signals stored, and every account's intent read.

Creates a throwaway B2B workspace (``bench-<random>``) with ``--accounts`` accounts, then:

(a) records ``--signals`` signals (a Bombora-style week: topics per account domain, a tenth of
    them for domains with no account) through ``intent_signals_record`` in batches of 1,000,
    the service every door (API, webhook, CSV) calls: validation, the upsert on the idempotency
    key, account linking. The raw limit in the same run: a psycopg ``COPY`` of the stored rows
    into an index-free scratch table. Then the same batches again, every item ``unchanged``.
(b) reads every account's intent at one instant, explained (``accounts_intent_at``): the raw
    limit is one ``SELECT`` of the same signal columns.

Prints rates and ratios; removes everything it created.
"""

from __future__ import annotations

import argparse
import random
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ingest import require_migrated, setup_django
from smoke import parse_arguments

BATCH = 1_000
TOPICS = [f"Topic {n}" for n in range(40)]
#: --smoke: seconds, for `make test` (bench/smoke.py).
SMOKE = {"accounts": 200, "signals": 2_000}


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--signals", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=17)
    return parse_arguments(parser, SMOKE)


def items(args: argparse.Namespace, rng: random.Random, week: date) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    keys: set[tuple[str, str]] = set()
    while len(found) < args.signals:
        number = rng.randrange(int(args.accounts * 1.1))  # a tenth of domains have no account
        key = (f"co{number}.example", rng.choice(TOPICS))
        if key in keys:
            continue
        keys.add(key)
        found.append(
            {
                "provider": "bombora",
                "domain": key[0],
                "topic": key[1],
                "score": rng.randrange(20, 100),
                "week": week.isoformat(),
            }
        )
    return found


def main() -> None:
    args = arguments()
    tag = uuid.uuid4().hex[:8]
    setup_django(f"como-bench-{tag}")
    require_migrated()

    from como.leads.models import Account
    from como.rawsql import raw_cursor
    from como.workspaces.services import workspace_create
    from verticals.b2b.intent.models import IntentSignal
    from verticals.b2b.intent.selectors import accounts_intent_at
    from verticals.b2b.intent.services import intent_signals_record

    rng = random.Random(args.seed)
    now = datetime.now(UTC)
    week = (now - timedelta(days=now.weekday() + 7)).date()
    workspace = workspace_create(slug=f"bench-{tag}", vertical="b2b", name="Bench (throwaway)")
    try:
        Account.objects.bulk_create(
            Account(workspace=workspace, domain=f"co{n}.example", name=f"Co {n}")
            for n in range(args.accounts)
        )
        batch = items(args, rng, week)
        chunks = [batch[start : start + BATCH] for start in range(0, len(batch), BATCH)]
        intent_signals_record(workspace=workspace, items=batch[:10], source="api")  # warm up
        IntentSignal.objects.filter(workspace=workspace).delete()

        start = time.perf_counter()
        for chunk in chunks:
            intent_signals_record(workspace=workspace, items=chunk, source="api")
        stored_s = time.perf_counter() - start
        start = time.perf_counter()
        statuses: set[str] = set()
        for chunk in chunks:
            statuses |= {
                r.status
                for r in intent_signals_record(workspace=workspace, items=chunk, source="api")
            }
        again_s = time.perf_counter() - start
        assert statuses == {"unchanged"}, statuses

        columns = "provider, domain, topic, score, week, occurred_at, account_id, payload"
        with raw_cursor() as cursor:
            cursor.execute(
                f"SELECT {columns} FROM vertical_b2b_intentsignal WHERE workspace_id = %s",
                [workspace.pk],
            )
            rows = cursor.fetchall()
            cursor.execute(
                "CREATE TEMP TABLE bench_intent (provider text, domain text, topic text, "
                "score int, week date, occurred_at timestamptz, account_id bigint, payload jsonb)"
            )
            start = time.perf_counter()
            with cursor.copy(f"COPY bench_intent ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            copy_s = time.perf_counter() - start
            cursor.execute("DROP TABLE bench_intent")

        at = now
        accounts_intent_at(workspace=workspace, at=at)  # warm: the playbook, the model
        start = time.perf_counter()
        every = accounts_intent_at(workspace=workspace, at=at)
        read_s = time.perf_counter() - start
        with raw_cursor() as cursor:
            start = time.perf_counter()
            cursor.execute(
                "SELECT id, account_id, domain, provider, topic, score, buying_stage, week, "
                "occurred_at FROM vertical_b2b_intentsignal WHERE workspace_id = %s",
                [workspace.pk],
            )
            cursor.fetchall()
            select_s = time.perf_counter() - start
    finally:
        IntentSignal.objects.filter(workspace=workspace).delete()
        Account.objects.filter(workspace=workspace).delete()
        agent = workspace.agent_user
        workspace.delete()
        agent.delete()

    signals = len(batch)
    print(f"como intent benchmark: {args.accounts:,} accounts, {signals:,} signals of one week")
    print(
        f"  (a) recorded: {signals} signals in {stored_s:.2f} s = {signals / stored_s:,.0f} "
        f"signals/s; again, all unchanged: {again_s:.2f} s = {signals / again_s:,.0f} signals/s"
    )
    print(
        f"  raw COPY: {len(rows)} rows in {copy_s:.3f} s = {len(rows) / copy_s:,.0f} rows/s; "
        f"ratio recorded / raw COPY: {copy_s / stored_s:.3f}"
    )
    print(
        f"  (b) every account's intent explained: {len(every)} accounts in "
        f"{read_s * 1000:.1f} ms; raw SELECT of the signals {select_s * 1000:.1f} ms; "
        f"ratio {select_s / read_s:.3f}"
    )


if __name__ == "__main__":
    main()
