"""Demo data for an automotive dealer group: three rooftops west of Chicago, their inventory,
shoppers, service customers and newsletter readers, and ~90 days of what they did."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .dataset import (
    Builder,
    Campaigns,
    ContactSeed,
    Dataset,
    Step,
    WorkspaceSpec,
    iso,
    make_vin,
    pick,
    utm,
)

SPEC = WorkspaceSpec(
    slug="lakeside-auto",
    name="Lakeside Auto Group",
    vertical="automotive",
    time_zone="America/Chicago",
    country="US",
    postal_address="Lakeside Auto Group\n2150 Lakeside Commerce Pkwy\nNaperville, IL 60563",
    member_username="maria.lopez",
    member_first_name="Maria",
    member_last_name="Lopez",
    event_prefix="demo-la",
    seed=20260101,
)


@dataclass(frozen=True)
class Store:
    code: str
    name: str
    brand: str
    city: str
    postal_code: str
    site: str


STORES = (
    Store("LTN", "Lakeside Toyota of Naperville", "Toyota", "Naperville", "60563", "toyota"),
    Store("LFA", "Lakeside Ford Aurora", "Ford", "Aurora", "60504", "ford"),
    Store("LHO", "Lakeside Honda Oak Brook", "Honda", "Oak Brook", "60523", "honda"),
)

# model, body style, base MSRP, trims, world manufacturer identifier (+ VDS start), plant code
_NEW_MODELS: dict[str, list[tuple[str, str, int, tuple[str, ...], str, str]]] = {
    "Toyota": [
        ("Camry", "sedan", 28_400, ("LE", "SE", "XSE"), "4T1", "U"),
        ("RAV4", "suv", 30_000, ("LE", "XLE", "XLE Premium", "Limited"), "2T3", "C"),
        ("Tacoma", "truck", 32_000, ("SR", "SR5", "TRD Off-Road"), "3TY", "M"),
        ("Highlander", "suv", 39_500, ("LE", "XLE", "Platinum"), "5TD", "S"),
        ("Corolla", "sedan", 22_500, ("LE", "SE", "XSE"), "5YF", "P"),
        ("Grand Highlander", "suv", 41_000, ("XLE", "Limited"), "5TD", "S"),
    ],
    "Ford": [
        ("F-150", "truck", 38_000, ("XL", "XLT", "Lariat", "Platinum"), "1FT", "F"),
        ("Explorer", "suv", 39_800, ("Active", "ST-Line", "Platinum"), "1FM", "G"),
        ("Escape", "suv", 29_500, ("Active", "ST-Line Select", "Platinum"), "1FM", "L"),
        ("Bronco Sport", "suv", 31_500, ("Big Bend", "Outer Banks", "Badlands"), "3FM", "R"),
        ("Maverick", "truck", 26_500, ("XL", "XLT", "Lariat"), "3FT", "R"),
        ("Mustang Mach-E", "suv", 39_900, ("Select", "Premium", "GT"), "3FM", "M"),
    ],
    "Honda": [
        ("Civic", "sedan", 24_500, ("LX", "Sport", "EX", "Sport Touring Hybrid"), "2HG", "H"),
        ("CR-V", "suv", 30_800, ("LX", "EX", "EX-L", "Sport-L Hybrid"), "7FA", "E"),
        ("Accord", "sedan", 28_900, ("LX", "SE", "Sport Hybrid", "Touring Hybrid"), "1HG", "A"),
        ("Pilot", "suv", 40_200, ("Sport", "EX-L", "TrailSport", "Elite"), "5FN", "B"),
        ("HR-V", "suv", 25_400, ("LX", "Sport", "EX-L"), "3CZ", "M"),
        ("Odyssey", "minivan", 39_100, ("EX-L", "Sport", "Elite"), "5FN", "B"),
    ],
}
#: What the dealer site's VDP says is electric (the EV education program reads it).
_ELECTRIC_MODELS = frozenset({"Mustang Mach-E"})
_OTHER_USED: list[tuple[str, str, str, int, str]] = [
    ("Chevrolet", "Equinox", "suv", 28_000, "3GN"),
    ("Jeep", "Grand Cherokee", "suv", 39_000, "1C4"),
    ("Nissan", "Rogue", "suv", 29_000, "5N1"),
    ("Hyundai", "Tucson", "suv", 28_500, "5NM"),
    ("Subaru", "Outback", "wagon", 30_000, "4S4"),
    ("Chevrolet", "Silverado 1500", "truck", 40_000, "1GC"),
    ("Kia", "Telluride", "suv", 37_000, "5XY"),
]
_COLORS = (
    "Celestial Silver",
    "Midnight Black",
    "Wind Chill Pearl",
    "Oxford White",
    "Carbonized Gray",
    "Rapid Red",
    "Lunar Silver",
    "Platinum White Pearl",
    "Blueprint",
    "Magnetic Gray",
)


def _zip_group(state: str, area: str, weight: float, codes: str) -> list[_Zip]:
    return [((code, state, area), weight) for code in codes.split()]


# (ZIP, state, area code) with a weight: Chicago's western suburbs and the city, and a few
# out-of-market ZIPs in Indiana and Wisconsin.
_Zip = tuple[tuple[str, str, str], float]
_ZIPS: list[_Zip] = [
    *_zip_group(
        "IL",
        "630",
        6.0,
        "60540 60563 60564 60565 60502 60504 60505 60506 60517 60439 60440 60490 "
        "60515 60516 60532 60559 60561 60523 60521 60181 60148 60137 60187 60188 "
        "60189 60190 60174 60185 60543 60544 60585 60586",
    ),
    *_zip_group("IL", "708", 3.0, "60126 60130 60153 60154 60162 60163 60164 60165"),
    *_zip_group("IL", "773", 2.0, "60607 60608 60614 60616 60618 60622 60625 60647"),
    *_zip_group("IN", "219", 1.0, "46307 46321 46375"),
    *_zip_group("WI", "262", 1.0, "53142 53143"),
]
_AREA_CODES = {
    "630": ("630", "331"),
    "708": ("708",),
    "773": ("773", "312"),
    "219": ("219",),
    "262": ("262",),
}

_EMAIL_CAMPAIGNS = {
    "2026-suv-sales-event": ("Our SUV Sales Event ends Monday", "/specials?body_style=suv"),
    "service-reminder": ("Your vehicle is due for service", "/service/schedule"),
    "monthly-newsletter": ("Lakeside Drive: this month's specials and news", "/specials"),
    "trade-in-offer": (
        "What is your car worth today? Get an instant offer",
        "/value-your-trade",
    ),
    "cpo-spotlight": (
        "Certified pre-owned picks under $25,000",
        "/used-vehicles?certified=true&max_price=25000",
    ),
}
_AD_CAMPAIGNS: Campaigns = [
    (utm("google", "cpc", "brand-search"), 4),
    (utm("google", "cpc", "new-inventory-nonbrand"), 3),
    (utm("facebook", "paid_social", "vehicle-inventory-ads"), 3),
    (utm("bing", "cpc", "brand-search"), 1),
    (utm("cars.com", "referral", "listing"), 1),
    (utm("newsletter", "email", "monthly-newsletter"), 1),
]


@dataclass(frozen=True)
class Vehicle:
    vin: str
    stock_number: str
    year: int
    make: str
    model: str
    trim: str
    condition: str  # new, used, cpo
    body_style: str
    msrp: int
    price: int
    mileage: int
    exterior_color: str
    store: Store

    @property
    def path(self) -> str:
        slug = f"{self.year}-{self.make}-{self.model}".lower().replace(" ", "-")
        return f"/inventory/{self.condition}/{slug}-{self.stock_number.lower()}"

    @property
    def fuel_type(self) -> str:
        if self.model in _ELECTRIC_MODELS:
            return "Electric"
        return "Hybrid" if "Hybrid" in self.trim else "Gasoline"

    def properties(self) -> dict[str, Any]:
        return {
            "vin": self.vin,
            "stock_number": self.stock_number,
            "condition": self.condition,
            "year": self.year,
            "make": self.make,
            "model": self.model,
            "trim": self.trim,
            "body_style": self.body_style,
            "fuel_type": self.fuel_type,
            "price": self.price,
            "mileage": self.mileage,
            "store": self.store.code,
        }


def _inventory(rng: random.Random) -> list[Vehicle]:
    vehicles: list[Vehicle] = []
    for store in STORES:
        models = _NEW_MODELS[store.brand]
        for n in range(36):
            model, body, base, trims, wmi, plant = rng.choice(models)
            trim_index = rng.randrange(len(trims))
            year = pick(rng, [(2026, 3), (2025, 1)])
            msrp = base + trim_index * 2_750 + rng.randrange(0, 1_500, 5)
            vehicles.append(
                Vehicle(
                    vin=make_vin(rng, wmi, year, plant),
                    stock_number=f"{store.code[1]}{year % 100}{1000 + n}",
                    year=year,
                    make=store.brand,
                    model=model,
                    trim=trims[trim_index],
                    condition="new",
                    body_style=body,
                    msrp=msrp,
                    price=msrp - rng.choice((0, 500, 1_000, 1_500, 2_000, 2_500)),
                    mileage=rng.randrange(3, 25),
                    exterior_color=rng.choice(_COLORS),
                    store=store,
                )
            )
        for n in range(18):
            year = rng.randrange(2019, 2025)
            if rng.random() < 0.55:
                model, body, base, trims, wmi, plant = rng.choice(models)
                make, trim = store.brand, rng.choice(trims)
            else:
                make, model, body, base, wmi = rng.choice(_OTHER_USED)
                trim, plant = "", "A"
            age = 2026 - year
            mileage = int(age * rng.uniform(9_000, 15_000))
            condition = "cpo" if make == store.brand and age <= 5 and mileage < 80_000 else "used"
            price = int(base * 0.86**age - mileage * 0.06) // 100 * 100 - 5
            vehicles.append(
                Vehicle(
                    vin=make_vin(rng, wmi, year, plant),
                    stock_number=f"U{store.code[1]}{2000 + n}",
                    year=year,
                    make=make,
                    model=model,
                    trim=trim,
                    condition=condition,
                    body_style=body,
                    msrp=0,
                    price=max(price, 8_995),
                    mileage=mileage,
                    exterior_color=rng.choice(_COLORS),
                    store=store,
                )
            )
    return vehicles


def _preferred_store(contact: ContactSeed) -> Store:
    return next(s for s in STORES if s.code == contact.attributes["preferred_store"])


def _monthly_payment(principal: float, apr: float, months: int) -> float:
    rate = apr / 100 / 12
    if rate == 0:
        return round(principal / months, 2)
    return round(principal * rate / (1 - (1 + rate) ** -months), 2)


class _Builder(Builder):
    landing_campaigns = _AD_CAMPAIGNS
    email_campaigns = _EMAIL_CAMPAIGNS
    email_click_delay = timedelta(seconds=40)

    def __init__(self, spec: WorkspaceSpec, anchor: datetime) -> None:
        super().__init__(spec, anchor)
        self.inventory = _inventory(self.rng)

    # --- people --------------------------------------------------------------------------

    def person(self, key: str) -> ContactSeed:
        rng = self.rng
        postal_code, state, area = pick(rng, _ZIPS)
        domain = pick(rng, [("example.com", 5), ("example.net", 3), ("example.org", 2)])
        style = pick(rng, [("first.last", 5), ("flast", 3), ("firstlast", 3)])
        store = pick(rng, [(s, 1.0) for s in STORES])
        contact = self.new_contact(
            key, domain, style=style, area_codes=_AREA_CODES[area], phone_share=0.8
        )
        contact.region, contact.postal_code = state, postal_code
        contact.attributes = {
            "preferred_store": store.code,
            "preferred_channel": pick(rng, [("email", 5), ("sms", 3), ("phone", 2)]),
        }
        return contact

    # --- events --------------------------------------------------------------------------

    def shopper(self, contact: ContactSeed) -> None:
        rng = self.rng
        store = _preferred_store(contact)
        body = pick(rng, [("suv", 5), ("truck", 2), ("sedan", 3), ("minivan", 1)])
        condition = pick(rng, [("new", 5), ("used", 3), ("cpo", 2)])
        candidates = [
            v
            for v in self.inventory
            if v.store is store and (v.body_style == body or v.condition == condition)
        ] or [v for v in self.inventory if v.store is store]
        interest = rng.sample(candidates, k=min(len(candidates), rng.randint(1, 3)))
        contact.attributes["vehicle_interest"] = {"body_style": body, "condition": condition}

        # The funnel, in order; how far down a shopper goes is drawn once.
        plan: list[str] = ["page_view"] * rng.randint(1, 3)
        plan += ["vdp_view"] * rng.randint(1, 6)
        depth = rng.random()
        if depth < 0.55:
            plan.append("payment_calculator")
        if depth < 0.35 or rng.random() < 0.1:
            plan.append("trade_in_appraisal")
        if depth < 0.2:
            plan.append("credit_application")
        if depth < 0.15:
            plan.append("test_drive_booked")
        times = self.times(len(plan), span_days=rng.randint(3, 88))

        journey = self.begin_journey(contact)
        for i, (type_, at) in enumerate(zip(plan, times, strict=True)):
            # An anonymous visitor browses first; the first form they fill names them.
            identifies = type_ in {"trade_in_appraisal", "credit_application", "test_drive_booked"}
            actor = journey.actor(browsing=not identifies and i < len(plan) - 1)
            vehicle = interest[i % len(interest)]
            props: dict[str, Any]
            campaign = journey.landing if i == 0 else None
            if type_ == "page_view":
                path = rng.choice(
                    (
                        "/",
                        "/new-vehicles",
                        "/used-vehicles",
                        "/specials",
                        f"/new-vehicles?body_style={body}",
                        "/finance",
                        "/about",
                    )
                )
                props = {"path": path, "store": store.code, "site": store.site}
            elif type_ == "vdp_view":
                props = {**vehicle.properties(), "path": vehicle.path}
            elif type_ == "payment_calculator":
                vehicle = interest[0]
                down = rng.choice((1_000, 2_000, 3_000, 5_000))
                term = rng.choice((48, 60, 72))
                apr = rng.choice((4.9, 5.9, 6.49, 7.29, 8.99))
                props = {
                    "vin": vehicle.vin,
                    "stock_number": vehicle.stock_number,
                    "price": vehicle.price,
                    "down_payment": down,
                    "term_months": term,
                    "apr": apr,
                    "monthly_payment": _monthly_payment(vehicle.price - down, apr, term),
                }
            elif type_ == "trade_in_appraisal":
                make, model, _, base, _ = rng.choice(_OTHER_USED)
                year = rng.randrange(2012, 2023)
                mileage = (2026 - year) * rng.randrange(9_000, 15_000)
                props = {
                    "year": year,
                    "make": make,
                    "model": model,
                    "mileage": mileage,
                    "condition": rng.choice(("excellent", "good", "fair")),
                    "estimated_value": max(1_500, int(base * 0.84 ** (2026 - year)) // 50 * 50),
                }
            elif type_ == "credit_application":
                props = {
                    "application_type": rng.choice(("prequalification", "full")),
                    "vin": interest[0].vin,
                    "requested_term_months": rng.choice((60, 72)),
                    "down_payment": rng.choice((0, 2_000, 4_000)),
                    "store": store.code,
                }
            else:  # test_drive_booked
                props = {
                    "vin": interest[0].vin,
                    "stock_number": interest[0].stock_number,
                    "store": store.code,
                    "appointment_at": iso(at + timedelta(days=rng.randint(1, 4))),
                }
            self.emit(actor, contact.key, type_, at, props, campaign=campaign)
        if rng.random() < 0.45:
            at = times[0] + timedelta(days=rng.randint(2, 20))
            if at < self.anchor:
                campaign_id = rng.choice(
                    ("2026-suv-sales-event", "trade-in-offer", "cpo-spotlight")
                )
                clicked = rng.random() < 0.4
                self.email_events(journey.who, contact.key, at, campaign_id, clicked=clicked)

    def service_customer(self, contact: ContactSeed) -> None:
        rng = self.rng
        store = _preferred_store(contact)
        model, _, _, trims, wmi, plant = rng.choice(_NEW_MODELS[store.brand])
        year = rng.randrange(2017, 2025)
        vin = make_vin(rng, wmi, year, plant)
        contact.external_id = f"DMS-{store.code}-{rng.randrange(100_000, 999_999)}"
        contact.lifecycle_stage = "customer"
        contact.attributes["owned_vehicle"] = {
            "vin": vin,
            "year": year,
            "make": store.brand,
            "model": model,
            "trim": rng.choice(trims),
        }
        who = {"email": contact.email}
        visits = rng.randint(1, 2)
        times = self.times(visits * 2, span_days=88)
        mileage = (2026 - year) * rng.randrange(9_000, 14_000)
        for visit in range(visits):
            reminded, serviced = times[visit * 2], times[visit * 2 + 1] + timedelta(days=1)
            self.email_events(who, contact.key, reminded, "service-reminder", clicked=True)
            self.emit(
                who,
                contact.key,
                "page_view",
                reminded + timedelta(minutes=2),
                {"path": "/service/schedule", "store": store.code, "site": store.site},
            )
            services = rng.sample(
                [
                    ("Oil and filter change", 89.95),
                    ("Tire rotation", 39.95),
                    ("Brake pads, front", 289.00),
                    ("Cabin air filter", 59.95),
                    ("Multi-point inspection", 0.00),
                    ("Battery replacement", 219.50),
                    ("Wheel alignment", 129.95),
                ],
                k=rng.randint(1, 3),
            )
            if serviced < self.anchor:
                self.emit(
                    who,
                    contact.key,
                    "service_visit",
                    serviced,
                    {
                        "ro_number": f"RO-{store.code}-{rng.randrange(40_000, 99_999)}",
                        "store": store.code,
                        "vin": vin,
                        "mileage": mileage + visit * 4_000,
                        "services": [name for name, _ in services],
                        "total": round(sum(price for _, price in services), 2),
                    },
                    source="dms",
                )

    def newsletter_reader(self, contact: ContactSeed) -> None:
        rng = self.rng
        if rng.random() < 0.08:
            self.email_bounce(contact, "monthly-newsletter", "550 5.1.1 mailbox does not exist")
            return
        who = {"email": contact.email}
        for at in self.times(rng.randint(1, 4), span_days=88):
            campaign = rng.choice(("monthly-newsletter", "2026-suv-sales-event", "cpo-spotlight"))
            self.email_events(who, contact.key, at, campaign, clicked=rng.random() < 0.25)

    def job_seeker(self, contact: ContactSeed) -> None:
        rng = self.rng
        who = {"email": contact.email}
        paths = ["/careers", "/careers/automotive-technician", "/careers/sales-consultant"]
        count = rng.randint(2, 3)
        for n, at in enumerate(self.times(count, span_days=60), start=1):
            props = {"path": paths[min(n - 1, 2)], "site": "lakesideauto"}
            self.emit(who, contact.key, "page_view", at, props)

    def visitor_steps(self) -> Callable[[int], Step]:
        """An anonymous visitor lands on one store's home page, then looks at its vehicles."""
        rng = self.rng
        store = rng.choice(STORES)
        vehicles = [v for v in self.inventory if v.store is store]

        def step(n: int) -> Step:
            if n == 1:
                return "page_view", {"path": "/", "store": store.code, "site": store.site}
            vehicle = rng.choice(vehicles)
            return "vdp_view", {**vehicle.properties(), "path": vehicle.path}

        return step

    def build(self, contacts: int, visitors: int) -> Dataset:
        for i in range(1, contacts + 1):
            contact = self.person(f"c{i:04d}")
            self.contacts.append(contact)
            persona = pick(
                self.rng,
                [("shopper", 56), ("service", 24), ("both", 5), ("newsletter", 12), ("job", 3)],
            )
            if persona in {"shopper", "both"}:
                self.shopper(contact)
            if persona in {"service", "both"}:
                self.service_customer(contact)
            if persona == "newsletter":
                self.newsletter_reader(contact)
            if persona == "job":
                self.job_seeker(contact)
        for i in range(1, visitors + 1):
            self.visitor(f"v{i:04d}")
        return self.dataset()


def build(anchor: datetime, *, contacts: int = 450, visitors: int = 40) -> Dataset:
    return _Builder(SPEC, anchor).build(contacts, visitors)
