"""Executing a ``vehicle_ads_pause``: each sold vehicle's live ads paused on every channel,
then one real-time Meta catalog update marking them ``NOT_AVAILABLE`` (≤ 5,000 per call). The
Google vehicle feed is read from the database, so a sold vehicle is absent from its next fetch
(``google_feed: "dropped"``)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from como.agents.models import AgentAction
from como.channels import ads
from como.channels.errors import ChannelRejected, PayloadInvalid, TransientError
from como.channels.transports import accounts_cached

from ...inventory.models import VehicleStatus
from ..creative import spec_for_channel
from ..models import AdState, StepStatus, VehicleAd, VehicleAdStep
from ..studio import vehicle_rows
from .launch import vehicle_ids_of
from .steps import Run, Send, StepAction

OPERATION = "pause"
CATALOG_OPERATION = "catalog"


def pause_payload(channel: str, external_id: str) -> dict[str, Any]:
    """The pause kind's payload: Meta pauses an ad by id; Google Ads an ``adGroupAd`` by its
    resource name, which is what its create answered (``customers/…/adGroupAds/…~…``)."""
    if channel == "paid_search":
        return {"ad_group_ad": external_id}
    return {"ad_id": external_id}


@accounts_cached()
def pause_execute(action: AgentAction, idempotency_key: str) -> Mapping[str, Any]:
    payload = action.payload if isinstance(action.payload, Mapping) else {}
    ids = vehicle_ids_of(payload)
    vehicles = vehicle_rows(action.workspace, ids)
    gone: set[str] = {VehicleStatus.SOLD, VehicleStatus.REMOVED}
    run = Run(action)
    # The ads live now, not those at proposal: one launched since is paused too.
    ads = list(
        VehicleAd.objects.filter(
            workspace=action.workspace,
            vehicle_id__in=ids,
            state__in=[AdState.LIVE, AdState.LAUNCHING],
        ).order_by("vehicle_id", "channel")
    )
    run.prepare((ad.vehicle_id, ad.channel, OPERATION) for ad in ads)
    sends: list[Send] = []
    for ad in ads:
        step = run.step(ad.vehicle_id, ad.channel, OPERATION)
        if step is None:
            continue
        row = vehicles.get(ad.vehicle_id)
        if row is not None and row["status"] not in gone:
            run.skip(step, "Back in stock since: its ad stays.")
            continue
        if not ad.external_id:
            run.skip(step, "No platform id: its launch never completed.")
            continue
        kind = spec_for_channel(ad.channel).pause_kind
        sends.append(Send(step, kind, pause_payload(ad.channel, ad.external_id), ref=ad))

    def done(sent: list[Send]) -> None:
        VehicleAd.objects.filter(pk__in=[item.ref.pk for item in sent]).update(
            state=AdState.PAUSED, action=action, changed_at=timezone.now(), error=""
        )

    run.send_many(sends, done=done)
    catalog = _catalog_update(run, action, payload.get("catalog"), vehicles, gone)
    return run.finish(catalog=catalog, google_feed="dropped")


def _catalog_update(
    run: Run,
    action: AgentAction,
    catalog: Any,
    vehicles: Mapping[int, Mapping[str, Any]],
    gone: set[str],
) -> dict[str, Any] | None:
    """One ``items_batch`` call per 5,000 vehicles, each vehicle's part a step (operation
    ``catalog``) so a retry sends only a batch not done, under the same key."""
    if not isinstance(catalog, Mapping) or not catalog.get("catalog_id"):
        return None
    items = [
        item
        for item in catalog.get("items") or []
        if isinstance(item, Mapping) and isinstance(item.get("vehicle_id"), int)
    ]
    run.prepare((item["vehicle_id"], ads.social.KEY, CATALOG_OPERATION) for item in items)
    steps = {
        item["vehicle_id"]: run.prepared(item["vehicle_id"], ads.social.KEY, CATALOG_OPERATION)
        for item in items
    }
    sent: list[str] = []
    size = ads.social.CATALOG_BATCH_MAX
    for start in range(0, len(items), size):
        batch = items[start : start + size]
        pending = []
        for item in batch:
            step = steps[item["vehicle_id"]]
            row = vehicles.get(item["vehicle_id"])
            if step.status == StepStatus.PENDING and row is not None and row["status"] not in gone:
                step.status, step.error = StepStatus.SKIPPED, "Back in stock since."
                step.save(update_fields=["status", "error", "updated_at"])
            if step.status == StepStatus.PENDING:
                pending.append(item)
        if not pending:
            continue
        ids = ",".join(str(item["vehicle_id"]) for item in pending)
        digest = hashlib.sha256(ids.encode()).hexdigest()[:16]
        key = f"{action.pk}:catalog:{catalog['catalog_id']}:{digest}"
        part = StepAction(
            pk=action.pk,
            workspace=action.workspace,
            workspace_id=action.workspace_id,
            kind=ads.social.CATALOG,
            channel=ads.social.KEY,
            payload={
                "catalog_id": catalog["catalog_id"],
                "item_type": "VEHICLE",
                "items": [{"id": item["id"], "availability": "NOT_AVAILABLE"} for item in pending],
            },
            target_type="catalog",
            target_id=str(catalog["catalog_id"]),
        )
        status, error, handle = StepStatus.DONE, "", ""
        try:
            result = ads.social.adapter.execute(part, key)
            handle = str(result.get("external_id") or "")
        except (PayloadInvalid, ChannelRejected) as refused:
            status, error = StepStatus.FAILED, str(refused)
        except TransientError as transient:
            run.transient.append(f"Meta catalog update: {transient}")
            continue
        VehicleAdStep.objects.filter(
            pk__in=[steps[item["vehicle_id"]].pk for item in pending]
        ).update(status=status, error=error, external_id=handle, attempts=1)
        sent.append(key)
    for step in VehicleAdStep.objects.filter(pk__in=[s.pk for s in steps.values()]):
        run.note(step)
    return {"catalog_id": str(catalog["catalog_id"]), "items": len(items), "requests": sent}
