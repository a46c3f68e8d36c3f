"""Waiting actions that feature a vehicle gone from stock lose it, or are superseded."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

from como.agents.models import ActionStatus, AgentAction
from como.agents.services import action_narrow, action_supersede
from como.workspaces.models import Workspace

from ..kinds import LAUNCH, PAUSE, UPDATE
from .common import (
    Reaction,
    preview_of,
)

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


def _features(gone: set[int]) -> RawSQL:
    """Whether an action's ``payload.vehicle_ids`` names one of ``gone``: one pass over each
    payload (a launch part's is some 300 KB), where an ``@>`` per vehicle read every waiting
    payload again for each vehicle sold. A payload without a list there features none."""
    table = AgentAction._meta.db_table  # our table's name; the ids are parameters
    return RawSQL(  # noqa: S611
        f"CASE WHEN jsonb_typeof({table}.payload -> 'vehicle_ids') = 'array' THEN EXISTS ("  # noqa: S608
        f"SELECT 1 FROM jsonb_array_elements({table}.payload -> 'vehicle_ids') AS named(id) "
        "WHERE named.id = ANY(%s::jsonb[])) ELSE false END",
        [[str(v) for v in sorted(gone)]],
        output_field=BooleanField(),
    )


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
    waiting = (
        AgentAction.objects.filter(
            _features(gone),
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
