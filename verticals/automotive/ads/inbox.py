"""How the vertical's actions read in the approval inbox (``como.agents.subjects``): the
vehicles by year, make and model, the rooftop, and each vehicle's ad as the platform would show
it, with that vehicle's own findings.

The names come from the payload where the proposal recorded them (a launch or an update lists
each vehicle with its rendered creative); a pause or a held removal lists ids only, so their
vehicles are read in one query for the whole list, within each action's workspace."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from como.agents.inbox.channel_kinds import PLATFORMS, search_ad, social_ad
from como.agents.models import AgentAction
from como.agents.subjects import (
    NAMED,
    Creative,
    Presenter,
    Subject,
    ids_of,
    int_of,
    payload_of,
    register_presenter,
)

from ..inventory.importing.guard import KIND as REMOVALS
from ..inventory.models import Rooftop, Vehicle
from .kinds import LAUNCH, PAUSE, UPDATE

#: How many vehicles' ads the detail pane draws (a launch lists up to 250).
DRAWN = 6


def _entries(action: AgentAction) -> list[Mapping[str, Any]]:
    vehicles = payload_of(action).get("vehicles")
    return [v for v in vehicles if isinstance(v, Mapping)] if isinstance(vehicles, list) else []


def _rooftops(actions: Iterable[AgentAction]) -> dict[tuple[int, int], str]:
    wanted = {
        (a.workspace_id, rooftop_id) for a in actions if (rooftop_id := _rooftop_id(a)) is not None
    }
    rows = Rooftop.objects.filter(pk__in=sorted({pk for _, pk in wanted})).values_list(
        "workspace_id", "pk", "name"
    )
    return {(ws, pk): name for ws, pk, name in rows if (ws, pk) in wanted}


def _rooftop_id(action: AgentAction) -> int | None:
    found = int_of(payload_of(action).get("rooftop_id"))
    if found is None and action.target_type == "rooftop":
        found = int_of(action.target_id)
    return found


def _vehicle_names(actions: Iterable[AgentAction]) -> dict[tuple[int, int], str]:
    """Year, make and model of the first vehicles each action names by id, in one query."""
    wanted = {
        (a.workspace_id, pk)
        for a in actions
        for pk in ids_of(payload_of(a).get("vehicle_ids"))[:NAMED]
    }
    rows = Vehicle.objects.filter(pk__in=sorted({pk for _, pk in wanted})).values_list(
        "workspace_id", "pk", "year", "make", "model", "vin"
    )
    return {
        (ws, pk): " ".join(str(p) for p in (year, make, model) if p) or vin
        for ws, pk, year, make, model, vin in rows
        if (ws, pk) in wanted
    }


def listed_subjects(actions: Sequence[AgentAction]) -> list[Subject]:
    """A launch or an update: the vehicles it lists, the rooftop and the platform."""
    rooftops = _rooftops(actions)
    found = []
    for action in actions:
        entries = _entries(action)
        count = len(ids_of(payload_of(action).get("vehicle_ids"))) or len(entries)
        rooftop_id = _rooftop_id(action)
        where = [PLATFORMS.get(action.channel, action.channel)]
        if rooftop_id is not None and (action.workspace_id, rooftop_id) in rooftops:
            where.append(f"at {rooftops[(action.workspace_id, rooftop_id)]}")
        found.append(
            Subject(
                vehicles=tuple(str(v.get("name") or v.get("vin") or "") for v in entries[:NAMED]),
                vehicle_count=count,
                other=" ".join(w for w in where if w),
            )
        )
    return found


def by_id_subjects(actions: Sequence[AgentAction]) -> list[Subject]:
    """A pause or a held removal: the vehicles it names by id."""
    names = _vehicle_names(actions)
    found = []
    for action in actions:
        payload = payload_of(action)
        ids = ids_of(payload.get("vehicle_ids"))
        named = tuple(
            names[(action.workspace_id, pk)]
            for pk in ids[:NAMED]
            if (action.workspace_id, pk) in names
        )
        other = ""
        if action.kind == REMOVALS and (available := int_of(payload.get("available"))):
            other = f"of {available:,} available"
        elif action.kind == PAUSE:
            ads = payload.get("ads")
            other = f"{len(ads) if isinstance(ads, list) else 0} live ad(s)"
        found.append(Subject(vehicles=named, vehicle_count=len(ids), other=other))
    return found


def listed_creatives(action: AgentAction) -> list[Creative]:
    """Each vehicle's ad as its platform would show it (the first few), with its findings."""
    entries = _entries(action)[:DRAWN]
    photos = dict(
        Vehicle.objects.filter(
            workspace_id=action.workspace_id, pk__in=[int_of(v.get("id")) or 0 for v in entries]
        ).values_list("pk", "photos")
    )
    drawn = []
    for entry in entries:
        creative = entry.get("creative")
        if not isinstance(creative, Mapping):
            continue
        payload = creative.get("payload")
        payload = payload if isinstance(payload, Mapping) else {}
        findings = [f for f in creative.get("findings") or [] if isinstance(f, Mapping)]
        label = str(entry.get("name") or entry.get("vin") or "")
        if action.channel == "paid_search":
            drawn.append(Creative("search_ad", label, search_ad(payload), findings))
            continue
        fields = social_ad(payload)
        pictures = photos.get(int_of(entry.get("id")) or 0)
        if not fields["image_url"] and isinstance(pictures, list) and pictures:
            fields["image_url"] = str(pictures[0])
        drawn.append(Creative("ad", label, fields, findings))
    return drawn


def register() -> None:
    listed = Presenter(listed_subjects, listed_creatives)
    register_presenter(LAUNCH, listed)
    register_presenter(UPDATE, listed)
    register_presenter(PAUSE, Presenter(by_id_subjects))
    register_presenter(REMOVALS, Presenter(by_id_subjects))
