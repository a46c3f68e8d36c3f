"""The parts catalog: CSV rows validated (the bad row named, the good ones kept), inserted or
updated by SKU, the command's report, and fitment by make, model and year range."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from como.workspaces.models import Workspace
from tests.factories import WorkspaceFactory
from verticals.automotive.inventory.formats.base import RowError
from verticals.automotive.parts.models import PartsItem
from verticals.automotive.parts.rows import read
from verticals.automotive.parts.selectors import fits, fitting_items
from verticals.automotive.parts.services import parts_import

HEADER = "SKU,Name,Category,Price,URL,Make,Model,Year From,Year To\n"
MATS = "PT-MATS,All-weather floor mats,Interior,$149.00,https://parts.example/mats,Toyota,RAV4,2019,2025\n"
WIPERS = "PT-WIPE,Wiper blades,Maintenance,29.95,,Toyota,,,\n"
TACOMA = "PT-BED,Bed liner,Exterior,499,https://parts.example/bed,Toyota,Tacoma,2016,\n"


def test_good_rows_are_read_as_typed_values() -> None:
    rows, errors = read((HEADER + MATS + WIPERS).encode())
    assert errors == []
    assert [(r.row, r.sku, r.price, r.make, r.model, r.year_from, r.year_to) for r in rows] == [
        (2, "PT-MATS", Decimal("149.00"), "Toyota", "RAV4", 2019, 2025),
        (3, "PT-WIPE", Decimal("29.95"), "Toyota", "", None, None),
    ]


def test_each_bad_row_is_named_and_the_good_ones_kept() -> None:
    data = (
        HEADER
        + MATS
        + "PT-X,,Interior,10,,Toyota,,,\n"  # row 3: no name
        + "PT-Y,Thing,,free,,Toyota,,,\n"  # row 4: price
        + "PT-Z,Thing,,10,ftp://x.example/a,Toyota,,,\n"  # row 5: url
        + "PT-R,Thing,,10,,Toyota,,2024,2020\n"  # row 6: range backwards
        + "=HYPERLINK(1),Thing,,10,,Toyota,,,\n"  # row 7: a formula
        + "pt-mats,Again,,10,,Toyota,,,\n"  # row 8: the SKU again
        + WIPERS  # row 9: good
    ).encode()
    rows, errors = read(data)
    assert [r.sku for r in rows] == ["PT-MATS", "PT-WIPE"]
    assert [(e.row, e.field) for e in errors] == [
        (3, "name"),
        (4, "price"),
        (5, "url"),
        (6, "year_to"),
        (7, "sku"),
        (8, "sku"),
    ]
    assert errors[5].message == "SKU 'pt-mats' is also on row 2."


def test_a_file_without_a_required_column_is_refused() -> None:
    rows, errors = read(b"sku,name,price\nA,B,1\n")
    assert rows == []
    assert errors == [RowError(0, "make", "No column holds make; the file is refused.")]


def test_a_years_column_reads_a_range_or_one_year() -> None:
    rows, errors = read(b"sku,name,price,make,years\nA,a,1,Honda,2018-2022\nB,b,1,Honda,2021\n")
    assert errors == []
    assert [(r.year_from, r.year_to) for r in rows] == [(2018, 2022), (2021, 2021)]


def test_import_inserts_then_updates_by_sku(dealer: Workspace) -> None:
    first = parts_import(workspace=dealer, data=(HEADER + MATS + WIPERS).encode())
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    again = parts_import(
        workspace=dealer, data=(HEADER + MATS + WIPERS.replace("29.95", "31.50")).encode()
    )
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1)
    assert PartsItem.objects.get(workspace=dealer, sku="PT-WIPE").price == Decimal("31.50")
    # Another workspace's catalog is its own.
    rival = WorkspaceFactory.create(slug="rival", vertical="automotive")
    assert parts_import(workspace=rival, data=(HEADER + MATS).encode()).created == 1
    assert PartsItem.objects.filter(sku="PT-MATS").count() == 2


def test_the_command_names_the_bad_row(dealer: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "parts.csv"
    path.write_text(HEADER + MATS + "PT-Y,Thing,,free,,Toyota,,,\n")
    out = StringIO()
    call_command("import_parts", str(path), "--workspace", "lakeside", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "Parts catalog: created 1, updated 0, unchanged 0, rejected rows 1"
    assert lines[1] == "  row 3 price: 'free' is not an amount."
    path.write_text("sku,name\n")
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_parts", str(path), "--workspace", "lakeside", stdout=StringIO())
    with pytest.raises(CommandError, match="No workspace 'nowhere'"):
        call_command("import_parts", str(path), "--workspace", "nowhere")


@pytest.mark.parametrize(
    ("make", "model", "year", "expected"),
    [
        ("Toyota", "RAV4", 2019, True),  # the first year
        ("toyota", "rav4", 2025, True),  # the last year, another case
        ("Toyota", "RAV4", 2018, False),
        ("Toyota", "RAV4", 2026, False),
        ("Toyota", "Camry", 2020, False),
        ("Honda", "RAV4", 2020, False),
        ("Toyota", "RAV4", None, False),  # an unknown year fits only an open range
    ],
)
def test_fitment(make: str, model: str, year: int | None, expected: bool) -> None:
    item = {"make": "Toyota", "model": "RAV4", "year_from": 2019, "year_to": 2025}
    assert fits(item, make, model, year) is expected


def test_a_blank_model_and_open_years_fit_every_model_of_the_make() -> None:
    item = {"make": "Toyota", "model": "", "year_from": None, "year_to": None}
    assert fits(item, "Toyota", "Camry", 1999)
    assert fits(item, "Toyota", "Tacoma", None)
    assert not fits(item, "Lexus", "RX", 2020)
    open_end = {"make": "Toyota", "model": "Tacoma", "year_from": 2016, "year_to": None}
    assert fits(open_end, "Toyota", "Tacoma", 2030)
    assert not fits(open_end, "Toyota", "Tacoma", 2015)


def test_fitting_items_for_a_batch_exact_model_first(dealer: Workspace) -> None:
    parts_import(workspace=dealer, data=(HEADER + MATS + WIPERS + TACOMA).encode())
    found = fitting_items(
        workspace_id=dealer.pk,
        vehicles=[("Toyota", "RAV4", 2021), ("Toyota", "Tacoma", 2015), ("Ford", "F-150", 2020)],
        limit=3,
    )
    assert [i["sku"] for i in found[("Toyota", "RAV4", 2021)]] == ["PT-MATS", "PT-WIPE"]
    assert [i["sku"] for i in found[("Toyota", "Tacoma", 2015)]] == ["PT-WIPE"]
    assert found[("Ford", "F-150", 2020)] == []
    assert found[("Toyota", "RAV4", 2021)][0] == {
        "sku": "PT-MATS",
        "name": "All-weather floor mats",
        "category": "Interior",
        "price": "149.00",
        "price_text": "$149.00",
        "url": "https://parts.example/mats",
    }
