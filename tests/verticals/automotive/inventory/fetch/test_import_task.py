"""The import task with the real fetch_source against a real local HTTPS server: the feed is
fetched and imported, and a refused URL is a failed import with its reason, no crash, and no
credentials or query token in what the report shows."""

from __future__ import annotations

from typing import Any

import pytest

from verticals.automotive.inventory.importing.tasks import TASK_NAME, import_source
from verticals.automotive.inventory.models import InventoryImport, InventorySource, Vehicle

from ..factories import VINS, rooftop_make
from .servers import FeedServer

pytestmark = pytest.mark.django_db

FEED = (
    b"vin,stock_number,year,make,model,price,photos\r\n"
    + f"{VINS[0]},A1,2003,Honda,Accord,8999,https://img.example/a1.jpg\r\n".encode()
    + f"{VINS[1]},A2,,,Coach,31000,\r\n".encode()
    + b"1HGCM82633A004353,A3,2003,Honda,Accord,5000,\r\n"  # bad check digit
)


def _source(workspace: Any, url: str, **fields: Any) -> InventorySource:
    rooftop = rooftop_make(workspace)
    return InventorySource.objects.create(
        workspace=workspace, rooftop=rooftop, kind="https", url=url, **fields
    )


def test_the_task_fetches_over_https_and_imports(
    allow_local: Any, feed_server: FeedServer, workspace: Any
) -> None:
    feed_server.files["/exports/inventory.csv"] = FEED
    source = _source(workspace, feed_server.url("/exports/inventory.csv?token=s3cret"))

    assert import_source.name == TASK_NAME
    record = InventoryImport.objects.get(pk=import_source.apply(args=[source.pk]).get())

    assert record.status == "succeeded", record.message
    assert (record.file_name, record.format_key) == ("inventory.csv", "csv-canonical")
    assert record.counts == {
        "rows": 3,
        "created": 2,
        "changed": 0,
        "sold": 0,
        "removed": 0,
        "returned": 0,
        "unchanged": 0,
        "rejected": 1,
    }
    assert [(e["row"], e["field"]) for e in record.errors] == [(4, "vin")]
    assert set(Vehicle.objects.values_list("stock_number", flat=True)) == {"A1", "A2"}
    source.refresh_from_db()
    assert source.last_fetched_at is not None


def test_a_refused_url_is_a_failed_import_with_its_reason_and_no_secrets(
    fetch_settings: Any, feed_server: FeedServer, workspace: Any
) -> None:
    feed_server.files["/exports/inventory.csv"] = FEED
    url = feed_server.url("/exports/inventory.csv?token=s3cret#frag").replace(
        "https://", "https://dealer:hunter2@"
    )
    source = _source(workspace, url)

    record = InventoryImport.objects.get(pk=import_source.apply(args=[source.pk]).get())

    assert record.status == "failed"
    assert record.message.startswith("Fetching the feed failed:")
    assert "127.0.0.1" in record.message  # the reason names the refused address
    assert record.file_name == f"https://127.0.0.1:{feed_server.port}/exports/inventory.csv"
    shown = " ".join([record.file_name, record.message])
    for secret in ("s3cret", "hunter2", "dealer", "token", "frag"):
        assert secret not in shown
    assert feed_server.requests == []  # refused without connecting
    assert not Vehicle.objects.exists()
