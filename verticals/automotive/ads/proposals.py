"""The inventory-ads agent's reaction to an import: what it proposes, and what it withdraws.

- New or back-in-stock vehicles passing the merchandising rules: one ``vehicle_ads_launch``
  per rooftop and channel, each vehicle with its rendered creative; a vehicle whose creative has
  a blocking finding is listed apart (``left_out``) and not launched.
- Changed vehicles (price, photos, mileage …) with a live ad: one ``vehicle_ads_update`` per
  channel, before/after per vehicle.
- Sold or removed vehicles: one ``vehicle_ads_pause`` for the import (every channel, and the
  Meta catalog), which the vertical's policy approves on proposal so it runs at once; and every
  waiting action that features them (its ``payload.vehicle_ids``: a queued launch, an email or
  a direct-mail piece) loses them, or is superseded when nothing is left.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import reduce
from operator import or_
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from como.agents.models import ActionStatus, AgentAction
from como.agents.registry import agent_enabled
from como.agents.services import ActionDraft, action_narrow, action_propose, action_supersede
from como.compliance.findings import Severity
from como.workspaces.models import Workspace
from como.workspaces.principal import principal_for_user
from como.workspaces.roles import Permission
from como.workspaces.users import User

from ..inventory.importing.reactions import InventoryDiff
from ..inventory.models import VehicleChange
from .creative import vehicle_data
from .kinds import AGENT, LAUNCH, PAUSE, UPDATE
from .models import AdState, VehicleAd
from .studio import Studio, rooftop_rows, vehicle_rows

logger = logging.getLogger(__name__)

#: The fields whose change makes a live ad say something no longer true.
AD_FIELDS = ("price", "internet_price", "dealer_charges", "photos", "mileage")
CHANNEL_NAMES = {"paid_social": "Meta", "paid_search": "Google Ads"}
#: How many vehicles a summary finding names before "and n more".
NAMED = 10


def catalog_item_id(vehicle: Mapping[str, Any]) -> str:
    """The vehicle's ``vehicle_id`` in the Meta catalog: its VIN (unique, ≤ 100 characters)."""
    return str(vehicle.get("vin") or "")


@dataclass
class Reaction:
    """What one reaction proposed (action ids) and withdrew."""

    launches: list[int] = field(default_factory=list)
    updates: list[int] = field(default_factory=list)
    pause: int | None = None
    narrowed: list[int] = field(default_factory=list)
    superseded: list[int] = field(default_factory=list)
    skipped_channels: list[str] = field(default_factory=list)


# --- launch ----------------------------------------------------------------------------------


def _vehicle_entry(row: Mapping[str, Any], data: Mapping[str, Any], verdict: Any) -> dict[str, Any]:
    band = verdict.band
    return {
        "id": row["id"],
        "vin": row["vin"],
        "stock_number": row["stock_number"],
        "name": data["name"],
        "days_in_stock": verdict.days_in_stock,
        "band": band.label if band is not None else "",
        "aged": bool(band is not None and band.aged),
        "budget_multiplier": str(band.budget_multiplier) if band is not None else "1.00",
    }


def preview_of(vehicles: Sequence[Mapping[str, Any]]) -> str:
    """One line per vehicle, as the approver reads the queue."""
    lines = []
    for v in vehicles:
        line = f"{v.get('vin')} · {v.get('name')} · stock {v.get('stock_number')}"
        if "days_in_stock" in v:
            line += f" · {v['days_in_stock']} days in stock"
        if v.get("aged"):
            line += f" · AGED: suggested budget multiplier {v.get('budget_multiplier')}"
        lines.append(line)
    return "\n".join(lines)


