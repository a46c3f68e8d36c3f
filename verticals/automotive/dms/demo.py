"""Lakeside Auto Group's DMS history in the demo: two years of deals and repair orders for the
demo's contacts, written as each rooftop's DMS would export them (CDK-style at two rooftops,
Reynolds-style at the third) and imported through :func:`~.services.dms_import`.

Registered with ``como.demo.hooks.seeders`` after the inventory's seeder (which creates the
rooftops). A few recent shoppers also buy the vehicle they viewed (:func:`_vin_buyers`), for
the VIN report. Deterministic from the demo's seed and anchor, and idempotent: a second seeding
imports the same rows, which the import reports as duplicates.
"""

from __future__ import annotations

import io
import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from como import csvsafe
from como.demo.automotive import SPEC
from como.ingest.services import events_ingest
from como.leads.models import Contact, Event
from como.workspaces.models import Workspace

from ..ads.models import VehicleAd
from ..inventory.demo.feeds import _MODELS, make_vin, store
from ..inventory.models import Rooftop
from .services import dms_import

#: Buyers per rooftop; about 2.4 repair orders per owner follow (some owners never return).
BUYERS_PER_ROOFTOP = 60
HISTORY_DAYS = 730
#: Recent shoppers who buy the vehicle they looked at (see _vin_buyers).
VIN_BUYERS = 6
AD_CLICK = f"{SPEC.event_prefix}-vin-ad-"
#: The store code → the DMS its export looks like.
DMS_OF = {"LTN": "cdk", "LFA": "cdk", "LHO": "reynolds"}
_HEADERS = {
    ("deals", "cdk"): [
        "DealNo",
        "ContractDate",
        "VehicleType",
        "VIN",
        "Year",
        "Make",
        "Model",
        "CashPrice",
        "AmtFinanced",
        "APR",
        "Term",
        "Odometer",
        "BuyerFirstName",
        "BuyerLastName",
        "BuyerEmail",
        "BuyerZip",
        "StoreNo",
    ],
    ("deals", "reynolds"): [
        "DealNumber",
        "SaleDate",
        "NewUsed",
        "VehVIN",
        "VehYear",
        "VehMake",
        "VehModel",
        "SellingPrice",
        "AmountFinanced",
        "Rate",
        "TermMonths",
        "VehOdometer",
        "CustName",
        "CustEmail",
        "CustZip",
        "Dealer",
    ],
    ("repair_orders", "cdk"): [
        "RONumber",
        "CloseDate",
        "VIN",
        "MileageIn",
        "OpCodes",
        "OpDescriptions",
        "TotalSale",
        "CustFirstName",
        "CustLastName",
        "CustEmail",
        "StoreNo",
    ],
    ("repair_orders", "reynolds"): [
        "RO#",
        "FinalCloseDate",
        "VehVIN",
        "Odometer",
        "LaborOpCodes",
        "LaborDescriptions",
        "ROTotal",
        "CustName",
        "CustEmail",
        "Dealer",
    ],
}
_SERVICES = (
    ("LOF", "Oil and filter change", Decimal("69.95")),
    ("ROT", "Tire rotation", Decimal("29.95")),
    ("BRK", "Front brake pads", Decimal("289.00")),
    ("ALN", "Four-wheel alignment", Decimal("129.95")),
    ("CAF", "Cabin air filter", Decimal("59.00")),
)


def demo_dms_seed(workspace: Workspace, anchor: datetime) -> list[str]:
    """The demo hook: each rooftop's deals, then its repair orders, imported."""
    if workspace.slug != SPEC.slug or workspace.vertical != SPEC.vertical:
        return []
    rooftops = list(Rooftop.objects.filter(workspace=workspace, store_code__in=DMS_OF))
    people = list(
        Contact.objects.filter(workspace=workspace)
        .exclude(email="")
        .order_by("id")
        .values_list("email", "first_name", "last_name", "postal_code")
    )
    if not rooftops or not people:
        return []
    today = anchor.astimezone(ZoneInfo(SPEC.time_zone)).date()
    recent = _vin_buyers(workspace, anchor)
    totals = {"deals": 0, "repair_orders": 0, "created": 0}
    for rooftop in sorted(rooftops, key=lambda r: r.store_code):
        deals, ros = _history(rooftop.store_code, people, today)
        deals += recent.get(rooftop.store_code, [])
        dms = DMS_OF[rooftop.store_code]
        for kind, rows in (("deals", deals), ("repair_orders", ros)):
            record = dms_import(
                rooftop=rooftop,
                kind=kind,
                data=_render(_HEADERS[kind, dms], rows),
                file_name=f"{rooftop.store_code.lower()}-{kind}.csv",
                now=anchor,
            )
            totals[kind] += record.counts["rows"]
            totals["created"] += record.counts["created"]
    return [
        f"DMS history: {totals['deals']} deals and {totals['repair_orders']} repair orders at "
        f"{len(rooftops)} rooftops ({totals['created']} new events)"
    ]


