"""The demo's inventory ads: Lakeside's Meta and Google Ads accounts (sandbox transport: what
would be sent is recorded, nothing leaves) and the playbook's placements, so the vehicles the
demo imports are proposed for ads and the ones it sells are paused.

:func:`demo_ads_seed` runs before the inventory seeder (registered first), so the first import
already finds where its ads go; :func:`demo_ads_launch` runs after it: the first rooftop's
launches are approved by the workspace's member and sent (sandbox), so its vehicles have live
ads that the demo's moving inventory then sells and the agent pauses on its own, while the
other rooftops' launches wait in the approval queue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from como.agents.execution import action_execute
from como.agents.models import ActionStatus, AgentAction
from como.agents.playbooks import playbook_update
from como.agents.services import action_approve, playbook_for
from como.channels.models import ChannelAccount, TransportKind
from como.demo.automotive import SPEC
from como.workspaces.models import Workspace
from como.workspaces.roles import Role

from ..inventory.importing.reactions import InventoryDiff
from ..inventory.models import InventoryImport, Rooftop, VehicleStatus
from .kinds import LAUNCH
from .proposals import inventory_ads_react

#: Made-up platform ids in the shapes the platforms use (digits only).
META_AD_ACCOUNT = "act_100200300400"
META_PAGE = "200300400500"
META_CATALOG = "300400500600"
META_ADSET = "400500600700"
GOOGLE_CUSTOMER = "5005006007"
GOOGLE_AD_GROUP = f"customers/{GOOGLE_CUSTOMER}/adGroups/600700800"

ACCOUNTS: dict[str, dict[str, Any]] = {
    "paid_social": {"account_id": META_AD_ACCOUNT, "sender": META_PAGE},
    "paid_search": {"account_id": GOOGLE_CUSTOMER},
}
PLACEMENTS = {
    "paid_social": {"adset_id": META_ADSET, "catalog_id": META_CATALOG},
    "paid_search": {"ad_group": GOOGLE_AD_GROUP},
}


@transaction.atomic
def demo_ads_seed(workspace: Workspace, anchor: datetime) -> list[str]:
    """The demo hook: sandbox ad accounts and the merchandising placements (idempotent)."""
    if workspace.slug != SPEC.slug or workspace.vertical != SPEC.vertical:
        return []
    for channel, fields in ACCOUNTS.items():
        ChannelAccount.objects.update_or_create(
            workspace=workspace,
            channel=channel,
            defaults={"transport": TransportKind.SANDBOX, **fields},
        )
    playbook = playbook_for(workspace)
    merchandising = {**(playbook.overrides.get("merchandising") or {}), "placements": PLACEMENTS}
    if playbook.overrides.get("merchandising") != merchandising:
        playbook_update(playbook=playbook, merchandising=merchandising)
    return [
        "inventory ads: Meta (ad set, catalog) and Google Ads (ad group) in the sandbox; "
        "new vehicles wait in the approval queue, sold ones are paused on their own"
    ]


#: The rooftop whose launches the demo approves (the first of the demo's sites).
LIVE_ROOFTOP = "LTN"
APPROVAL_NOTE = "Demo: approved at seeding so the moving inventory has live ads to pause."


def demo_ads_launch(workspace: Workspace, anchor: datetime) -> list[str]:
    """The demo hook after the inventory's: the agent's launches for every rooftop's first
    import (as the import's own reaction proposes them, by the same keys), the first rooftop's
    approved by the workspace's owner and executed here. Idempotent: a decided launch is
    never proposed again, and a launch executed is not executed twice."""
    if workspace.slug != SPEC.slug or workspace.vertical != SPEC.vertical:
        return []
    owner = (
        get_user_model()
        .objects.filter(memberships__workspace=workspace, memberships__role=Role.OWNER)
        .order_by("pk")
        .first()
    )
    waiting = sent = 0
    for rooftop in Rooftop.objects.filter(workspace=workspace).order_by("pk"):
        first = InventoryImport.objects.filter(rooftop=rooftop).order_by("pk").first()
        if first is None:
            continue
        launches = AgentAction.objects.filter(
            workspace=workspace, kind=LAUNCH, idempotency_key__startswith=f"{LAUNCH}:{first.pk}:"
        )
        if not launches.exists():  # seeded before: its proposals are left as they are
            available = tuple(
                rooftop.vehicles.filter(status=VehicleStatus.AVAILABLE).values_list("pk", flat=True)
            )
            diff = InventoryDiff(import_id=first.pk, rooftop_id=rooftop.pk, created=available)
            inventory_ads_react(workspace=workspace, diff=diff)
        if rooftop.store_code != LIVE_ROOFTOP or owner is None:
            waiting += launches.filter(status=ActionStatus.PROPOSED).count()
            continue
        for action in launches.filter(status=ActionStatus.PROPOSED):
            action_approve(action=action, user=owner, note=APPROVAL_NOTE)
        for action in launches.filter(status=ActionStatus.APPROVED):
            if action_execute(action.pk).status == ActionStatus.SUCCEEDED:
                sent += len(action.payload.get("vehicle_ids") or [])
    return [
        f"inventory ads: {LIVE_ROOFTOP}'s launches approved and sent ({sent} vehicle ads, "
        f"sandbox); {waiting} launch proposal(s) of the other rooftops wait for approval"
    ]
