"""The four-eyes rules and the auto-approval decision exist once (como.agents.selectors): the
service raises what the selector says, the admin shows what the service would raise."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from como.agents.models import ActionStatus, AgentAction
from como.agents.selectors import approval_refusals
from como.agents.services import (
    ActionDraft,
    action_approve,
    action_propose,
    action_reject,
    actions_propose_new,
)
from como.workspaces.models import Workspace

from .handoff_setup import policy
from .proposals import BLOCK, WARN, person, propose
from .test_admin import logged_in, url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


def _refused(action: AgentAction, user: Any, note: str) -> Exception:
    with pytest.raises((PermissionDenied, ValidationError)) as refused:
        action_approve(action=action, user=user, note=note)
    return refused.value


def _cases(workspace: Workspace) -> list[tuple[AgentAction, Any, str]]:
    ann = person(workspace, "approver", "ann")
    bob = person(workspace, "approver", "bob")
    decided = propose(workspace, key="decided")
    action_reject(action=decided, user=ann, reason="No.")
    policy(workspace, two_approver_kinds=["test_email"])
    twice = propose(workspace, key="twice")
    action_approve(action=twice, user=ann)
    return [
        (propose(workspace, key="own", proposer=bob), bob, "x"),
        (propose(workspace, key="blocked", findings=[BLOCK]), ann, "x"),
        (propose(workspace, key="warned", findings=[WARN]), ann, " "),
        (propose(workspace, key="viewer"), person(workspace, "viewer", "vic"), "x"),
        (decided, bob, "x"),
        (twice, ann, "x"),
        (propose(workspace, key="agent"), workspace.agent_user, "x"),
    ]


def test_the_service_raises_the_selectors_first_refusal(workspace: Workspace) -> None:
    for action, user, note in _cases(workspace):
        (first, *_) = approval_refusals(action=action, user=user, note=note)
        raised = _refused(action, user, note)

        assert type(raised) is type(first.error())
        expected = first.error()
        if isinstance(raised, ValidationError):
            assert isinstance(expected, ValidationError)
            assert raised.messages == expected.messages
            assert hasattr(raised, "error_dict") == hasattr(expected, "error_dict")
        else:
            assert str(raised) == first.message


def test_the_admin_panel_lists_what_the_service_would_raise(workspace: Workspace) -> None:
    bob = person(workspace, "owner", "bob")
    action = propose(workspace, key="own-blocked", proposer=bob, findings=[BLOCK])
    page = logged_in(bob).get(url("change", action)).content.decode()
    messages = [r.message for r in approval_refusals(action=action, user=bob)]

    assert len(messages) == 2  # the proposer, and the blocking finding
    assert all(message in page for message in messages)
    assert str(_refused(action, bob, "x")) == messages[0]


def test_nobody_signed_in_is_refused_as_a_member_without_the_permission(
    workspace: Workspace,
) -> None:
    action = propose(workspace)

    (refusal,) = approval_refusals(action=action, user=None)
    with pytest.raises(PermissionDenied, match=r"You may not approve actions in this workspace\."):
        action_approve(action=action, user=None)
    assert refusal.forbidden


@pytest.mark.parametrize("findings", [[], [BLOCK]])
def test_bulk_and_single_proposals_decide_auto_approval_alike(
    workspace: Workspace, findings: list[dict[str, Any]]
) -> None:
    policy(workspace, auto_approve_kinds=["test_email"])

    def draft(key: str) -> ActionDraft:
        return ActionDraft(
            agent="test", kind="test_email", idempotency_key=key, rationale="r", findings=findings
        )

    (bulk,) = actions_propose_new(
        workspace=workspace, proposer=workspace.agent_user, drafts=[draft("bulk")]
    )
    single = action_propose(
        workspace=workspace, proposer=workspace.agent_user, draft=draft("single")
    ).action

    expected = ActionStatus.PROPOSED if findings else ActionStatus.APPROVED
    assert bulk.status == single.status == expected
    assert bulk.required_approvals == single.required_approvals == 1
