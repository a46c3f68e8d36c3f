"""como.rawsql's flat-list array dumper: psycopg's bytes, and the server reads them back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from hypothesis import given
from hypothesis import strategies as st
from psycopg.adapt import AdaptersMap, PyFormat, Transformer
from psycopg.types.array import ListBinaryDumper

from como.rawsql import FlatListBinaryDumper, raw_cursor

T0 = datetime(2026, 1, 1, 10, tzinfo=UTC)

LISTS: list[list[Any]] = [
    [1, 2, 3],
    [2**40, -(2**40), 0],
    [2**31, 7],
    [-1],
    [1.5, -0.0, 1e308],
    ["a", "", "ünïcode", "NULL", 'quo"te', "x" * 10_000],
    [T0, T0 + timedelta(microseconds=1), datetime(1, 1, 1, tzinfo=UTC)],
    [datetime(2026, 1, 1, 10, tzinfo=timezone(timedelta(hours=-5)))],
    [True, False],
    [Decimal("1.25"), Decimal("-3")],
    ['{"a": [1, 2]}', "{}", "evt-1"],
    # psycopg's own path: NULLs, nesting, empty.
    [1, None, 3],
    [None],
    [[1, 2], [3, 4]],
    [],
]


def _stock_and_flat(value: list[Any]) -> tuple[Any, Any]:
    stock = Transformer(AdaptersMap(psycopg.adapters))
    flat_map = AdaptersMap(psycopg.adapters)
    flat_map.register_dumper(list, FlatListBinaryDumper)
    flat = Transformer(flat_map)
    return (
        stock.get_dumper(value, PyFormat.BINARY).upgrade(value, PyFormat.BINARY),
        flat.get_dumper(value, PyFormat.BINARY).upgrade(value, PyFormat.BINARY),
    )


@pytest.mark.parametrize("value", LISTS, ids=range(len(LISTS)))
def test_the_bytes_and_type_are_psycopgs(value: list[Any]) -> None:
    stock, flat = _stock_and_flat(value)
    # A list with no element to type goes to psycopg's text dumper either way.
    assert isinstance(flat, FlatListBinaryDumper) == isinstance(stock, ListBinaryDumper)
    assert flat.oid == stock.oid
    assert bytes(flat.dump(value)) == bytes(stock.dump(value))


@pytest.mark.django_db
@pytest.mark.parametrize("value", LISTS[:11], ids=range(11))
def test_the_server_reads_what_was_sent(value: list[Any]) -> None:
    with raw_cursor() as cursor:
        cursor.execute("SELECT %b", [value])
        row = cursor.fetchone()
    assert row is not None
    assert row[0] == value


@given(
    st.one_of(
        st.lists(st.text(), min_size=1),
        st.lists(st.integers(-(2**63), 2**63 - 1), min_size=1),
        st.lists(st.decimals(allow_nan=False, allow_infinity=False), min_size=1),
        st.lists(st.text() | st.none(), min_size=1),
    )
)
def test_any_flat_list_is_dumped_as_psycopg_dumps_it(value: list[Any]) -> None:
    stock, flat = _stock_and_flat(value)
    if not isinstance(stock, ListBinaryDumper):
        return  # no element to type (all NULL): psycopg's text dumper either way
    assert flat.oid == stock.oid
    expected = stock.dump(value)
    assert expected is not None
    assert bytes(flat.dump(value)) == bytes(expected)