def warnings_summary(vehicles: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The creatives' warnings as one finding for the action (blocked vehicles are left out,
    so nothing here blocks)."""
    warned = {
        v["vin"]: sorted(
            {
                str(f.get("rule"))
                for f in v["creative"]["findings"]
                if f.get("severity") == Severity.WARN
            }
        )
        for v in vehicles
    }
    warned = {vin: rules for vin, rules in warned.items() if rules}
    if not warned:
        return []
    named = [f"{vin} ({', '.join(rules)})" for vin, rules in list(warned.items())[:NAMED]]
    more = len(warned) - len(named)
    return [
        {
            "rule": f"{AGENT}.creative_warnings",
            "severity": str(Severity.WARN),
            "message": f"{len(warned)} of {len(vehicles)} creatives have warnings: "
            + "; ".join(named)
            + (f"; and {more} more" if more > 0 else "")
            + ". Each vehicle's findings are in its creative.",
            "citation": "",
            "fix_hint": "Read them, then approve with a note, drop the vehicles, or edit the "
            "creative template.",
            "evidence": {"vehicles": warned},
        }
    ]


def _live(workspace: Workspace, ids: Iterable[int]) -> dict[int, dict[str, VehicleAd]]:
    ads: dict[int, dict[str, VehicleAd]] = defaultdict(dict)
    for ad in VehicleAd.objects.filter(
        workspace=workspace,
        vehicle_id__in=list(ids),
        state__in=[AdState.LIVE, AdState.LAUNCHING],
    ):
        ads[ad.vehicle_id][ad.channel] = ad
    return ads


def launch_drafts(
    studio: Studio, diff: InventoryDiff, now: datetime, reaction: Reaction
) -> list[ActionDraft]:
    workspace = studio.workspace
    ids = sorted({*diff.created, *diff.returned})
    if not ids:
        return []
    vehicles = vehicle_rows(workspace, ids)
    rooftops = rooftop_rows(workspace, {row["rooftop_id"] for row in vehicles.values()})
    live = _live(workspace, ids)
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
                blocking = [f for f in creative.findings if f.get("severity") == Severity.BLOCK]
                group["left_out"].append(
                    {"id": vehicle_id, "vin": row["vin"], "findings": blocking}
                )
                continue
            group["vehicles"].append(
                {**_vehicle_entry(row, data, verdict), "creative": creative.as_dict()}
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
        drafts.append(
            ActionDraft(
                agent=AGENT,
                kind=LAUNCH,
                idempotency_key=f"{LAUNCH}:{diff.import_id}:{rooftop_id}:{channel}",
                rationale=f"{len(chosen)} vehicle(s) new or back in stock at {rooftop['name']} "
                f"pass the merchandising rules: launch their {CHANNEL_NAMES[channel]} ads."
                + (
                    f" {len(group['left_out'])} left out (see the list)."
                    if group["left_out"]
                    else ""
                ),
                channel=channel,
                target_type="rooftop",
                target_id=rooftop_id,
                payload={
                    "vehicle_ids": [v["id"] for v in chosen],
                    "channel": channel,
                    "rooftop_id": rooftop_id,
                    "vehicles": chosen,
                    "left_out": group["left_out"],
                },
                preview=preview_of(chosen),
                findings=warnings_summary(chosen),
            )
        )
    return drafts


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
        for vehicle_id, ads in _live(workspace, changes).items()
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
                blocking = [f for f in creative.findings if f.get("severity") == Severity.BLOCK]
                group["left_out"].append(
                    {"id": vehicle_id, "vin": row["vin"], "findings": blocking}
                )
                continue
            group["vehicles"].append(
                {
                    **_vehicle_entry(row, data, verdict),
                    "ad_id": ad.external_id,
                    "changes": changes[vehicle_id],
                    "creative": creative.as_dict(),
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
    live = _live(workspace, gone)
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


# --- withdrawing what features a vehicle gone ------------------------------------------------


def narrowed_payload(payload: Mapping[str, Any], gone: set[int], why: str) -> dict[str, Any]:
    """The payload without the ``gone`` vehicles (``vehicle_ids`` and, when it lists them,
    ``vehicles``), each noted in ``left_out``."""
    out = dict(payload)
    out["vehicle_ids"] = [v for v in payload.get("vehicle_ids") or [] if v not in gone]
    if isinstance(payload.get("vehicles"), list):
        kept: list[Any] = []
        dropped: list[Any] = []
        for v in payload["vehicles"]:
            (dropped if isinstance(v, Mapping) and v.get("id") in gone else kept).append(v)
        out["vehicles"] = kept
        out["left_out"] = [
            *(payload.get("left_out") or []),
            *({"id": v.get("id"), "vin": v.get("vin"), "reasons": [why]} for v in dropped),
        ]
    return out


def waiting_actions_withdraw(
    *, workspace: Workspace, vehicle_ids: Iterable[int], reaction: Reaction | None = None
) -> Reaction:
    """Every waiting action (proposed, or approved and not yet claimed) featuring one of
    ``vehicle_ids`` (sold or removed) loses them; superseded when none of its vehicles is left.
    Pauses are left alone: featuring a sold vehicle is their point."""
    reaction = reaction or Reaction()
    gone = set(vehicle_ids)
    if not gone:
        return reaction
    features = reduce(or_, (Q(payload__vehicle_ids__contains=[v]) for v in sorted(gone)))
    waiting = (
        AgentAction.objects.filter(
            features,
            workspace=workspace,
            status__in=[ActionStatus.PROPOSED, ActionStatus.APPROVED],
        )
        .exclude(kind=PAUSE)
        .order_by("pk")
    )
    for action in waiting:
        payload = action.payload if isinstance(action.payload, Mapping) else {}
        dropped = sorted(gone & set(payload.get("vehicle_ids") or []))
        narrowed = narrowed_payload(payload, gone, "sold or removed since it was proposed")
        note = f"Vehicle(s) {', '.join(map(str, dropped))} sold or removed: taken out."
        if not narrowed["vehicle_ids"]:
            action_supersede(action=action, note=note + " Nothing is left.", waiting=True)
            if action.status == ActionStatus.SUPERSEDED:
                reaction.superseded.append(action.pk)
            continue
        preview = (
            preview_of(narrowed["vehicles"])
            if action.kind in (LAUNCH, UPDATE) and "vehicles" in narrowed
            else action.preview
        )
        if action_narrow(action=action, payload=narrowed, preview=preview, note=note):
            reaction.narrowed.append(action.pk)
    return reaction


# --- the reaction ----------------------------------------------------------------------------


@transaction.atomic
def inventory_ads_react(
    *, workspace: Workspace, diff: InventoryDiff, now: datetime | None = None
) -> Reaction:
    """The agent's answer to one import's diff (nothing when switched off in the playbook).
    Safe to run twice: the idempotency keys name the import, and a decided action is never
    proposed again."""
    reaction = Reaction()
    if not agent_enabled(workspace, AGENT):
        return reaction
    now = now or timezone.now()
    studio = Studio.of(workspace)
    proposer = workspace.agent_user
    # Withdraw first: the launches proposed below never feature a vehicle gone.
    waiting_actions_withdraw(
        workspace=workspace, vehicle_ids=(*diff.sold, *diff.removed), reaction=reaction
    )
    pause = pause_draft(
        studio, (*diff.sold, *diff.removed), f"{PAUSE}:{diff.import_id}", diff.import_id
    )
    if pause is not None:
        reaction.pause = action_propose(
            workspace=workspace, proposer=proposer, draft=pause
        ).action.pk
    for draft in launch_drafts(studio, diff, now, reaction):
        reaction.launches.append(
            action_propose(workspace=workspace, proposer=proposer, draft=draft).action.pk
        )
    for draft in update_drafts(studio, diff, now, reaction):
        reaction.updates.append(
            action_propose(workspace=workspace, proposer=proposer, draft=draft).action.pk
        )
    return reaction


@transaction.atomic
def launch_drop_vehicles(
    *, action: AgentAction, vehicle_ids: Sequence[int], user: User
) -> AgentAction:
    """The approver takes vehicles out of a launch before approving it. The revision is
    recorded in the action's audit trail; the dropped vehicles are listed in ``left_out``."""
    if not principal_for_user(user).can(Permission.APPROVE, action.workspace_id):
        raise PermissionDenied("You may not change actions in this workspace.")
    locked = AgentAction.objects.select_for_update().get(pk=action.pk)
    if locked.kind != LAUNCH:
        raise ValidationError({"action": ["Only a vehicle ads launch lists vehicles to drop."]})
    if locked.status != ActionStatus.PROPOSED:
        raise ValidationError(
            {"action": [f"This action is {locked.status}, not awaiting approval."]}
        )
    payload = locked.payload if isinstance(locked.payload, Mapping) else {}
    listed = set(payload.get("vehicle_ids") or [])
    wanted = {v for v in vehicle_ids if isinstance(v, int) and not isinstance(v, bool)}
    unknown = [v for v in vehicle_ids if v not in listed]
    if unknown or not wanted:
        raise ValidationError(
            {
                "vehicle_ids": [f"Not in this launch: {', '.join(map(str, unknown))}."]
                if unknown
                else ["Name at least one vehicle of the launch."]
            }
        )
    name = user.get_full_name() or user.get_username()
    narrowed = narrowed_payload(payload, wanted, f"dropped by {name}")
    if not narrowed["vehicle_ids"]:
        raise ValidationError(
            {"vehicle_ids": ["That leaves nothing to launch: reject the proposal instead."]}
        )
    action_narrow(
        action=locked,
        payload=narrowed,
        preview=preview_of(narrowed["vehicles"]),
        note=f"Dropped vehicle(s) {', '.join(map(str, sorted(wanted)))} before approval.",
        user=user,
    )
    action.refresh_from_db()
    return action
