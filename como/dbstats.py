"""The planner's figures for tables a burst of writes has grown, refreshed without waiting.

PostgreSQL plans from the statistics ANALYZE last sampled. Autovacuum refreshes a table's
once ``THRESHOLD + SCALE * rows`` of them changed, but only at its next pass (a minute or more
later; never where it is turned off). Until then a table that grew from nearly empty is
planned as if it were still small: ``WHERE workspace_id = … AND id = ANY(…)`` becomes a scan
of the whole workspace instead of primary-key probes, so the cost of each statement grows with
the table. :mod:`verticals.automotive.inventory.importing.statistics` (after an import) and
:mod:`como.ingest.statistics` (after ingest batches) use this module.

``ANALYZE (SKIP_LOCKED)``: if autovacuum or another process is analyzing a table, that one
brings its figures up to date and this one does not wait for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db import connection

#: autovacuum's defaults (autovacuum_analyze_threshold, autovacuum_analyze_scale_factor).
THRESHOLD = 50
SCALE = 0.1


def analyze(tables: Mapping[str, Sequence[str]]) -> None:
    """``ANALYZE (SKIP_LOCKED)`` these tables, each on the columns given (all when empty): the
    row and page counts come with any ANALYZE, the columns' figures only for those named."""
    if not tables:
        return
    quote = connection.ops.quote_name
    targets = [
        quote(table) + (f" ({', '.join(quote(c) for c in columns)})" if columns else "")
        for table, columns in tables.items()
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE (SKIP_LOCKED) {', '.join(targets)}")
