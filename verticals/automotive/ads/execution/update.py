"""Executing a ``vehicle_ads_update``: a changed vehicle's live ad replaced by one rendered
from the vehicle as it is now (a Google responsive search ad cannot be edited, and a Meta
ad's creative is replaced rather than edited in place), then the old ad paused."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from como.agents.models import AgentAction
from como.channels.transports import accounts_cached

from ..creative import spec_for_channel
from ..models import AdState, StepStatus, VehicleAd, VehicleAdStep
from ..studio import Studio, rooftop_rows, vehicle_rows
from .launch import ad_record, vehicle_ids_of
from .pause import pause_payload
from .steps import Run

CREATE = "update"
RETIRE = "retire"


@accounts_cached()
def update_execute(action: AgentAction, idempotency_key: str) -> Mapping[str, Any]:
    payload = action.payload if isinstance(action.payload, Mapping) else {}
    channel = str(payload.get("channel") or action.channel)
    spec = spec_for_channel(channel)
    ids = vehicle_ids_of(payload)
    studio = Studio.of(action.workspace)
    vehicles = vehicle_rows(action.workspace, ids)
    rooftops = rooftop_rows(action.workspace, {row["rooftop_id"] for row in vehicles.values()})
    ads = {
        ad.vehicle_id: ad
        for ad in VehicleAd.objects.filter(
            workspace=action.workspace, vehicle_id__in=ids, channel=channel
        )
    }
    run = Run(action)
    for vehicle_id in ids:
        step = run.step(vehicle_id, channel, CREATE)
        if step is not None:
            _replace(run, step, studio, action, vehicles, rooftops, ads, vehicle_id, channel, spec)
        created = VehicleAdStep.objects.filter(
            action=action, vehicle_id=vehicle_id, channel=channel, operation=CREATE
        ).first()
        previous = (created.result or {}).get("replaced") if created is not None else None
        if created is None or created.status != StepStatus.DONE or not previous:
            continue
        retire = run.step(vehicle_id, channel, RETIRE)
        if retire is not None:
            run.send(retire, spec.pause_kind, pause_payload(channel, str(previous)))
    return run.finish(channel=channel)


def _replace(
    run: Run,
    step: VehicleAdStep,
    studio: Studio,
    action: AgentAction,
    vehicles: Mapping[int, Mapping[str, Any]],
    rooftops: Mapping[int, Mapping[str, Any]],
    ads: Mapping[int, VehicleAd],
    vehicle_id: int,
    channel: str,
    spec: Any,
) -> None:
    row = vehicles.get(vehicle_id)
    ad = ads.get(vehicle_id)
    if row is None or ad is None or ad.state != AdState.LIVE or not ad.external_id:
        run.skip(step, "No live ad to replace.")
        return
    creative, why = studio.sendable(channel, row, rooftops[row["rooftop_id"]], timezone.now())
    if creative is None:
        run.skip(step, why)
        return
    previous = ad.external_id

    def done(result: Mapping[str, Any]) -> None:
        step.result = {**step.result, "replaced": previous}
        step.save(update_fields=["result", "updated_at"])
        ad_record(
            action,
            vehicle_id,
            channel,
            state=AdState.LIVE,
            external_id=str(result.get("external_id") or "")[:255],
            live_since=timezone.now(),
            error="",
        )

    run.send(step, spec.create_kind, creative.payload, done=done)
