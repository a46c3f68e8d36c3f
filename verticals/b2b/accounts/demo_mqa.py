"""The demo's MQA: one Northwind Cloud account that becomes an MQA while ``make demo`` runs.

Harborline Analytics fits the ICP (software, 1,800 employees, US, Snowflake and AWS: 70 fit
points) and its committee is one required role short: its champion, economic buyer and technical
evaluator looked at pricing two days ago (≈ 135 points, over the MQA's 100, with 3 of the 4
required roles engaged), so it is ``engaged``. The seeder schedules :func:`demo_mqa_engage`
``DELAY`` seconds out; when the demo's worker runs it, the CTO (executive sponsor) views the
pricing page through the ingest service, the 4th required role engages, and the account becomes
an MQA in that ingest transaction, with its transition (and the stage-changed hook) as any
account's. Idempotent: a second seeding changes nothing, and once an MQA nothing is scheduled.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from como.ingest.services import events_ingest
from como.leads.models import Account, Contact
from como.leads.services import contact_create
from como.workspaces.models import Workspace

from .models import AccountStage
from .score_state import VERTICAL

DOMAIN = "harborlineanalytics.example"
EVENT_PREFIX = "demo-nw-mqa"
#: Seconds after seeding the CTO engages (the worker holds the task until then).
DELAY = 90
#: (email local part, first name, last name, title, engaged at seeding)
PEOPLE = (
    ("dana.okafor", "Dana", "Okafor", "Director of Data Engineering", True),  # champion
    ("luis.ferreira", "Luis", "Ferreira", "VP of Data", True),  # economic buyer
    ("mei.tanaka", "Mei", "Tanaka", "Staff Data Engineer", True),  # technical evaluator
    ("ruth.adeyemi", "Ruth", "Adeyemi", "CTO", False),  # executive sponsor: engages live
)


def _pricing_view(id: str, email: str, at: datetime) -> dict[str, Any]:
    return {
        "id": id,
        "type": "page_view",
        "occurred_at": at.isoformat(),
        "contact": {"email": email},
        "properties": {"path": "/pricing"},
    }


@transaction.atomic
def demo_mqa_seed(workspace: Workspace, end: datetime) -> list[str]:
    if workspace.vertical != VERTICAL:
        return []
    account, created = Account.objects.get_or_create(
        workspace=workspace,
        domain=DOMAIN,
        defaults={
            "name": "Harborline Analytics",
            "industry": "Software",
            "employee_count": 1_800,
            "country": "US",
            "region": "NY",
            "attributes": {"segment": "enterprise", "technologies": ["Snowflake", "AWS"]},
        },
    )
    known = set(
        Contact.objects.filter(workspace=workspace, account=account).values_list("email", flat=True)
    )
    for local, first, last, title, _ in PEOPLE:
        email = f"{local}@{DOMAIN}"
        if email not in known:
            contact_create(
                workspace=workspace, email=email, first_name=first, last_name=last, title=title
            )
    viewed = min(end, timezone.now()) - timedelta(days=2)
    events_ingest(
        workspace=workspace,
        events=[
            _pricing_view(f"{EVENT_PREFIX}-{local}", f"{local}@{DOMAIN}", viewed)
            for local, *_, engaged in PEOPLE
            if engaged
        ],
    )
    account.refresh_from_db()
    if account.stage in (AccountStage.MQA, AccountStage.OPPORTUNITY, AccountStage.CUSTOMER):
        return [f"{workspace.slug}: {account.name} is already an MQA"]
    from .tasks import demo_mqa_engage  # the task module imports this one

    transaction.on_commit(lambda: demo_mqa_engage.apply_async((workspace.pk,), countdown=DELAY))
    return [
        f"{workspace.slug}: {account.name} ({'created' if created else 'found'}) is "
        f"{account.stage}, one required role short of an MQA; its CTO engages about {DELAY} s "
        "after the demo's worker starts"
    ]


def demo_mqa_engage_now(workspace_id: int) -> str:
    """The CTO's pricing-page view, through ingest; the account's stage after it."""
    workspace = Workspace.objects.get(pk=workspace_id)
    account = Account.objects.filter(workspace=workspace, domain=DOMAIN).first()
    if account is None:
        return ""
    local = next(local for local, *_, engaged in PEOPLE if not engaged)
    events_ingest(
        workspace=workspace,
        events=[_pricing_view(f"{EVENT_PREFIX}-{local}", f"{local}@{DOMAIN}", timezone.now())],
    )
    account.refresh_from_db()
    return account.stage
