"""The CSV layouts dealers' systems export (the README's "Inventory feeds" lists them), each a
column mapping recognised from its header row.

A header row made only of canonical field names (``vin``, ``stock_number``, …) is the
canonical layout, whatever else it shares with a dealer's layout. Otherwise a layout is
recognised by how many of its *distinctive* headers the file has (headers are compared without
case, blanks or punctuation other than ``#``); at least :data:`MIN_SCORE` of them, and only when
its required columns (VIN, stock number) are in the file, since a layout missing one would
reject every row (the generic reader looks them up under any layout's name). A tie between
layouts is an error naming them, never a guess.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from como.csvread import header_key

from .base import CANONICAL_FIELDS

#: Fewer distinctive headers than this is not a layout, however many it shares with others.
MIN_SCORE = 3


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    #: canonical field → the headers that hold it, the first one present wins
    columns: Mapping[str, tuple[str, ...]]
    distinctive: frozenset[str]
    #: whether the photo list may be comma-separated (never in some layouts, since a URL can
    #: hold a comma)
    photo_commas: bool = False
    #: a column holding "2021 Honda Accord" (year make model), as vAuto's "Vehicle"
    vehicle_column: str = ""
    keys: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "keys", frozenset(map(header_key, self.distinctive)))

    def score(self, headers: set[str]) -> int:
        """How many distinctive headers ``headers`` (as :func:`header_key` gives) has."""
        return len(self.keys & headers)

    def complete(self, headers: set[str], mapped: Collection[str] = ()) -> bool:
        """Whether ``headers`` (as :func:`header_key` gives) hold every required field, or a
        saved mapping names its column (``mapped``: the fields it maps)."""
        return all(
            required in mapped
            or any(header_key(name) in headers for name in self.columns.get(required, ()))
            for required in REQUIRED_FIELDS
        )


#: The fields a layout must find for any row to be imported.
REQUIRED_FIELDS = ("vin", "stock_number")


def _common(**overrides: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    columns = {
        "vin": ("VIN",),
        "stock_number": ("Stock",),
        "condition": ("Type",),
        "year": ("Year",),
        "make": ("Make",),
        "model": ("Model",),
        "trim": ("Trim",),
        "exterior_color": ("ExteriorColor",),
        "interior_color": ("InteriorColor",),
        "mileage": ("Miles",),
        "received_at": ("DateInStock",),
        "body_style": ("Body",),
        "drivetrain": ("Drivetrain",),
        "transmission": ("Transmission",),
        "fuel_type": ("FuelType", "Fuel"),
        "msrp": ("MSRP",),
        "cost": ("Invoice",),
        "price": ("ListPrice",),
        "internet_price": ("InternetPrice", "SalePrice"),
        "photos": ("ImageList",),
        "certified": ("Certified",),
        "status": ("DMSStatus",),
        "vdp_url": ("VDP", "URL"),
        "dealer_charges": ("DealerCharges", "Fees"),
    }
    return columns | overrides


_COMMON_SHARED = {
    "DealerID",
    "ModelNumber",
    "BaseMSRP",
    "Invoice",
    "ListPrice",
    "Video_URL",
    "OptionCode",
    "OptionDescription",
    "DMSStatus",
    "ExteriorColor",
    "Miles",
    "Certified",
}

#: The layout whose headers are the canonical field names themselves.
CANONICAL = Preset(
    key="csv-canonical",
    label="Canonical field names (vin, stock_number, price, photos, …)",
    columns={name: (name,) for name in CANONICAL_FIELDS},
    # Only the names no dealer layout uses as written (header_key drops the underscore, so
    # "stock_number" would also score for Reynolds' "StockNumber" otherwise).
    distinctive=frozenset(name for name in CANONICAL_FIELDS if "_" in name),
    photo_commas=True,
)
_CANONICAL_HEADERS = frozenset(CANONICAL_FIELDS)


def is_canonical_header(headers: list[str]) -> bool:
    """Whether every (non-blank) header is a canonical field name, as written."""
    names = {header.strip().lower().removeprefix("\ufeff") for header in headers}
    names.discard("")
    return bool(names) and names <= _CANONICAL_HEADERS


PRESETS: tuple[Preset, ...] = (
    CANONICAL,
    Preset(
        key="csv-common",
        label="Common provider layout (Type, DateInStock, ImageList)",
        columns=_common(),
        distinctive=frozenset(_COMMON_SHARED | {"Type", "DateInStock", "ImageList"}),
        photo_commas=True,
    ),
    Preset(
        key="csv-common-nu",
        label="Common provider layout, N/U variant (New/Used, InventoryDate, Photos)",
        columns=_common(
            condition=("New/Used",), received_at=("InventoryDate",), photos=("Photos",)
        ),
        distinctive=frozenset(_COMMON_SHARED | {"New/Used", "InventoryDate", "Photos"}),
    ),
    Preset(
        key="csv-vauto",
        label="vAuto-style (Stock #, Vehicle, Series)",
        columns={
            "stock_number": ("Stock #",),
            "trim": ("Series",),
            "body_style": ("Body", "Body Style"),
            "drivetrain": ("Drivetrain Type",),
            "exterior_color": ("Color",),
            "interior_color": ("Interior Color",),
            "transmission": ("Transmission",),
            "vin": ("VIN",),
            "mileage": ("Odometer",),
            "certified": ("Certified",),
            "condition": ("New/Used", "Type"),
            "price": ("Price", "Internet Price"),
            "msrp": ("MSRP",),
            "cost": ("Cost", "Unit Cost"),
            "received_at": ("Inventory Date", "Received"),
            "photos": ("Photos", "Photo URLs"),
            "status": ("Status",),
            "fuel_type": ("Fuel Type",),
            "vdp_url": ("VDP URL",),
        },
        distinctive=frozenset(
            {
                "Stock #",
                "Vehicle",
                "Series",
                "Series Detail",
                "Drivetrain Type",
                "Color",
                "Interior Color",
                "Odometer",
            }
        ),
        vehicle_column="Vehicle",
    ),
    Preset(
        key="csv-reynolds",
        label="Reynolds-style export (StockNumber, NewUsed, UnitStatus)",
        columns={
            "stock_number": ("StockNumber",),
            "condition": ("NewUsed",),
            "vin": ("VIN",),
            "mileage": ("Odometer",),
            "received_at": ("ReceivedDate",),
            "msrp": ("MSRP",),
            "status": ("UnitStatus",),
            "year": ("Year", "ModelYear"),
            "make": ("Make",),
            "model": ("Model", "ModelName"),
            "trim": ("Trim", "Series"),
            "body_style": ("BodyStyle", "Body"),
            "exterior_color": ("ExteriorColor", "ExtColor"),
            "interior_color": ("InteriorColor", "IntColor"),
            "transmission": ("Transmission",),
            "drivetrain": ("Drivetrain", "DriveType"),
            "fuel_type": ("FuelType",),
            "price": ("SellingPrice", "Price", "ListPrice"),
            "internet_price": ("InternetPrice",),
            "cost": ("Cost", "InvoiceAmount"),
            "certified": ("Certified", "CertifiedFlag"),
            "photos": ("Photos", "ImageURLs"),
        },
        distinctive=frozenset({"StockNumber", "NewUsed", "Odometer", "ReceivedDate", "UnitStatus"}),
    ),
    Preset(
        key="csv-fullpath",
        label="Fullpath-style (vin, stock, vdp, photo_url_list)",
        columns={
            "vin": ("vin",),
            "stock_number": ("stock",),
            "year": ("year",),
            "make": ("make",),
            "model": ("model",),
            "trim": ("trim",),
            "condition": ("condition",),
            "certified": ("certified",),
            "vdp_url": ("vdp",),
            "photos": ("photo_url_list",),
            "exterior_color": ("color",),
            "price": ("price",),
            "mileage": ("mileage",),
            "msrp": ("msrp",),
            "received_at": ("on_lot_since",),
        },
        distinctive=frozenset(
            {
                "stock",
                "condition",
                "vdp",
                "photo_url_list",
                "color",
                "on_lot_since",
                "days-on-lot",
                "location",
                "mileage",
            }
        ),
    ),
)

#: The columns a file without a known layout (or a custom mapping's gaps) is read by: each
#: canonical name, and every header a preset uses for the field.
GENERIC_COLUMNS: dict[str, tuple[str, ...]] = {}
for _preset in PRESETS:
    for _field, _headers in _preset.columns.items():
        _known = GENERIC_COLUMNS.get(_field, (_field,))
        GENERIC_COLUMNS[_field] = _known + tuple(h for h in _headers if h not in _known)

#: Makes of two words, for splitting vAuto's "2021 Land Rover Range Rover".
TWO_WORD_MAKES = frozenset({"land rover", "alfa romeo", "aston martin", "rolls royce"})


def split_vehicle(text: str) -> tuple[str, str, str]:
    """(year, make, model) from "2021 Honda Accord"; a part that is not there is ""."""
    words = text.split()
    year = words.pop(0) if words and words[0].isdigit() else ""
    take = 2 if " ".join(words[:2]).lower() in TWO_WORD_MAKES else 1
    return year, " ".join(words[:take]), " ".join(words[take:])
