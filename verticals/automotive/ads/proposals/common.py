"""What the proposals share: the reaction's record, a vehicle's entry and preview line, the
creatives' warnings summed up, the live ads of vehicles."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from psycopg import sql

from como.compliance.findings import Severity
from como.rawsql import raw_cursor
from como.workspaces.models import Workspace

from ..kinds import AGENT
from ..models import AdState, VehicleAd

logger = logging.getLogger(__name__)

#: The fields whose change makes a live ad say something no longer true.
AD_FIELDS = ("price", "internet_price", "dealer_charges", "photos", "mileage")
CHANNEL_NAMES = {"paid_social": "Meta", "paid_search": "Google Ads"}
#: How many vehicles a summary finding names before "and n more".
NAMED = 10


@dataclass
class Reaction:
    """What one reaction proposed (action ids) and withdrew, and the later parts of a large
    launch left for the workers (``LaunchPart``s: its task enqueues one task each)."""

    launches: list[int] = field(default_factory=list)
    updates: list[int] = field(default_factory=list)
    pause: int | None = None
    narrowed: list[int] = field(default_factory=list)
    superseded: list[int] = field(default_factory=list)
    skipped_channels: list[str] = field(default_factory=list)
    pending_parts: list[Any] = field(default_factory=list)


# --- launch ----------------------------------------------------------------------------------


def vehicle_entry(row: Mapping[str, Any], data: Mapping[str, Any], verdict: Any) -> dict[str, Any]:
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


def live_channels(workspace: Workspace, ids: Sequence[int]) -> dict[int, set[str]]:
    """The channels on which each of the vehicles ``ids`` has an ad live or launching: what a
    launch part needs of :func:`live_ads`, read with the ids as one array parameter and no
    model instances (the ORM quoted a part's 250 ids into the SQL text: most of the read)."""
    table = sql.Identifier(VehicleAd._meta.db_table)
    query = sql.SQL(
        "SELECT vehicle_id, channel FROM {} "
        "WHERE workspace_id = %s AND vehicle_id = ANY(%s) AND state = ANY(%s)"
    ).format(table)
    channels: dict[int, set[str]] = defaultdict(set)
    with raw_cursor() as cursor:
        cursor.execute(
            query, (workspace.pk, list(ids), [str(AdState.LIVE), str(AdState.LAUNCHING)])
        )
        for vehicle_id, channel in cursor:
            channels[vehicle_id].add(channel)
    return channels


def live_ads(workspace: Workspace, ids: Iterable[int]) -> dict[int, dict[str, VehicleAd]]:
    ads: dict[int, dict[str, VehicleAd]] = defaultdict(dict)
    for ad in VehicleAd.objects.filter(
        workspace=workspace,
        vehicle_id__in=list(ids),
        state__in=[AdState.LIVE, AdState.LAUNCHING],
    ):
        ads[ad.vehicle_id][ad.channel] = ad
    return ads
