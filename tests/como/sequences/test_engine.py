"""The sequences engine on real PostgreSQL: approval per version, covered sends through the
outbox and the gate, exactly once per (member, step), branches and exits as fields."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from como.agents.execution import action_execute
from como.agents.models import ActionStatus, ActionTransition, AgentAction
from como.agents.services import action_approve
from como.ingest.services import events_ingest
from como.leads.models import Event
from como.sequences.advance import sequences_advance
from como.sequences.enrollment import member_add, member_remove, members_enrol
from como.sequences.models import MemberStep, SequenceMember, VersionState
from como.sequences.versions import KIND, sequence_create, sequence_edit, sequence_version_propose
from como.workspaces.models import Workspace

from .support import approve, approved_sequence, approver, email, people, program

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


def _send_all() -> list[str]:
    """Run every approved send action through the executor (the worker's path)."""
    statuses = []
    for action in AgentAction.objects.filter(status=ActionStatus.APPROVED).exclude(kind=KIND):
        statuses.append(action_execute(action.pk).status)
    return statuses


def test_a_program_naming_an_unknown_step_is_refused_by_field(workspace: Workspace) -> None:
    bad = program(email("a", next="nowhere"))
    with pytest.raises(ValidationError) as raised:
        sequence_create(workspace=workspace, key="x", name="X", program=bad)
    assert "unknown step 'nowhere'" in str(raised.value.message_dict["program"])
    wait = program({"id": "w", "type": "wait"})
    with pytest.raises(ValidationError) as raised:
        sequence_create(workspace=workspace, key="y", name="Y", program=wait)
    assert any(key.startswith("program.steps.0") for key in raised.value.message_dict)


def test_one_action_holds_the_samples_report_and_volume_and_the_proposer_cannot_approve(
    workspace: Workspace,
) -> None:
    contacts = people(workspace, 4)
    now = timezone.now()
    for n, contact in enumerate(contacts[:2]):
        Event.objects.create(
            workspace=workspace,
            contact=contact,
            event_id=f"e{n}",
            type="service_visit",
            occurred_at=now - timedelta(days=1),
            received_at=now,
        )
    data = program(email("hello"), trigger={"on": "event", "event_type": "service_visit"})
    version = sequence_create(workspace=workspace, key="svc", name="Service", program=data)
    proposer = approver(workspace, "pat")
    action = sequence_version_propose(version=version, proposer=proposer)
    assert AgentAction.objects.filter(workspace=workspace).count() == 1
    assert action.kind == KIND
    assert action.status == ActionStatus.PROPOSED
    payload = action.payload
    assert payload["expected_per_week"] == 2
    assert len(payload["samples"]) == 2  # the two the trigger would have enrolled
    assert {p["body"] for p in payload["previews"]} == {"Hi P0", "Hi P1"}
    assert isinstance(payload["compliance"], list)
    with pytest.raises(PermissionDenied):
        action_approve(action=action, user=proposer)
    version.refresh_from_db()
    assert version.state == VersionState.PROPOSED
    action_approve(action=action, user=approver(workspace, "ava"))
    assert action_execute(action.pk).status == "succeeded"
    version.refresh_from_db()
    assert version.state == VersionState.APPROVED
    assert version.approved_at is not None


def test_sends_are_covered_by_the_approval_and_go_out_exactly_once(workspace: Workspace) -> None:
    contacts = people(workspace, 3)
    _sequence, version = approved_sequence(workspace, program(email("hello")))
    assert members_enrol(version=version, contact_ids=[c.pk for c in contacts]) == 3
    first = sequences_advance(now=timezone.now() + timedelta(seconds=1))
    assert (first.members, first.sends) == (3, 3)
    again = sequences_advance(now=timezone.now() + timedelta(minutes=5))
    assert (again.members, again.sends) == (0, 0)
    sends = AgentAction.objects.filter(kind="email_send")
    assert sends.count() == 3
    assert {a.status for a in sends} == {ActionStatus.APPROVED}
    note = ActionTransition.objects.get(action=sends[0], to_status=ActionStatus.APPROVED).note
    assert f"approval of action #{version.approving_action_id} by a-welcome-acme" in note
    assert "policy: sequence version" in note
    assert _send_all() == ["succeeded"] * 3
    assert sorted(m.to[0] for m in mail.outbox) == [c.email for c in contacts]
    assert set(SequenceMember.objects.values_list("state", "exit_reason")) == {
        ("completed", "completed")
    }
    steps = MemberStep.objects.all()
    assert [(s.step_id, s.occurrence, s.outcome) for s in steps] == [("hello", 0, "sent")] * 3
    assert {s.action_id for s in steps} == {a.pk for a in sends}


def test_waits_and_branches_are_decided_per_member_and_recorded_as_fields(
    workspace: Workspace,
) -> None:
    a, b = people(workspace, 2)
    data = program(
        email("hello"),
        {"id": "pause", "type": "wait", "minutes": 60},
        {
            "id": "opened",
            "type": "branch",
            "condition": {"on": "opened"},
            "yes": "done",
            "no": "nudge",
        },
        email("nudge", next="done"),
        {"id": "done", "type": "exit", "reason": "engaged"},
    )
    _, version = approved_sequence(workspace, data)
    t0 = timezone.now() + timedelta(seconds=1)
    members_enrol(version=version, contact_ids=[a.pk, b.pk], now=t0 - timedelta(seconds=1))
    assert sequences_advance(now=t0).sends == 2
    assert sequences_advance(now=t0 + timedelta(minutes=30)).members == 0
    Event.objects.create(
        workspace=workspace,
        contact=a,
        event_id="open-a",
        type="email_opened",
        occurred_at=t0 + timedelta(minutes=10),
        received_at=t0,
    )
    later = sequences_advance(now=t0 + timedelta(minutes=61))
    assert (later.members, later.sends) == (2, 1)
    branch = {
        s.member.contact_id: (s.condition, s.matched, s.next_step)
        for s in MemberStep.objects.filter(step_id="opened").select_related("member")
    }
    assert branch == {a.pk: ("opened", True, "done"), b.pk: ("opened", False, "nudge")}
    nudged = AgentAction.objects.filter(kind="email_send", target_id=str(b.pk))
    assert nudged.count() == 2
    assert AgentAction.objects.filter(kind="email_send", target_id=str(a.pk)).count() == 1
    states = dict(SequenceMember.objects.values_list("contact_id", "exit_reason"))
    assert states == {a.pk: "engaged", b.pk: "engaged"}


def test_a_goal_event_ends_the_membership_before_the_next_send(workspace: Workspace) -> None:
    (a,) = people(workspace, 1)
    data = program(
        email("first"),
        {"id": "pause", "type": "wait", "minutes": 60},
        email("second"),
        exits=[{"on": "event", "event_type": "repair_order"}],
    )
    _, version = approved_sequence(workspace, data)
    now = timezone.now()
    members_enrol(version=version, contact_ids=[a.pk], now=now)
    sequences_advance(now=now)
    events_ingest(
        workspace=workspace,
        events=[
            {
                "id": "ro-1",
                "type": "repair_order",
                "contact": {"email": a.email},
                "occurred_at": (now + timedelta(minutes=5)).isoformat(),
            }
        ],
        received_at=now + timedelta(minutes=5),
    )
    result = sequences_advance(now=now + timedelta(minutes=61))
    assert (result.members, result.sends) == (1, 0)
    member = SequenceMember.objects.get()
    assert (member.state, member.exit_reason) == ("exited", "event:repair_order")
    assert AgentAction.objects.filter(kind="email_send").count() == 1


def test_an_event_trigger_enrols_on_ingest_once_at_a_time(workspace: Workspace) -> None:
    (a,) = people(workspace, 1)
    data = program(
        email("first"),
        {"id": "pause", "type": "wait", "minutes": 60},
        trigger={"on": "event", "event_type": "service_visit", "properties": {"dept": "svc"}},
    )
    approved_sequence(workspace, data)
    now = timezone.now()

    def visit(event_id: str, dept: str) -> None:
        events_ingest(
            workspace=workspace,
            events=[
                {
                    "id": event_id,
                    "type": "service_visit",
                    "contact": {"email": a.email},
                    "occurred_at": now.isoformat(),
                    "properties": {"dept": dept},
                }
            ],
        )

    visit("v0", "parts")
    assert SequenceMember.objects.count() == 0
    visit("v1", "svc")
    visit("v2", "svc")
    assert SequenceMember.objects.filter(contact=a, state="active").count() == 1


def test_an_edited_approved_sequence_sends_nothing_new_until_the_new_version_is_approved(
    workspace: Workspace,
) -> None:
    (a,) = people(workspace, 1)
    data = program(
        email("first"),
        {"id": "pause", "type": "wait", "minutes": 60},
        email("second", body="Old words"),
        {"id": "pause2", "type": "wait", "minutes": 60},
        email("third", body="Old third"),
    )
    sequence, v1 = approved_sequence(workspace, data)
    now = timezone.now()
    members_enrol(version=v1, contact_ids=[a.pk], now=now)
    sequences_advance(now=now)
    edited = {
        **data,
        "steps": [
            *data["steps"][:2],
            email("second", body="NEW words"),
            *data["steps"][3:4],
            email("third", body="NEW third"),
        ],
    }
    v2 = sequence_edit(sequence=sequence, program=edited)
    assert (v2.number, v2.state) == (2, VersionState.DRAFT)
    sequences_advance(now=now + timedelta(minutes=61))
    second = AgentAction.objects.get(
        kind="email_send", payload__body__in=["Old words", "NEW words"]
    )
    assert second.payload["body"] == "Old words"  # the approved v1 still runs
    approve(v2, approver(workspace, "pat"), approver(workspace, "ava"))
    v1.refresh_from_db()
    assert v1.state == VersionState.RETIRED
    assert SequenceMember.objects.get().version_id == v2.pk
    sequences_advance(now=now + timedelta(minutes=122))
    third = AgentAction.objects.get(kind="email_send", payload__body__in=["Old third", "NEW third"])
    assert third.payload["body"] == "NEW third"


def test_members_are_added_and_removed_by_hand(workspace: Workspace) -> None:
    (a,) = people(workspace, 1)
    sequence, _ = approved_sequence(
        workspace, program(email("first"), {"id": "w", "type": "wait", "minutes": 5})
    )
    member = member_add(sequence=sequence, contact=a)
    with pytest.raises(ValidationError):
        member_add(sequence=sequence, contact=a)
    member_remove(member=member)
    member.refresh_from_db()
    assert (member.state, member.exit_reason) == ("exited", "removed")
    assert sequences_advance(now=timezone.now() + timedelta(minutes=1)).members == 0
    with pytest.raises(ValidationError, match="re-entry is off"):
        member_add(sequence=sequence, contact=a)


def test_a_stage_trigger_enrols_on_the_move(workspace: Workspace) -> None:
    from como.leads.services import contact_stage_change

    a, b = people(workspace, 2)
    approved_sequence(
        workspace,
        program(email("nurture"), trigger={"on": "stage", "stage": "mql"}),
    )
    contact_stage_change(workspace=workspace, contact=a, to_stage="mql", reason="test")
    contact_stage_change(workspace=workspace, contact=b, to_stage="lead", reason="test")
    assert list(SequenceMember.objects.values_list("contact_id", flat=True)) == [a.pk]


def test_a_wait_until_a_local_window_opens_at_its_next_start() -> None:
    from datetime import UTC, datetime, time

    from como.sequences.advance import window_opens
    from como.sequences.steps import LocalWindow

    window = LocalWindow(start=time(9), end=time(17))
    evening = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)  # 17:30 in Chicago (CST)
    assert window_opens(window, evening, "America/Chicago") == datetime(
        2026, 3, 3, 15, 0, tzinfo=UTC
    )
    morning = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)  # 10:00 in Chicago: inside
    assert window_opens(window, morning, "America/Chicago") == morning


