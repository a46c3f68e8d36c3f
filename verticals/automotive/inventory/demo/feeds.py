"""Lakeside Auto Group's feed files: generated from a seed, and moved on as a dealer's would.

A vehicle is a dict of feed columns by canonical name (the values as the file holds them); a
:class:`Layout` names those columns for one preset. The file is the demo's state: a move reads
it back, sells a few vehicles, reprices a few, adds a few and writes it again, so what the
admin shows is exactly what the last import of the file said.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from datetime import date, timedelta

from como import csvsafe
from como.demo.automotive import STORES, Store
from como.demo.dataset import VIN_YEAR_CODES

from ..vin import check_digit

Vehicle = dict[str, str]

_VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


@dataclass(frozen=True)
class Layout:
    #: the preset's key (formats/presets.py)
    format_key: str
    #: (header, canonical name) in file order
    columns: tuple[tuple[str, str], ...]
    #: whether a sold vehicle stays in the file with a status (else it drops out of the feed)
    has_status: bool
    #: the price a dealer cuts (the advertised one)
    advertised: str


COMMON = Layout(
    "csv-common",
    (
        ("DealerID", "dealer_id"),
        ("Type", "condition"),
        ("Stock", "stock_number"),
        ("VIN", "vin"),
        ("Year", "year"),
        ("Make", "make"),
        ("Model", "model"),
        ("Trim", "trim"),
        ("Body", "body_style"),
        ("ExteriorColor", "exterior_color"),
        ("InteriorColor", "interior_color"),
        ("Miles", "mileage"),
        ("Transmission", "transmission"),
        ("Drivetrain", "drivetrain"),
        ("FuelType", "fuel_type"),
        ("MSRP", "msrp"),
        ("Invoice", "cost"),
        ("ListPrice", "price"),
        ("InternetPrice", "internet_price"),
        ("Certified", "certified"),
        ("DMSStatus", "status"),
        ("DateInStock", "received_at"),
        ("ImageList", "photos"),
    ),
    has_status=True,
    advertised="internet_price",
)
FULLPATH = Layout(
    "csv-fullpath",
    (
        ("vin", "vin"),
        ("stock", "stock_number"),
        ("year", "year"),
        ("make", "make"),
        ("model", "model"),
        ("trim", "trim"),
        ("condition", "condition"),
        ("certified", "certified"),
        ("color", "exterior_color"),
        ("mileage", "mileage"),
        ("msrp", "msrp"),
        ("price", "price"),
        ("on_lot_since", "received_at"),
        ("location", "dealer_id"),
        ("photo_url_list", "photos"),
    ),
    has_status=False,
    advertised="price",
)

#: The store code → the layout its inventory provider exports.
LAYOUTS = {"LTN": COMMON, "LFA": COMMON, "LHO": FULLPATH}

# model, body style, base MSRP, trims, WMI (the maker's, so the VIN agrees with the make)
_MODELS: dict[str, list[tuple[str, str, int, tuple[str, ...], str]]] = {
    "Toyota": [
        ("Camry", "Sedan", 28_400, ("LE", "SE", "XSE"), "4T1"),
        ("RAV4", "SUV", 30_000, ("LE", "XLE", "XLE Premium", "Limited"), "2T3"),
        ("Tacoma", "Pickup", 32_000, ("SR", "SR5", "TRD Off-Road"), "3TY"),
        ("Highlander", "SUV", 39_500, ("LE", "XLE", "Platinum"), "5TD"),
        ("Corolla", "Sedan", 22_500, ("LE", "SE", "XSE"), "5YF"),
        ("Tundra", "Pickup", 41_000, ("SR5", "Limited", "Platinum"), "5TF"),
    ],
    "Ford": [
        ("F-150", "Pickup", 38_000, ("XL", "XLT", "Lariat", "Platinum"), "1FT"),
        ("Explorer", "SUV", 39_800, ("Active", "ST-Line", "Platinum"), "1FM"),
        ("Escape", "SUV", 29_500, ("Active", "ST-Line Select", "Platinum"), "1FM"),
        ("Bronco Sport", "SUV", 31_500, ("Big Bend", "Outer Banks", "Badlands"), "3FM"),
        ("Maverick", "Pickup", 26_500, ("XL", "XLT", "Lariat"), "3FT"),
        ("Mustang", "Coupe", 32_500, ("EcoBoost", "GT", "Dark Horse"), "1FA"),
    ],
    "Honda": [
        ("Civic", "Sedan", 24_500, ("LX", "Sport", "EX", "Sport Touring Hybrid"), "2HG"),
        ("CR-V", "SUV", 30_800, ("LX", "EX", "EX-L", "Sport-L Hybrid"), "2HK"),
        ("Accord", "Sedan", 28_900, ("LX", "SE", "Sport Hybrid", "Touring Hybrid"), "1HG"),
        ("Pilot", "SUV", 40_200, ("Sport", "EX-L", "TrailSport", "Elite"), "5FN"),
        ("HR-V", "SUV", 25_400, ("LX", "Sport", "EX-L"), "3CZ"),
        ("Odyssey", "Minivan", 39_100, ("EX-L", "Sport", "Elite"), "5FN"),
    ],
}
_OTHER_USED = [
    ("Chevrolet", "Equinox", "SUV", 28_000, "3GN"),
    ("Nissan", "Rogue", "SUV", 29_000, "5N1"),
    ("Hyundai", "Tucson", "SUV", 28_500, "5NM"),
    ("Subaru", "Outback", "Wagon", 30_000, "4S4"),
    ("Chevrolet", "Silverado 1500", "Pickup", 40_000, "1GC"),
    ("Kia", "Telluride", "SUV", 37_000, "5XY"),
]
_COLORS = ("Celestial Silver", "Midnight Black", "Oxford White", "Carbonized Gray", "Rapid Red")
_INTERIORS = ("Black Cloth", "Black Leather", "Gray Cloth", "Ivory Leather")
NEW_PER_STORE, USED_PER_STORE = 420, 260


def make_vin(rng: random.Random, wmi: str, year: int) -> str:
    """A VIN with a valid check digit and model year (a letter at position 7: 2010 on)."""
    vds = "".join(rng.choice(_VIN_CHARS) for _ in range(3)) + rng.choice(_LETTERS)
    vds += rng.choice(_VIN_CHARS)
    draft = f"{wmi}{vds}0{VIN_YEAR_CODES[year]}{rng.choice(_LETTERS)}{rng.randrange(10**6):06d}"
    return draft[:8] + check_digit(draft) + draft[9:]


def vehicle_new(rng: random.Random, store: Store, stock_number: str, today: date) -> Vehicle:
    """One vehicle for ``store``: new (its brand) or used (its brand or another)."""
    used = rng.random() < USED_PER_STORE / (NEW_PER_STORE + USED_PER_STORE)
    if used and rng.random() < 0.45:
        make, model, body, base, wmi = rng.choice(_OTHER_USED)
        trim = ""
    else:
        make = store.brand
        model, body, base, trims, wmi = rng.choice(_MODELS[make])
        trim = rng.choice(trims)
    if used:
        year = rng.randrange(today.year - 7, today.year)
        age = today.year - year
        mileage = int(max(age, 1) * rng.uniform(9_000, 15_000))
        certified = make == store.brand and age <= 5 and mileage < 80_000
        price = max(int(base * 0.86**age - mileage * 0.06) // 100 * 100 - 5, 8_995)
        msrp, cost = 0, price - rng.randrange(1_500, 3_500, 100)
    else:
        year = today.year + (rng.random() < 0.3)
        mileage, certified = rng.randrange(3, 25), False
        msrp = base + rng.randrange(0, 6_000, 5)
        price = msrp - rng.choice((0, 500, 1_000, 1_500))
        cost = msrp - rng.randrange(1_000, 3_000, 50)
    vin = make_vin(rng, wmi, year)
    return {
        "dealer_id": f"LAG-{store.code}",
        "condition": "Used" if used else "New",
        "certified": "Yes" if certified else "No",
        "stock_number": stock_number,
        "vin": vin,
        "year": str(year),
        "make": make,
        "model": model,
        "trim": trim,
        "body_style": body,
        "exterior_color": rng.choice(_COLORS),
        "interior_color": rng.choice(_INTERIORS),
        "mileage": str(mileage),
        "transmission": "Automatic",
        "drivetrain": rng.choice(("FWD", "AWD", "4WD")) if body != "Sedan" else "FWD",
        "fuel_type": "Gasoline",
        "msrp": str(msrp) if msrp else "",
        "cost": str(cost),
        "price": str(price),
        "internet_price": str(price - rng.choice((0, 250, 500))),
        "status": "In Stock",
        "received_at": (today - timedelta(days=rng.randrange(1, 120))).isoformat(),
        "photos": "|".join(
            f"https://images.lakesideauto.example/{vin}/{n}.jpg" for n in range(1, 4)
        ),
    }


def inventory_new(store: Store, today: date, seed: int) -> list[Vehicle]:
    rng = random.Random(f"{seed}-{store.code}")
    count = NEW_PER_STORE + USED_PER_STORE
    return [vehicle_new(rng, store, f"{store.code[1]}{10_000 + n}", today) for n in range(count)]


def render(layout: Layout, vehicles: list[Vehicle]) -> bytes:
    out = io.StringIO()
    writer = csvsafe.writer(out)
    writer.writerow(header for header, _ in layout.columns)
    for vehicle in vehicles:
        writer.writerow(vehicle.get(name, "") for _, name in layout.columns)
    return out.getvalue().encode()


def parse(layout: Layout, data: bytes) -> list[Vehicle]:
    """The vehicles of a file :func:`render` wrote (columns it does not know are left out)."""
    rows = csv.DictReader(io.StringIO(data.decode()))
    return [{name: row.get(header) or "" for header, name in layout.columns} for row in rows]


@dataclass
class Move:
    """What one move did to a feed: stock numbers sold, repriced and added."""

    sold: list[str]
    repriced: list[str]
    added: list[str]


def move(
    layout: Layout, store: Store, vehicles: list[Vehicle], rng: random.Random, today: date
) -> tuple[list[Vehicle], Move]:
    """The feed after a few hours of business: ~1-3 % of the vehicles in stock sold, a few
    repriced, a few new arrivals. Vehicles sold by the previous move leave the file."""
    # A vehicle reported sold stays in the file once (the layout has a status), then goes.
    vehicles = [v for v in vehicles if v.get("status") != "Sold"]
    count = len(vehicles)
    picked = rng.sample(range(count), k=min(count, rng.randint(3, 6) + count * 3 // 100))
    sold_count = max(1, min(len(picked) - 2, rng.randint(count // 100, count * 3 // 100)))
    sold, repriced = picked[:sold_count], picked[sold_count:]
    done = Move(sold=[], repriced=[], added=[])
    for index in repriced:
        vehicle = vehicles[index]
        cut = rng.choice((250, 500, 750, 1_000))
        price = layout.advertised
        vehicle[price] = str(max(int(vehicle[price] or 0) - cut, 1_000))
        done.repriced.append(vehicle["stock_number"])
    for index in sold:
        done.sold.append(vehicles[index]["stock_number"])
        if layout.has_status:
            vehicles[index]["status"] = "Sold"
    if not layout.has_status:
        gone = set(done.sold)
        vehicles = [v for v in vehicles if v["stock_number"] not in gone]
    taken = {v["stock_number"] for v in vehicles} | set(done.sold)
    number = max(int(s[1:]) for s in taken) if taken else 10_000
    for _ in range(rng.randint(2, 8)):
        number += 1
        vehicle = vehicle_new(rng, store, f"{store.code[1]}{number}", today)
        vehicle["received_at"] = today.isoformat()
        vehicles.append(vehicle)
        done.added.append(vehicle["stock_number"])
    return vehicles, done


def store(code: str) -> Store:
    return next(s for s in STORES if s.code == code)
