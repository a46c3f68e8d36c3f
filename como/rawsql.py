"""Raw PostgreSQL for the set-based write paths (identity resolution, ingest, score state).

Those paths bypass the ORM where it would cost a statement per row or quote thousands of array
elements into the SQL text; these are the two things they share, so they exist once.
"""

from __future__ import annotations

import struct
import weakref
from collections.abc import Iterable, Sequence
from typing import Any, cast

import psycopg
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models
from django.db.models.fields import NOT_PROVIDED
from psycopg import postgres, sql
from psycopg.abc import Buffer
from psycopg.types.array import ListBinaryDumper


def raw_cursor() -> psycopg.Cursor[Any]:
    """A psycopg cursor on Django's connection (so inside its transaction), with server-side
    binding: Django's cursor binds client-side and would quote each of a batch's thousands of
    array elements into the SQL text, which costs more than the statement itself. Use it as a
    context manager. Its binary array parameters (``%b``) are dumped by
    :class:`FlatListBinaryDumper`."""
    connection.ensure_connection()
    pg = connection.connection
    if pg not in _flat_lists:
        pg.adapters.register_dumper(list, FlatListBinaryDumper)
        _flat_lists.add(pg)
    return psycopg.Cursor(pg)


#: psycopg connections whose adapters dump flat lists with :class:`FlatListBinaryDumper`.
_flat_lists: weakref.WeakSet[psycopg.Connection[Any]] = weakref.WeakSet()
_HEAD = struct.Struct("!III")  # ndims, has nulls, element oid: the binary array header
_DIM = struct.Struct("!II")  # length, lower bound
_LENGTH = struct.Struct("!i")
#: Element types whose every value has one binary width.
_FIXED_WIDTH = frozenset(
    postgres.types[name].oid
    for name in (
        "int2",
        "int4",
        "int8",
        "float4",
        "float8",
        "timestamptz",
        "timestamp",
        "date",
        "bool",
        "uuid",
    )
)


class FlatListBinaryDumper(ListBinaryDumper):
    """psycopg's binary array dumper, with a flat list of a fixed-width type and no NULLs
    (the ids, instants and numbers of the set-based paths) dumped by C loops.

    psycopg's own dumper appends each element's length and bytes from a Python loop; here the
    elements are dumped by ``map`` over the same element dumper and joined with their one
    length as the separator, 2-3x faster. Texts (event ids, JSON) have a length each, paired
    with their bytes by ``map`` too. The bytes are the same (tests/como/test_rawsql.py);
    NULLs, nested and empty lists take psycopg's path."""

    def dump(self, obj: list[Any]) -> Buffer | None:
        element = self.sub_dumper
        if element is None or not obj or isinstance(obj[0], list) or None in obj:
            return super().dump(obj)
        dumped = cast(list[Buffer], list(map(element.dump, obj)))
        head = (_HEAD.pack(1, 0, element.oid), _DIM.pack(len(obj), 1))
        if element.oid in _FIXED_WIDTH:
            length = _LENGTH.pack(len(dumped[0]))
            return b"".join((*head, length, length.join(dumped)))
        if None in dumped:  # a dumper that makes NULL of a value: psycopg's path says so
            return super().dump(obj)
        lengths = map(_LENGTH.pack, map(len, dumped))
        return b"".join((*head, b"".join(map(b"".join, zip(lengths, dumped, strict=True)))))


def column_defaults(
    model: type[models.Model], *, given: set[str]
) -> tuple[sql.Composable, sql.Composable, tuple[Any, ...]]:
    """The remaining columns of a raw ``INSERT … SELECT`` and what to put in them.

    Django applies field defaults in Python, not in the database, so a raw insert must spell
    every NOT NULL column out. Deriving them from the model means a field another app adds
    later (with a default) does not break the set-based write paths. Returns
    ``(", col_a, col_b", ", %s::type, now()", params)`` to append to a column list and to a
    select list.
    """
    columns: list[sql.Composable] = []
    exprs: list[sql.Composable] = []
    params: list[Any] = []
    for field in model._meta.concrete_fields:
        if field.name in given or field.primary_key:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            columns.append(sql.Identifier(field.column))
            exprs.append(sql.SQL("now()"))
        elif getattr(field, "db_default", NOT_PROVIDED) is not NOT_PROVIDED:
            continue  # the database fills it
        else:
            # get_default() is "" for a blank CharField without a default, as in save().
            value = field.get_default()
            if value is None:
                if field.null:
                    continue
                raise ImproperlyConfigured(
                    f"{model.__name__}.{field.name} is NOT NULL without a default; "
                    "the set-based insert cannot fill it"
                )
            columns.append(sql.Identifier(field.column))
            exprs.append(sql.SQL("%s::") + sql.SQL(str(field.db_type(connection))))
            params.append(field.get_db_prep_save(value, connection))
    comma = sql.SQL(", ")
    return (
        sql.Composed([comma + column for column in columns]),
        sql.Composed([comma + expr for expr in exprs]),
        tuple(params),
    )


def values_by_id(
    model: type[models.Model], fields: Sequence[str], *, workspace_id: int, ids: Iterable[int]
) -> dict[int, dict[str, Any]]:
    """``model.objects.filter(workspace_id=…, pk__in=ids).values(*fields)`` by id, with the ids
    bound as one array parameter and the rows read without the ORM's per-row machinery.

    For the agents' reads of a few hundred rows at a time (an inventory launch part reads 250
    vehicles 200 times for a dealer group's first feed): the ORM quotes every id into the SQL
    text and builds each row through its compiler, which cost twice the read itself. Values are
    the ORM's: a column whose field converts what the database gives (``from_db_value``, e.g. a
    JSON column) is converted the same way. ``fields`` must include the primary key's name."""
    meta = model._meta
    columns = [cast("models.Field[Any, Any]", meta.get_field(name)) for name in fields]
    names: list[sql.Composable] = [sql.Identifier(field.column) for field in columns]
    convert = [
        (index, field.from_db_value)
        for index, field in enumerate(columns)
        if hasattr(field, "from_db_value")
    ]
    query = sql.SQL("SELECT {} FROM {} WHERE {} = %s AND {} = ANY(%s)").format(
        sql.SQL(", ").join(names),
        sql.Identifier(meta.db_table),
        sql.Identifier(cast("models.Field[Any, Any]", meta.get_field("workspace")).column),
        sql.Identifier(meta.pk.column),
    )
    key = list(fields).index(meta.pk.name)
    found: dict[int, dict[str, Any]] = {}
    with raw_cursor() as cursor:
        cursor.execute(query, (workspace_id, list(ids)))
        for record in cursor:
            values = list(record)
            for index, from_db in convert:
                if values[index] is not None:
                    values[index] = from_db(values[index], None, connection)
            found[values[key]] = dict(zip(fields, values, strict=True))
    return found
