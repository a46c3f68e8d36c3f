"""Feed formats: each preset recognised from its header row and read, custom mappings, XML and
JSON path mappings, encodings and delimiters, and the broken files of the acceptance."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from como.registry import NotRegistered
from verticals.automotive.inventory.formats import (
    FORMATS,
    AmbiguousFormat,
    FeedRow,
    RowError,
    recognise,
)
from verticals.automotive.inventory.rows import VehicleData, validate_rows

FIXTURES = Path(__file__).parent / "fixtures"


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def parse(name: str, **mapping: str) -> tuple[list[VehicleData], list[RowError]]:
    data = load(name)
    return validate_rows(recognise(data).read(data, mapping=mapping or None))


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("common.csv", "csv-common"),
        ("common_nu.csv", "csv-common-nu"),
        ("vauto.csv", "csv-vauto"),
        ("reynolds.csv", "csv-reynolds"),
        ("fullpath.csv", "csv-fullpath"),
        ("vehicles.xml", "xml"),
        ("vehicles.json", "json"),
    ],
)
def test_each_layout_is_recognised_from_its_header(name: str, key: str) -> None:
    assert recognise(load(name)).key == key


def test_the_common_layout_reads_prices_photos_with_commas_and_statuses() -> None:
    good, errors = parse("common.csv")
    assert errors == []
    new, sold = good
    assert (new.row, new.stock_number, new.condition, new.price, new.msrp, new.cost) == (
        2,
        "A100",
        "new",
        Decimal("27999.00"),
        Decimal("28500.00"),
        Decimal("25000.00"),
    )
    assert new.photos == ("https://img.example.com/a/1.jpg", "https://img.example.com/a/2.jpg")
    assert sold.photos == ("https://img.example.com/b/1.jpg", "https://img.example.com/b/2.jpg")
    assert (sold.status, sold.mileage, sold.condition, sold.certified) == (
        "sold",
        45210,
        "cpo",
        True,
    )
    assert sold.received_at is not None
    assert sold.received_at.isoformat() == "2024-03-02T00:00:00+00:00"


def test_the_nu_variant_is_tab_separated_and_splits_photos_on_pipes() -> None:
    (truck,), errors = parse("common_nu.csv")
    assert errors == []
    assert (truck.condition, truck.make, truck.price) == ("new", "Ford", Decimal("49999.00"))
    assert truck.photos == ("https://img.example.com/c/1.jpg", "https://img.example.com/c/2.jpg")


def test_vauto_splits_the_vehicle_column_and_takes_series_as_trim() -> None:
    (car,), errors = parse("vauto.csv")
    assert errors == []
    assert (car.year, car.make, car.model, car.trim) == (2021, "Honda", "Accord", "EX-L")
    assert (car.mileage, car.certified, car.condition, car.drivetrain) == (
        22000,
        True,
        "cpo",
        "FWD",
    )


def test_reynolds_reads_pipes_and_am_pm_dates() -> None:
    (car,), errors = parse("reynolds.csv")
    assert errors == []
    assert car.stock_number == "R300"
    assert car.status == "available"
    assert car.price == Decimal("28999")
    assert car.received_at is not None
    assert car.received_at.hour == 10


def test_fullpath_splits_photos_on_blanks() -> None:
    (car,), errors = parse("fullpath.csv")
    assert errors == []
    assert car.photos == ("https://img.example.com/f/1.jpg", "https://img.example.com/f/2.jpg")
    assert car.vdp_url == "https://dealer.example.com/vdp/F1"
    assert car.exterior_color == "Gray"


def test_a_custom_mapping_overrides_the_preset() -> None:
    good, errors = parse("common.csv", price="MSRP", trim="ModelNumber")
    assert errors == []
    assert good[0].price == Decimal("28500.00")
    assert good[0].trim == "CV1F3"


def test_a_mapping_naming_a_missing_column_or_an_unknown_field_is_a_file_error() -> None:
    good, errors = parse("common.csv", price="NoSuchColumn", colour="Color")
    assert {(error.row, error.field) for error in errors} == {(0, "price"), (0, "colour")}
    assert len(good) == 2  # the preset's price column still applies


def test_a_header_fitting_two_layouts_equally_is_an_error_naming_them() -> None:
    # Both layouts complete (each has its stock number column) and score 5.
    data = (
        b"VIN,Odometer,Color,Series,Vehicle,Stock #,StockNumber,NewUsed,ReceivedDate,UnitStatus\n"
    )
    with pytest.raises(AmbiguousFormat, match=r"csv-reynolds.*csv-vauto"):
        recognise(data)
    (error,) = list(FORMATS.get("csv").read(data))
    assert isinstance(error, RowError)
    assert error.row == 0
    assert "csv-reynolds" in error.message


def test_canonical_headers_read_as_canonical_and_no_vin_column_is_reported() -> None:
    data = b"vin;stock_number;price\n1HGCV1F31MA000001;Z1;100\n"
    fmt = recognise(data)
    assert fmt.key == "csv-canonical"
    (car,), errors = validate_rows(fmt.read(data))
    assert errors == []
    assert car.price == Decimal("100.00")
    assert list(FORMATS.get("csv").read(b"a,b\n1,2\n")) == [
        RowError(0, "vin", "No column holds the VIN; save a column mapping for it.")
    ]


def test_binary_garbage_is_no_format() -> None:
    with pytest.raises(NotRegistered):
        recognise(b"")


def test_the_broken_file_keeps_its_good_rows_and_names_each_bad_one() -> None:
    data = load("broken_cp1252.csv")
    good, errors = validate_rows(recognise(data).read(data))
    assert [car.stock_number for car in good] == ["G1"]
    assert good[0].trim == "Café Señor"  # Windows-1252 decoded
    assert {(error.row, error.field) for error in errors} == {
        (3, "vin"),  # bad check digit
        (4, "price"),  # an available vehicle without a price
        (5, "stock_number"),  # G1 again
        (6, "trim"),  # =HYPERLINK(...)
        (7, "year"),  # the VIN says 2020
        (8, "vin"),  # 16 characters
        (8, "received_at"),  # "someday"
    }
    by_row = {error.row: error.message for error in errors}
    assert "check digit" in by_row[3]
    assert "row 2" in by_row[5]
    assert "formula" in by_row[6]


def test_a_utf8_file_with_one_bad_byte_rejects_that_row_only() -> None:
    data = (
        "vin,stock_number,price,trim\n1HGCV1F31MA000001,A,100,Café\n1HGCV1F33MA000002,B,100,Caf"
    ).encode() + b"\xe9\n"
    good, errors = validate_rows(recognise(data).read(data))
    assert [car.trim for car in good] == ["Café"]
    assert [(error.row, error.field) for error in errors] == [(3, "trim")]


def test_xml_with_a_path_mapping_and_the_defaults() -> None:
    mapping = {
        "records": "inventory/vehicles/vehicle",
        "vin": "@vin",
        "stock_number": "stock",
        "price": "pricing/price",
    }
    good, errors = parse("vehicles.xml", **mapping)
    assert [car.stock_number for car in good] == ["X1"]
    assert good[0].photos == ("https://img.example.com/x/1.jpg", "https://img.example.com/x/2.jpg")
    assert [(error.row, error.field) for error in errors] == [(2, "make")]  # 2T1 is a Toyota


def test_an_xml_entity_bomb_is_one_file_error() -> None:
    rows = list(FORMATS.get("xml").read(load("entity_bomb.xml")))
    assert len(rows) == 1
    assert isinstance(rows[0], RowError)
    assert rows[0].row == 0


def test_json_with_a_pointer_and_key_paths() -> None:
    mapping = {
        "records": "/data/vehicles",
        "vin": "id/vin",
        "stock_number": "id/stock",
        "price": "price/amount",
        "photos": "images",
    }
    good, errors = parse("vehicles.json", **mapping)
    assert [(car.stock_number, car.price, car.photos) for car in good] == [
        ("J1", Decimal("49999.50"), ("https://img.example.com/j/1.jpg",))
    ]
    assert [(error.row, error.field) for error in errors] == [(2, "price")]


@pytest.mark.parametrize(
    "data", [b"{", b"[1, 2]", b'{"a": 1, "b": 2}', b"<a", b"<a>&x;</a>", b"<a><b/></a>"]
)
def test_broken_xml_and_json_never_raise(data: bytes) -> None:
    good, _ = validate_rows(recognise(data).read(data))
    assert good == []


def test_rows_pass_through_a_format_of_ones_own() -> None:
    row = FeedRow(9, {"vin": "1HGCV1F31MA000001", "stock_number": "Q", "internet_price": "5"})
    (car,), errors = validate_rows([row])
    assert errors == []
    assert car.make == "Honda"
    assert car.year == 2021
    assert car.row == 9


CANONICAL_WITH_PHOTOS = (
    b"vin,stock_number,year,make,model,exterior_color,certified,price,photos\n"
    b"1HGCV1F31MA000001,Z1,2021,Honda,Accord,Red,no,100,https://x.test/1.jpg|https://x.test/2.jpg\n"
)


@pytest.mark.parametrize("key", [None, "csv", "csv-canonical"])
def test_a_canonical_header_with_photos_is_the_canonical_layout_not_the_nu_variant(
    key: str | None,
) -> None:
    # It shares Photos, ExteriorColor and Certified with csv-common-nu (3 distinctive headers),
    # which has no "Stock" column and used to reject every row for its stock number.
    fmt = FORMATS.get(key) if key else recognise(CANONICAL_WITH_PHOTOS)
    assert key or fmt.key == "csv-canonical"
    (car,), errors = validate_rows(fmt.read(CANONICAL_WITH_PHOTOS))
    assert errors == []
    assert (car.stock_number, car.exterior_color) == ("Z1", "Red")
    assert car.photos == ("https://x.test/1.jpg", "https://x.test/2.jpg")


def test_a_layout_missing_its_stock_column_is_not_chosen() -> None:
    # Canonical names plus a column of no layout: not all canonical, and csv-common-nu still
    # scores 3 without its "Stock" column, so the generic reader reads it by canonical names.
    data = CANONICAL_WITH_PHOTOS.replace(b"photos\n", b"photos,notes\n").replace(
        b"2.jpg\n", b"2.jpg,hi\n"
    )
    fmt = recognise(data)
    assert fmt.key == "csv"
    (car,), errors = validate_rows(fmt.read(data))
    assert errors == []
    assert car.stock_number == "Z1"


def test_a_mapping_that_supplies_the_stock_column_keeps_the_layout() -> None:
    data = b"VIN\tStockNo\tNew/Used\tInventoryDate\tPhotos\tListPrice\n"
    data += b"1HGCV1F31MA000001\tQ7\tN\t2024-01-02\thttps://x.test/1.jpg\t100\n"
    rows = list(FORMATS.get("csv").read(data, mapping={"stock_number": "StockNo"}))
    (car,), errors = validate_rows(rows)
    assert errors == []
    assert (car.stock_number, car.condition) == ("Q7", "new")
