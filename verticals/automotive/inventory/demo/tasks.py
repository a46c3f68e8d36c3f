"""Celery: the demo's moving inventory (scheduled by ``demo_inventory_seed``)."""

from __future__ import annotations

from celery import shared_task

from como.task_policy import RETRY_ON_DATABASE_ERRORS
from como.workspaces.models import Workspace

from .services import MOVE_TASK, demo_inventory_move


@shared_task(name=MOVE_TASK, **RETRY_ON_DATABASE_ERRORS)
def move_inventory(workspace_id: int) -> int | None:
    """Sell, reprice and add a few vehicles in one rooftop's feed and import it; the import's
    id (None when the workspace is gone)."""
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        return None
    record, _ = demo_inventory_move(workspace=workspace)
    return record.pk if record else None
