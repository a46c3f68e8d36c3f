"""When stored credit is recomputed: a deal created or changed, a contact moved to MQL, the
attribution settings changed.

Both handlers run in the writer's transaction and only enqueue the recompute after it commits
(a Celery task), so a deal import or a playbook save never waits for attribution.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db import transaction

from como.leads.models import LifecycleStage, LifecycleTransition
from como.workspaces.models import Workspace

from ..models import AttributionCredit, AttributionRun

if TYPE_CHECKING:
    from como.agents.models import Playbook
    from como.workspaces.users import User


def on_opportunities_changed(workspace: Workspace, opportunity_ids: Sequence[int]) -> None:
    from ..tasks import recompute_attribution

    ids = list(opportunity_ids)
    transaction.on_commit(lambda: recompute_attribution.delay(workspace.pk, ids))


def on_stage_changed(workspace: Workspace, transitions: Sequence[LifecycleTransition]) -> None:
    """Moves to MQL are conversions: their credit is stored after commit (ingest's batches
    enqueue one task per batch that has any)."""
    from ..tasks import recompute_attribution

    ids = [t.pk for t in transitions if t.to_stage == LifecycleStage.MQL and t.pk is not None]
    if ids:
        transaction.on_commit(lambda: recompute_attribution.delay(workspace.pk, [], ids))


def on_playbook_saved(playbook: Playbook, by: User | None) -> None:
    """Recompute everything when the settings differ from those of the last full run (or no
    full run was ever made and some credit is stored)."""
    from ..tasks import recompute_attribution
    from .store import settings_of, settings_record

    workspace = playbook.workspace
    last = (
        AttributionRun.objects.filter(workspace=workspace, scope="all")
        .order_by("-started_at", "-id")
        .values_list("settings", flat=True)
        .first()
    )
    if last is None and not AttributionCredit.objects.filter(workspace=workspace).exists():
        return
    if last == settings_record(settings_of(workspace)):
        return
    transaction.on_commit(lambda: recompute_attribution.delay(workspace.pk, None))


def register() -> None:
    from como.agents.playbooks import PLAYBOOK_SAVED
    from como.deals.reactions import register_opportunities_changed
    from como.leads.reactions import register_stage_changed

    register_opportunities_changed(on_opportunities_changed)
    register_stage_changed(on_stage_changed)
    PLAYBOOK_SAVED.register(on_playbook_saved)
