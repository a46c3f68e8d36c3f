"""The console's account pieces: the account score panel (context and template) and the
dashboard's accounts-by-stage panel, registered for B2B workspaces only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from como.console.panels import panels_for
from como.ingest.services import events_ingest
from como.leads.models import Account
from como.leads.services import contact_create
from como.workspaces.models import Workspace
from verticals.b2b.accounts.models import AccountTransition
from verticals.b2b.accounts.panels import (
    PANEL,
    SCORE_PANEL_TEMPLATE,
    accounts_by_stage,
    score_panel_context,
)

from .helpers import page_view

pytestmark = pytest.mark.django_db


def test_the_score_panel_explains_the_account_and_lists_its_history(
    workspace: Workspace,
) -> None:
    account = Account.objects.create(
        workspace=workspace, domain="acme.com", name="Acme", industry="Software", country="US"
    )
    cto = contact_create(workspace=workspace, email="cto@acme.com", title="CTO")
    at = timezone.now() - timedelta(hours=1)
    events_ingest(
        workspace=workspace,
        events=[page_view("e1", cto.email, at.isoformat().replace("+00:00", "Z"))],
    )
    account.refresh_from_db()
    context = score_panel_context(account)
    score = context["account_score"]
    # fit: Software 20 + US 10; the CTO's 20 points at 200 %, decayed for an hour or so
    assert score.fit == 30
    assert 39.9 < score.members_intent <= 40
    # aware on fit alone when the contact linked it, engaged with the view (newest first)
    assert [move["to_stage"] for move in context["account_history"]] == ["engaged", "aware"]
    html = render_to_string(SCORE_PANEL_TEMPLATE, context)
    assert 'data-figure="account_score.score"' in html
    assert "employee_band" not in html
    assert "industry" in html
    assert "Engaged" in html


def test_accounts_by_stage_counts_and_new_mqas(workspace: Workspace) -> None:
    now = timezone.now()
    accounts = Account.objects.bulk_create(
        Account(workspace=workspace, domain=f"a{n}.example", stage=stage)
        for n, stage in enumerate(["target", "target", "engaged", "mqa", "mqa"])
    )
    for account, days in ((accounts[3], 2), (accounts[4], 9)):
        AccountTransition.objects.create(
            workspace=workspace,
            account=account,
            from_stage="engaged",
            to_stage="mqa",
            at=now - timedelta(days=days),
        )
    figures = accounts_by_stage(workspace=workspace, now=now)
    assert {row["stage"]: row["accounts"] for row in figures["stages"]} == {
        "target": 2,
        "aware": 0,
        "engaged": 1,
        "mqa": 2,
        "opportunity": 0,
        "customer": 0,
    }
    assert figures["new_mqas"] == 1  # the one 9 days ago is older than the 7 days
    assert [m["account"] for m in figures["latest_mqas"]] == [accounts[3].pk]
    html = render_to_string(PANEL.template, {**figures, "panel": PANEL, "days": 30})
    assert 'data-figure="accounts_by_stage.new_mqas">1<' in html
    assert PANEL in panels_for("dashboard", "b2b")
    assert PANEL not in panels_for("dashboard", "automotive")
