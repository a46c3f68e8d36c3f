"""Who gets an MQL: the account's owner, or the contact's territory's round robin, or its manager.

The account's owner when the playbook routes to account owners (the B2B default) and the
account has one; otherwise round robin among the reps of the contact's territory (the cursor
advances under ``SELECT … FOR UPDATE``), the manager when it has no reps; no rep at all is a
blocking finding of the proposal.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from como.leads.models import Contact
from como.workspaces.models import Workspace

from ..models import HandoffRouting, Playbook, RouteVia, Territory, TerritoryRep
from .selectors import eligible_user_ids


@dataclass(frozen=True)
class Location:
    country: str
    region: str
    postal_code: str


def contact_location(contact: Contact) -> Location:
    """Where the contact is: its own address fields, or its account's when it has none."""
    source: Any = contact
    if not (contact.country or contact.region or contact.postal_code) and contact.account:
        source = contact.account
    return Location(
        country=(source.country or "").strip().upper(),
        region=(source.region or "").strip().casefold(),
        postal_code=_postal(source.postal_code or ""),
    )


def _postal(value: str) -> str:
    return "".join(value.split()).upper()


def _specificity(territory: Territory, where: Location) -> tuple[int, int, int] | None:
    """How specifically ``territory`` matches (longest postal prefix, region, country), or None.

    Every criterion the territory lists must match; a territory listing none matches nothing
    (it can still be the default)."""
    if not (territory.countries or territory.regions or territory.postal_prefixes):
        return None
    countries = {c.strip().upper() for c in territory.countries}
    if countries and where.country not in countries:
        return None
    regions = {r.strip().casefold() for r in territory.regions}
    if regions and where.region not in regions:
        return None
    postal = 0
    if territory.postal_prefixes:
        lengths = [
            len(prefix)
            for prefix in map(_postal, territory.postal_prefixes)
            if prefix and where.postal_code.startswith(prefix)
        ]
        if not lengths:
            return None
        postal = max(lengths)
    return (postal, int(bool(territory.regions)), int(bool(territory.countries)))


def territory_match(territories: Sequence[Territory], where: Location) -> Territory | None:
    """The most specific territory matching ``where`` (ties: lower position, then older); the
    default territory when none does."""
    best: tuple[tuple[int, int, int], int, int] | None = None
    chosen: Territory | None = None
    for territory in territories:
        found = _specificity(territory, where)
        if found is None:
            continue
        rank = (found, -territory.position, -territory.pk)
        if best is None or rank > best:
            best, chosen = rank, territory
    if chosen is not None:
        return chosen
    return next((t for t in territories if t.is_default), None)


@dataclass(frozen=True)
class Route:
    """Who gets an MQL, how they were chosen, and in which territory."""

    rep_id: int | None
    via: RouteVia
    territory_id: int | None
    territory: str


def routing_of(workspace: Workspace, playbook: Playbook) -> str:
    """The playbook's routing (the workspace's choice, else its vertical's default, else round
    robin: :mod:`como.agents.playbook_settings`)."""
    return str(playbook.handoff_routing)


def routes_for(
    workspace: Workspace, contacts: Sequence[Contact], playbook: Playbook
) -> dict[int, Route]:
    """The rep for each contact, in the given order (round robin hands out in that order).

    Queries: the eligible members, the territories, their reps, and the locked cursors of the
    territories that hand out, whatever the number of contacts."""
    eligible = eligible_user_ids(workspace.pk)
    territories = list(Territory.objects.filter(workspace=workspace).order_by("pk"))
    reps: dict[int, list[int]] = defaultdict(list)
    for territory_id, user_id in (
        TerritoryRep.objects.filter(territory__in=territories)
        .order_by("territory_id", "position", "pk")
        .values_list("territory_id", "user_id")
    ):
        if user_id in eligible:
            reps[territory_id].append(user_id)
    by_owner = routing_of(workspace, playbook) == HandoffRouting.ACCOUNT_OWNER
    matched: dict[int, Territory | None] = {}
    turns: dict[int, list[int]] = defaultdict(list)  # territory id → contacts taking a turn
    for contact in contacts:
        territory = territory_match(territories, contact_location(contact))
        matched[contact.pk] = territory
        owner = contact.account.owner_id if contact.account else None
        if by_owner and owner in eligible:
            continue
        if territory is not None and reps[territory.pk]:
            turns[territory.pk].append(contact.pk)
    cursors: dict[int, int] = {}
    if turns:
        # Locked in id order (no deadlock between two batches) until the MQLs commit.
        locked = (
            Territory.objects.select_for_update()
            .filter(pk__in=sorted(turns))
            .order_by("pk")
            .values_list("pk", "rr_cursor")
        )
        cursors = dict(locked)
    routes: dict[int, Route] = {}
    picked: dict[int, int] = {}
    for territory_id, contact_ids in turns.items():
        cursor = cursors[territory_id]
        ring = reps[territory_id]
        for offset, contact_id in enumerate(contact_ids):
            picked[contact_id] = ring[(cursor + offset) % len(ring)]
    for contact in contacts:
        territory = matched[contact.pk]
        tid, tname = (territory.pk, territory.name) if territory else (None, "")
        owner = contact.account.owner_id if contact.account else None
        if by_owner and owner in eligible:
            routes[contact.pk] = Route(owner, RouteVia.ACCOUNT_OWNER, tid, tname)
        elif contact.pk in picked:
            routes[contact.pk] = Route(picked[contact.pk], RouteVia.ROUND_ROBIN, tid, tname)
        elif territory is not None and territory.manager_id is not None:
            routes[contact.pk] = Route(territory.manager_id, RouteVia.MANAGER, tid, tname)
        else:
            routes[contact.pk] = Route(None, RouteVia.NONE, tid, tname)
    if turns:
        Territory.objects.bulk_update(
            [
                Territory(pk=tid, rr_cursor=cursors[tid] + len(ids))
                for tid, ids in sorted(turns.items())
            ],
            ["rr_cursor"],
        )
    return routes
