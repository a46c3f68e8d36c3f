"""A dealer set up for inventory ads: channel accounts on the sandbox transport, placements in
the playbook's merchandising rules, rooftops and vehicles that pass the rules."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from como.agents.playbooks import playbook_update
from como.agents.services import playbook_for
from como.channels.models import ChannelAccount, SandboxRequest
from como.workspaces.models import Workspace
from tests.verticals.automotive.inventory.importing.support import vin
from verticals.automotive.inventory.models import Rooftop, Vehicle

CATALOG_ID = "777000111"
AD_GROUP = "customers/1234567890/adGroups/555"
PLACEMENTS = {
    "paid_social": {"adset_id": "2300001", "page_id": "4040", "catalog_id": CATALOG_ID},
    "paid_search": {"ad_group": AD_GROUP},
}


def ads_setup(workspace: Workspace, **rules: Any) -> None:
    """Accounts for both ad channels (sandbox) and the placements in the merchandising rules."""
    ChannelAccount.objects.create(
        workspace=workspace,
        channel="paid_social",
        account_id="act_1010",
        sender="4040",
        credentials={"access_token": "EAAB-token"},
    )
    ChannelAccount.objects.create(
        workspace=workspace,
        channel="paid_search",
        account_id="123-456-7890",
        credentials={"access_token": "ya29.x", "developer_token": "dev"},
    )
    playbook_update(
        playbook=playbook_for(workspace),
        merchandising={"placements": PLACEMENTS, **rules},
    )


def car(rooftop: Rooftop, serial: int, **fields: Any) -> Vehicle:
    """An available used car that passes the default rules (price, a photo, an https VDP)."""
    values: dict[str, Any] = {
        "vin": vin(serial),
        "stock_number": f"S{serial}",
        "year": 2003,
        "make": "Honda",
        "model": "Accord",
        "trim": "EX",
        "condition": "used",
        "mileage": 50_000,
        "exterior_color": "Blue",
        "price": "20000.00",
        "photos": [f"https://img.example/{serial}/1.jpg"],
        "vdp_url": f"https://lakeside.example/v/{serial}",
        "received_at": timezone.now() - timedelta(days=5),
    }
    return Vehicle.objects.create(
        workspace_id=rooftop.workspace_id, rooftop=rooftop, **(values | fields)
    )


def sent(workspace: Workspace, channel: str | None = None) -> list[SandboxRequest]:
    requests = SandboxRequest.objects.filter(workspace=workspace).order_by("id")
    if channel is not None:
        requests = requests.filter(channel=channel)
    return list(requests)
