"""Over a generated inventory with random gaps: every row either feed emits has every field
its platform requires, and every vehicle it leaves out is listed with the reasons; nothing is
emitted half-formed and nothing eligible disappears without a reason."""

from __future__ import annotations

import csv
import io
import random
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest
from defusedxml import ElementTree
from django.test import Client
from django.utils import timezone

from como.channels.feeds import feed_url
from como.workspaces.models import Workspace
from tests.factories import WorkspaceFactory
from verticals.automotive.ads.feeds import GOOGLE_KEY, META_KEY
from verticals.automotive.ads.feeds.selectors import feed_exclusions
from verticals.automotive.inventory.models import Vehicle
from verticals.automotive.inventory.vin import check_digit

from ..inventory.factories import rooftop_make

pytestmark = pytest.mark.django_db
G = "{http://base.google.com/ns/1.0}"
#: Written out here, not imported: the test holds the code to the platforms' lists.
META_REQUIRED = (
    "vehicle_id", "vin", "title", "description", "url", "make", "model", "year", "body_style",
    "exterior_color", "image[0].url", "image[0].tag[0]", "mileage.value", "mileage.unit",
    "price", "address.addr1", "address.city", "address.region", "address.country",
    "availability", "state_of_vehicle",
)  # fmt: skip
GOOGLE_REQUIRED = (
    "id", "vin", "store_code", "dealership_name", "dealership_address", "title", "price",
    "condition", "make", "model", "year", "mileage", "image_link", "link", "link_template",
    "google_product_category", "vehicle_fulfillment(option:store_code)",
)  # fmt: skip
COUNT = 240
#: (emitted, left out) per feed for the seeded inventory below.
EXPECTED = {META_KEY: (56, 184), GOOGLE_KEY: (51, 104)}


def a_vin(number: int, *, valid: bool = True) -> str:
    draft = f"3VWE{number:05d}0B{number:06d}"
    digit = check_digit(draft)
    if not valid:
        digit = "0" if digit != "0" else "1"
    return draft[:8] + digit + draft[9:]


def fetch(client: Client, workspace: Workspace, key: str, fmt: str) -> str:
    parts = urlsplit(feed_url(workspace, key, fmt))
    response = client.get(f"{parts.path}?{parts.query}")
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]


@pytest.fixture
def inventory(db: Any) -> tuple[Workspace, list[Vehicle]]:
    chance = random.Random(13)
    dealer = WorkspaceFactory.create(slug="gaps", vertical="automotive")
    full = rooftop_make(
        dealer, street="1 Lake St", city="Madison", region="WI", postal_code="53703"
    )
    # No store code, no region: every Google row of it and every Meta row of it is out.
    bare = rooftop_make(dealer, name="Bare Lot", store_code="", dealer_id="", city="Verona")
    now = timezone.now()
    vehicles = []
    for number in range(COUNT):
        condition = chance.choice(["new", "used", "cpo"])
        status = chance.choice(["available"] * 6 + ["pending", "sold", "removed"])
        gap = lambda: chance.random() < 0.15  # noqa: E731 (a coin, tossed per field)
        vehicles.append(
            Vehicle(
                workspace=dealer,
                rooftop=bare if chance.random() < 0.1 else full,
                vin=a_vin(number, valid=chance.random() > 0.05),
                stock_number=f"S{number}",
                year=None if gap() else chance.randint(2005, 2027),
                make="" if gap() else chance.choice(["Honda", "Ford", "=cmd|' /C calc'!A0"]),
                model="" if gap() else chance.choice(["Civic", "F-150", "Bronco"]),
                body_style="" if gap() else chance.choice(["Sedan", "SUV", "Crew Cab", "Blob"]),
                exterior_color="" if gap() else "Blue",
                condition=condition,
                mileage=None if gap() else chance.randint(0, 150_000),
                price=None if gap() else Decimal(chance.randint(5_000, 90_000)),
                photos=[] if gap() else [f"https://img.example/{number}/{i}.jpg" for i in range(3)],
                vdp_url="" if chance.random() < 0.5 else f"https://x.example/v/{number}",
                status=status,
                sold_at=now if status == "sold" else None,
                removed_at=now if status == "removed" else None,
            )
        )
    return dealer, Vehicle.objects.bulk_create(vehicles)


def test_every_row_emitted_has_every_required_field(
    client: Client, inventory: tuple[Workspace, list[Vehicle]]
) -> None:
    dealer, vehicles = inventory
    for key, required, eligible in (
        (META_KEY, META_REQUIRED, {"available", "pending", "sold", "removed"}),
        (GOOGLE_KEY, GOOGLE_REQUIRED, {"available"}),
    ):
        rows = list(csv.DictReader(io.StringIO(fetch(client, dealer, key, "csv"))))
        for row in rows:
            missing = [field for field in required if not row[field].strip()]
            assert missing == [], (key, row["vin"], missing)
        left_out = feed_exclusions(dealer, key)
        assert all(x.reasons for x in left_out)
        emitted = {row["vin"] for row in rows}
        excluded = {x.vin for x in left_out}
        assert emitted.isdisjoint(excluded)
        # Every eligible vehicle is either in the feed or listed as left out, once.
        assert len(rows) == len(emitted)
        assert emitted | excluded == {v.vin for v in vehicles if v.status in eligible}
        # The generator leaves gaps often enough that both sets are sizeable.
        # The generator is seeded: these are its numbers, both sizeable.
        assert (len(emitted), len(excluded)) == EXPECTED[key]
    google = list(csv.DictReader(io.StringIO(fetch(client, dealer, GOOGLE_KEY, "csv"))))
    assert all(row["mileage"].endswith(" miles") for row in google)
    assert all("{store_code}" in row["link_template"] for row in google)
    assert all(row["make"] in {"Honda", "Ford", "'=cmd|' /C calc'!A0"} for row in google)


def test_the_xml_feeds_hold_the_same_vehicles_as_the_csv(
    client: Client, inventory: tuple[Workspace, list[Vehicle]]
) -> None:
    dealer, _ = inventory
    meta_csv = list(csv.DictReader(io.StringIO(fetch(client, dealer, META_KEY, "csv"))))
    meta_xml = ElementTree.fromstring(fetch(client, dealer, META_KEY, "xml")).findall("listing")
    assert [x.findtext("vin") for x in meta_xml] == [row["vin"] for row in meta_csv]
    assert [x.findtext("price") for x in meta_xml] == [row["price"] for row in meta_csv]
    for listing in meta_xml:
        assert listing.findtext("image/url")
        assert listing.findtext("mileage/value") is not None
    google_csv = list(csv.DictReader(io.StringIO(fetch(client, dealer, GOOGLE_KEY, "csv"))))
    items = ElementTree.fromstring(fetch(client, dealer, GOOGLE_KEY, "xml")).findall("channel/item")
    assert [i.findtext(f"{G}vin") for i in items] == [row["vin"] for row in google_csv]
    assert all(i.findtext(f"{G}vehicle_fulfillment/{G}store_code") == "LKH" for i in items)


def test_a_feed_is_streamed_without_a_query_per_vehicle(
    client: Client,
    inventory: tuple[Workspace, list[Vehicle]],
    django_assert_max_num_queries: Any,
) -> None:
    dealer, _ = inventory
    for key in (META_KEY, GOOGLE_KEY):
        with django_assert_max_num_queries(4):  # workspace, image slots, the chunked rows
            text = fetch(client, dealer, key, "csv")
        assert text.count("\n") > 50