def _history(
    code: str, people: list[tuple[str, str, str, str]], today: date
) -> tuple[list[list[str]], list[list[str]]]:
    rng = random.Random(f"{SPEC.seed}-dms-{code}")
    brand = store(code).brand
    deals, ros = [], []
    ro_number = 0
    for number, (email, first, last, postal) in enumerate(
        rng.sample(people, min(BUYERS_PER_ROOFTOP, len(people))), start=1
    ):
        model, _, base, _, wmi = rng.choice(_MODELS[brand])
        new = rng.random() < 0.6
        sold = today - timedelta(days=rng.randrange(30, HISTORY_DAYS))
        year = sold.year + (1 if new and sold.month >= 8 else 0) - (0 if new else rng.randint(2, 6))
        vin = make_vin(rng, wmi, year)
        price = Decimal(base + rng.randrange(-1500, 6000, 50)) - (0 if new else Decimal(8000))
        financed = (price * Decimal(rng.choice(("0", "0.8", "0.9", "1")))).quantize(Decimal("1"))
        odometer = rng.randrange(5, 40) if new else rng.randrange(18_000, 80_000)
        apr = rng.choice(("3.9", "4.9", "5.99", "6.49")) if financed else ""
        term = rng.choice(("48", "60", "72")) if financed else ""
        name = _name(code, first, last)
        deals.append(
            _deal_row(
                code,
                f"{code}{5000 + number}",
                sold,
                (new, vin, year, brand, model, odometer),
                (price, financed, apr, term),
                (name, email, postal),
            )
        )
        per_day = rng.uniform(20, 55)
        visit = sold
        while rng.random() < 0.85:
            visit += timedelta(days=rng.randrange(120, 220))
            if visit > today:
                break
            ro_number += 1
            services = rng.sample(_SERVICES, rng.randint(1, 3))
            mileage = odometer + round(per_day * (visit - sold).days)
            ros.append(
                [
                    f"{code}{90000 + ro_number}",
                    visit.isoformat(),
                    vin,
                    str(mileage),
                    "|".join(s[0] for s in services),
                    "|".join(s[1] for s in services),
                    f"{sum(s[2] for s in services):.2f}",
                    *name,
                    email,
                    code,
                ]
            )
    return deals, ros


def _name(code: str, first: str, last: str) -> list[str]:
    """The buyer's name cells: Reynolds keeps one "LAST, FIRST" cell, CDK two."""
    return [f"{last.upper()}, {first.upper()}"] if DMS_OF[code] == "reynolds" else [first, last]


def _deal_row(
    code: str,
    number: str,
    sold: date,
    vehicle: tuple[bool, str, int, str, str, int],
    money: tuple[Decimal, Decimal, str, str],
    buyer: tuple[list[str], str, str],
) -> list[str]:
    new, vin, year, make, model, odometer = vehicle
    price, financed, apr, term = money
    name, email, postal = buyer
    return [
        number,
        sold.isoformat(),
        "N" if new else "U",
        vin,
        str(year),
        make,
        model,
        f"{price:.2f}",
        f"{financed:.2f}" if financed else "",
        apr,
        term,
        str(odometer),
        *name,
        email,
        postal,
        code,
    ]


def _vin_buyers(workspace: Workspace, anchor: datetime) -> dict[str, list[list[str]]]:
    """A few recent shoppers buy the vehicle whose page they viewed last, two days after a
    retargeting ad for that VIN brought them back to it: the ad click (a VDP view tagged with
    the campaign and the vehicle's ad id) goes in through ingest, the sale through the DMS
    file of the vehicle's store, so the VIN report has sales matched to VDP views and ad
    clicks. Chosen from the seeded events (deterministic); stable event ids and deal numbers
    make a second seeding add nothing."""
    views = (
        Event.objects.filter(
            workspace=workspace,
            type="vdp_view",
            occurred_at__gte=anchor - timedelta(days=60),
            occurred_at__lte=anchor - timedelta(days=4),
            properties__has_key="vin",
        )
        .exclude(contact__email="")
        .exclude(event_id__startswith=AD_CLICK)
        .order_by("contact_id", "-occurred_at", "-id")
        .distinct("contact_id")
        .values_list(
            "contact__email",
            "contact__first_name",
            "contact__last_name",
            "contact__postal_code",
            "occurred_at",
            "properties",
        )
    )
    chosen = sorted(views, key=lambda row: row[0])[:VIN_BUYERS]
    ads = dict(
        VehicleAd.objects.filter(
            workspace=workspace, vehicle__vin__in=[row[5]["vin"] for row in chosen]
        )
        .order_by("vehicle__vin", "id")
        .values_list("vehicle__vin", "external_id")
    )
    events: list[dict[str, Any]] = []
    rows: dict[str, list[list[str]]] = {}
    for number, (email, first, last, postal, at, props) in enumerate(chosen, start=1):
        vin, code = str(props["vin"]), str(props.get("store") or "LTN")
        code = code if code in DMS_OF else "LTN"
        ad_id = ads.get(vin) or f"vehicle-ad-{vin[-8:].lower()}"
        clicked = at + timedelta(hours=20)
        events.append(
            {
                "id": f"{AD_CLICK}{vin}",
                "type": "vdp_view",
                "occurred_at": clicked.isoformat(),
                "contact": {"email": email},
                "utm": {
                    "source": "facebook",
                    "medium": "paid_social",
                    "campaign": "vehicle-inventory-ads",
                    "content": ad_id,
                },
                "properties": {**props, "ad_id": ad_id, "fbclid": f"IwAR-demo-{vin[-6:]}"},
            }
        )
        sold = (clicked + timedelta(days=2)).astimezone(ZoneInfo(SPEC.time_zone)).date()
        price = Decimal(str(props.get("price") or 30_000))
        new = props.get("condition") == "new"
        rows.setdefault(code, []).append(
            _deal_row(
                code,
                f"{code}{8000 + number}",
                sold,
                (
                    new,
                    vin,
                    int(props.get("year") or sold.year),
                    str(props.get("make") or store(code).brand),
                    str(props.get("model") or ""),
                    int(props.get("mileage") or 12),
                ),
                (price, (price * Decimal("0.8")).quantize(Decimal("1")), "4.9", "60"),
                (_name(code, first, last), email, postal),
            )
        )
    if events:
        events_ingest(workspace=workspace, events=events)
    return rows


def _render(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csvsafe.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()
