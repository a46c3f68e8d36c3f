"""Catalog feeds: signed URLs (valid, tampered, expired), CSV and XML content, streaming, and
the source registry."""

from __future__ import annotations

import csv
import io
import time
import xml.etree.ElementTree as ET
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from como.campaigns.models import CatalogItem
from como.channels import feeds
from como.channels.feeds import feed_url, register_feed_source
from como.workspaces.models import Workspace

pytestmark = pytest.mark.django_db
G = "{http://base.google.com/ns/1.0}"


@pytest.fixture
def items(workspace: Workspace, other_workspace: Workspace) -> list[CatalogItem]:
    made = [
        CatalogItem.objects.create(
            workspace=workspace,
            item_id="SKU-1",
            title="Roof rack",
            description="Fits most SUVs & trucks <2020>",
            url="https://shop.example.com/roof-rack",
            image_url="https://shop.example.com/roof-rack.jpg",
            price=Decimal("249.00"),
            currency="USD",
            brand="Thule",
            attributes={"gtin": "0012345678905", "color": "black"},
        ),
        CatalogItem.objects.create(
            workspace=workspace,
            item_id="SKU-2",
            title='=HYPERLINK("http://evil.example")',
            description="-1+1",
            url="https://shop.example.com/mats",
            image_url="https://shop.example.com/mats.jpg",
            price=Decimal("59.5"),
            currency="USD",
            availability="out_of_stock",
            condition="used",
        ),
    ]
    CatalogItem.objects.create(
        workspace=other_workspace,
        item_id="THEIRS",
        title="Not ours",
        description="x",
        url="https://rival.example.com/x",
        image_url="https://rival.example.com/x.jpg",
        price=Decimal("1.00"),
    )
    return made


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def body(response: object) -> str:
    return b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]


@pytest.fixture
def hosts(settings: Any) -> None:
    """Staff reach the site on one host, the platforms fetch feeds from the public one."""
    settings.COMO_BASE_URL = "https://admin.como.internal"
    settings.COMO_PUBLIC_URL = "https://public.como.example/"


def test_signed_url_shape(workspace: Workspace, hosts: None) -> None:
    url = feed_url(workspace, "catalog", "csv", ttl=3600, now=1_800_000_000)
    parts = urlsplit(url)
    assert url.startswith("https://public.como.example/feeds/acme/catalog.csv?")
    query = parse_qs(parts.query)
    assert query["expires"] == ["1800003600"]
    assert query["signature"] == [feeds.feed_signature("acme", "catalog", "csv", 1_800_003_600)]
    assert len(query["signature"][0]) == 64


def test_csv_feed(client: Client, workspace: Workspace, items: list[CatalogItem]) -> None:
    response = client.get(path_of(feed_url(workspace, "catalog", "csv")))
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(body(response))))
    assert rows == [
        [
            "id",
            "title",
            "description",
            "link",
            "image_link",
            "availability",
            "condition",
            "price",
            "brand",
            "color",
            "gtin",
        ],
        [
            "SKU-1",
            "Roof rack",
            "Fits most SUVs & trucks <2020>",
            "https://shop.example.com/roof-rack",
            "https://shop.example.com/roof-rack.jpg",
            "in_stock",
            "new",
            "249.00 USD",
            "Thule",
            "black",
            "0012345678905",
        ],
        [
            "SKU-2",
            '\'=HYPERLINK("http://evil.example")',
            "'-1+1",
            "https://shop.example.com/mats",
            "https://shop.example.com/mats.jpg",
            "out_of_stock",
            "used",
            "59.50 USD",
            "",
            "",
            "",
        ],
    ]


def test_xml_feed_is_rss_with_the_google_namespace(
    client: Client, workspace: Workspace, items: list[CatalogItem], hosts: None
) -> None:
    response = client.get(path_of(feed_url(workspace, "catalog", "xml")))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/rss+xml; charset=utf-8"
    text = body(response)
    assert text.startswith(
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
        'xmlns:g="http://base.google.com/ns/1.0">'
    )
    root = ET.fromstring(text.encode())  # noqa: S314 (our own output, parsed to check it)
    assert root.tag == "rss"
    assert root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel is not None
    assert channel.findtext("title") == f"{workspace.name}: Product catalog"
    assert channel.findtext("link") == "https://public.como.example/"
    found = [
        {child.tag.removeprefix(G): child.text for child in item}
        for item in channel.findall("item")
    ]
    assert found == [
        {
            "id": "SKU-1",
            "title": "Roof rack",
            "description": "Fits most SUVs & trucks <2020>",
            "link": "https://shop.example.com/roof-rack",
            "image_link": "https://shop.example.com/roof-rack.jpg",
            "availability": "in_stock",
            "condition": "new",
            "price": "249.00 USD",
            "brand": "Thule",
            "gtin": "0012345678905",
            "color": "black",
        },
        {
            "id": "SKU-2",
            "title": '=HYPERLINK("http://evil.example")',
            "description": "-1+1",
            "link": "https://shop.example.com/mats",
            "image_link": "https://shop.example.com/mats.jpg",
            "availability": "out_of_stock",
            "condition": "used",
            "price": "59.50 USD",
        },
    ]


