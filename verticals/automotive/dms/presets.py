"""The CSV layouts of DMS exports, per record type: the canonical field names, and two
DMS-style layouts. The CDK- and Reynolds-style column names are illustrative (modelled on what
those systems' report writers commonly export), not a vendor's published schema; a dealer whose
export differs uses the canonical names.

A header row made only of canonical names is the canonical layout. Otherwise the layout whose
distinctive headers the file has most of (at least :data:`MIN_SCORE`) is chosen; a tie is an
error naming the layouts, never a guess. Headers compare as the inventory's do
(:func:`como.csvread.header_key`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import models

from como import csvread
from como.csvread import header_key

MIN_SCORE = 3


class DmsKind(models.TextChoices):
    DEALS = "deals", "Deals"
    REPAIR_ORDERS = "repair_orders", "Repair orders"


_CUSTOMER = (
    "first_name",
    "last_name",
    "customer_name",
    "email",
    "phone",
    "postal_code",
    "rooftop",
    "year",
    "make",
    "model",
)
#: Every field a layout of the kind may fill, canonical names as the rows module reads them.
FIELDS: dict[str, tuple[str, ...]] = {
    DmsKind.DEALS: (
        "deal_number",
        "purchase_date",
        "vin",
        "condition",
        "price",
        "amount_financed",
        "apr",
        "term_months",
        "odometer",
        *_CUSTOMER,
    ),
    DmsKind.REPAIR_ORDERS: (
        "ro_number",
        "ro_date",
        "vin",
        "mileage",
        "op_codes",
        "services",
        "amount",
        *_CUSTOMER,
    ),
}
#: Without these no row of the kind can be stored: a file missing one is refused whole.
REQUIRED: dict[str, tuple[str, ...]] = {
    DmsKind.DEALS: ("deal_number", "purchase_date", "vin"),
    DmsKind.REPAIR_ORDERS: ("ro_number", "ro_date", "vin"),
}


@dataclass(frozen=True)
class DmsPreset:
    key: str
    kind: str
    label: str
    #: canonical field → the headers that may hold it, the first one present wins
    columns: Mapping[str, tuple[str, ...]]
    distinctive: frozenset[str]
    keys: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "keys", frozenset(map(header_key, self.distinctive)))


def _canonical(kind: str) -> DmsPreset:
    names = FIELDS[kind]
    return DmsPreset(
        key=f"dms-{kind}-canonical",
        kind=kind,
        label="Canonical field names (" + ", ".join(names[:4]) + ", …)",
        columns={name: (name,) for name in names},
        distinctive=frozenset(name for name in names if "_" in name),
    )


PRESETS: tuple[DmsPreset, ...] = (
    _canonical(DmsKind.DEALS),
    DmsPreset(
        key="dms-deals-cdk",
        kind=DmsKind.DEALS,
        label="CDK-style deal export (DealNo, ContractDate, BuyerFirstName) — illustrative",
        columns={
            "deal_number": ("DealNo",),
            "purchase_date": ("ContractDate",),
            "vin": ("VIN",),
            "condition": ("VehicleType",),
            "price": ("CashPrice",),
            "amount_financed": ("AmtFinanced",),
            "apr": ("APR",),
            "term_months": ("Term",),
            "odometer": ("Odometer",),
            "first_name": ("BuyerFirstName",),
            "last_name": ("BuyerLastName",),
            "email": ("BuyerEmail",),
            "phone": ("BuyerHomePhone", "BuyerCellPhone"),
            "postal_code": ("BuyerZip",),
            "rooftop": ("StoreNo",),
            "year": ("Year",),
            "make": ("Make",),
            "model": ("Model",),
        },
        distinctive=frozenset(
            {
                "DealNo",
                "ContractDate",
                "VehicleType",
                "CashPrice",
                "AmtFinanced",
                "BuyerFirstName",
                "BuyerLastName",
                "BuyerEmail",
                "BuyerZip",
                "StoreNo",
            }
        ),
    ),
    DmsPreset(
        key="dms-deals-reynolds",
        kind=DmsKind.DEALS,
        label="Reynolds-style deal export (DealNumber, SaleDate, CustName) — illustrative",
        columns={
            "deal_number": ("DealNumber",),
            "purchase_date": ("SaleDate",),
            "vin": ("VehVIN", "VIN"),
            "condition": ("NewUsed",),
            "price": ("SellingPrice",),
            "amount_financed": ("AmountFinanced",),
            "apr": ("Rate", "APR"),
            "term_months": ("TermMonths",),
            "odometer": ("VehOdometer",),
            "customer_name": ("CustName",),
            "email": ("CustEmail",),
            "phone": ("CustPhone",),
            "postal_code": ("CustZip",),
            "rooftop": ("Dealer",),
            "year": ("VehYear",),
            "make": ("VehMake",),
            "model": ("VehModel",),
        },
        distinctive=frozenset(
            {
                "DealNumber",
                "SaleDate",
                "VehVIN",
                "NewUsed",
                "SellingPrice",
                "AmountFinanced",
                "TermMonths",
                "CustName",
                "CustZip",
                "VehOdometer",
            }
        ),
    ),
    _canonical(DmsKind.REPAIR_ORDERS),
    DmsPreset(
        key="dms-ros-cdk",
        kind=DmsKind.REPAIR_ORDERS,
        label="CDK-style closed RO export (RONumber, CloseDate, MileageIn) — illustrative",
        columns={
            "ro_number": ("RONumber",),
            "ro_date": ("CloseDate",),
            "vin": ("VIN",),
            "mileage": ("MileageIn",),
            "op_codes": ("OpCodes",),
            "services": ("OpDescriptions",),
            "amount": ("TotalSale",),
            "first_name": ("CustFirstName",),
            "last_name": ("CustLastName",),
            "email": ("CustEmail",),
            "phone": ("CustPhone",),
            "postal_code": ("CustZip",),
            "rooftop": ("StoreNo",),
            "year": ("Year",),
            "make": ("Make",),
            "model": ("Model",),
        },
        distinctive=frozenset(
            {
                "RONumber",
                "CloseDate",
                "MileageIn",
                "OpCodes",
                "OpDescriptions",
                "TotalSale",
                "CustFirstName",
                "CustLastName",
                "StoreNo",
            }
        ),
    ),
    DmsPreset(
        key="dms-ros-reynolds",
        kind=DmsKind.REPAIR_ORDERS,
        label="Reynolds-style RO export (RO#, FinalCloseDate, LaborOpCodes) — illustrative",
        columns={
            "ro_number": ("RO#",),
            "ro_date": ("FinalCloseDate",),
            "vin": ("VehVIN", "VIN"),
            "mileage": ("Odometer",),
            "op_codes": ("LaborOpCodes",),
            "services": ("LaborDescriptions",),
            "amount": ("ROTotal",),
            "customer_name": ("CustName",),
            "email": ("CustEmail",),
            "phone": ("CustPhone",),
            "postal_code": ("CustZip",),
            "rooftop": ("Dealer",),
            "year": ("VehYear",),
            "make": ("VehMake",),
            "model": ("VehModel",),
        },
        distinctive=frozenset(
            {
                "RO#",
                "FinalCloseDate",
                "VehVIN",
                "LaborOpCodes",
                "LaborDescriptions",
                "ROTotal",
                "CustName",
                "CustZip",
            }
        ),
    ),
)
BY_KEY = {preset.key: preset for preset in PRESETS}


def presets_of(kind: str) -> tuple[DmsPreset, ...]:
    return tuple(preset for preset in PRESETS if preset.kind == kind)


def generic_columns(kind: str) -> dict[str, tuple[str, ...]]:
    """The headers a file of no known layout is read by: each canonical name, then every
    header a layout of the kind uses for the field."""
    columns: dict[str, tuple[str, ...]] = {name: (name,) for name in FIELDS[kind]}
    for preset in presets_of(kind):
        for name, headers in preset.columns.items():
            columns[name] += tuple(h for h in headers if h not in columns[name])
    return columns


def recognise(kind: str, headers: list[str]) -> DmsPreset | None:
    """The layout of the kind that fits ``headers``; None when none scores MIN_SCORE;
    :class:`~como.csvread.LayoutError` naming the layouts on a tie."""
    return csvread.recognise(presets_of(kind), headers, canonical=FIELDS[kind], min_score=MIN_SCORE)
