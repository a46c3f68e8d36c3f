"""Imports of one workspace run one at a time: VINs are unique per workspace and a vehicle may
move between its rooftops, so two concurrent imports could both insert the same VIN."""

from __future__ import annotations

from como.rawsql import raw_cursor

#: The first key of the advisory lock (the second is the workspace id): "inventory".
_LOCK_SPACE = 0x1A7E_0001


def lock_workspace_inventory(workspace_id: int) -> None:
    """Hold the workspace's inventory lock until the current transaction ends."""
    with raw_cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_SPACE, workspace_id])
