"""The durable buffer of events accepted one at a time (``POST /api/v1/events/collect``).

A row is an event that passed validation at the edge and was answered 202: it will be stored
and scored through the bulk path by the drain (:mod:`como.ingest.buffer`), which deletes the
row in the same transaction that stores the event, so a row is either still here or its event
is stored, never both gone and never stored twice (the event id settles a repeat).
"""

from __future__ import annotations

from django.db import models


class AcceptedEvent(models.Model):
    """One accepted event, waiting to be stored. Append-only at the edge; deleted by the drain."""

    # No index but the primary key: every index is paid once per request on the hot path, and
    # the drain reads in id order.
    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, db_index=False, related_name="+"
    )
    source = models.CharField(max_length=32)
    #: The event exactly as it was sent (JSON text), so the drain validates the same bytes
    #: the edge did and cannot judge them differently.
    payload = models.TextField()
    accepted_at = models.DateTimeField()
    #: Drain attempts that failed on this row alone; past the limit it waits for a person.
    failures = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        verbose_name = "accepted event"

    def __str__(self) -> str:
        return f"accepted event {self.pk}"
