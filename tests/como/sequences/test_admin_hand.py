"""Enrolling and removing by hand in the console, through Django's test client: the same
services and permission checks as the API, from a sequence's page and a contact's; the
per-step funnel on the sequence's page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from como.sequences.advance import sequences_advance
from como.sequences.enrollment import members_enrol
from como.sequences.models import MemberStep, SequenceMember
from como.sequences.selectors import sequence_funnel
from como.workspaces.models import Workspace
from tests.factories import member_client

from .support import approved_sequence, email, people, program

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

ENROL = reverse("admin:sequences_sequencemember_enrol")


def remove_url(member: SequenceMember) -> str:
    return reverse("admin:sequences_sequencemember_remove", args=[member.pk])


def test_a_person_is_enrolled_and_removed_from_the_sequences_page(workspace: Workspace) -> None:
    ana, ben = people(workspace, 2)
    sequence, _ = approved_sequence(
        workspace, program(email("hello"), {"id": "w", "type": "wait", "minutes": 60})
    )
    page = reverse("admin:sequences_sequence_change", args=[sequence.pk])
    client = member_client(workspace, "marketer")
    shown = client.get(page)
    assert shown.status_code == 200
    assert b'id="sequence-funnel"' in shown.content
    assert f"{ENROL}?sequence={sequence.pk}".encode() in shown.content

    form = client.get(ENROL, {"sequence": str(sequence.pk), "next": page})
    assert form.status_code == 200
    assert f'value="{sequence.pk}" selected'.encode() in form.content
    done = client.post(ENROL, {"sequence": sequence.pk, "contact": ana.pk, "next": page})
    assert (done.status_code, done["Location"]) == (302, page)
    member = SequenceMember.objects.get(contact=ana)
    assert (member.state, member.current_step) == ("active", "hello")

    twice = client.post(ENROL, {"sequence": sequence.pk, "contact": ana.pk})
    assert twice.status_code == 200
    assert b"This person is in the sequence already." in twice.content
    assert SequenceMember.objects.count() == 1

    listed = client.get(page)
    assert f'action="{remove_url(member)}"'.encode() in listed.content
    assert client.get(remove_url(member)).status_code == 405
    gone = client.post(remove_url(member), {"next": page})
    assert (gone.status_code, gone["Location"]) == (302, page)
    member.refresh_from_db()
    assert (member.state, member.exit_reason) == ("exited", "removed")
    step = MemberStep.objects.get(member=member)
    assert (step.step_id, step.outcome, step.reason) == ("hello", "exited", "removed")
    funnel = client.get(page)
    assert b"removed: 1" in funnel.content
    del ben


def test_the_contacts_page_offers_remove_and_enrol_and_both_work(workspace: Workspace) -> None:
    (ana,) = people(workspace, 1)
    sequence, version = approved_sequence(workspace, program(email("hello")))
    members_enrol(version=version, contact_ids=[ana.pk])
    member = SequenceMember.objects.get(contact=ana)
    contact_page = reverse("admin:leads_contact_change", args=[ana.pk])
    client = member_client(workspace, "marketer")
    shown = client.get(contact_page)
    assert shown.status_code == 200
    assert f'formaction="{remove_url(member)}"'.encode() in shown.content
    assert f"{ENROL}?contact={ana.pk}".encode() in shown.content
    # The button posts the contact's form to the remove view, which reads only "next".
    gone = client.post(remove_url(member), {"next": contact_page, "email": "ignored@x.com"})
    assert (gone.status_code, gone["Location"]) == (302, contact_page)
    member.refresh_from_db()
    assert member.state == "exited"
    ana.refresh_from_db()
    assert ana.email != "ignored@x.com"
    # Re-entry is off: enrolling again says why, as the API does.
    again = client.post(ENROL, {"sequence": sequence.pk, "contact": ana.pk})
    assert again.status_code == 200
    assert b"re-entry is off" in again.content


def test_a_viewer_may_not_and_another_workspace_is_out_of_reach(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    (ana,) = people(workspace, 1)
    sequence, version = approved_sequence(workspace, program(email("hello")))
    members_enrol(version=version, contact_ids=[ana.pk])
    member = SequenceMember.objects.get(contact=ana)
    viewer = member_client(workspace, "viewer")
    assert viewer.get(ENROL).status_code == 403
    assert viewer.post(ENROL, {"sequence": sequence.pk, "contact": ana.pk}).status_code == 403
    assert viewer.post(remove_url(member)).status_code == 403
    page = viewer.get(reverse("admin:sequences_sequence_change", args=[sequence.pk]))
    assert page.status_code == 200
    assert b'class="sequence-remove"' not in page.content
    stranger = member_client(other_workspace, "marketer")
    assert stranger.post(remove_url(member)).status_code == 404
    refused = stranger.post(ENROL, {"sequence": sequence.pk, "contact": ana.pk})
    assert refused.status_code == 200  # not a choice they have
    assert b"Select a valid choice" in refused.content
    member.refresh_from_db()
    assert member.state == "active"
    outside = member_client(workspace, "marketer")
    unsafe = outside.post(remove_url(member), {"next": "https://evil.example/"})
    assert unsafe["Location"] == reverse("admin:sequences_sequencemember_change", args=[member.pk])


def test_the_funnel_counts_conversions_and_exits_at_the_step_they_happened(
    workspace: Workspace,
) -> None:
    ana, ben = people(workspace, 2)
    wait = {"id": "w", "type": "wait", "minutes": 60}
    data = program(email("hello"), wait, email("again"), exits=[{"on": "converted"}])
    sequence, version = approved_sequence(workspace, data)
    members_enrol(version=version, contact_ids=[ana.pk, ben.pk])
    now = timezone.now()
    sequences_advance(now=now + timedelta(seconds=1))
    ana.lifecycle_stage = "customer"
    ana.save(update_fields=["lifecycle_stage"])
    sequences_advance(now=now + timedelta(minutes=62))
    funnel = sequence_funnel(sequence)
    by_step = {s["step"]: s for s in funnel["steps"]}
    assert [(s["step"], s["entered"], s["sent"], s["converted"]) for s in funnel["steps"]] == [
        ("hello", 2, 2, 1),
        ("w", 2, 0, 1),
        ("again", 2, 1, 1),
    ]
    assert by_step["again"]["exited"] == {"converted": 1}
    assert (funnel["converted"], funnel["completed"], funnel["exited"]) == (
        1,
        1,
        {"converted": 1},
    )