@pytest.mark.parametrize(
    "tamper",
    [
        lambda p: p.replace("/acme/", "/rival/"),
        lambda p: p.replace("catalog.csv", "catalog.xml"),
        lambda p: p.replace("expires=", "expires=9"),
        lambda p: p[:-1] + ("0" if p[-1] != "0" else "1"),
        lambda p: p.split("&signature=")[0],
        lambda p: p.split("?")[0],
    ],
    ids=["workspace", "format", "expiry", "signature", "no-signature", "no-query"],
)
def test_tampered_urls_are_forbidden(
    client: Client,
    workspace: Workspace,
    other_workspace: Workspace,
    items: list[CatalogItem],
    tamper: object,
) -> None:
    good = path_of(feed_url(workspace, "catalog", "csv"))
    assert client.get(good).status_code == 200
    bad = tamper(good)  # type: ignore[operator]
    response = client.get(bad)
    assert response.status_code == 403
    assert b"THEIRS" not in response.content
    assert b"SKU-1" not in response.content


def test_expired_url_is_forbidden(
    client: Client, workspace: Workspace, items: list[CatalogItem]
) -> None:
    expired = path_of(feed_url(workspace, "catalog", "csv", ttl=60, now=time.time() - 61))
    assert client.get(expired).status_code == 403
    fresh = path_of(feed_url(workspace, "catalog", "csv", ttl=60, now=time.time() - 50))
    assert client.get(fresh).status_code == 200


def test_unknown_source_and_format(workspace: Workspace) -> None:
    with pytest.raises(LookupError):
        feed_url(workspace, "nope", "csv")
    with pytest.raises(ValueError, match="not 'json'"):
        feed_url(workspace, "catalog", "json")


def test_a_vertical_can_register_its_own_source(client: Client, workspace: Workspace) -> None:
    class Vehicles:
        title = "Vehicles"

        def columns(self, workspace: Workspace) -> tuple[str, ...]:
            return ("vehicle_id", "make", "address")

        def rows(self, workspace: Workspace) -> list[dict[str, object]]:
            return [
                {"vehicle_id": "V1", "make": "Ford", "address": {"city": "Austin", "region": "TX"}}
            ]

    register_feed_source("test_vehicles", Vehicles())
    try:
        text = body(client.get(path_of(feed_url(workspace, "test_vehicles", "xml"))))
        assert "<item><g:vehicle_id>V1</g:vehicle_id><g:make>Ford</g:make><g:address>" in text
        assert "<g:address><g:city>Austin</g:city><g:region>TX</g:region></g:address>" in text
        rows = list(
            csv.reader(
                io.StringIO(body(client.get(path_of(feed_url(workspace, "test_vehicles", "csv")))))
            )
        )
        assert rows == [
            ["vehicle_id", "make", "address"],
            ["V1", "Ford", "city: Austin, region: TX"],
        ]
        with pytest.raises(ValueError, match="Another feed source"):
            register_feed_source("test_vehicles", Vehicles())
    finally:
        feeds._sources.pop("test_vehicles", None)


def test_large_feed_streams_every_row(client: Client, workspace: Workspace) -> None:
    CatalogItem.objects.bulk_create(
        CatalogItem(
            workspace=workspace,
            item_id=f"SKU-{n:05d}",
            title=f"Item {n}",
            description="d",
            url=f"https://shop.example.com/{n}",
            image_url=f"https://shop.example.com/{n}.jpg",
            price=Decimal("1.00"),
        )
        for n in range(5_000)
    )
    response = client.get(path_of(feed_url(workspace, "catalog", "csv")))
    chunks = list(response.streaming_content)  # type: ignore[attr-defined]
    assert len(chunks) == 5_001
    assert chunks[-1].decode().startswith("SKU-04999,")
