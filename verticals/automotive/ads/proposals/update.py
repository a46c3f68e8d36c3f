"""``vehicle_ads_update``: vehicles with a live ad whose price, photos or mileage changed, one
per channel, before and after per vehicle."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from como.agents.services import ActionDraft

from ...inventory.importing.reactions import InventoryDiff
from ...inventory.models import VehicleChange
from ..creative import vehicle_data
from ..kinds import AGENT, UPDATE
from ..models import AdState
from ..studio import Studio, rooftop_rows, vehicle_rows
from .common import (
    AD_FIELDS,
    CHANNEL_NAMES,
    Reaction,
    live_ads,
    vehicle_entry,
    warnings_summary,
)

# --- update ----------------------------------------------------------------------------------


def update_drafts(
    studio: Studio, diff: InventoryDiff, now: datetime, reaction: Reaction
) -> list[ActionDraft]:
    workspace = studio.workspace
    if not diff.changed:
        return []
    changes: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    for vehicle_id, change in VehicleChange.objects.filter(
        workspace=workspace,
        vehicle_id__in=list(diff.changed),
        inventory_import_id=diff.import_id,
    ).values_list("vehicle_id", "changes"):
        for name, pair in (change or {}).items():
            if name in AD_FIELDS and isinstance(pair, list) and len(pair) == 2:
                changes[vehicle_id][name] = {"before": pair[0], "after": pair[1]}
    live = {
        vehicle_id: {c: ad for c, ad in ads.items() if ad.state == AdState.LIVE}
        for vehicle_id, ads in live_ads(workspace, changes).items()
    }
    ids = sorted(v for v in changes if live.get(v))
    if not ids:
        return []
    vehicles = vehicle_rows(workspace, ids)
    rooftops = rooftop_rows(workspace, {row["rooftop_id"] for row in vehicles.values()})
    per_channel: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(
        lambda: {"vehicles": [], "left_out": []}
    )
    for vehicle_id in ids:
        row = vehicles.get(vehicle_id)
        if row is None:
            continue
        rooftop = rooftops[row["rooftop_id"]]
        verdict = studio.verdict(row, rooftop, now)
        data = vehicle_data(row, now=now)
        for channel, ad in sorted(live[vehicle_id].items()):
            group = per_channel[channel]
            if not verdict.ok:
                group["left_out"].append(
                    {"id": vehicle_id, "vin": row["vin"], "reasons": list(verdict.reasons)}
                )
                continue
            creative = studio.creative(channel, row, rooftop, now, data=data)
            if creative.blocked:
                group["left_out"].append(
                    {"id": vehicle_id, "vin": row["vin"], "findings": creative.blocking}
                )
                continue
            group["vehicles"].append(
                {
                    **vehicle_entry(row, data, verdict),
                    "ad_id": ad.external_id,
                    "changes": changes[vehicle_id],
                    "creative": creative.proposed(),
                }
            )
    drafts = []
    for channel, group in sorted(per_channel.items()):
        chosen = group["vehicles"]
        if not chosen:
            continue
        lines = []
        for v in chosen:
            what = ", ".join(
                f"{name} {c['before']} → {c['after']}"
                if name in ("price", "internet_price", "mileage")
                else f"{name} changed"
                for name, c in v["changes"].items()
            )
            lines.append(f"{v['vin']} · {v['name']} · {what}")
        drafts.append(
            ActionDraft(
                agent=AGENT,
                kind=UPDATE,
                idempotency_key=f"{UPDATE}:{diff.import_id}:{channel}",
                rationale=f"{len(chosen)} vehicle(s) with live {CHANNEL_NAMES[channel]} ads "
                "changed (price, photos or mileage): their ads would say something no longer "
                "true. Replace them with ads rendered from the vehicle as it is now.",
                channel=channel,
                target_type="import",
                target_id=diff.import_id,
                payload={
                    "vehicle_ids": [v["id"] for v in chosen],
                    "channel": channel,
                    "vehicles": chosen,
                    "left_out": group["left_out"],
                },
                preview="\n".join(lines),
                findings=warnings_summary(chosen),
            )
        )
    return drafts
