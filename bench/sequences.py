"""Sequences: members advanced per second by one beat pass, against a raw UPDATE of the rows.

Creates a throwaway workspace (``bench-<random>``) with ``--members`` contacts enrolled in an
approved sequence (proposed and approved through the services, activated by its executor)
whose steps are a branch on the score, then a wait. One beat pass
(:func:`como.sequences.advance.sequences_advance`) then advances every member: claims them in
``SKIP LOCKED`` batches, decides the branch, records both step rows and moves each member to
its wait. The raw limit, measured in the same run: one ``UPDATE`` of the same rows' due time.
Then ``--sends`` members of a sequence whose first step sends an email: each send is a
covered, approved action enqueued for the worker (executed by it in production; here the
queue is the benchmark's own and dropped). Target: ≥ 5,000 members/s at 100,000.
"""

from __future__ import annotations

import argparse
import time
import uuid
from datetime import timedelta
from typing import Any

from ingest import require_migrated, setup_django
from smoke import parse_arguments
from worker import queue_drop

TARGET = 5_000
#: --smoke: seconds, for `make test` (bench/smoke.py).
SMOKE = {"members": 500, "sends": 100, "batch": 200}


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--sends", type=int, default=10_000, help="members of the send step")
    parser.add_argument("--batch", type=int, default=2_000, help="members per transaction")
    return parse_arguments(parser, SMOKE)


def approved(workspace: Any, approver: Any, key: str, program: dict[str, Any]) -> Any:
    from como.agents.execution import action_execute
    from como.agents.services import action_approve
    from como.sequences.versions import sequence_create, sequence_version_propose

    version = sequence_create(workspace=workspace, key=key, name=key, program=program)
    action = sequence_version_propose(version=version, proposer=workspace.agent_user)
    action_approve(action=action, user=approver)
    assert action_execute(action.pk).status == "succeeded"
    version.refresh_from_db()
    return version


def contacts(workspace: Any, count: int, prefix: str) -> list[int]:
    from django.db import connection

    from como.leads.models import Contact

    made = Contact.objects.bulk_create(
        Contact(workspace=workspace, email=f"{prefix}{n}@bench.example.com") for n in range(count)
    )
    ids = [contact.pk for contact in made]
    # A fit of n % 100 on the score rows the insert made.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE leads_contactscore s SET score_fit = (u.n - 1) %% 100 "
            "FROM unnest(%s::bigint[]) WITH ORDINALITY AS u(id, n) WHERE s.contact_id = u.id",
            [ids],
        )
    return ids


def raw_update(ids: list[int]) -> float:
    from django.db import transaction

    from como.rawsql import raw_cursor

    start = time.perf_counter()
    with transaction.atomic(), raw_cursor() as cursor:
        cursor.execute(
            "UPDATE sequences_sequencemember SET next_due_at = next_due_at + interval '1 hour',"
            " position = position + 2 WHERE id = ANY(%s)",
            (ids,),
        )
    return time.perf_counter() - start


def clean_up(workspace: Any, approver: Any, queue: str) -> None:
    from como.rawsql import raw_cursor

    with raw_cursor() as cursor:
        for table in (
            "sequences_memberstep",
            "sequences_sequencemember",
            "sequences_sequenceversion",
            "sequences_sequence",
            "agents_actiontransition",
            "agents_actionapproval",
        ):
            if table == "agents_actionapproval":
                cursor.execute(
                    "DELETE FROM agents_actionapproval WHERE action_id IN "
                    "(SELECT id FROM agents_agentaction WHERE workspace_id = %s)",
                    [workspace.pk],
                )
            else:
                cursor.execute(f"DELETE FROM {table} WHERE workspace_id = %s", [workspace.pk])
        cursor.execute("DELETE FROM agents_agentaction WHERE workspace_id = %s", [workspace.pk])
        cursor.execute("DELETE FROM leads_contact WHERE workspace_id = %s", [workspace.pk])
    agent = workspace.agent_user
    workspace.delete()
    agent.delete()
    approver.delete()
    queue_drop(queue)


def main() -> None:
    args = arguments()
    tag = uuid.uuid4().hex[:8]
    queue = f"como-bench-{tag}"
    setup_django(queue)
    require_migrated()

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from como.sequences.advance import sequences_advance
    from como.sequences.enrollment import members_enrol
    from como.sequences.models import SequenceMember
    from como.workspaces.services import membership_add, workspace_create

    workspace = workspace_create(slug=f"bench-{tag}", vertical="b2b", name="Bench (throwaway)")
    workspace.postal_address = "1 Bench St, Springfield, IL 62701"
    workspace.save(update_fields=["postal_address"])
    approver = get_user_model().objects.create_user(username=f"bench-{tag}")
    try:
        membership_add(workspace=workspace, user=approver, role="approver")
        manual = {"on": "manual"}
        steps = [
            {
                "id": "fit",
                "type": "branch",
                "condition": {"on": "score", "score_at_least": 50},
                "yes": "wait",
                "no": "wait",
            },
            {"id": "wait", "type": "wait", "minutes": 60},
            {"id": "end", "type": "exit", "reason": "done"},
        ]
        version = approved(workspace, approver, "advance", {"trigger": manual, "steps": steps})
        now = timezone.now()
        members_enrol(version=version, contact_ids=contacts(workspace, args.members, "m"), now=now)
        ids = list(
            SequenceMember.objects.filter(sequence_id=version.sequence_id).values_list(
                "pk", flat=True
            )
        )
        start = time.perf_counter()
        done = sequences_advance(now=now + timedelta(seconds=1), batch=args.batch)
        elapsed = time.perf_counter() - start
        assert done.members == args.members, done
        raw = raw_update(ids)

        send = [
            {
                "id": "hello",
                "type": "send",
                "channel": "email",
                "subject": "Hi",
                "body": "Hello {{ contact.first_name }}",
            },
            {"id": "wait", "type": "wait", "minutes": 60},
        ]
        mailer = approved(workspace, approver, "send", {"trigger": manual, "steps": send})
        members_enrol(version=mailer, contact_ids=contacts(workspace, args.sends, "s"), now=now)
        start = time.perf_counter()
        sent = sequences_advance(now=now + timedelta(seconds=1), batch=args.batch)
        send_elapsed = time.perf_counter() - start
        assert sent.sends == args.sends, sent
    finally:
        clean_up(workspace, approver, queue)

    rate, raw_rate = args.members / elapsed, args.members / raw
    print(f"como sequences benchmark: {args.members:,} due members, batches of {args.batch:,}")
    print(
        f"  beat pass: {done.members:,} members ({done.steps:,} steps, {done.batches} batches) "
        f"in {elapsed:.2f} s = {rate:,.0f} members/s; target ≥ {TARGET:,}/s: "
        f"{'met' if rate >= TARGET else 'NOT met'}"
    )
    print(f"  raw UPDATE of the same rows: {raw:.3f} s = {raw_rate:,.0f} rows/s")
    print(f"  ratio beat pass / raw UPDATE: {rate / raw_rate:.3f}")
    print(
        f"  sends: {sent.sends:,} covered actions proposed and enqueued in {send_elapsed:.2f} s "
        f"= {sent.sends / send_elapsed:,.0f} sends/s"
    )


if __name__ == "__main__":
    main()
