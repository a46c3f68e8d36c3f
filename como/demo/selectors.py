"""Reads for printing the demo's banner."""

from __future__ import annotations

from django.db.models import Count

from como.leads.models import Contact
from como.workspaces.models import Workspace


def demo_contact_for_curl(workspace: Workspace) -> Contact | None:
    """The known contact with the longest timeline: the most telling one to show first.

    Ties break on the id, so the same contact is picked on every run.
    """
    return (
        Contact.objects.for_workspace(workspace.pk)
        .exclude(email="")
        .annotate(event_count=Count("events"))
        .order_by("-event_count", "id")
        .first()
    )
