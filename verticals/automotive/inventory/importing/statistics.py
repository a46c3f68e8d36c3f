"""The planner's figures for the inventory tables, refreshed after an import that grew them.

PostgreSQL plans from the statistics ANALYZE last sampled. Autovacuum refreshes them once a
table has changed by a tenth, but only at its next pass (a minute or more later; never where
it is turned off), while an import's reaction starts reading the new vehicles at once. A
dealer group's first feed takes a table the planner believes nearly empty to 50,000 rows, and
the launch parts' `WHERE workspace_id = … AND id = ANY(…)` was then planned as a scan of the
whole workspace through its VIN index: 10 to 35 ms a part of 250 vehicles where 250 primary-key
probes take well under one (measured, `bench/inventory.py`). Deleting vehicles paid likewise:
each deferred check of the history table, planned when it was small, read it whole.

So an import that grew a table by more than autovacuum's own share analyzes it right after
commit, before the reaction's tasks are sent, on the columns the hot queries filter on (the
row count and page count come with any ANALYZE). `SKIP_LOCKED`: if autovacuum or another
import is analyzing the table, that one brings the figures up to date and this one does not
wait for it.
"""

from __future__ import annotations

from django.db import connection, transaction

from como.dbstats import SCALE, THRESHOLD, analyze

from ..models import Vehicle, VehicleChange

#: The columns the hot reads filter or join on, per table.
_COLUMNS = {
    Vehicle: ("id", "workspace_id", "rooftop_id", "status", "vin"),
    VehicleChange: ("vehicle_id", "workspace_id"),
}


def statistics_refresh_on_commit(*, inserted: int) -> None:
    """After the import's transaction commits: analyze the inventory tables whose statistics
    count far fewer rows than ``inserted`` vehicles (each with a history row) just added.
    Registered before the import's reaction, so it runs before the reaction's tasks go out;
    ``robust``: statistics are an optimisation, so a failure is logged and the reaction still
    goes out (the import itself has committed)."""
    if inserted <= THRESHOLD:
        return
    transaction.on_commit(lambda: _refresh(inserted), robust=True)


def _refresh(inserted: int) -> None:
    # The import's own count, not the table's pending-change counter: each backend reports
    # its changes to the statistics system up to a second after it commits.
    analyze(
        {
            model._meta.db_table: columns
            for model, columns in _COLUMNS.items()
            if inserted > THRESHOLD + SCALE * _known_rows(model._meta.db_table)
        }
    )


def _known_rows(table: str) -> float:
    """The row count the planner believes (never analyzed: -1, i.e. unknown, so analyze)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
        row = cursor.fetchone()
    return max(0.0, float(row[0])) if row else 0.0