def test_a_scheduled_sequence_gets_a_beat_row_and_its_audience_enters(
    workspace: Workspace,
) -> None:
    from django_celery_beat.models import PeriodicTask

    from como.sequences.enrollment import audience_enrol, audience_task_name

    a, _other = people(workspace, 2)
    a.lifecycle_stage = "customer"
    a.save(update_fields=["lifecycle_stage"])
    trigger = {"on": "schedule", "crontab": "0 9 * * 1", "audience_stages": ["customer"]}
    with pytest.raises(ValidationError, match=r"program\.trigger"):
        sequence_create(
            workspace=workspace,
            key="bad",
            name="Bad",
            program=program(email("x"), trigger={**trigger, "crontab": "99 * * * *"}),
        )
    sequence, _ = approved_sequence(workspace, program(email("svc"), trigger=trigger))
    row = PeriodicTask.objects.get(name=audience_task_name(sequence.pk))
    assert (row.task, row.crontab.minute, row.crontab.hour, row.crontab.day_of_week) == (
        "como.sequences.enrol_audience",
        "0",
        "9",
        "1",
    )
    assert audience_enrol(sequence_id=sequence.pk) == 1
    assert audience_enrol(sequence_id=sequence.pk) == 0  # in it already: once at a time
    assert list(SequenceMember.objects.values_list("contact_id", flat=True)) == [a.pk]


def test_re_entry_after_exit_lets_a_person_in_again_once_the_last_membership_ended(
    workspace: Workspace,
) -> None:
    (a,) = people(workspace, 1)
    sequence, version = approved_sequence(
        workspace, program(email("once")), key="again", re_entry="after_exit"
    )
    now = timezone.now()
    assert members_enrol(version=version, contact_ids=[a.pk], now=now) == 1
    assert members_enrol(version=version, contact_ids=[a.pk], now=now) == 0  # active
    sequences_advance(now=now + timedelta(seconds=1))
    later = now + timedelta(minutes=5)
    assert members_enrol(version=version, contact_ids=[a.pk], now=later) == 1
    assert SequenceMember.objects.filter(sequence=sequence, contact=a).count() == 2
