"""Storage benchmark: bytes per event in the partitioned events table, heap and each index.

    .venv/bin/python bench/storage.py [--events 500000] [--contacts 50000]

Runs against the configured database (DATABASE_URL, or the embedded PostgreSQL), which must be
migrated. In a throwaway workspace it creates ``--contacts`` contacts and generates
``--events`` events set-based in SQL, shaped as bench/ingest.py's (a page path and referrer in
``properties``, UTM fields, sender ids like ``evt-…``), all in one month: a partition of their
own, ``leads_event_p209901`` (created for the run), so its sizes are theirs alone. Then
``pg_relation_size`` of that partition's heap (with TOAST) and of each of its indexes, per
event and per million events, and the time the generating INSERT took against the same rows
written into an index-free copy (the raw limit). Everything it created is removed.

The README's "Scaling" figures (1B events: disk, partitions, index sizes) come from this.
"""

from __future__ import annotations

import argparse
import os
import time
import uuid
from datetime import UTC, datetime

from ingest import require_migrated, setup_django
from smoke import parse_arguments

MONTH = datetime(2099, 1, 1, tzinfo=UTC)  # a month no real event has: the partition is ours

#: --smoke: seconds, for `make test` (bench/smoke.py).
SMOKE = {"events": 2000, "contacts": 200}

_GENERATE = """
INSERT INTO {target} (event_id, type, properties, occurred_at, received_at, source, utm_source,
                      utm_medium, utm_campaign, utm_term, utm_content, contact_id, workspace_id)
SELECT 'evt-' || n,
       (ARRAY['page_view','page_view','page_view','page_view','page_view','page_view',
              'email_open','email_click','form_submit','webinar_attend'])[1 + n %% 10],
       jsonb_build_object(
           'path', (ARRAY['/','/pricing','/blog/lead-scoring','/compare','/careers','/demo'])
                   [1 + (n * 7) %% 6],
           'referrer', 'https://www.google.com/'),
       %(month)s::timestamptz + (n %% 2592000) * interval '1 second',
       %(month)s::timestamptz + (n %% 2592000) * interval '1 second' + interval '2 seconds',
       'api', 'google', 'cpc', 'spring-2026', '', '',
       (%(contacts)s::bigint[])[1 + n %% %(count)s], %(workspace)s
FROM generate_series(1, %(events)s) AS n
"""


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=500_000, help="events to generate")
    parser.add_argument("--contacts", type=int, default=50_000, help="contacts they belong to")
    return parse_arguments(parser, SMOKE)


def main() -> None:
    args = arguments()
    tag = uuid.uuid4().hex[:8]
    setup_django(f"como-bench-{tag}")
    require_migrated()

    from django.db import connection, transaction

    from como.leads.models import Contact
    from como.leads.partitions import event_partitions_ensure, partition_for
    from como.workspaces.services import workspace_create

    load = os.getloadavg()
    workspace = workspace_create(slug=f"bench-{tag}", vertical="b2b", name="Bench (throwaway)")
    partition = partition_for(MONTH).name
    scratch = f"bench_events_{tag}"
    created: list[str] = []
    try:
        contacts = Contact.objects.bulk_create(
            [
                Contact(workspace=workspace, email=f"p{n}.{tag}@bench.example.com")
                for n in range(args.contacts)
            ],
            batch_size=5000,
        )
        ids = [c.pk for c in contacts]
        created = event_partitions_ensure(now=MONTH, ahead=0)
        params = {
            "month": MONTH,
            "contacts": ids,
            "count": len(ids),
            "workspace": workspace.pk,
            "events": args.events,
        }
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TABLE {scratch} (LIKE leads_event INCLUDING DEFAULTS INCLUDING IDENTITY)"
            )
            timings = {}
            for name, target in (("raw", scratch), ("events", "leads_event")):
                started = time.perf_counter()
                with transaction.atomic():
                    cursor.execute(_GENERATE.replace("{target}", target), params)
                timings[name] = time.perf_counter() - started
            cursor.execute(f"ANALYZE {partition}")
            cursor.execute(
                """
                SELECT parent.relname, pg_relation_size(c.oid), pg_total_relation_size(c.oid)
                FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                JOIN pg_inherits h ON h.inhrelid = c.oid
                JOIN pg_class parent ON parent.oid = h.inhparent
                WHERE i.indrelid = %s::regclass ORDER BY parent.relname
                """,
                [partition],
            )
            indexes = cursor.fetchall()
            cursor.execute(
                "SELECT pg_table_size(%s::regclass), pg_total_relation_size(%s::regclass),"
                " avg(pg_column_size(e.*)) FROM leads_event e WHERE workspace_id = %s",
                [partition, partition, workspace.pk],
            )
            heap, total, row = cursor.fetchone()
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {scratch}")
            cursor.execute("DELETE FROM leads_event WHERE workspace_id = %s", [workspace.pk])
            if partition in created:
                cursor.execute(f"ALTER TABLE leads_event DETACH PARTITION {partition}")
                cursor.execute(f"DROP TABLE {partition}")
            cursor.execute("DELETE FROM leads_contact WHERE workspace_id = %s", [workspace.pk])
        agent = workspace.agent_user
        workspace.delete()
        agent.delete()

    per_million = 1_000_000 / args.events / 2**20
    print("como storage benchmark (partitioned events table)")
    print(f"  machine: {os.cpu_count()} cores, load average {load[0]:.2f} at start")
    print(
        f"  load: {args.events} events of {args.contacts} contacts, one month, shaped as "
        "bench/ingest.py's"
    )
    print(f"  row: {float(row):.0f} bytes on average (pg_column_size of the row)")
    print(
        f"  heap + TOAST: {heap / args.events:.0f} bytes/event = "
        f"{heap * per_million:,.0f} MiB per million events"
    )
    for name, size, _total in indexes:
        print(
            f"  index {name}: {size / args.events:.1f} bytes/event = "
            f"{size * per_million:,.1f} MiB per million events"
        )
    print(
        f"  total: {total / args.events:.0f} bytes/event = {total * per_million:,.0f} MiB per "
        f"million events (indexes {(total - heap) / total:.0%})"
    )
    rate, raw = args.events / timings["events"], args.events / timings["raw"]
    print(
        f"  generating INSERT: {rate:,.0f} events/s into the partitioned table; raw (no "
        f"indexes) {raw:,.0f} rows/s; ratio {rate / raw:.3f}"
    )


if __name__ == "__main__":
    main()
