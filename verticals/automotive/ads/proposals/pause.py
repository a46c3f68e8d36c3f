"""``vehicle_ads_pause``: sold or removed vehicles' live ads on every channel and their Meta
catalog items, approved by the vertical's policy on proposal."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from como.agents.models import AgentAction
from como.agents.services import ActionDraft, action_propose
from como.workspaces.models import Workspace

from ..feeds.meta import catalog_item_id
from ..kinds import AGENT, PAUSE
from ..studio import Studio, vehicle_rows
from .common import (
    live_ads,
)

# --- pause -----------------------------------------------------------------------------------


def pause_draft(
    studio: Studio, vehicle_ids: Iterable[int], idempotency_key: str, target_id: str | int = ""
) -> ActionDraft | None:
    """The pause of ``vehicle_ids`` (sold or removed): their live ads on every channel and
    their Meta catalog items; None when there is nothing to pause or tell."""
    workspace = studio.workspace
    gone = sorted(set(vehicle_ids))
    if not gone:
        return None
    live = live_ads(workspace, gone)
    social = studio.rules.placements.paid_social
    catalog_id = social.catalog_id if social is not None else None
    vehicles = vehicle_rows(workspace, gone)
    featured = [v for v in gone if v in vehicles and (live.get(v) or catalog_id)]
    if not featured:
        return None
    ads = [
        {"vehicle_id": v, "channel": c, "external_id": ad.external_id, "state": ad.state}
        for v in featured
        for c, ad in sorted(live.get(v, {}).items())
    ]
    lines = [
        f"{vehicles[v]['vin']} · stock {vehicles[v]['stock_number']} · {vehicles[v]['status']}"
        f" · pause on {', '.join(sorted(live.get(v, {}))) or 'no channel'}"
        + (" · Meta catalog NOT_AVAILABLE" if catalog_id else "")
        for v in featured
    ]
    payload: dict[str, Any] = {"vehicle_ids": featured, "ads": ads, "google_feed": "dropped"}
    if catalog_id:
        payload["catalog"] = {
            "catalog_id": catalog_id,
            "items": [{"vehicle_id": v, "id": catalog_item_id(vehicles[v])} for v in featured],
        }
    return ActionDraft(
        agent=AGENT,
        kind=PAUSE,
        idempotency_key=idempotency_key,
        rationale=f"{len(featured)} vehicle(s) sold or gone from the feed: pause their ads on "
        "every channel and mark them NOT_AVAILABLE in the Meta catalog now (CA Veh. Code "
        "11614(c) allows 48 hours; we take seconds).",
        channel="",
        target_type="import" if target_id else "",
        target_id=target_id,
        payload=payload,
        preview="\n".join(lines),
    )


def vehicles_pause_propose(
    *, workspace: Workspace, vehicle_ids: Iterable[int], idempotency_key: str
) -> AgentAction | None:
    """Propose the pause of vehicles gone from stock outside an import's reaction (the
    48-hour breach check proposing it again); the vertical's policy approves it at once.
    None when none of them has anything live or a catalog to tell."""
    draft = pause_draft(Studio.of(workspace), vehicle_ids, idempotency_key)
    if draft is None:
        return None
    return action_propose(workspace=workspace, proposer=workspace.agent_user, draft=draft).action
