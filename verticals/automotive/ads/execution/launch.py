"""Executing a ``vehicle_ads_launch``: one ad per vehicle on the action's channel."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from como.agents.models import AgentAction
from como.channels.transports import accounts_cached

from ..creative import spec_for_channel
from ..models import AdState, VehicleAd
from ..studio import Studio, rooftop_rows, vehicle_rows
from .steps import Run, VehicleAdStep

OPERATION = "launch"


def ad_record(action: AgentAction, vehicle_id: int, channel: str, **fields: Any) -> None:
    """The vehicle's ad on ``channel`` as this action leaves it."""
    now = timezone.now()
    VehicleAd.objects.update_or_create(
        vehicle_id=vehicle_id,
        channel=channel,
        defaults={"workspace_id": action.workspace_id, "action": action, "changed_at": now}
        | fields,
    )


def vehicle_ids_of(payload: Mapping[str, Any]) -> list[int]:
    return [v for v in payload.get("vehicle_ids") or [] if isinstance(v, int)]


@accounts_cached()
def launch_execute(action: AgentAction, idempotency_key: str) -> Mapping[str, Any]:
    """Launch each vehicle still worth advertising, re-checked now: still in stock and passing
    the rules, its creative (rendered again now, so the price is today's) not blocked."""
    payload = action.payload if isinstance(action.payload, Mapping) else {}
    channel = str(payload.get("channel") or action.channel)
    spec = spec_for_channel(channel)
    ids = vehicle_ids_of(payload)
    studio = Studio.of(action.workspace)
    vehicles = vehicle_rows(action.workspace, ids)
    rooftops = rooftop_rows(action.workspace, {row["rooftop_id"] for row in vehicles.values()})
    elsewhere = set(
        VehicleAd.objects.filter(
            workspace=action.workspace,
            vehicle_id__in=ids,
            channel=channel,
            state=AdState.LIVE,
        )
        .exclude(action=action)
        .values_list("vehicle_id", flat=True)
    )
    run = Run(action)
    run.prepare((vehicle_id, channel, OPERATION) for vehicle_id in ids)
    for vehicle_id in ids:
        step = run.step(vehicle_id, channel, OPERATION)
        if step is None:
            continue
        row = vehicles.get(vehicle_id)
        if row is None:
            run.skip(step, "The vehicle is no longer in the inventory.")
            continue
        if vehicle_id in elsewhere:
            run.skip(step, "It has a live ad on this channel already.")
            continue
        creative, why = studio.sendable(channel, row, rooftops[row["rooftop_id"]], timezone.now())
        if creative is None:
            run.skip(step, why)
            continue
        _send(run, step, action, vehicle_id, channel, spec.create_kind, creative.payload)
    return run.finish(channel=channel)


def _send(
    run: Run,
    step: VehicleAdStep,
    action: AgentAction,
    vehicle_id: int,
    channel: str,
    kind: str,
    payload: Mapping[str, Any],
) -> None:
    def before() -> None:
        ad_record(action, vehicle_id, channel, state=AdState.LAUNCHING, error="")

    def done(result: Mapping[str, Any]) -> None:
        now = timezone.now()
        ad_record(
            action,
            vehicle_id,
            channel,
            state=AdState.LIVE,
            external_id=str(result.get("external_id") or "")[:255],
            live_since=now,
            error="",
        )

    def failed(error: str) -> None:
        ad_record(action, vehicle_id, channel, state=AdState.FAILED, error=error)

    run.send(step, kind, payload, before=before, done=done, failed=failed)
