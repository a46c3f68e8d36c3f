"""Ad-audience steps and saved-audience schedules: a pass's members go into one covered action
per step, executed through the gate and recorded by the sandbox exactly as Meta documents the
request; a schedule runs the saved audience's rule as it was approved."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from como.agents.execution import action_execute
from como.agents.models import ActionStatus, ActionTransition, AgentAction
from como.audiences.services import audience_create, audience_update
from como.channels.models import ChannelAccount, SandboxRequest
from como.consent.services import consent_revoke
from como.leads.models import Contact
from como.sequences.advance import sequences_advance
from como.sequences.enrollment import audience_enrol, members_enrol
from como.sequences.models import MemberStep, SequenceMember
from como.sequences.versions import sequence_create
from como.workspaces.models import Workspace
from tests.factories import ContactFactory

from .support import approved_sequence, email, people, program

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


def sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@pytest.fixture
def meta(workspace: Workspace) -> ChannelAccount:
    return ChannelAccount.objects.create(
        workspace=workspace,
        channel="paid_social",
        account_id="act_1010",
        sender="2020",
        credentials={"access_token": "EAAB-token"},
    )


def audience_step(action: str, audience_id: str = "6060") -> dict[str, Any]:
    return {
        "id": f"meta-{action}",
        "type": "ad_audience",
        "audience_id": audience_id,
        "action": action,
    }


@pytest.fixture
def four(workspace: Workspace) -> dict[str, Contact]:
    made = {
        "both": ContactFactory.create(
            workspace=workspace, email=" Both@Example.com", phone="+1 312 555 0101"
        ),
        "mail": ContactFactory.create(workspace=workspace, email="mail@example.com", phone=""),
        "opted": ContactFactory.create(workspace=workspace, email="opted@example.com", phone=""),
        "nothing": ContactFactory.create(workspace=workspace, email="", phone=""),
    }
    consent_revoke(contact=made["opted"], channel="ads", source="gpc")
    return made


def _run(workspace: Workspace, data: dict, people: dict[str, Contact]) -> AgentAction:
    _sequence, version = approved_sequence(workspace, data)
    assert members_enrol(version=version, contact_ids=[c.pk for c in people.values()]) == len(
        people
    )
    passed = sequences_advance(now=timezone.now() + timedelta(seconds=1))
    assert (passed.members, passed.sends) == (len(people), 1)
    [action] = AgentAction.objects.filter(kind__startswith="social_audience")
    return action


def test_members_of_a_pass_go_into_one_covered_upload_without_the_opted_out(
    workspace: Workspace, meta: ChannelAccount, four: dict[str, Contact]
) -> None:
    action = _run(workspace, program(audience_step("add")), four)
    with_identifier = sorted(four[n].pk for n in ("both", "mail", "opted"))
    assert (action.kind, action.channel, action.status) == (
        "social_audience_upload",
        "paid_social",
        ActionStatus.APPROVED,
    )
    assert action.payload == {"audience_id": "6060", "contact_ids": with_identifier}
    note = ActionTransition.objects.get(action=action, to_status=ActionStatus.APPROVED).note
    assert "Covered by the approval of action" in note
    steps = {s.member.contact_id: s for s in MemberStep.objects.select_related("member")}
    assert {pk: (s.outcome, s.action_id) for pk, s in steps.items() if pk in with_identifier} == {
        pk: ("sent", action.pk) for pk in with_identifier
    }
    nothing = steps[four["nothing"].pk]
    assert (nothing.outcome, nothing.reason, nothing.action_id) == (
        "skipped",
        "no_ad_identifier",
        None,
    )

    assert action_execute(action.pk).status == "succeeded"
    [request] = SandboxRequest.objects.filter(workspace=workspace, channel="paid_social")
    assert (request.method, request.url) == ("POST", "https://graph.facebook.com/v25.0/6060/users")
    form = parse_qs(request.body)
    assert list(form) == ["payload"]
    assert json.loads(form["payload"][0]) == {
        "schema": ["EMAIL", "PHONE"],
        "data": [[sha("both@example.com"), sha("13125550101")], [sha("mail@example.com"), ""]],
    }
    action.refresh_from_db()
    assert (action.result["uploaded"], action.result["excluded_opted_out"]) == (2, 1)
    again = sequences_advance(now=timezone.now() + timedelta(minutes=5))
    assert (again.members, again.sends) == (0, 0)


def test_a_removal_step_deletes_everyone_named_even_the_opted_out(
    workspace: Workspace, meta: ChannelAccount, four: dict[str, Contact]
) -> None:
    named = {n: four[n] for n in ("both", "opted")}
    action = _run(workspace, program(audience_step("remove", "7070")), named)
    assert action.kind == "social_audience_remove"
    assert action_execute(action.pk).status == "succeeded"
    [request] = SandboxRequest.objects.filter(workspace=workspace, channel="paid_social")
    assert (request.method, request.url) == (
        "DELETE",
        "https://graph.facebook.com/v25.0/7070/users",
    )
    form = parse_qs(request.body)
    assert list(form) == ["payload"]
    assert json.loads(form["payload"][0]) == {
        "schema": ["EMAIL", "PHONE"],
        "data": [[sha("both@example.com"), sha("13125550101")], [sha("opted@example.com"), ""]],
    }
    action.refresh_from_db()
    assert (action.result["removed"], action.result["excluded_opted_out"]) == (2, 0)


def test_steps_naming_one_audience_share_one_action_and_each_person_goes_once(
    workspace: Workspace, meta: ChannelAccount, four: dict[str, Contact]
) -> None:
    named = {n: four[n] for n in ("both", "mail")}
    again = {**audience_step("add"), "id": "again"}
    action = _run(workspace, program(audience_step("add"), again), named)
    assert action.payload == {
        "audience_id": "6060",
        "contact_ids": sorted(c.pk for c in named.values()),
    }
    rows = MemberStep.objects.order_by("member_id", "occurrence")
    assert [(r.step_id, r.outcome, r.action_id) for r in rows] == [
        ("meta-add", "sent", action.pk),
        ("again", "sent", action.pk),
    ] * 2


def test_the_review_shows_the_audience_step_for_each_sample(
    workspace: Workspace, meta: ChannelAccount, four: dict[str, Contact]
) -> None:
    _sequence, version = approved_sequence(workspace, program(audience_step("add")))
    assert version.approving_action is not None
    review = version.approving_action.payload
    bodies = {p["body"] for p in review["previews"]}
    assert bodies == {"Add to Meta customer-list audience 6060"}
    assert len(review["previews"]) == 3


def test_a_schedule_over_a_saved_audience_runs_the_rule_as_approved(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    canada = people(workspace, 3)
    for contact in canada[:2]:
        contact.country = "CA"
        contact.save(update_fields=["country"])
    saved = audience_create(workspace=workspace, name="Canada", rule={"countries": ["CA"]})
    theirs = audience_create(workspace=other_workspace, name="Theirs", rule={"countries": ["CA"]})
    trigger = {"on": "schedule", "crontab": "0 9 * * 1", "audience_id": saved.pk}
    for bad, field in [
        ({**trigger, "audience_id": theirs.pk}, "program.trigger.audience_id"),
        ({**trigger, "audience_stages": ["customer"]}, "program.trigger"),
    ]:
        with pytest.raises(ValidationError) as refused:
            sequence_create(
                workspace=workspace, key="bad", name="B", program=program(email("x"), trigger=bad)
            )
        assert field in refused.value.message_dict
    sequence, version = approved_sequence(workspace, program(email("hello"), trigger=trigger))
    assert version.approving_action is not None
    review = version.approving_action.payload
    assert review["audience"] == {"id": saved.pk, "name": "Canada", "rule": {"countries": ["CA"]}}
    assert review["expected_per_week"] == 2
    # Changed after approval: the sequence still runs the rule its approver saw.
    audience_update(audience=saved, rule={"countries": ["US"]})
    assert audience_enrol(sequence_id=sequence.pk) == 2
    entered = set(SequenceMember.objects.values_list("contact_id", flat=True))
    assert entered == {canada[0].pk, canada[1].pk}
