"""The inventory-ads agent's Celery task: takes ids, calls the service."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from celery import shared_task

from como.task_policy import RETRY_ON_DATABASE_ERRORS

TASK_NAME = "verticals.automotive.inventory_ads_react"
LAUNCH_PART_TASK = "verticals.automotive.inventory_ads_launch_part"
SWEEP_TASK = "verticals.automotive.sweep_vehicle_ads"


@shared_task(name=TASK_NAME, ignore_result=True, **RETRY_ON_DATABASE_ERRORS)
def inventory_ads_react(
    *,
    workspace_id: int,
    import_id: int,
    rooftop_id: int,
    created: list[int] | None = None,
    changed: list[int] | None = None,
    sold: list[int] | None = None,
    removed: list[int] | None = None,
    returned: list[int] | None = None,
) -> str:
    """The agent's answer to one import (safe to run twice: its proposals' keys name it)."""
    from como.workspaces.models import Workspace

    from ..inventory.importing.reactions import InventoryDiff
    from .proposals import inventory_ads_react as react

    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        return "no workspace"
    diff = InventoryDiff(
        import_id=import_id,
        rooftop_id=rooftop_id,
        created=tuple(created or ()),
        changed=tuple(changed or ()),
        sold=tuple(sold or ()),
        removed=tuple(removed or ()),
        returned=tuple(returned or ()),
    )

    def enqueue(parts: Sequence[Any]) -> None:
        # The later launch parts go to whichever worker is free before this one renders the
        # first, so both processes render from the start. Run again (a retry, a redelivery),
        # the reaction names the same parts, whose proposals exist by key.
        for part in parts:
            inventory_ads_launch_part.delay(
                workspace_id=workspace_id,
                import_id=part.import_id,
                number=part.number,
                parts=part.parts,
                vehicle_ids=list(part.vehicle_ids),
            )

    reaction = react(workspace=workspace, diff=diff, on_parts=enqueue)
    return (
        f"{len(reaction.launches)} launch(es), {len(reaction.pending_parts)} part(s) enqueued, "
        f"{len(reaction.updates)} update(s), pause {reaction.pause or '-'}, "
        f"{len(reaction.narrowed)} narrowed, {len(reaction.superseded)} superseded"
    )


@shared_task(name=LAUNCH_PART_TASK, ignore_result=True, **RETRY_ON_DATABASE_ERRORS)
def inventory_ads_launch_part(
    *, workspace_id: int, import_id: int, number: int, parts: int, vehicle_ids: list[int]
) -> str:
    """One later part of a large launch: its vehicles rendered, judged and proposed."""
    from como.workspaces.models import Workspace

    from .proposals import LaunchPart
    from .proposals import inventory_ads_launch_part as launch_part

    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        return "no workspace"
    part = LaunchPart(import_id, number, parts, tuple(vehicle_ids))
    reaction = launch_part(workspace=workspace, part=part)
    return f"part {number} of {parts}: {len(reaction.launches)} launch(es)"


@shared_task(name=SWEEP_TASK, ignore_result=True, **RETRY_ON_DATABASE_ERRORS)
def sweep_vehicle_ads() -> str:
    """Beat's net under the pause: breaches recorded, stray live ads paused again."""
    from .breaches import ads_sweep

    sweep = ads_sweep()
    return (
        f"{sweep.breaches.recorded} breach(es) recorded, {sweep.breaches.resolved} resolved; "
        f"pause proposed again in {len(sweep.proposed)} workspace(s)"
    )
