"""Raw PostgreSQL for the set-based write paths (identity resolution, ingest, score state).

Those paths bypass the ORM where it would cost a statement per row or quote thousands of array
elements into the SQL text; these are the two things they share, so they exist once.
"""

from __future__ import annotations

from typing import Any

import psycopg
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models
from django.db.models.fields import NOT_PROVIDED
from psycopg import sql


def raw_cursor() -> psycopg.Cursor[Any]:
    """A psycopg cursor on Django's connection (so inside its transaction), with server-side
    binding: Django's cursor binds client-side and would quote each of a batch's thousands of
    array elements into the SQL text, which costs more than the statement itself. Use it as a
    context manager."""
    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


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
