"""Meta's and Google's vehicle catalog feeds, fetched over their signed URLs: exact CSV rows,
well-formed XML with the same values, sold vehicles NOT_AVAILABLE for Meta and absent for
Google, rows missing a required field left out (with the reasons kept), formula-safe cells,
and another workspace's vehicles never in them."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
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
from verticals.automotive.inventory.models import Rooftop, Vehicle
from verticals.automotive.inventory.vin import check_digit

from ..inventory.factories import VINS, rooftop_make, vehicle_make

pytestmark = pytest.mark.django_db
G = "{http://base.google.com/ns/1.0}"
PHOTOS = ["https://img.example/a1.jpg", "https://img.example/a2.jpg"]
EVIL = '=HYPERLINK("http://evil.example","x")'
#: A VIN of the right shape whose check digit is wrong (the right one is 3).
BAD_CHECK_DIGIT = "1HGCM82643A004352"


def a_vin(number: int) -> str:
    """A valid North American VIN (check digit computed) for the ``number``-th vehicle."""
    draft = f"1FTE{number:05d}0A{number:06d}"
    assert len(draft) == 17
    return draft[:8] + check_digit(draft) + draft[9:]


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def fetch(client: Client, workspace: Workspace, key: str, fmt: str) -> str:
    response = client.get(path_of(feed_url(workspace, key, fmt)))
    assert response.status_code == 200
    assert response.streaming
    return b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]


def csv_rows(text: str) -> tuple[list[str], list[dict[str, str]]]:
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


@pytest.fixture
def dealer(db: Any) -> Workspace:
    return WorkspaceFactory.create(slug="lakeside", vertical="automotive")


@pytest.fixture
def rooftop(dealer: Workspace) -> Rooftop:
    return rooftop_make(
        dealer,
        street="1200 Lake St",
        city="Madison",
        region="WI",
        postal_code="53703",
        country="US",
    )


@pytest.fixture
def stock(rooftop: Rooftop, other_workspace: Workspace) -> dict[str, Vehicle]:
    now = timezone.now()
    made = {
        "accord": vehicle_make(
            rooftop,
            trim="EX",
            body_style="Sedan",
            exterior_color="Silver",
            mileage=12345,
            transmission="Automatic",
            drivetrain="FWD",
            fuel_type="Gasoline",
            price="8999.00",
            internet_price="8799.00",
            dealer_charges=[{"name": "Doc fee", "amount": "199.00"}],
            cost="6000.00",
            msrp="24000.00",
            photos=PHOTOS,
            received_at=datetime(2026, 11, 1, 15, tzinfo=UTC),
        ),
        "evil": vehicle_make(
            rooftop,
            vin=VINS[1],
            stock_number="B200",
            year=2019,
            make=EVIL,
            model="Transit",
            body_style="Passenger Van",
            exterior_color="White",
            condition="new",
            status="pending",
            price="18000.00",
            msrp="19500.00",
            photos=["https://img.example/b1.jpg"],
            received_at=datetime(2026, 11, 20, tzinfo=UTC),
        ),
        "model_s": vehicle_make(
            rooftop,
            vin=VINS[2],
            stock_number="C300",
            year=2017,
            make="Tesla",
            model="Model S",
            body_style="Sedan",
            exterior_color="Red",
            condition="cpo",
            mileage=40100,
            price="31500.50",
            photos=["https://img.example/c1.jpg"],
            status="sold",
            sold_at=now - timedelta(days=1),
            received_at=datetime(2026, 10, 2, tzinfo=UTC),
        ),
        "no_photo": vehicle_make(
            rooftop,
            vin=a_vin(3),
            stock_number="D400",
            year=2018,
            make="Toyota",
            model="Camry",
            body_style="Sedan",
            exterior_color="Blue",
            mileage=50000,
            price="15000.00",
        ),
        "long_sold": vehicle_make(
            rooftop,
            vin=a_vin(1),
            stock_number="E500",
            make="Ford",
            model="F-150",
            body_style="Crew Cab Pickup",
            exterior_color="Black",
            mileage=9000,
            photos=["https://img.example/e1.jpg"],
            status="sold",
            sold_at=now - timedelta(days=40),
        ),
        "bad_check_digit": vehicle_make(
            rooftop,
            vin=BAD_CHECK_DIGIT,
            stock_number="F600",
            make="Honda",
            model="Civic",
            body_style="Coupe",
            exterior_color="Gray",
            mileage=1000,
            photos=["https://img.example/f1.jpg"],
        ),
    }
    theirs = rooftop_make(other_workspace, name="Rival Motors", street="1 Main", city="X")
    made["theirs"] = vehicle_make(
        theirs,
        vin=a_vin(2),
        make="Rival",
        model="Car",
        body_style="SUV",
        exterior_color="Green",
        mileage=1,
        photos=["https://img.example/theirs.jpg"],
    )
    return made


META_HEADER = [
    "vehicle_id", "vin", "title", "description", "url", "make", "model", "year", "trim",
    "body_style", "exterior_color", "interior_color", "mileage.value", "mileage.unit",
    "transmission", "fuel_type", "drivetrain", "condition", "state_of_vehicle", "price",
    "sale_price", "availability", "date_first_on_lot", "dealer_id", "dealer_name",
    "address.addr1", "address.city", "address.region", "address.postal_code", "address.country",
    "image[0].url", "image[0].tag[0]", "image[1].url", "image[1].tag[0]",
]  # fmt: skip
ADDRESS = {
    "dealer_id": "D-100",
    "dealer_name": "Lakeside Honda",
    "address.addr1": "1200 Lake St",
    "address.city": "Madison",
    "address.region": "WI",
    "address.postal_code": "53703",
    "address.country": "US",
}


def test_meta_csv_is_exact(client: Client, dealer: Workspace, stock: dict[str, Vehicle]) -> None:
    header, rows = csv_rows(fetch(client, dealer, META_KEY, "csv"))
    assert header == META_HEADER
    assert [r["vehicle_id"] for r in rows] == [VINS[0], VINS[1], VINS[2], BAD_CHECK_DIGIT]
    accord, evil, model_s, civic = rows
    assert accord == {
        "vehicle_id": VINS[0],
        "vin": VINS[0],
        "title": "2003 Honda Accord EX",
        "description": "Used 2003 Honda Accord EX. Silver, Sedan, Automatic, FWD, Gasoline. "
        "12,345 miles. Stock A100 at Lakeside Honda.",
        "url": f"https://lakeside.example/inventory/{VINS[0]}",
        "make": "Honda",
        "model": "Accord",
        "year": "2003",
        "trim": "EX",
        "body_style": "SEDAN",
        "exterior_color": "Silver",
        "interior_color": "",
        "mileage.value": "12345",
        "mileage.unit": "MI",
        "transmission": "AUTOMATIC",
        "fuel_type": "GASOLINE",
        "drivetrain": "FWD",
        "condition": "",
        "state_of_vehicle": "USED",
        # 8,999 + the 199 doc fee: the advertised price carries every mandatory charge.
        "price": "9198 USD",
        "sale_price": "8998 USD",
        "availability": "AVAILABLE",
        "date_first_on_lot": "2026-11-01",
        **ADDRESS,
        "image[0].url": PHOTOS[0],
        "image[0].tag[0]": "Exterior",
        "image[1].url": PHOTOS[1],
        "image[1].tag[0]": "",
    }
    assert evil["make"] == "'" + EVIL  # defused: a spreadsheet shows it as text
    assert evil["title"] == f"2019 {EVIL} Transit"  # starts with a digit: no formula
    assert (evil["availability"], evil["state_of_vehicle"], evil["price"]) == (
        "PENDING",
        "NEW",
        "18000 USD",
    )
    assert (evil["mileage.value"], evil["body_style"], evil["condition"]) == (
        "0",
        "VAN",
        "EXCELLENT",
    )
    assert (evil["image[1].url"], evil["sale_price"]) == ("", "")
    # Sold yesterday: still listed, as not available, so Meta flips its item off.
    assert (model_s["availability"], model_s["state_of_vehicle"], model_s["price"]) == (
        "NOT_AVAILABLE",
        "CPO",
        "31500.50 USD",
    )
    assert civic["availability"] == "AVAILABLE"  # Meta does not check the check digit
    assert "6000" not in fetch(client, dealer, META_KEY, "csv")  # never the cost


def test_meta_xml_is_well_formed_with_the_same_values(
    client: Client, dealer: Workspace, stock: dict[str, Vehicle]
) -> None:
    root = ElementTree.fromstring(fetch(client, dealer, META_KEY, "xml"))
    assert root.tag == "listings"
    listings = root.findall("listing")
    assert [x.findtext("vehicle_id") for x in listings] == [
        VINS[0],
        VINS[1],
        VINS[2],
        BAD_CHECK_DIGIT,
    ]
    accord, evil, model_s, _ = listings
    assert accord.findtext("price") == "9198 USD"
    assert accord.findtext("sale_price") == "8998 USD"
    assert accord.findtext("availability") == "AVAILABLE"
    assert accord.findtext("state_of_vehicle") == "USED"
    assert accord.findtext("body_style") == "SEDAN"
    assert (accord.findtext("mileage/value"), accord.findtext("mileage/unit")) == ("12345", "MI")
    assert [(i.findtext("url"), i.findtext("tag")) for i in accord.findall("image")] == [
        (PHOTOS[0], "Exterior"),
        (PHOTOS[1], None),
    ]
    address = {c.get("name"): c.text for c in accord.findall("address/component")}
    assert accord.find("address").get("format") == "simple"
    assert address == {
        "addr1": "1200 Lake St",
        "city": "Madison",
        "region": "WI",
        "postal_code": "53703",
        "country": "US",
    }
    assert evil.findtext("make") == EVIL  # XML carries it as text, escaped
    assert evil.findtext("availability") == "PENDING"
    assert model_s.findtext("availability") == "NOT_AVAILABLE"
    assert model_s.findtext("state_of_vehicle") == "CPO"


GOOGLE_HEADER = [
    "id", "vin", "title", "description", "store_code", "dealership_name", "dealership_address",
    "price", "vehicle_msrp", "condition", "certified_pre-owned", "make", "brand", "model",
    "year", "trim", "mileage", "body_style", "color", "image_link", "additional_image_link",
    "link", "link_template", "google_product_category", "vehicle_fulfillment(option:store_code)",
]  # fmt: skip


def test_google_csv_is_exact_and_lists_only_available_vehicles(
    client: Client, dealer: Workspace, stock: dict[str, Vehicle]
) -> None:
    header, rows = csv_rows(fetch(client, dealer, GOOGLE_KEY, "csv"))
    assert header == GOOGLE_HEADER
    # Pending, sold, photo-less and bad-check-digit vehicles are not offers.
    assert rows == [
        {
            "id": VINS[0],
            "vin": VINS[0],
            "title": "2003 Honda Accord EX",
            "description": "Used 2003 Honda Accord EX. Silver, Sedan, Automatic, FWD, Gasoline. "
            "12,345 miles. Stock A100 at Lakeside Honda.",
            "store_code": "LKH",
            "dealership_name": "Lakeside Honda",
            "dealership_address": "1200 Lake St, Madison, WI, 53703, US",
            "price": "9198 USD",
            "vehicle_msrp": "24000 USD",
            "condition": "used",
            "certified_pre-owned": "no",
            "make": "Honda",
            "brand": "Honda",
            "model": "Accord",
            "year": "2003",
            "trim": "EX",
            "mileage": "12345 miles",
            "body_style": "Sedan",
            "color": "Silver",
            "image_link": PHOTOS[0],
            "additional_image_link": PHOTOS[1],
            "link": f"https://lakeside.example/inventory/{VINS[0]}",
            "link_template": f"https://lakeside.example/inventory/{VINS[0]}?store={{store_code}}",
            "google_product_category": "916",
            "vehicle_fulfillment(option:store_code)": "in_store:LKH",
        }
    ]


def test_google_xml_carries_the_same_offer(
    client: Client, dealer: Workspace, stock: dict[str, Vehicle]
) -> None:
    root = ElementTree.fromstring(fetch(client, dealer, GOOGLE_KEY, "xml"))
    items = root.findall("channel/item")
    assert len(items) == 1
    item = items[0]
    assert item.findtext(f"{G}vin") == VINS[0]
    assert item.findtext(f"{G}price") == "9198 USD"
    assert item.findtext(f"{G}condition") == "used"
    assert item.findtext(f"{G}certified_pre-owned") == "no"
    assert item.findtext(f"{G}mileage") == "12345 miles"
    assert item.findtext(f"{G}link_template") == (
        f"https://lakeside.example/inventory/{VINS[0]}?store={{store_code}}"
    )
    assert item.findtext(f"{G}google_product_category") == "916"
    assert item.findtext(f"{G}vehicle_fulfillment/{G}option") == "in_store"
    assert item.findtext(f"{G}vehicle_fulfillment/{G}store_code") == "LKH"
    assert [e.text for e in item.findall(f"{G}additional_image_link")] == [PHOTOS[1]]


def test_a_vehicle_sold_after_a_fetch_is_not_available_then_absent(
    client: Client, dealer: Workspace, stock: dict[str, Vehicle]
) -> None:
    accord = stock["accord"]
    _, google = csv_rows(fetch(client, dealer, GOOGLE_KEY, "csv"))
    assert [r["vin"] for r in google] == [VINS[0]]
    Vehicle.objects.filter(pk=accord.pk).update(status="sold", sold_at=timezone.now())
    _, meta = csv_rows(fetch(client, dealer, META_KEY, "csv"))
    assert {r["vin"]: r["availability"] for r in meta}[VINS[0]] == "NOT_AVAILABLE"
    _, google = csv_rows(fetch(client, dealer, GOOGLE_KEY, "csv"))
    assert google == []
    root = ElementTree.fromstring(fetch(client, dealer, GOOGLE_KEY, "xml"))
    assert root.findall("channel/item") == []


def test_the_rows_left_out_are_listed_with_their_reasons(
    dealer: Workspace, stock: dict[str, Vehicle]
) -> None:
    meta = feed_exclusions(dealer, META_KEY)
    assert [(x.vin, x.reasons) for x in meta] == [(a_vin(3), ("no photo", "no photo tag"))]
    assert meta[0].vehicle_id == stock["no_photo"].pk
    google = feed_exclusions(dealer, GOOGLE_KEY)
    assert [(x.vin, x.reasons) for x in google] == [
        (a_vin(3), ("no photo",)),
        (
            BAD_CHECK_DIGIT,
            ("the VIN is not valid: The check digit (position 9) should be 3 for this VIN.",),
        ),
    ]
    assert feed_exclusions(dealer, GOOGLE_KEY, rooftop_id=stock["theirs"].rooftop_id) == []
    with pytest.raises(KeyError):
        feed_exclusions(dealer, "catalog")


def test_another_workspaces_vehicles_never_appear(
    client: Client, dealer: Workspace, other_workspace: Workspace, stock: dict[str, Vehicle]
) -> None:
    theirs = stock["theirs"].vin
    for key in (META_KEY, GOOGLE_KEY):
        for fmt in ("csv", "xml"):
            assert theirs not in fetch(client, dealer, key, fmt)
            assert VINS[0] not in fetch(client, other_workspace, key, fmt)
    # Their own feed leaves their vehicle out: their rooftop has no region or postal code.
    _, rows = csv_rows(fetch(client, other_workspace, META_KEY, "csv"))
    assert rows == []
    assert [x.reasons for x in feed_exclusions(other_workspace, META_KEY)] == [
        ("the rooftop has no state or region",)
    ]


def test_a_tampered_signature_is_refused(client: Client, dealer: Workspace) -> None:
    good = path_of(feed_url(dealer, META_KEY, "csv"))
    assert client.get(good.replace("signature=", "signature=0")).status_code == 403
