"""The demo's inventory ads: Lakeside's Meta and Google Ads accounts (sandbox transport: what
would be sent is recorded, nothing leaves) and the playbook's placements, so the vehicles the
demo imports are proposed for ads and the ones it sells are paused.

Runs before the inventory seeder (registered first), so the first import already finds where
its ads go."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from como.agents.playbooks import playbook_update
from como.agents.services import playbook_for
from como.channels.models import ChannelAccount, TransportKind
from como.demo.automotive import SPEC
from como.workspaces.models import Workspace

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
