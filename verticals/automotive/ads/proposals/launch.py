"""``vehicle_ads_launch``: one per rooftop and channel, each vehicle with its creative; a
vehicle whose creative is blocked is listed apart and left out.

A large diff (a dealer group's first feed: tens of thousands of vehicles) is cut into parts of
:data:`LAUNCH_BATCH` vehicles, by id. The reaction proposes the first part itself and names the
others (:class:`LaunchPart`), which its task hands to the workers, one task per part: rendering
and judging 100,000 creatives is CPU work that every worker process can share, and a part is
the unit an approver reads (docs/architecture.md, "Inventory ads"). Each part's proposals are
keyed by the import, the rooftop, the channel and the part's number, so a part run twice
proposes nothing new."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from como.agents.services import ActionDraft

from ..creative import vehicle_data
from ..kinds import AGENT, LAUNCH
from ..studio import Studio, rooftop_rows, vehicle_rows
from .common import (
    CHANNEL_NAMES,
    Reaction,
    live_channels,
    logger,
    preview_of,
    vehicle_entry,
    warnings_summary,
)

#: Vehicles per part: each proposal carries its vehicles' rendered creatives (about 0.8 KB of
#: JSON each), so a first feed of tens of thousands becomes proposals an approver can read
#: (and approve in bulk), not one row of tens of megabytes, and work both workers can share.
LAUNCH_BATCH = 250


@dataclass(frozen=True)
class LaunchPart:
    """Vehicles of one import considered for launch together: part ``number`` of ``parts``."""

    import_id: int
    number: int
    parts: int
    vehicle_ids: tuple[int, ...]


def launch_parts(import_id: int, vehicle_ids: Sequence[int]) -> list[LaunchPart]:
    """The new and back-in-stock vehicles of an import, cut by id into parts."""
    ids = sorted(set(vehicle_ids))
    chunks = [tuple(ids[i : i + LAUNCH_BATCH]) for i in range(0, len(ids), LAUNCH_BATCH)]
    return [
        LaunchPart(import_id, number, len(chunks), chunk)
        for number, chunk in enumerate(chunks, start=1)
    ]


def _channels(studio: Studio, reaction: Reaction) -> list[str]:
    channels: list[str] = []
    for wanted in studio.rules.channels:
        if studio.placement(wanted) is None:
            logger.info(
                "inventory ads: no %s placement in workspace %s", wanted, studio.workspace.pk
            )
            reaction.skipped_channels.append(wanted)
        else:
            channels.append(wanted)
    return channels


def launch_drafts(
    studio: Studio, part: LaunchPart, now: datetime, reaction: Reaction
) -> list[ActionDraft]:
    """The part's proposals: per rooftop and channel, the vehicles passing the rules with their
    creative, and those left out with the reason (rules, a live ad already, a blocked
    creative)."""
    workspace = studio.workspace
    vehicles = vehicle_rows(workspace, part.vehicle_ids)
    rooftops = rooftop_rows(workspace, {row["rooftop_id"] for row in vehicles.values()})
    live = live_channels(workspace, part.vehicle_ids)
    channels = _channels(studio, reaction)
    groups: dict[tuple[int, str], dict[str, list[dict[str, Any]]]] = defaultdict(
        lambda: {"vehicles": [], "left_out": []}
    )
    # Per rooftop and set of channels, the vehicles to render: (row, data, verdict). Most
    # vehicles of a launch go on every channel, so each is made plain once for all of them.
    to_render: dict[
        tuple[int, tuple[str, ...]], list[tuple[dict[str, Any], dict[str, Any], Any]]
    ] = defaultdict(list)
    for vehicle_id in part.vehicle_ids:
        row = vehicles.get(vehicle_id)
        if row is None:
            continue
        rooftop_id = row["rooftop_id"]
        verdict = studio.verdict(row, rooftops[rooftop_id], now)
        if not verdict.ok:
            for channel in channels:
                groups[(rooftop_id, channel)]["left_out"].append(
                    {"id": vehicle_id, "vin": row["vin"], "reasons": list(verdict.reasons)}
                )
            continue
        wanted = []
        for channel in channels:
            if channel in live.get(vehicle_id, ()):
                groups[(rooftop_id, channel)]["left_out"].append(
                    {"id": vehicle_id, "vin": row["vin"], "reasons": ["it has a live ad already"]}
                )
            else:
                wanted.append(channel)
        if wanted:
            data = vehicle_data(row, now=now)
            to_render[(rooftop_id, tuple(wanted))].append((row, data, verdict))
    for (rooftop_id, on), entries in to_render.items():
        by_channel = studio.creatives(
            on, rooftops[rooftop_id], [data for _, data, _ in entries], now
        )
        for channel, creatives in by_channel.items():
            group = groups[(rooftop_id, channel)]
            for (row, data, verdict), creative in zip(entries, creatives, strict=True):
                if creative.blocked:
                    group["left_out"].append(
                        {"id": row["id"], "vin": row["vin"], "findings": creative.blocking}
                    )
                else:
                    group["vehicles"].append(
                        {**vehicle_entry(row, data, verdict), "creative": creative.proposed()}
                    )
    if len(to_render) > len(rooftops):  # several sets of channels: back in id order
        for group in groups.values():
            group["vehicles"].sort(key=lambda entry: entry["id"])
    return [
        _draft(part, rooftops[rooftop_id], channel, group)
        for (rooftop_id, channel), group in sorted(groups.items())
        if _worth_proposing(rooftop_id, channel, group)
    ]


def _worth_proposing(rooftop_id: int, channel: str, group: dict[str, list[Any]]) -> bool:
    if group["vehicles"]:
        return True
    if group["left_out"]:
        logger.info(
            "inventory ads: nothing to launch at rooftop %s on %s; %d left out",
            rooftop_id,
            channel,
            len(group["left_out"]),
        )
    return False


def _draft(
    part: LaunchPart, rooftop: dict[str, Any], channel: str, group: dict[str, list[Any]]
) -> ActionDraft:
    chosen, left_out = group["vehicles"], group["left_out"]
    # The first part keeps the plain key; later parts of a large feed are numbered.
    key = f"{LAUNCH}:{part.import_id}:{rooftop['id']}:{channel}"
    if part.number > 1:
        key += f":{part.number}"
    of = f" (part {part.number} of {part.parts})" if part.parts > 1 else ""
    return ActionDraft(
        agent=AGENT,
        kind=LAUNCH,
        idempotency_key=key,
        rationale=f"{len(chosen)} vehicle(s) new or back in stock at "
        f"{rooftop['name']} pass the merchandising rules: launch their "
        f"{CHANNEL_NAMES[channel]} ads{of}."
        + (f" {len(left_out)} left out (see the list)." if left_out else ""),
        channel=channel,
        target_type="rooftop",
        target_id=rooftop["id"],
        payload={
            "vehicle_ids": [v["id"] for v in chosen],
            "channel": channel,
            "rooftop_id": rooftop["id"],
            "vehicles": chosen,
            "left_out": left_out,
        },
        preview=preview_of(chosen),
        findings=warnings_summary(chosen),
    )
