"""Proposals, the approval policy and the four-eyes rules, through the services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from como.agents import tasks
from como.agents.models import ActionApproval, ActionStatus, ActionTransition, AgentAction
from como.agents.services import (
    ActionDraft,
    action_approve,
    action_propose,
    action_reject,
    action_supersede,
    actions_expire,
    playbook_for,
)
from como.workspaces.models import Workspace

from .proposals import BLOCK, WARN, person, propose

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


def trail(action: AgentAction) -> list[tuple[str, str, str, str]]:
    """The audit trail: (from, to, actor kind, note), oldest first."""
    return [
        (t.from_status, t.to_status, t.actor_kind, t.note)
        for t in ActionTransition.objects.filter(action=action).order_by("at", "id")
    ]


def set_policy(workspace: Workspace, **fields: Any) -> None:
    playbook = playbook_for(workspace)
    for name, value in fields.items():
        setattr(playbook, name, value)
    playbook.save()


class Enqueued:
    """Stands in for the execute task: records the ids it was asked to run."""

    def __init__(self) -> None:
        self.ids: list[int] = []

    def delay(self, action_id: int) -> None:
        self.ids.append(action_id)


@pytest.fixture
def enqueued(monkeypatch: pytest.MonkeyPatch) -> Enqueued:
    recorder = Enqueued()
    monkeypatch.setattr(tasks, "execute_action", recorder)
    return recorder


# --- proposing -------------------------------------------------------------------------------


def test_a_proposal_is_recorded_with_its_audit_row(workspace: Workspace) -> None:
    action = propose(workspace, spend=Decimal("120.50"), findings=[WARN])

    stored = AgentAction.objects.get(pk=action.pk)
    assert stored.status == ActionStatus.PROPOSED
    assert stored.proposed_by_id == workspace.agent_user_id
    assert (stored.kind, stored.channel, stored.target_type, stored.target_id) == (
        "test_email",
        "email",
        "campaign",
        "7",
    )
    assert stored.spend == Decimal("120.50")
    assert stored.findings == [WARN]
    assert stored.required_approvals == 1
    assert trail(stored) == [("", "proposed", "agent", "Proposed.")]


def test_the_same_key_twice_is_one_row_revised_while_proposed(workspace: Workspace) -> None:
    first = action_propose(
        workspace=workspace,
        proposer=workspace.agent_user,
        draft=ActionDraft(
            agent="test_agent",
            kind="test_email",
            idempotency_key="spring-1",
            rationale="First draft.",
        ),
    )
    second = action_propose(
        workspace=workspace,
        proposer=workspace.agent_user,
        draft=ActionDraft(
            agent="test_agent",
            kind="test_email",
            idempotency_key="spring-1",
            rationale="Second draft.",
            preview="Subject: Spring",
        ),
    )

    assert (first.outcome, second.outcome) == ("created", "revised")
    assert second.action.pk == first.action.pk
    assert AgentAction.objects.filter(workspace=workspace).count() == 1
    stored = AgentAction.objects.get(pk=first.action.pk)
    assert (stored.rationale, stored.preview, stored.status) == (
        "Second draft.",
        "Subject: Spring",
        "proposed",
    )
    # A revision is no status change, but the trail says the content changed after proposal.
    assert trail(stored) == [
        ("", "proposed", "agent", "Proposed."),
        ("proposed", "proposed", "agent", "Revised by its proposer."),
    ]


def test_the_same_key_in_another_workspace_is_another_action(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    mine = propose(workspace, key="k")
    theirs = propose(other_workspace, key="k")

    assert mine.pk != theirs.pk
    assert AgentAction.objects.count() == 2


def test_a_decided_key_is_never_proposed_again(workspace: Workspace) -> None:
    owner = person(workspace, "owner", "olga")
    action = propose(workspace, key="spring-1", rationale="Original.")
    action_reject(action=action, user=owner, reason="Wrong audience.")

    again = action_propose(
        workspace=workspace,
        proposer=workspace.agent_user,
        draft=ActionDraft(
            agent="test_agent",
            kind="test_email",
            idempotency_key="spring-1",
            rationale="Changed.",
        ),
    )

    assert again.outcome == "unchanged"
    assert again.action.pk == action.pk
    stored = AgentAction.objects.get(pk=action.pk)
    assert (stored.status, stored.rationale) == ("rejected", "Original.")
    assert AgentAction.objects.filter(workspace=workspace).count() == 1


def test_a_superseded_proposal_is_final(workspace: Workspace) -> None:
    action = propose(workspace, key="spring-1")
    action_supersede(action=action, note="A newer price list came in.")

    assert action.status == ActionStatus.SUPERSEDED
    assert trail(action)[-1] == ("proposed", "superseded", "system", "A newer price list came in.")
    assert propose(workspace, key="spring-1").status == ActionStatus.SUPERSEDED


# --- the playbook's policy -------------------------------------------------------------------


def test_auto_approve_kinds_are_approved_on_proposal_and_enqueued(
    workspace: Workspace,
    enqueued: Enqueued,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    set_policy(workspace, auto_approve_kinds=["ad_pause"])

    with django_capture_on_commit_callbacks(execute=True):
        action = propose(workspace, kind="ad_pause")

    stored = AgentAction.objects.get(pk=action.pk)
    assert stored.status == ActionStatus.APPROVED
    assert stored.approved_at is not None
    assert trail(stored) == [
        ("", "proposed", "agent", "Proposed."),
        ("proposed", "approved", "system", "Auto-approved by the playbook's policy."),
    ]
    assert ActionApproval.objects.filter(action=stored).count() == 0
    assert enqueued.ids == [stored.pk]


def test_an_auto_approve_kind_with_a_blocking_finding_waits(
    workspace: Workspace,
    enqueued: Enqueued,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    set_policy(workspace, auto_approve_kinds=["ad_pause"])

    with django_capture_on_commit_callbacks(execute=True):
        action = propose(workspace, kind="ad_pause", findings=[BLOCK])

    assert AgentAction.objects.get(pk=action.pk).status == ActionStatus.PROPOSED
    assert enqueued.ids == []


def test_other_kinds_wait_for_one_approver_and_are_enqueued_on_approval(
    workspace: Workspace,
    enqueued: Enqueued,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    set_policy(workspace, auto_approve_kinds=["ad_pause"])
    approver = person(workspace, "approver", "ann")
    with django_capture_on_commit_callbacks(execute=True):
        action = propose(workspace, kind="test_email")
    assert (action.status, action.required_approvals, enqueued.ids) == ("proposed", 1, [])

    with django_capture_on_commit_callbacks(execute=True):
        action_approve(action=action, user=approver, note="Looks right.")

    assert action.status == ActionStatus.APPROVED
    assert AgentAction.objects.get(pk=action.pk).status == ActionStatus.APPROVED
    assert trail(action)[-1] == ("proposed", "approved", "member", "Looks right.")
    assert enqueued.ids == [action.pk]


def test_two_approver_kinds_need_two_different_people(
    workspace: Workspace,
    enqueued: Enqueued,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    set_policy(workspace, two_approver_kinds=["budget_raise"])
    ann, bob = person(workspace, "approver", "ann"), person(workspace, "owner", "bob")
    action = propose(workspace, kind="budget_raise")
    assert action.required_approvals == 2

    with django_capture_on_commit_callbacks(execute=True):
        action_approve(action=action, user=ann)
    assert action.status == ActionStatus.PROPOSED
    assert trail(action)[-1] == ("proposed", "proposed", "member", "Approval 1 of 2.")

    with pytest.raises(ValidationError) as twice:
        action_approve(action=action, user=ann)
    assert twice.value.messages == [
        "You have approved this action already; it needs another approver."
    ]
    assert enqueued.ids == []

    with django_capture_on_commit_callbacks(execute=True):
        action_approve(action=action, user=bob, note="Budget is there.")

    assert action.status == ActionStatus.APPROVED
    assert sorted(ActionApproval.objects.filter(action=action).values_list("user", flat=True)) == (
        sorted([ann.pk, bob.pk])
    )
    assert enqueued.ids == [action.pk]


@pytest.mark.parametrize(
    ("spend", "needed"),
    [(None, 1), (Decimal("999.99"), 1), (Decimal("1000.00"), 1), (Decimal("1000.01"), 2)],
)
def test_spend_above_the_limit_needs_two_approvers(
    workspace: Workspace, spend: Decimal | None, needed: int
) -> None:
    set_policy(workspace, two_approver_spend_above=Decimal("1000.00"))

    assert propose(workspace, kind="budget_raise", spend=spend).required_approvals == needed


def test_spend_above_the_limit_outranks_auto_approval(workspace: Workspace) -> None:
    set_policy(workspace, auto_approve_kinds=["ad_launch"], two_approver_spend_above=Decimal("100"))

    action = propose(workspace, kind="ad_launch", spend=Decimal("250"))

    assert (action.status, action.required_approvals) == ("proposed", 2)


def test_a_revision_above_the_spend_limit_needs_two_approvers(workspace: Workspace) -> None:
    set_policy(workspace, two_approver_spend_above=Decimal("1000"))
    first = propose(workspace, key="budget", kind="budget_raise", spend=Decimal("500"))
    assert first.required_approvals == 1

    revised = propose(workspace, key="budget", kind="budget_raise", spend=Decimal("5000"))

    assert revised.pk == first.pk
    assert AgentAction.objects.get(pk=first.pk).required_approvals == 2
    action_approve(action=revised, user=person(workspace, "approver", "ann"))
    assert AgentAction.objects.get(pk=first.pk).status == ActionStatus.PROPOSED


# --- four eyes -------------------------------------------------------------------------------


def test_a_blocking_finding_makes_approval_impossible(workspace: Workspace) -> None:
    action = propose(workspace, findings=[WARN, BLOCK])

    with pytest.raises(ValidationError) as refused:
        action_approve(action=action, user=person(workspace, "owner", "olga"), note="Ship it.")

    assert refused.value.messages == [
        "A blocking compliance finding stops this action: revise it and propose it again."
    ]
    assert AgentAction.objects.get(pk=action.pk).status == ActionStatus.PROPOSED
    assert ActionApproval.objects.filter(action=action).count() == 0


def test_a_revision_without_the_blocking_finding_can_be_approved(workspace: Workspace) -> None:
    owner = person(workspace, "owner", "olga")
    action = propose(workspace, key="ad-1", findings=[BLOCK])
    with pytest.raises(ValidationError):
        action_approve(action=action, user=owner)

    revised = propose(workspace, key="ad-1", findings=[])
    action_approve(action=revised, user=owner)

    assert AgentAction.objects.get(pk=action.pk).status == ActionStatus.APPROVED


def test_a_warning_needs_an_acknowledging_note(workspace: Workspace) -> None:
    approver = person(workspace, "approver", "ann")
    action = propose(workspace, findings=[WARN])

    for note in ("", "   "):
        with pytest.raises(ValidationError) as refused:
            action_approve(action=action, user=approver, note=note)
        assert refused.value.message_dict == {
            "note": ["This action has compliance warnings: say why it may go ahead."]
        }
    assert ActionApproval.objects.filter(action=action).count() == 0

    action_approve(action=action, user=approver, note="Sent at 10:00 local, checked.")

    assert action.status == ActionStatus.APPROVED
    assert ActionApproval.objects.get(action=action).note == "Sent at 10:00 local, checked."


def test_the_proposer_cannot_approve(workspace: Workspace) -> None:
    owner = person(workspace, "owner", "olga")
    action = propose(workspace, proposer=owner)

    with pytest.raises(PermissionDenied) as refused:
        action_approve(action=action, user=owner)

    assert str(refused.value) == "The proposer of an action cannot approve it."
    assert AgentAction.objects.get(pk=action.pk).status == ActionStatus.PROPOSED
    assert trail(action) == [("", "proposed", "member", "Proposed.")]


def test_the_agent_identity_cannot_approve(workspace: Workspace) -> None:
    owner = person(workspace, "owner", "olga")
    action = propose(workspace, proposer=owner)

    with pytest.raises(PermissionDenied) as refused:
        action_approve(action=action, user=workspace.agent_user)

    assert str(refused.value) == "You may not approve actions in this workspace."
    assert AgentAction.objects.get(pk=action.pk).status == ActionStatus.PROPOSED


@pytest.mark.parametrize("role", ["marketer", "sales", "compliance", "viewer"])
def test_roles_without_approve_cannot_approve_or_reject(workspace: Workspace, role: str) -> None:
    member = person(workspace, role, "mo")
    action = propose(workspace)

    with pytest.raises(PermissionDenied):
        action_approve(action=action, user=member)
    with pytest.raises(PermissionDenied) as refused:
        action_reject(action=action, user=member, reason="No.")

    assert str(refused.value) == "You may not reject actions in this workspace."
    assert AgentAction.objects.get(pk=action.pk).status == ActionStatus.PROPOSED


def test_an_approver_of_another_workspace_cannot_approve(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    stranger = person(other_workspace, "owner", "sam")
    action = propose(workspace)

    with pytest.raises(PermissionDenied):
        action_approve(action=action, user=stranger)

    assert AgentAction.objects.get(pk=action.pk).status == ActionStatus.PROPOSED


def test_a_decided_action_cannot_be_approved_again(workspace: Workspace) -> None:
    ann, bob = person(workspace, "approver", "ann"), person(workspace, "approver", "bob")
    action = propose(workspace)
    action_approve(action=action, user=ann)

    with pytest.raises(ValidationError) as refused:
        action_approve(action=action, user=bob)

    assert refused.value.messages == ["This action is approved, not awaiting approval."]
    assert ActionApproval.objects.filter(action=action).count() == 1


# --- rejecting and expiring ------------------------------------------------------------------


def test_rejecting_needs_a_reason(workspace: Workspace) -> None:
    approver = person(workspace, "approver", "ann")
    action = propose(workspace)

    for reason in ("", "  \n "):
        with pytest.raises(ValidationError) as refused:
            action_reject(action=action, user=approver, reason=reason)
        assert refused.value.message_dict == {"reason": ["Say why the action is rejected."]}
    assert AgentAction.objects.get(pk=action.pk).status == ActionStatus.PROPOSED

    action_reject(action=action, user=approver, reason="  Wrong audience.  ")

    stored = AgentAction.objects.get(pk=action.pk)
    assert stored.status == ActionStatus.REJECTED
    assert stored.finished_at is not None
    assert trail(stored)[-1] == ("proposed", "rejected", "member", "Wrong audience.")
    with pytest.raises(ValidationError) as again:
        action_approve(action=stored, user=person(workspace, "owner", "olga"))
    assert again.value.messages == ["This action is rejected, not awaiting approval."]


def test_expiry_ends_undecided_proposals_only(workspace: Workspace) -> None:
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    due = propose(workspace, key="due", expires_at=now - timedelta(minutes=1))
    propose(workspace, key="exactly", expires_at=now)
    propose(workspace, key="later", expires_at=now + timedelta(minutes=1))
    propose(workspace, key="never")
    decided = propose(workspace, key="decided", expires_at=now - timedelta(days=1))
    action_approve(action=decided, user=person(workspace, "approver", "ann"))

    assert actions_expire(now=now) == 2
    assert actions_expire(now=now) == 0

    statuses = dict(AgentAction.objects.values_list("idempotency_key", "status"))
    assert statuses == {
        "due": "expired",
        "exactly": "expired",
        "later": "proposed",
        "never": "proposed",
        "decided": "approved",
    }
    assert trail(due)[-1] == ("proposed", "expired", "system", "Not decided before it expired.")


def test_a_revision_withdraws_approvals_given_to_the_earlier_content(workspace: Workspace) -> None:
    set_policy(workspace, two_approver_kinds=["budget_raise"])
    first = propose(workspace, key="budget", kind="budget_raise", payload={"daily": 100})
    action_approve(action=first, user=person(workspace, "approver", "ann"))
    assert ActionApproval.objects.filter(action=first).count() == 1

    propose(workspace, key="budget", kind="budget_raise", payload={"daily": 900})

    assert ActionApproval.objects.filter(action=first).count() == 0
    # One more approval is not enough any more: the revised content needs two again.
    action_approve(action=first, user=person(workspace, "approver", "bob"))
    assert AgentAction.objects.get(pk=first.pk).status == ActionStatus.PROPOSED
    notes = list(first.transitions.values_list("note", flat=True))
    assert "Revised by its proposer. 1 earlier approval(s) no longer count" in " ".join(notes)
