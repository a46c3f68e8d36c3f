"""A feed is validated a column at a time (each field's texts at once, valid cells in C): each
row's outcome in a feed must be exactly its outcome alone, and each column check exactly the
per-cell converter it stands for."""

from __future__ import annotations

import json

import pytest

from verticals.automotive.inventory.convert import (
    Invalid,
    _photos,
    parse_mileage,
    photos_column,
    vdp_urls_column,
    vins_column,
)
from verticals.automotive.inventory.formats.base import FeedRow
from verticals.automotive.inventory.importing.copytext import json_texts
from verticals.automotive.inventory.rows import validate_rows
from verticals.automotive.inventory.vin import vin_problem, vin_problems

from .importing.support import vin

BAD_CHECK_DIGIT = vin(6)[:8] + ("0" if vin(6)[8] != "0" else "1") + vin(6)[9:]


def fields(serial: int, **changes: str) -> dict[str, str]:
    return {
        "vin": vin(serial),
        "stock_number": f"S{serial}",
        "year": "2003",
        "make": "Honda",
        "mileage": "48213",
        "price": "19,999",
        "photos": f"https://img.example/{serial}/1.jpg | https://img.example/{serial}/2.jpg",
        "vdp_url": f"https://dealer.example/{serial}",
    } | changes


FEED = [
    FeedRow(2, fields(1)),
    FeedRow(3, fields(2, photos="https://a.example/1.jpg ; ftp://b.example/2.jpg")),
    FeedRow(4, fields(3, photos="https://a.example/" + "x" * 2000)),
    # Any case of the scheme; a no-break space separates like a blank.
    FeedRow(5, fields(4, photos="HTTPS://a.example/1.jpg|http://b.example/2\u00a0https://c/3")),
    FeedRow(6, fields(5, vdp_url="javascript:alert(1)")),
    FeedRow(7, fields(6, vin=BAD_CHECK_DIGIT)),
    FeedRow(8, fields(7, stock_number="=1+1")),
    FeedRow(9, fields(8, mileage="2147483648")),
    FeedRow(10, fields(9, mileage="48,213 mi", year="", make="")),
    # A formula in a row's first cell (after the row before it, in the feed's joined cells).
    FeedRow(11, fields(10, vin="=cmd|' /C calc'!A0")),
    FeedRow(12, fields(11, price="", status="sold")),
]
BAD_ROWS = {3, 4, 6, 7, 8, 9, 11}


@pytest.mark.parametrize("shapes", ["one", "several"])
def test_each_rows_outcome_in_a_feed_is_its_outcome_alone(shapes: str) -> None:
    rows = list(FEED)
    if shapes == "several":  # a row without photos: the columns are read cell by cell
        rows.append(FeedRow(13, {k: v for k, v in fields(12).items() if k != "photos"}))
    good, errors = validate_rows(rows)
    alone = [validate_rows([row]) for row in rows]

    assert good == [vehicle for one, _ in alone for vehicle in one]
    assert errors == [error for _, some in alone for error in some]
    assert {error.row for error in errors} == BAD_ROWS
    assert [vehicle.row for vehicle in good] == sorted(
        row.number for row in rows if row.number not in BAD_ROWS
    )
    filled = next(vehicle for vehicle in good if vehicle.row == 10)
    assert (filled.year, filled.make, filled.mileage) == (2003, "Honda", 48213)


PHOTO_CELLS = [
    "",
    "   ",
    "https://x.example/1.jpg",
    "https://x;https://y||http://z",
    " https://x\u2003https://y\x1chttps://z ",
    "HTTPS://X",
    "https://",
    "https://" + "x" * 1992,
    "https://" + "x" * 1993,
    "http://" + "x" * 1993 + " https://ok",
    "a|b",
    "https://x ftp://y",
    "http\u017f://x",  # a long s: lower-cased it is no "s"
]


@pytest.mark.parametrize("cell", PHOTO_CELLS)
def test_the_photo_column_is_the_photo_converter(cell: str) -> None:
    texts = [cell, "https://fine.example/1.jpg"]
    expected: list[object] = []
    for text in texts:
        try:
            expected.append(_photos(text))
        except Invalid as error:
            expected.append(str(error))
    got = [str(v) if isinstance(v, Invalid) else v for v in photos_column(texts)]
    assert got == expected


def test_the_vdp_column_and_the_vin_column_are_their_converters() -> None:
    urls = ["", "https://d.example/1", "HTTP://D", "ftp://d", "https://" + "x" * 2000]
    assert [str(v) if isinstance(v, Invalid) else v for v in vdp_urls_column(urls)] == [
        "",
        "https://d.example/1",
        "HTTP://D",
        "'ftp://d' is not an http(s) URL.",
        "A URL is at most 2000 characters.",
    ]
    vins = [
        vin(1),
        vin(2).lower(),
        BAD_CHECK_DIGIT,
        "WVWZZZ1JZXW000001",
        "SHORT",
        "1HGCM82633A00435I",
    ]
    assert [str(v) if isinstance(v, Invalid) else v for v in vins_column(vins)] == [
        vin_problem(v.upper()) or v.upper() for v in vins
    ]
    assert vin_problems([v.upper() for v in vins]) == [vin_problem(v.upper()) for v in vins]


@pytest.mark.parametrize(
    ("text", "value"), [("0", 0), ("007", 7), ("2147483647", 2147483647), ("12,000 miles", 12000)]
)
def test_a_mileage_of_digits_is_read_as_any_other(text: str, value: int) -> None:
    assert parse_mileage(text) == value
    with pytest.raises(Invalid, match="whole number from 0"):
        parse_mileage("2147483648")


def test_the_staged_json_of_texts_is_jsons() -> None:
    for texts in [(), ("a",), ('https://x/é"\\', "b\u2028\x00")]:
        assert json_texts(texts) == json.dumps(list(texts))
