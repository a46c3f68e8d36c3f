"""Accounts' deal stages: an open opportunity on the account makes it an ``opportunity``, a won
one a ``customer`` (the deals reaction ``opportunities_changed``, in the upsert's transaction).
Like the contacts' deal moves: forward only (a lost deal moves nobody back), one append-only
transition per move, at the instant the deal opened or was won."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from como.deals.models import Opportunity
from como.leads.models import Account
from como.workspaces.models import Workspace

from .models import AccountStage, AccountTransition
from .score_state import VERTICAL, stage_moves_record
from .settings import STAGES

_ORDER = {stage: index for index, stage in enumerate(STAGES)}


def on_opportunities_saved(workspace: Workspace, opportunity_ids: Sequence[int]) -> None:
    if workspace.vertical != VERTICAL:
        return
    wanted: dict[int, tuple[str, Any, str]] = {}
    opportunities = Opportunity.objects.filter(
        workspace_id=workspace.pk, pk__in=opportunity_ids, account__isnull=False
    ).only("account_id", "status", "closed_at", "opened_at")
    for opportunity in opportunities:
        if opportunity.account_id is None:
            continue
        if opportunity.status == "won" and opportunity.closed_at is not None:
            move = (AccountStage.CUSTOMER.value, opportunity.closed_at, "An opportunity was won.")
        else:
            move = (AccountStage.OPPORTUNITY.value, opportunity.opened_at, "An opportunity opened.")
        known = wanted.get(opportunity.account_id)
        if known is None or _ORDER[move[0]] > _ORDER[known[0]]:
            wanted[opportunity.account_id] = move
    if not wanted:
        return
    current = dict(
        Account.objects.select_for_update()
        .filter(workspace_id=workspace.pk, pk__in=sorted(wanted))
        .order_by("pk")
        .values_list("pk", "stage")
    )
    moves = [
        AccountTransition(
            workspace_id=workspace.pk,
            account_id=pk,
            from_stage=current[pk],
            to_stage=to_stage,
            at=at,
            reason=reason,
        )
        for pk, (to_stage, at, reason) in sorted(wanted.items())
        if pk in current and _ORDER[to_stage] > _ORDER.get(current[pk], 0)
    ]
    stage_moves_record(workspace, moves)
