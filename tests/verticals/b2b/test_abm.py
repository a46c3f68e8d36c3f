"""The ABM agent: an account that reaches MQA (3/7 engaged) or starts surging gets exactly one
account play; approving it (not by its proposer) runs each part once; a re-run after a crash
repeats nothing; a member without a lawful basis is left out, with the reason."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from como.agents.execution import LEASE, action_execute
from como.agents.models import ActionStatus, AgentAction, Handoff, Notification
from como.agents.services import action_approve
from como.channels.models import SandboxRequest
from como.sequences.models import SequenceMember
from como.workspaces.models import Workspace
from tests.como.sequences.support import approver
from verticals.b2b.abm.models import AccountPlayPart, PartStatus
from verticals.b2b.abm.proposals import propose_account_plays
from verticals.b2b.abm.services import play_parts_drop

from .abm_setup import ENGAGED, MISSING, SEGMENT, SEQUENCES, Acme, acme, play_settings

pytestmark = pytest.mark.django_db


def _plays(workspace: Workspace) -> list[AgentAction]:
    return list(AgentAction.objects.filter(workspace=workspace, kind="account_play").order_by("pk"))


def _mqa(workspace: Workspace, team: Acme) -> list[AgentAction]:
    return propose_account_plays(
        workspace,
        [team.account.pk],
        reason="mqa",
        changed={team.account.pk: {"role": "technical_evaluator", "score": 131.5}},
    )


def test_an_mqa_at_3_of_7_proposes_one_play_with_its_three_parts(workspace: Workspace) -> None:
    team = acme(workspace)

    created = _mqa(workspace, team)

    assert len(created) == 1
    assert _plays(workspace) == created
    action = created[0]
    payload = action.payload
    assert (action.target_type, action.target_id, action.status) == (
        "account",
        str(team.account.pk),
        ActionStatus.PROPOSED,
    )
    assert payload["parts"] == ["handoff", "sequence", "audience"]
    assert payload["reason"] == "mqa"
    assert payload["changed"] == {"role": "technical_evaluator", "score": 131.5}
    assert payload["committee"] == {
        "required": 7,
        "covered": 3,
        "covered_roles": ["economic_buyer", "champion", "technical_evaluator"],
        "missing_roles": list(MISSING),
        "missing_labels": ["Legal & compliance", "Procurement", "Executive sponsor", "End user"],
    }
    # (1) the handoff goes to the account's owner, with the play's SLA
    handoff = payload["handoff"]
    assert handoff["rep_id"] == team.owner.pk
    assert handoff["route"]["via"] == "account_owner"
    assert handoff["sla_hours"] == 8
    assert handoff["contact_id"] in {team.people[r].pk for r in ENGAGED}
    # (2) the engaged members by role, less the one without a lawful basis
    assert payload["sequence"]["enrolments"] == [
        {"contact_id": team.people[r].pk, "role": r, "sequence": SEQUENCES[r]}
        for r in ("economic_buyer", "champion")
    ]
    [out] = payload["left_out"]
    assert out["contact_id"] == team.people["technical_evaluator"].pk
    assert out["role"] == "technical_evaluator"
    assert [reason["rule"] for reason in out["reasons"]] == ["gdpr.consent"]
    assert out["reasons"][0]["citation"].startswith("GDPR art. 6(1)(a)")
    # (3) the company list for the missing roles
    assert payload["audience"] == {
        "kind": "companies",
        "segment": SEGMENT,
        "roles": list(MISSING),
        "companies": [{"name": "Acme", "domain": "acme.com"}],
    }
    assert payload["parts_left_out"] == []
    assert "coverage 3/7" in action.rationale
    assert "Left out: contact #" in action.preview

    # a second trigger while it waits proposes nothing
    assert _mqa(workspace, team) == []
    assert len(_plays(workspace)) == 1


def test_approved_by_another_each_part_runs_once_and_a_rerun_after_a_crash_repeats_nothing(
    workspace: Workspace,
) -> None:
    team = acme(workspace)
    [action] = _mqa(workspace, team)
    with pytest.raises(PermissionDenied):
        action_approve(action=action, user=workspace.agent_user)
    action_approve(action=action, user=approver(workspace, "vera"))
    mail.outbox.clear()

    outcome = action_execute(action.pk)

    assert outcome.status == ActionStatus.SUCCEEDED
    action.refresh_from_db()
    parts = action.result["parts"]
    assert {name: p["status"] for name, p in parts.items()} == dict.fromkeys(
        ("audience", "handoff", "sequence"), "done"
    )
    handoff = Handoff.objects.get(action=action)
    assert handoff.rep_id == team.owner.pk
    assert handoff.sla_due_at - handoff.handed_at == timedelta(hours=8)
    assert Notification.objects.filter(action=action).count() == 1
    assert [m.to for m in mail.outbox] == [[team.owner.email]]
    members = SequenceMember.objects.filter(workspace=workspace).order_by("contact_id")
    assert [(m.contact_id, m.sequence.key) for m in members] == sorted(
        (team.people[r].pk, SEQUENCES[r]) for r in ("economic_buyer", "champion")
    )
    assert all(
        m.subject == {"ref": f"account_play:{action.pk}", "account_id": team.account.pk}
        for m in members
    )
    assert parts["sequence"]["result"]["entered"] == {"buyer-nurture": 1, "champion-nurture": 1}
    [sent] = SandboxRequest.objects.filter(workspace=workspace, channel="linkedin")
    assert sent.url == f"https://api.linkedin.com/rest/dmpSegments/{SEGMENT}/companies"
    assert sent.headers["X-RestLi-Method"] == "BATCH_CREATE"
    assert json.loads(sent.body) == {
        "elements": [
            {
                "action": "ADD",
                "companyName": "Acme",
                "companyWebsiteDomain": "acme.com",
                "companyEmailDomain": "acme.com",
            }
        ]
    }
    assert parts["audience"]["result"]["accepted"] == 1

    # A crash: the worker died after the upload went out and before its part was recorded.
    AccountPlayPart.objects.filter(action=action, part="audience").update(status=PartStatus.PENDING)
    AgentAction.objects.filter(pk=action.pk).update(
        status=ActionStatus.EXECUTING, claimed_at=timezone.now() - LEASE - timedelta(seconds=1)
    )

    again = action_execute(action.pk)

    assert again.status == ActionStatus.SUCCEEDED
    assert Handoff.objects.filter(action=action).count() == 1
    assert Notification.objects.filter(action=action).count() == 1
    assert len(mail.outbox) == 1
    assert SequenceMember.objects.filter(workspace=workspace).count() == 2
    assert SandboxRequest.objects.filter(workspace=workspace, channel="linkedin").count() == 1
    attempts = dict(AccountPlayPart.objects.filter(action=action).values_list("part", "attempts"))
    assert attempts == {"handoff": 1, "sequence": 1, "audience": 2}
    # once done, another run claims nothing
    assert action_execute(action.pk).status == "skipped"


def test_consent_revoked_after_the_proposal_is_left_out_at_execution(
    workspace: Workspace,
) -> None:
    from como.consent.services import consent_revoke

    team = acme(workspace)
    [action] = _mqa(workspace, team)
    consent_revoke(contact=team.people["champion"], channel="email", source="unsubscribe_link")
    action_approve(action=action, user=approver(workspace, "vera"))

    assert action_execute(action.pk).status == ActionStatus.SUCCEEDED

    action.refresh_from_db()
    result = action.result["parts"]["sequence"]["result"]
    assert result["entered"] == {"buyer-nurture": 1}
    [out] = result["left_out"]
    assert out["contact_id"] == team.people["champion"].pk
    assert "consent.revoked.latest" in [r["rule"] for r in out["reasons"]]
    assert not SequenceMember.objects.filter(contact=team.people["champion"]).exists()


def test_the_approver_drops_a_part_and_only_the_others_run(workspace: Workspace) -> None:
    team = acme(workspace)
    [action] = _mqa(workspace, team)
    vera = approver(workspace, "vera")
    with pytest.raises(ValidationError) as refused:
        play_parts_drop(action=action, parts=["handoff", "sequence", "audience"], user=vera)
    assert "parts" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        play_parts_drop(action=action, parts=["audience"], user=workspace.agent_user)

    assert play_parts_drop(action=action, parts=["audience"], user=vera)
    action_approve(action=action, user=vera)
    assert action_execute(action.pk).status == ActionStatus.SUCCEEDED

    action.refresh_from_db()
    assert sorted(action.result["parts"]) == ["handoff", "sequence"]
    assert {"part": "audience", "reason": "dropped by the approver"} in action.payload[
        "parts_left_out"
    ]
    assert not SandboxRequest.objects.filter(workspace=workspace, channel="linkedin").exists()


def test_contacts_audience_uploads_the_known_members_of_missing_roles_hashed(
    workspace: Workspace,
) -> None:
    team = acme(workspace)
    play_settings(workspace, audience="contacts")
    [action] = _mqa(workspace, team)
    assert action.payload["audience"]["contact_ids"] == sorted(team.people[r].pk for r in MISSING)
    action_approve(action=action, user=approver(workspace, "vera"))
    assert action_execute(action.pk).status == ActionStatus.SUCCEEDED

    [sent] = SandboxRequest.objects.filter(workspace=workspace, channel="linkedin")
    assert sent.url.endswith(f"/rest/dmpSegments/{SEGMENT}/users")
    elements = json.loads(sent.body)["elements"]
    assert len(elements) == 4
    import hashlib

    cto = hashlib.sha256(b"executive_sponsor@acme.com").hexdigest()
    assert {
        "action": "ADD",
        "userIds": [{"idType": "SHA256_EMAIL", "idValue": cto}],
        "firstName": "Executive_Sponsor",
        "title": "CTO",
        "company": "Acme",
    } in elements


def test_the_drop_parts_endpoint_is_for_approvers_of_the_workspace(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    from rest_framework.test import APIClient

    from como.workspaces.services import api_key_create
    from tests.factories import member_api_client

    team = acme(workspace)
    [action] = _mqa(workspace, team)
    url = f"/api/v1/account-plays/{action.pk}/drop-parts"
    integration = APIClient()
    integration.credentials(
        HTTP_AUTHORIZATION=f"Bearer {api_key_create(workspace=workspace, name='crm').secret}"
    )
    assert integration.post(url, {"parts": ["audience"]}, format="json").status_code == 403
    foreign = member_api_client(other_workspace, role="approver")
    assert foreign.post(url, {"parts": ["audience"]}, format="json").status_code == 404
    client = member_api_client(workspace, role="approver")
    bad = client.post(url, {"parts": ["fax"]}, format="json")
    assert bad.status_code == 400
    assert "parts" in bad.json()
    every = client.post(url, {"parts": ["handoff", "sequence", "audience"]}, format="json")
    assert every.status_code == 400

    done = client.post(url, {"parts": ["audience"]}, format="json")

    assert done.status_code == 200, done.content
    assert done.json()["payload"]["parts"] == ["handoff", "sequence"]
    assert "LinkedIn" not in done.json()["preview"]
