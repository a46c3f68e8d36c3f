"""Celery tasks of campaigns: thin wrappers that take ids and call a service."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from celery import shared_task

from como.task_policy import RETRY_ON_DATABASE_ERRORS
from como.workspaces.models import Workspace

from .services import metrics_sync


@shared_task(
    name="como.campaigns.sync_metrics",
    ignore_result=True,
    **RETRY_ON_DATABASE_ERRORS,
)
def sync_metrics(workspace_id: int | None = None, day: str | None = None) -> int:
    """Replace a day's synced channel metrics (safe to run any number of times).

    Beat calls it without arguments: every workspace, today and yesterday (UTC), since opens
    and clicks of yesterday's sends keep arriving after midnight. ``day`` is ISO 8601."""
    if day is not None:
        days = [date.fromisoformat(day)]
    else:
        today = datetime.now(UTC).date()
        days = [today - timedelta(days=1), today]
    if workspace_id is not None:
        ids = list(Workspace.objects.filter(pk=workspace_id).values_list("pk", flat=True))
    else:
        ids = list(Workspace.objects.order_by("pk").values_list("pk", flat=True))
    return sum(metrics_sync(workspace_id=pk, day=d).rows for pk in ids for d in days)


@shared_task(
    name="como.campaigns.recompute_attribution",
    ignore_result=True,
    **RETRY_ON_DATABASE_ERRORS,
)
def recompute_attribution(
    workspace_id: int,
    opportunity_ids: list[int] | None = None,
    mql_transition_ids: list[int] | None = None,
) -> int:
    """Store the credit of these opportunities and moves to MQL (both None: of every
    opportunity and MQL)."""
    from .attribution.store import recompute

    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        return 0
    return recompute(
        workspace, opportunity_ids=opportunity_ids, mql_transition_ids=mql_transition_ids
    )
