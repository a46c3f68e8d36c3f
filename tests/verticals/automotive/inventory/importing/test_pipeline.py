"""Files end to end through ``inventory_import``: broken rows, encodings, the same file twice."""

from __future__ import annotations

from typing import Any

import pytest

from verticals.automotive.inventory.importing.services import inventory_import
from verticals.automotive.inventory.models import Rooftop, Vehicle, VehicleChange

from .feeds import feed, line
from .support import vin

pytestmark = pytest.mark.django_db


def run(rooftop: Rooftop, data: bytes, *, full: bool = False, **options: Any) -> Any:
    return inventory_import(rooftop=rooftop, data=data, file_name="feed.csv", full=full, **options)


def test_broken_rows_are_reported_and_the_good_ones_imported(rooftop: Rooftop) -> None:
    bad_check_digit = vin(2)[:8] + ("0" if vin(2)[8] != "0" else "1") + vin(2)[9:]
    data = feed(
        [
            line(1),
            line(2, vin=bad_check_digit),
            line(3, price=""),
            line(4, stock="S1"),  # the stock number of row 2 again
            line(5, price='"=HYPERLINK(""http://evil.example"",""x"")"'),
            line(6),
        ]
    )
    record = run(rooftop, data)
    assert record.status == "succeeded"
    assert record.format_key == "csv-fullpath"
    assert record.counts == {
        "rows": 6, "created": 2, "changed": 0, "sold": 0,
        "removed": 0, "returned": 0, "unchanged": 0, "rejected": 4,
    }  # fmt: skip
    reported = {(error["row"], error["field"]) for error in record.errors}
    assert reported == {(3, "vin"), (4, "price"), (5, "stock_number"), (6, "price")}
    assert sorted(Vehicle.objects.values_list("vin", flat=True)) == sorted([vin(1), vin(6)])
    assert set(record.phases) == {"parse", "validate", "stage", "diff", "apply"}
    assert record.progress == 6
    assert record.finished_at is not None


def test_the_same_file_twice_changes_nothing_the_second_time(rooftop: Rooftop) -> None:
    data = feed([line(n) for n in range(1, 8)] + [line(9, price="")])
    first = run(rooftop, data)
    changes = VehicleChange.objects.count()
    second = run(rooftop, data, full=True)
    assert (first.counts["created"], second.counts["created"]) == (7, 0)
    assert second.counts["unchanged"] == 7
    assert second.counts["rejected"] == 1
    assert VehicleChange.objects.count() == changes


def test_windows_1252_text_is_read(rooftop: Rooftop) -> None:
    record = run(rooftop, feed([line(1, color="Café Crème")], encoding="cp1252"))
    assert record.counts["created"] == 1, record.errors
    assert Vehicle.objects.get().exterior_color == "Café Crème"


def test_an_unreadable_file_fails_the_import_and_removes_nothing(rooftop: Rooftop) -> None:
    run(rooftop, feed([line(1), line(2)]))
    record = inventory_import(
        rooftop=rooftop, data=b"\x00\x01\x02 not a feed", file_name="x.bin", full=True
    )
    assert record.status == "failed"
    assert record.errors[0]["row"] == 0
    assert record.message
    assert Vehicle.objects.filter(status="available").count() == 2


def test_a_rejected_row_of_a_full_feed_does_not_remove_its_vehicle(rooftop: Rooftop) -> None:
    run(rooftop, feed([line(n) for n in range(1, 6)]))
    # Vehicle 5's row is broken this time (no price): it is not missing, only unreadable.
    record = run(rooftop, feed([*(line(n) for n in range(1, 5)), line(5, price="")]), full=True)
    assert record.counts["removed"] == 0
    assert record.counts["rejected"] == 1
    assert Vehicle.objects.filter(status="available").count() == 5


def test_an_unknown_format_key_fails_with_a_message(rooftop: Rooftop) -> None:
    record = run(rooftop, feed([line(1)]), format_key="nope")
    assert record.status == "failed"
    assert record.errors == [{"row": 0, "field": "", "message": record.errors[0]["message"]}]
    assert "nope" in record.errors[0]["message"]


def test_progress_is_reported_as_rows_are_read(rooftop: Rooftop, monkeypatch: Any) -> None:
    from verticals.automotive.inventory.importing import pipeline

    monkeypatch.setattr(pipeline, "PROGRESS_EVERY", 2)
    seen: list[int] = []
    run(rooftop, feed([line(n) for n in range(1, 6)]), on_progress=seen.append)
    assert seen == [2, 4, 5]


HOSTILE = [
    "a\x00b",
    "x" * 3000,
    "9" * 40,
    "-1",
    "1e400",
    "NaN",
    "\u202e\u0000",
    "'; DROP TABLE x; --",
    "\ud800",
    "@SUM(1)",
]
COLUMNS = ["stock", "year", "make", "model", "trim", "certified", "vdp", "photo_url_list"]
COLUMNS += ["color", "price", "mileage"]


@pytest.mark.parametrize("column", COLUMNS)
def test_no_hostile_cell_fails_the_import_or_its_neighbours(rooftop: Rooftop, column: str) -> None:
    header = (
        "vin,stock,year,make,model,trim,condition,certified,vdp,photo_url_list,color,price,mileage"
    )
    names = header.split(",")
    lines = [header]
    for n, value in enumerate(HOSTILE, start=10):
        cells = line(n).split(",")
        cells[names.index(column)] = '"' + value.replace('"', '""') + '"'
        lines.append(",".join(cells))
    lines.append(line(1))
    data = ("\r\n".join(lines) + "\r\n").encode("utf-8", "surrogatepass")
    record = run(rooftop, data)
    assert record.status == "succeeded", record.errors
    assert Vehicle.objects.filter(vin=vin(1)).exists()
    assert record.counts["rows"] == len(HOSTILE) + 1
