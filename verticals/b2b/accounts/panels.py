"""The console's account pieces: the account page's score panel (the s17console account page
leaves a slot for it) and the dashboard's accounts-by-stage panel (B2B workspaces only).

Both read through the selectors the API serves (:func:`.scores.account_score_at`, the stored
transitions), never a second implementation; contexts are plain data."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count
from django.utils import timezone

from como.console.panels import Panel
from como.leads.models import Account
from como.workspaces.models import Workspace

from .models import AccountStage, AccountTransition
from .scores import account_score_at
from .settings import accounts_settings

SCORE_PANEL_TEMPLATE = "vertical_b2b/accounts/score_panel.html"
#: The history shown under the panel: the latest stage moves.
HISTORY = 20
#: "New MQAs" on the dashboard: moves to MQA in this many last days.
NEW_MQA_DAYS = 7


def score_panel_context(account: Account, at: datetime | None = None) -> dict[str, Any]:
    """The account's score at ``at`` (default now) part by part, its stage, the MQA bar, and its
    stage history (newest first): what ``score_panel.html`` renders."""
    at = at or timezone.now()
    score = account_score_at(account, at)
    stages = accounts_settings(account.workspace).scoring.stages
    history = list(
        AccountTransition.objects.filter(workspace_id=account.workspace_id, account=account)
        .order_by("-at", "-id")
        .values("from_stage", "to_stage", "at", "score", "roles_engaged", "reason")[:HISTORY]
    )
    return {
        "account_score": score,
        "account_stage": AccountStage(account.stage).label
        if account.stage in AccountStage.values
        else account.stage,
        "account_mqa_threshold": stages.mqa,
        "account_mqa_min_roles": stages.mqa_min_roles,
        "account_history": history,
    }


def accounts_by_stage(*, workspace: Workspace, now: datetime) -> dict[str, Any]:
    counts = dict(
        Account.objects.filter(workspace=workspace)
        .order_by()
        .values("stage")
        .annotate(n=Count("pk"))
        .values_list("stage", "n")
    )
    since = now - timedelta(days=NEW_MQA_DAYS)
    new_mqas = AccountTransition.objects.filter(
        workspace=workspace, to_stage=AccountStage.MQA, at__gt=since, at__lte=now
    )
    return {
        "stages": [
            {"stage": stage, "label": label, "accounts": counts.get(stage, 0)}
            for stage, label in AccountStage.choices
        ],
        "new_mqas": new_mqas.count(),
        "new_mqa_days": NEW_MQA_DAYS,
        "latest_mqas": [
            {"account": pk, "name": name or domain, "at": at.isoformat()}
            for pk, name, domain, at in new_mqas.order_by("-at", "-id").values_list(
                "account_id", "account__name", "account__domain", "at"
            )[:5]
        ],
    }


def _context(*, workspace: Workspace, **_: Any) -> dict[str, Any]:
    return accounts_by_stage(workspace=workspace, now=timezone.now())


PANEL = Panel(
    "b2b.accounts_by_stage",
    "dashboard",
    "Accounts by stage",
    65,
    "console/panels/accounts_by_stage.html",
    _context,
    verticals=frozenset({"b2b"}),
)
