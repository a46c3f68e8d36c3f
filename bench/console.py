"""The operator console's dashboard: server time on demo-sized data, against a trivial page.

Creates a throwaway automotive workspace (``bench-<random>``) with a member and demo-sized data
written in bulk: contacts across the lifecycle, their events with a ``utm_medium`` and their
lifecycle transitions, 90 days of channel metrics for five channels and several campaigns, and
waiting actions with blocking findings. Then, through Django's test client (no network, the
whole middleware stack and the admin), it times ``/admin/?days=N`` (the dashboard with every
panel) ``--requests`` times per period, and the raw limit in the same run: the same client
fetching the admin's password-change page, the same chrome (sidebar included) with no panels.
Prints p50/p99 and the ratio; target: the dashboard under 300 ms.
"""

from __future__ import annotations

import argparse
import random
import time
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

from ingest import require_migrated, setup_django
from scoring import percentile
from smoke import parse_arguments

TARGET_MS = 300
CHANNELS = ("email", "sms", "paid_search", "paid_social", "linkedin")
STAGES = ("subscriber", "lead", "mql", "sql", "opportunity", "customer")
#: --smoke: seconds, for `make test` (bench/smoke.py).
SMOKE = {"contacts": 300, "campaigns": 2, "actions": 10, "requests": 5}


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--campaigns", type=int, default=6)
    parser.add_argument("--actions", type=int, default=200, help="waiting actions")
    parser.add_argument("--requests", type=int, default=100, help="timed requests per page")
    parser.add_argument("--seed", type=int, default=7)
    return parse_arguments(parser, SMOKE)


def seed(workspace: Any, args: argparse.Namespace, rng: random.Random) -> None:
    from django.utils import timezone

    from como.agents.models import AgentAction
    from como.campaigns.models import Campaign, ChannelMetric
    from como.leads.models import Contact, Event, LifecycleTransition

    now = timezone.now()
    contacts = Contact.objects.bulk_create(
        Contact(
            workspace=workspace,
            email=f"p{index}@bench.example.com",
            lifecycle_stage=rng.choice(STAGES),
        )
        for index in range(args.contacts)
    )
    Event.objects.bulk_create(
        Event(
            workspace=workspace,
            contact=contact,
            event_id=f"e{contact.pk}",
            type="page_view",
            occurred_at=now - timedelta(days=rng.randrange(90), minutes=5),
            received_at=now,
            utm_medium=rng.choice(CHANNELS),
        )
        for contact in contacts
    )
    LifecycleTransition.objects.bulk_create(
        LifecycleTransition(
            workspace=workspace,
            contact=contact,
            from_stage="lead",
            to_stage=rng.choice(("lead", "mql")),
            at=now - timedelta(days=rng.randrange(90)),
        )
        for contact in contacts
    )
    campaigns = Campaign.objects.bulk_create(
        Campaign(workspace=workspace, name=f"Campaign {index}") for index in range(args.campaigns)
    )
    ChannelMetric.objects.bulk_create(
        ChannelMetric(
            workspace=workspace,
            campaign=campaign,
            channel=channel,
            day=(now - timedelta(days=day)).date(),
            sent=rng.randrange(2000),
            delivered=rng.randrange(1900),
            opened=rng.randrange(800),
            clicked=rng.randrange(200),
            impressions=rng.randrange(50_000),
            clicks=rng.randrange(900),
            spend=Decimal(rng.randrange(100_000)) / 100,
            source="import",
        )
        for campaign in campaigns
        for channel in CHANNELS
        for day in range(90)
    )
    AgentAction.objects.bulk_create(
        AgentAction(
            workspace=workspace,
            agent="bench",
            kind="webhook",
            idempotency_key=f"bench-{index}",
            rationale="bench",
            proposed_by=workspace.agent_user,
            findings=[{"rule": rng.choice(("tcpa.quiet_hours", "canspam")), "severity": "block"}],
        )
        for index in range(args.actions)
    )


def timed(client: Any, url: str, count: int) -> list[float]:
    client.get(url)  # warm: templates compiled, connections open
    times = []
    for _ in range(count):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return times


def clean_up(workspace: Any, member: Any) -> None:
    from como.rawsql import raw_cursor

    with raw_cursor() as cursor:
        for table in (
            "leads_lifecycletransition",
            "leads_event",
            "leads_contact",
            "campaigns_channelmetric",
        ):
            cursor.execute(f"DELETE FROM {table} WHERE workspace_id = %s", [workspace.pk])
    agent = workspace.agent_user
    workspace.delete()
    agent.delete()
    member.delete()


def main() -> None:
    args = arguments()
    tag = uuid.uuid4().hex[:8]
    setup_django(f"como-bench-{tag}")
    require_migrated()

    from django.contrib.auth import get_user_model
    from django.test import Client

    from como.workspaces.services import membership_add, workspace_create

    workspace = workspace_create(
        slug=f"bench-{tag}", vertical="automotive", name="Bench (throwaway)"
    )
    member = get_user_model().objects.create_user(username=f"bench-{tag}", is_staff=True)
    try:
        membership_add(workspace=workspace, user=member, role="owner")
        seed(workspace, args, random.Random(args.seed))
        client = Client(HTTP_HOST="localhost")
        client.force_login(member)
        pages = {days: timed(client, f"/admin/?days={days}", args.requests) for days in (7, 30, 90)}
        raw = timed(client, "/admin/password_change/", args.requests)
    finally:
        clean_up(workspace, member)

    raw50, raw99 = percentile(raw, 0.5), percentile(raw, 0.99)
    print(
        f"como console benchmark: {args.contacts:,} contacts, {args.campaigns} campaigns x "
        f"{len(CHANNELS)} channels x 90 days of metrics, {args.actions} waiting actions"
    )
    for days, times in pages.items():
        p50, p99 = percentile(times, 0.5), percentile(times, 0.99)
        print(
            f"  dashboard ({days} days): {len(times)} requests, p50 {p50:.1f} ms, "
            f"p99 {p99:.1f} ms; ratio p50 / raw p50 {p50 / raw50:.3f}; "
            f"target < {TARGET_MS} ms: {'met' if p99 < TARGET_MS else 'NOT met'}"
        )
    print(f"  raw limit (the admin's password-change page): p50 {raw50:.1f} ms, p99 {raw99:.1f} ms")


if __name__ == "__main__":
    main()
