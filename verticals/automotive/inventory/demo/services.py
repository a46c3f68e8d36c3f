"""Lakeside Auto Group's inventory in the demo: three rooftops, each fed by a file in its
provider's layout, imported through ``inventory_import`` and re-imported every few minutes
after :func:`demo_inventory_move` has sold, repriced and added a few vehicles.

Registered with ``como.demo.hooks.seeders`` (``apps.py``), so ``seed_demo`` runs
:func:`demo_inventory_seed`. Idempotent: rooftops and sources are found by store code and
path, a feed file that exists is kept (it is the inventory as it last moved), and importing
it again changes nothing.
"""

from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from como.beat import interval_schedule, periodic_task_upsert
from como.demo.automotive import SPEC
from como.demo.hooks import feed_root
from como.workspaces.models import Workspace

from ..importing.services import inventory_import
from ..importing.tasks import import_source
from ..models import InventoryImport, InventorySource, Rooftop, SourceKind, Vehicle, VehicleStatus
from ..services import inventory_source_save, rooftop_create
from . import feeds

MOVE_TASK = "verticals.automotive.demo_inventory_move"
MOVE_EVERY_MINUTES = 3


@dataclass(frozen=True)
class Site:
    code: str
    street: str
    domain: str


SITES = (
    Site("LTN", "1550 E Ogden Ave", "lakesidetoyota.example"),
    Site("LFA", "4250 E New York St", "lakesidefordaurora.example"),
    Site("LHO", "2100 W 22nd St", "lakesidehondaoakbrook.example"),
)


def move_task_name(workspace_id: int) -> str:
    return f"demo/inventory/{workspace_id}"


def feed_path(workspace: Workspace, code: str) -> str:
    """A rooftop's feed, relative to the file root (the ``file`` source's path)."""
    return f"{workspace.slug}/{code.lower()}-inventory.csv"


def demo_inventory_seed(workspace: Workspace, anchor: datetime) -> list[str]:
    """The demo hook: rooftops, sources and imported feeds, and the beat task that moves them."""
    if workspace.slug != SPEC.slug or workspace.vertical != SPEC.vertical:
        return []
    today = anchor.astimezone(ZoneInfo(SPEC.time_zone)).date()
    lines = []
    for site in SITES:
        rooftop, source = _rooftop_ensure(workspace, site)
        path = feed_root() / source.path
        if not path.exists():
            layout = feeds.LAYOUTS[site.code]
            vehicles = feeds.inventory_new(feeds.store(site.code), today, SPEC.seed)
            _write(path, feeds.render(layout, vehicles))
        record = inventory_import(
            rooftop=rooftop, data=path.read_bytes(), file_name=path.name, full=True, source=source
        )
        counts = record.counts
        lines.append(
            f"inventory {rooftop.store_code} ({source.format_key}): {counts['rows']} rows, "
            f"{counts['created']} created, {counts['changed']} changed, "
            f"{counts['unchanged']} unchanged, {counts['rejected']} rejected"
        )
    periodic_task_upsert(
        move_task_name(workspace.pk),
        {
            "task": MOVE_TASK,
            "interval_id": interval_schedule(MOVE_EVERY_MINUTES, "minutes").pk,
            "crontab_id": None,
            "solar_id": None,
            "clocked_id": None,
            "kwargs": json.dumps({"workspace_id": workspace.pk}),
            "enabled": True,
            "one_off": False,
            "description": (
                "Demo: rewrite one Lakeside rooftop's feed (a few sold, repriced, added) "
                "and import it."
            ),
        },
    )
    available = Vehicle.objects.filter(workspace=workspace, status=VehicleStatus.AVAILABLE).count()
    lines.append(
        f"inventory: {available} vehicles available at {len(SITES)} rooftops; feeds in "
        f"{feed_root() / workspace.slug}, one re-imported every {MOVE_EVERY_MINUTES} minutes "
        "with a few vehicles sold, repriced and added"
    )
    return lines


@transaction.atomic
def _rooftop_ensure(workspace: Workspace, site: Site) -> tuple[Rooftop, InventorySource]:
    store = feeds.store(site.code)
    rooftop = Rooftop.objects.filter(workspace=workspace, store_code=site.code).first()
    if rooftop is None:
        rooftop = rooftop_create(
            workspace=workspace,
            fields={
                "name": store.name,
                "dealer_id": f"LAG-{site.code}",
                "store_code": site.code,
                "street": site.street,
                "city": store.city,
                "region": "IL",
                "postal_code": store.postal_code,
                "country": "US",
                "time_zone": SPEC.time_zone,
                "brands": [store.brand],
                "vdp_url_template": f"https://www.{site.domain}/inventory/{{stock_number}}-{{vin}}",
            },
        )
    path = feed_path(workspace, site.code)
    source = InventorySource.objects.filter(
        rooftop=rooftop, kind=SourceKind.FILE, path=path
    ).first()
    if source is None:
        layout = feeds.LAYOUTS[site.code]
        source = InventorySource(
            workspace=workspace,
            rooftop=rooftop,
            name=f"Demo feed ({layout.format_key})",
            kind=SourceKind.FILE,
            path=path,
            format_key=layout.format_key,
            full=True,
        )
        inventory_source_save(source=source)
    return rooftop, source


def demo_inventory_move(
    *, workspace: Workspace
) -> tuple[InventoryImport | None, feeds.Move | None]:
    """Move the rooftop imported least recently: rewrite its feed file, then fetch and import
    it as its schedule would (``import_source``: the ``file`` source under
    ``COMO_INVENTORY_FILE_ROOT``). The import and the move; (None, None) when the workspace
    has no demo feed (or it was disabled)."""
    source = (
        InventorySource.objects.filter(
            workspace=workspace,
            kind=SourceKind.FILE,
            path__in=[feed_path(workspace, site.code) for site in SITES],
            enabled=True,
        )
        .select_related("rooftop")
        .annotate(last=Max("imports__started_at"))
        .order_by(F("last").asc(nulls_first=True), "pk")
        .first()
    )
    if source is None or not (feed_root() / source.path).is_file():
        return None, None
    code = source.rooftop.store_code
    layout = feeds.LAYOUTS[code]
    path = feed_root() / source.path
    moves = InventoryImport.objects.filter(source=source).count()
    rng = random.Random(f"{SPEC.seed}-{code}-{moves}")
    today = timezone.localdate(timezone=ZoneInfo(SPEC.time_zone))
    vehicles, done = feeds.move(
        layout, feeds.store(code), feeds.parse(layout, path.read_bytes()), rng, today
    )
    _write(path, feeds.render(layout, vehicles))
    import_id = import_source(source.pk)
    return InventoryImport.objects.filter(pk=import_id).first(), done


def _write(path: Path, data: bytes) -> None:
    """Write the whole file or nothing: a fetch never reads half a feed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    partial.write_bytes(data)
    os.replace(partial, path)
