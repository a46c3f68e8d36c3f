"""The admin: the account's intent timeline, and a webhook's secret rotated in place."""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.urls import reverse

from como.leads.services import account_create
from como.workspaces.models import Workspace
from tests.factories import member_client
from verticals.b2b.intent.models import IntentSignal, IntentWebhook

pytestmark = pytest.mark.usefixtures("fast_passwords")
ADD_HOOK = reverse("admin:vertical_b2b_intentwebhook_add")


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def test_the_account_page_shows_its_intent_timeline(workspace: Workspace) -> None:
    account = account_create(workspace=workspace, domain="northwind.example", name="Northwind")
    when = datetime(2026, 11, 23, tzinfo=UTC)
    for topic, week in (("ETL", date(2026, 11, 16)), ("Data Lakehouse", date(2026, 11, 23))):
        IntentSignal.objects.create(
            workspace=workspace,
            account=account,
            provider="bombora",
            domain=account.domain,
            topic=topic,
            score=70,
            week=week,
            occurred_at=datetime.combine(week, datetime.min.time(), UTC),
            source="api",
            received_at=when,
        )
    page = member_client(workspace).get(reverse("admin:leads_account_change", args=[account.pk]))
    assert page.status_code == 200
    timeline = page.context["timeline"]
    assert [w.monday for w in timeline.weeks[-2:]] == [date(2026, 11, 16), date(2026, 11, 23)]
    assert [s.topic for s in timeline.series] == ["ETL", "Data Lakehouse"]
    assert timeline.surges == 2
    assert 'id="intent-timeline-chart"' in page.content.decode()


def _hook_form(**fields: Any) -> dict[str, Any]:
    return {"provider": "bombora", "name": "Surge", "enabled": "on", **fields}


def test_a_webhook_secret_is_validated_and_rotated(workspace: Workspace) -> None:
    client = member_client(workspace, role="owner")
    refused = client.post(ADD_HOOK, _hook_form(workspace=workspace.pk, new_secret="hunter2"))
    assert refused.status_code == 200
    assert "whsec_" in str(refused.context["adminform"].form.errors["new_secret"])
    first = new_secret()
    created = client.post(ADD_HOOK, _hook_form(workspace=workspace.pk, new_secret=first))
    assert created.status_code == 302, created.context and created.context["adminform"].errors
    hook = IntentWebhook.objects.get(workspace=workspace)
    assert (hook.secret, hook.previous_secret) == (first, "")
    change = reverse("admin:vertical_b2b_intentwebhook_change", args=[hook.pk])
    second = new_secret()
    assert client.post(change, _hook_form(new_secret=second)).status_code == 302
    hook.refresh_from_db()
    assert (hook.secret, hook.previous_secret) == (second, first)
    # The page never shows a secret.
    assert first not in client.get(change).content.decode()
    assert client.post(change, _hook_form(end_rotation="on")).status_code == 302
    hook.refresh_from_db()
    assert (hook.secret, hook.previous_secret) == (second, "")


def test_only_who_configures_the_playbook_configures_webhooks(workspace: Workspace) -> None:
    client = member_client(workspace, role="sales")
    response = client.post(ADD_HOOK, _hook_form(workspace=workspace.pk, new_secret=new_secret()))
    assert response.status_code == 403
    assert not IntentWebhook.objects.exists()


def test_the_playbook_editor_has_an_intent_section(workspace: Workspace) -> None:
    from como.agents.services import playbook_for

    playbook = playbook_for(workspace)
    client = member_client(workspace, role="owner")
    url = reverse("admin:agents_playbook_change", args=[playbook.pk]) + "?section=intent"
    page = client.get(url)
    form = page.context["form"]
    assert {
        "intent__surge_bar",
        "intent__points_per_score",
        "intent__max_surges_per_week",
        "intent__create_accounts",
    } <= set(form.fields)
    shown = {f.html_name: f.value() for f in form if f.value() not in (None, False)}
    refused = client.post(url, {**shown, "intent__surge_bar": "101"})
    assert refused.status_code == 400
    assert list(refused.context["form"].errors) == ["intent__surge_bar"]
    saved = client.post(url, {**shown, "intent__surge_bar": "70", "intent__create_accounts": "on"})
    assert saved.status_code == 302
    playbook.refresh_from_db()
    assert (playbook.intent["surge_bar"], playbook.intent["create_accounts"]) == (70, True)


def test_a_csv_export_is_imported_from_the_admin(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = member_client(workspace, role="marketer")
    listing = client.get(reverse("admin:vertical_b2b_intentsignal_changelist"))
    upload = reverse("admin:vertical_b2b_intentsignal_upload")
    assert upload in listing.content.decode()
    data = b"Domain,Topic,Composite Score,Week\nnorthwind.example,ETL,71,2026-11-23\nx,ETL,9,1\n"
    page = client.post(
        upload,
        {"workspace": workspace.pk, "file": SimpleUploadedFile("surge.csv", data), "week": ""},
    )
    assert page.status_code == 200
    report = page.context["report"]
    assert (report.preset, report.counts["created"], report.counts["rejected"]) == ("bombora", 1, 1)
    assert "row 3 domain" in page.content.decode()
    assert IntentSignal.objects.get().workspace_id == workspace.pk
    # Another workspace is not a choice, whatever is posted.
    foreign = client.post(
        upload,
        {"workspace": other_workspace.pk, "file": SimpleUploadedFile("surge.csv", data)},
    )
    assert "workspace" in foreign.context["form"].errors
    assert IntentSignal.objects.count() == 1
    # Someone who may not edit data gets no page.
    assert member_client(workspace, role="viewer").get(upload).status_code == 403
