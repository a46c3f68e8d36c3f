"""``vehicle_ads_launch``: one per rooftop and channel, each vehicle with its creative; a
vehicle whose creative is blocked is listed apart and left out."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from como.agents.services import ActionDraft

from ...inventory.importing.reactions import InventoryDiff
from ..creative import vehicle_data
from ..kinds import AGENT, LAUNCH
from ..studio import Studio, rooftop_rows, vehicle_rows
from .common import (
    CHANNEL_NAMES,
    Reaction,
    live_ads,
    logger,
    preview_of,
    vehicle_entry,
    warnings_summary,
)

#: Vehicles per launch proposal: each carries its vehicles' rendered creatives (about 1.3 KB
#: of JSON each), so a dealer group's first feed of tens of thousands becomes proposals an
#: approver can read (and approve in bulk), not one row of tens of megabytes.
LAUNCH_BATCH = 250


def launch_drafts(
    studio: Studio, diff: InventoryDiff, now: datetime, reaction: Reaction
) -> list[ActionDraft]:
    workspace = studio.workspace
    ids = sorted({*diff.created, *diff.returned})
    if not ids:
        return []
    vehicles = vehicle_rows(workspace, ids)
    rooftops = rooftop_rows(workspace, {row["rooftop_id"] for row in vehicles.values()})
    live = live_ads(workspace, ids)
    channels: list[str] = []
    for wanted in studio.rules.channels:
        if studio.placement(wanted) is None:
            logger.info("inventory ads: no %s placement in workspace %s", wanted, workspace.pk)
            reaction.skipped_channels.append(wanted)
        else:
            channels.append(wanted)
    groups: dict[tuple[int, str], dict[str, list[dict[str, Any]]]] = defaultdict(
        lambda: {"vehicles": [], "left_out": []}
    )
    for vehicle_id in ids:
        row = vehicles.get(vehicle_id)
        if row is None:
            continue
        rooftop = rooftops[row["rooftop_id"]]
        verdict = studio.verdict(row, rooftop, now)
        if not verdict.ok:
            for channel in channels:
                groups[(row["rooftop_id"], channel)]["left_out"].append(
                    {"id": vehicle_id, "vin": row["vin"], "reasons": list(verdict.reasons)}
                )
            continue
        data = vehicle_data(row, now=now)
        for channel in channels:
            group = groups[(row["rooftop_id"], channel)]
            if channel in live.get(vehicle_id, {}):
                group["left_out"].append(
                    {"id": vehicle_id, "vin": row["vin"], "reasons": ["it has a live ad already"]}
                )
                continue
            creative = studio.creative(channel, row, rooftop, now, data=data)
            if creative.blocked:
                group["left_out"].append(
                    {"id": vehicle_id, "vin": row["vin"], "findings": creative.blocking}
                )
                continue
            group["vehicles"].append(
                {**vehicle_entry(row, data, verdict), "creative": creative.as_dict()}
            )
    drafts = []
    for (rooftop_id, channel), group in sorted(groups.items()):
        chosen = group["vehicles"]
        if not chosen:
            if group["left_out"]:
                logger.info(
                    "inventory ads: nothing to launch at rooftop %s on %s; %d left out",
                    rooftop_id,
                    channel,
                    len(group["left_out"]),
                )
            continue
        rooftop = rooftops[rooftop_id]
        parts = [chosen[i : i + LAUNCH_BATCH] for i in range(0, len(chosen), LAUNCH_BATCH)]
        for number, part in enumerate(parts, start=1):
            # The first part keeps the plain key; later parts of a large feed are numbered.
            key = f"{LAUNCH}:{diff.import_id}:{rooftop_id}:{channel}"
            if number > 1:
                key += f":{number}"
            left_out = group["left_out"] if number == 1 else []
            of = f" (part {number} of {len(parts)})" if len(parts) > 1 else ""
            drafts.append(
                ActionDraft(
                    agent=AGENT,
                    kind=LAUNCH,
                    idempotency_key=key,
                    rationale=f"{len(part)} vehicle(s) new or back in stock at "
                    f"{rooftop['name']} pass the merchandising rules: launch their "
                    f"{CHANNEL_NAMES[channel]} ads{of}."
                    + (f" {len(left_out)} left out (see the list)." if left_out else ""),
                    channel=channel,
                    target_type="rooftop",
                    target_id=rooftop_id,
                    payload={
                        "vehicle_ids": [v["id"] for v in part],
                        "channel": channel,
                        "rooftop_id": rooftop_id,
                        "vehicles": part,
                        "left_out": left_out,
                    },
                    preview=preview_of(part),
                    findings=warnings_summary(part),
                )
            )
    return drafts
