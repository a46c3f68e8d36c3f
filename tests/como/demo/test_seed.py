"""seed_demo: idempotent, and its printed key really lists a demo contact's events."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, Q
from django.utils import timezone
from rest_framework.test import APIClient

from como.agents.models import ActionTransition, AgentAction
from como.consent.models import ConsentRecord
from como.consent.selectors import consent_states
from como.deals.models import Opportunity, OpportunityTransition
from como.demo import automotive, b2b, hooks, services
from como.demo.credentials import DemoCredentials
from como.demo.dataset import Dataset, WorkspaceSpec
from como.demo.deals import B2B_DEALS
from como.demo.selectors import demo_contact_for_curl
from como.ingest.offline import TYPE as OFFLINE
from como.leads.models import Account, AnonymousId, Contact, Event, LifecycleTransition
from como.workspaces import keys
from como.workspaces.models import ApiKey, Membership, Workspace
from verticals.b2b.accounts.demo_mqa import EVENT_PREFIX as MQA_STORY

pytestmark = pytest.mark.django_db

Builder = Callable[[datetime], Dataset]

# The real generators at a tenth of the size: the same code paths, a quicker test.
SMALL: list[tuple[WorkspaceSpec, Builder]] = [
    (automotive.SPEC, lambda anchor: automotive.build(anchor, contacts=45, visitors=6)),
    (b2b.SPEC, lambda anchor: b2b.build(anchor, accounts=10, outsiders=6, visitors=6)),
]


def _counts() -> dict[str, int]:
    return {
        "workspaces": Workspace.objects.count(),
        "users": get_user_model().objects.count(),
        "memberships": Membership.objects.count(),
        "api_keys": ApiKey.objects.count(),
        "accounts": Account.objects.count(),
        "contacts": Contact.objects.count(),
        "anonymous_ids": AnonymousId.objects.count(),
        "events": Event.objects.count(),
        "opportunities": Opportunity.objects.count(),
        "opportunity_transitions": OpportunityTransition.objects.count(),
    }


@pytest.fixture
def credentials_path(tmp_path: Path) -> Path:
    return tmp_path / "demo-credentials.json"


def _seed(path: Path) -> services.DemoSeeded:
    return services.demo_seed(credentials_path=path, workspaces=SMALL)


def test_seeding_twice_adds_nothing(credentials_path: Path) -> None:
    first = _seed(credentials_path)
    after_first = _counts()
    second = _seed(credentials_path)

    assert _counts() == after_first
    assert after_first["workspaces"] == 2
    assert after_first["events"] > 500
    for ws in first.workspaces:
        assert ws.events["rejected"] == 0, ws.rejections
        assert ws.events["created"] > 0
        assert ws.contacts_created > 0
    for before, again in zip(first.workspaces, second.workspaces, strict=True):
        assert again.events["created"] == 0
        assert again.events["rejected"] == 0
        assert again.events["duplicate"] == sum(before.events.values())
        assert again.contacts_created == again.accounts_created == 0
        assert again.api_key == before.api_key
        assert again.member == before.member
    assert second.admin == first.admin


def test_seeded_data_is_what_the_generator_said(credentials_path: Path) -> None:
    seeded = _seed(credentials_path)
    northwind = next(ws for ws in seeded.workspaces if ws.workspace.slug == "northwind-cloud")
    workspace = northwind.workspace
    assert workspace.vertical == "b2b"
    assert workspace.time_zone == "America/New_York"
    assert "New York, NY" in workspace.postal_address
    member_contact = Contact.objects.filter(workspace=workspace).exclude(account=None).first()
    assert member_contact is not None
    assert member_contact.title
    assert member_contact.account is not None
    assert member_contact.email.endswith("@" + member_contact.account.domain)
    # Anonymous visitors became contacts of their own; identified ones kept their anonymous id.
    assert AnonymousId.objects.filter(workspace=workspace).exists()
    assert Event.objects.filter(workspace=workspace, source="esp").exists()
    lakeside = Workspace.objects.get(slug="lakeside-auto")
    assert lakeside.time_zone == "America/Chicago"
    assert Event.objects.filter(workspace=lakeside, type="vdp_view").exists()
    # Deals: won, lost and open on Northwind's accounts; the dealer's from its DMS history.
    deals = Opportunity.objects.filter(workspace=workspace)
    assert set(deals.values_list("status", flat=True)) == {"won", "lost", "open"}
    # One per engaged account (the demo's companies, and those its people's work emails made),
    # at most B2B_DEALS; the B2B MQA story's account is seeded after the deals.
    engaged = (
        Account.objects.filter(workspace=workspace)
        .annotate(
            events=Count(
                "contacts__events",
                filter=~Q(contacts__events__type=OFFLINE)
                & ~Q(contacts__events__event_id__startswith=MQA_STORY),
            )
        )
        .filter(events__gt=0)
        .count()
    )
    assert deals.count() == min(engaged, B2B_DEALS)
    assert not deals.filter(name__startswith=" ").exists()
    assert not deals.filter(account=None).exists()
    won = deals.filter(status="won").first()
    assert won is not None
    assert won.contact is not None
    assert won.contact.lifecycle_stage == "customer"
    assert Opportunity.objects.filter(workspace=lakeside, source="dms", status="won").exists()
    for where in (workspace, lakeside):
        assert Event.objects.filter(workspace=where, type="offline_touch").exists()


def test_logins_work_and_the_member_is_an_owner(credentials_path: Path) -> None:
    seeded = _seed(credentials_path)
    stored = json.loads(credentials_path.read_text())
    assert stored["admin"]["password"] == seeded.admin.password
    assert credentials_path.stat().st_mode & 0o077 == 0  # passwords: owner-only

    User = get_user_model()
    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    assert admin.check_password(seeded.admin.password)
    for ws in seeded.workspaces:
        member = User.objects.get(username=ws.member.username)
        assert member.is_staff
        assert not member.is_superuser
        assert member.check_password(ws.member.password)
        assert Membership.objects.filter(workspace=ws.workspace, user=member, role="owner").exists()
    # The database has the keys' digests, never the keys.
    for secret in stored["api_keys"].values():
        assert ApiKey.objects.filter(digest=keys.digest(secret)).exists()
        assert not ApiKey.objects.filter(digest=secret).exists()


def test_demo_key_lists_a_demo_contacts_events(credentials_path: Path) -> None:
    seeded = _seed(credentials_path)
    lakeside, northwind = seeded.workspaces
    contact = demo_contact_for_curl(lakeside.workspace)
    assert contact is not None

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {lakeside.api_key}")
    response = client.get(f"/api/v1/contacts/{contact.pk}/events")
    assert response.status_code == 200, response.content
    body: Any = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    expected = Event.objects.filter(contact=contact).count()
    assert expected > 0
    assert len(rows) == min(expected, len(rows)) > 0
    assert {row["type"] for row in rows} <= set(automotive_types())

    # The same key cannot see the other demo workspace's people.
    foreign = demo_contact_for_curl(northwind.workspace)
    assert foreign is not None
    assert client.get(f"/api/v1/contacts/{foreign.pk}/events").status_code == 404


def automotive_types() -> list[str]:
    from como import verticals

    return list(verticals.get("automotive").event_types)


def test_a_lost_key_is_replaced_and_the_old_one_revoked(credentials_path: Path) -> None:
    first = _seed(credentials_path)
    stored = json.loads(credentials_path.read_text())
    stored["api_keys"].pop("lakeside-auto")
    credentials_path.write_text(json.dumps(stored))

    second = _seed(credentials_path)
    old, new = first.workspaces[0].api_key, second.workspaces[0].api_key
    assert old != new
    assert DemoCredentials.load(credentials_path).api_keys["lakeside-auto"] == new
    keys = ApiKey.objects.filter(workspace__slug="lakeside-auto")
    assert keys.filter(revoked_at__isnull=True).count() == 1
    assert keys.filter(revoked_at__isnull=False).count() == 1
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {old}")
    assert client.get("/api/v1/contacts").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {new}")
    assert client.get("/api/v1/contacts").status_code == 200


def test_command_prints_login_keys_and_curl(
    credentials_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "DEMO_WORKSPACES", tuple(SMALL))
    out = StringIO()
    call_command(
        "seed_demo",
        credentials_file=credentials_path,
        base_url="http://127.0.0.1:9999",
        stdout=out,
        stderr=StringIO(),
    )
    text = out.getvalue()
    stored = DemoCredentials.load(credentials_path)
    assert stored.admin is not None
    assert f"admin / {stored.admin.password}" in text
    for secret in stored.api_keys.values():
        assert secret in text
    assert "http://127.0.0.1:9999/admin/" in text
    assert "curl -sS -H 'Authorization: Bearer como_" in text
    assert "http://127.0.0.1:9999/api/v1/contacts/" in text
    assert "0 rejected" in text
    assert "vehicles available at 3 rooftops" in text  # the automotive vertical's seeder


def test_the_verticals_seeders_run_per_workspace_and_their_lines_are_printed(
    credentials_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "DEMO_WORKSPACES", tuple(SMALL))
    called: list[str] = []

    def seeder(workspace: Workspace, anchor: datetime) -> list[str]:
        called.append(workspace.slug)
        return [f"{workspace.slug}: 7 widgets seeded"]

    out = StringIO()
    with hooks.seeders.override(seeder):
        call_command("seed_demo", credentials_file=credentials_path, stdout=out, stderr=StringIO())
    assert called == [spec.slug for spec, _ in SMALL]
    assert "lakeside-auto: 7 widgets seeded" in out.getvalue()


def test_the_history_s_mqls_wait_in_the_approval_queue_for_the_member(
    credentials_path: Path,
) -> None:
    from como.agents.models import ActionStatus, AgentAction

    seeded = _seed(credentials_path)
    waiting = 0
    for ws in seeded.workspaces:
        workspace = ws.workspace
        # Everyone the history made an MQL (a dealer's DMS deals since moved some on to
        # customer: a won deal moves its contact, as any does).
        mqls = (
            LifecycleTransition.objects.filter(workspace=workspace, to_stage="mql")
            .values("contact_id")
            .distinct()
            .count()
        )
        handoffs = AgentAction.objects.filter(workspace=workspace, kind="mql_handoff")
        assert mqls > 0, workspace.slug
        # One handoff per MQL, each routed to the demo member and awaiting a person's approval,
        # but for those a deal overtook (como.agents.handoff.overtaken): sales has them.
        assert handoffs.count() == mqls
        dealt = set(
            LifecycleTransition.objects.filter(
                workspace=workspace, to_stage__in=["opportunity", "customer"]
            ).values_list("contact_id", flat=True)
        )
        statuses = {action.payload["contact_id"]: action.status for action in handoffs}
        waiting += list(statuses.values()).count(ActionStatus.PROPOSED)
        assert {
            contact: status
            for contact, status in statuses.items()
            if status != (ActionStatus.SUPERSEDED if contact in dealt else ActionStatus.PROPOSED)
        } == {}
        member = get_user_model().objects.get(username=ws.member.username)
        assert {action.payload["rep_id"] for action in handoffs} == {member.pk}
        assert not any(action.blocking_findings for action in handoffs)
    # The dealer's history MQLs all bought (DMS deals); the B2B ones mostly wait.
    assert waiting > 0


def test_the_demo_campaign_shows_the_compliance_gate(credentials_path: Path) -> None:
    """Seeded consent and the first campaign: sends to people who agreed wait for approval
    with a clean report; the text to someone who never agreed to texts is blocked; a second
    seeding writes nothing more."""
    first = _seed(credentials_path)
    ledger = ConsentRecord.objects.count()
    proposals = list(AgentAction.objects.filter(agent="demo_campaign").order_by("pk"))
    audit = ActionTransition.objects.count()
    second = _seed(credentials_path)

    assert all(ws.consents_created > 0 for ws in first.workspaces)
    assert sum(ws.sends_proposed for ws in first.workspaces) == len(proposals) > 0
    assert [ws.consents_created for ws in second.workspaces] == [0, 0]
    assert [ws.sends_proposed for ws in second.workspaces] == [0, 0]
    assert ConsentRecord.objects.count() == ledger
    # The waiting proposals were left as they were, not revised again.
    assert ActionTransition.objects.count() == audit
    for action in proposals:
        contact = Contact.objects.get(pk=action.payload["contact_id"])
        channel = "email" if action.kind == "email_send" else "sms"
        consent = consent_states(
            workspace_id=action.workspace_id, contact_ids=[contact.pk], at=timezone.now()
        )[contact.pk].get(channel)
        blocked = [f["rule"] for f in action.blocking_findings]
        if (
            consent is not None
            and consent.granted
            and (channel == "email" or consent.basis == "express_written")
        ):
            assert blocked == [], (action.kind, blocked)
        else:
            assert "tcpa.written_consent" in blocked, (action.kind, blocked)
    assert any(action.blocking_findings for action in proposals)
    # Those who agreed, and only they, get a clean report: two texts and three emails each.
    clean = [(a.workspace_id, a.kind) for a in proposals if not a.blocking_findings]
    assert sorted(Counter(clean).values()) == [2, 2, 3, 3]
