"""CSV cells (issue 10, defect 6): every cell of every CSV como writes, header cells included,
goes through one writer that defuses formulas; attribute keys that cannot be feed columns are
refused where they are typed."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from como import csvsafe
from como.campaigns.models import CatalogItem
from como.channels.feeds import feed_url
from como.workspaces.models import Workspace
from tests.factories import member_client

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]

#: Formula starts, from the outside tester's report and OWASP's CSV-injection page.
HOSTILE = [
    '=HYPERLINK("http://evil.example","x")',
    "+cmd|' /C calc'!A0",
    "-1+1",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    " =1+1",
    "\u3000=1+1",
    "\uff1d1+1",  # full-width =
    "\uff0bcmd",
    "\uff0d1",
    "\uff20SUM(1)",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_the_writer_defuses_every_formula_start(value: str) -> None:
    buffer = io.StringIO()
    csvsafe.writer(buffer).writerow([value, "plain", 42, None])
    [row] = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert row == ["'" + value, "plain", "42", ""]


def test_plain_cells_are_left_as_they_are() -> None:
    cells = ["Roof rack", "249.00 USD", "a=b", "x-1", "", 'naïve, "quoted"']
    buffer = io.StringIO()
    csvsafe.writer(buffer).writerow(cells)
    assert next(csv.reader(io.StringIO(buffer.getvalue()))) == cells


def test_nothing_writes_csv_but_the_one_writer() -> None:
    """The choke point holds only if nobody goes around it: no module of como or a vertical
    builds a csv writer of its own."""
    pattern = re.compile(r"\bcsv\.(writer|DictWriter)\b|from csv import")
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("como", "verticals")
        for path in (ROOT / folder).rglob("*.py")
        if path.name != "csvsafe.py" and pattern.search(path.read_text())
    ]
    assert offenders == []


def _unsaved(workspace: Workspace, item_id: str = "SKU-1", **fields: Any) -> CatalogItem:
    values: dict[str, Any] = {
        "workspace": workspace,
        "item_id": item_id,
        "title": "Roof rack",
        "description": "d",
        "url": "https://shop.example.com/r",
        "image_url": "https://shop.example.com/r.jpg",
        "price": Decimal("10.00"),
    }
    return CatalogItem(**(values | fields))


def _item(workspace: Workspace, item_id: str, **fields: Any) -> CatalogItem:
    item = _unsaved(workspace, item_id, **fields)
    item.save(force_insert=True)
    return item


def test_feed_header_cells_from_stored_attribute_keys_are_defused(
    client: Client, workspace: Workspace
) -> None:
    # Rows stored before keys were checked (or written around the model) still meet the writer.
    _item(workspace, "SKU-1", attributes={key: "v" for key in HOSTILE} | {"gtin": "1"})
    parts = urlsplit(feed_url(workspace, "catalog", "csv"))
    response = client.get(f"{parts.path}?{parts.query}")
    text = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    header, row = list(csv.reader(io.StringIO(text)))
    for cell in header + row:
        assert cell.lstrip(" \u3000")[:1] not in csvsafe.FORMULA_STARTS, cell
    assert {"'" + key for key in HOSTILE} <= set(header)
    assert "gtin" in header


@pytest.mark.parametrize(
    "key",
    [*HOSTILE, "", "a b", "a\x00b", "a\u202eb", "g:color", "x" * 101, "1st", "color\n"],
)
def test_an_attribute_key_that_is_no_feed_field_name_is_refused(
    workspace: Workspace, key: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        _unsaved(workspace, attributes={"gtin": "1", key: "v"}).full_clean()
    assert "attributes" in raised.value.message_dict


@pytest.mark.parametrize("key", ["gtin", "google_product_category", "size.system", "x" * 100])
def test_feed_field_names_are_accepted(workspace: Workspace, key: str) -> None:
    _unsaved(workspace, attributes={key: "v"}).full_clean()


def test_the_admin_form_names_the_attributes_field(workspace: Workspace) -> None:
    client = member_client(workspace, role="owner")
    response = client.post(
        reverse("admin:campaigns_catalogitem_add"),
        {
            "workspace": workspace.pk,
            "item_id": "SKU-9",
            "title": "Mats",
            "description": "d",
            "url": "https://shop.example.com/m",
            "image_url": "https://shop.example.com/m.jpg",
            "price": "5.00",
            "currency": "USD",
            "availability": "in_stock",
            "condition": "new",
            "attributes": '{"=HYPERLINK(\\"http://evil.example\\")": "x"}',
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "attributes" in errors, errors
    assert not CatalogItem.objects.exists()
