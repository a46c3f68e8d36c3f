"""Sources: a vertical's own trigger (set-based enrolment on a beat-run crontab, with each
member's subject) and context (in every send's payload, rendered into the message, never over
the contact, the sender or the unsubscribe link); direct mail and written-consent sends."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from como.agents.execution import action_execute
from como.agents.models import AgentAction
from como.channels.personalization import message_context
from como.consent.services import consent_grant
from como.leads.models import Contact
from como.sequences import sources
from como.sequences.advance import sequences_advance
from como.sequences.enrollment import audience_enrol, audience_task_name, members_enrol
from como.sequences.models import MemberStep, SequenceMember
from como.sequences.sources import Entry, MemberRef
from como.sequences.versions import sequence_create, sequence_version_propose
from como.workspaces.models import Workspace

from .support import approved_sequence, approver, email, people, program

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

KEY = "test.vehicles"


@dataclass
class VehicleSource:
    """A source over contacts whose ``attributes`` name a vehicle: set-based, as sources are."""

    key: str = KEY
    label: str = "Test vehicles"
    context_calls: list[list[int]] = field(default_factory=list)

    def due(self, workspace: Workspace, now: datetime) -> Iterable[Entry]:
        rows = Contact.objects.filter(workspace=workspace, attributes__has_key="vin").order_by("pk")
        for pk, attributes in rows.values_list("pk", "attributes"):
            yield Entry(pk, {"vin": attributes["vin"]})
            yield Entry(pk, {"vin": "SECOND-VEHICLE"})  # a person with two: enters once

    def context(
        self, workspace: Workspace, members: Sequence[MemberRef], now: datetime
    ) -> dict[int, dict[str, Any]]:
        self.context_calls.append([m.id for m in members])
        return {
            m.id: {
                "vehicle": {"vin": m.subject.get("vin", "none")},
                # What a source may not replace: ignored by the channels.
                "contact": {"first_name": "Mallory"},
                "sender": {"name": "Spoofed"},
                "unsubscribe_url": "https://evil.example/",
            }
            for m in members
        }


@pytest.fixture
def source() -> Iterable[VehicleSource]:
    made = VehicleSource()
    with sources.SOURCES.override({KEY: made}):
        yield made


def _trigger() -> dict[str, Any]:
    return {"on": "source", "source": KEY, "crontab": "0 9 * * *"}


def _owners(workspace: Workspace, count: int) -> list[Contact]:
    contacts = people(workspace, count)
    for n, contact in enumerate(contacts):
        contact.attributes = {"vin": f"VIN{n}"}
        contact.save(update_fields=["attributes"])
    return contacts


def test_a_source_trigger_needs_a_crontab_and_an_installed_source(
    workspace: Workspace, source: VehicleSource
) -> None:
    with pytest.raises(ValidationError) as raised:
        sequence_create(
            workspace=workspace,
            key="a",
            name="A",
            program=program(email("x"), trigger={"on": "source", "source": KEY}),
        )
    assert "needs crontab and source" in str(raised.value.message_dict["program.trigger"])
    with pytest.raises(ValidationError) as raised:
        sequence_create(
            workspace=workspace,
            key="b",
            name="B",
            program=program(email("x"), trigger={**_trigger(), "source": "nope.none"}),
        )
    assert "No source 'nope.none'" in raised.value.message_dict["program.trigger.source"][0]
    with pytest.raises(ValidationError) as raised:
        sequence_create(
            workspace=workspace,
            key="c",
            name="C",
            program=program(email("x"), context_source="nope.none"),
        )
    assert list(raised.value.message_dict) == ["program.context_source"]


def test_the_source_enrols_on_its_beat_row_once_each_with_its_subject(
    workspace: Workspace, source: VehicleSource
) -> None:
    owners = _owners(workspace, 3)
    sequence, _version = approved_sequence(workspace, program(email("x"), trigger=_trigger()))
    row = PeriodicTask.objects.get(name=audience_task_name(sequence.pk))
    assert (row.task, row.crontab.minute, row.crontab.hour) == (
        "como.sequences.enrol_audience",
        "0",
        "9",
    )
    assert row.crontab.timezone.key == workspace.time_zone
    with CaptureQueriesContext(connection) as queries:
        assert audience_enrol(sequence_id=sequence.pk) == 3
    assert len(queries) <= 8  # set-based: not one query per person
    assert audience_enrol(sequence_id=sequence.pk) == 0  # active already: once at a time
    members = SequenceMember.objects.filter(sequence=sequence).order_by("contact_id")
    assert [(m.contact_id, m.subject) for m in members] == [
        (o.pk, {"vin": f"VIN{n}"}) for n, o in enumerate(owners)
    ]


def test_context_reaches_the_sent_message_but_not_over_contact_sender_or_unsubscribe(
    workspace: Workspace, source: VehicleSource
) -> None:
    _owners(workspace, 1)
    body = (
        "Hi {{ contact.first_name }}, your {{ vehicle.vin }} from {{ sender.name }}. "
        "Out: {{ unsubscribe_url }}"
    )
    _sequence, version = approved_sequence(
        workspace, program(email("remind", body=body), trigger=_trigger())
    )
    # The approver's preview read the same context for the sample member.
    review = version.approving_action.payload  # type: ignore[union-attr]
    assert review["previews"][0]["body"].startswith(f"Hi P0, your VIN0 from {workspace.name}.")
    audience_enrol(sequence_id=version.sequence_id)
    done = sequences_advance(now=timezone.now() + timedelta(seconds=1))
    assert done.sends == 1
    member = SequenceMember.objects.get()
    assert source.context_calls[-1] == [member.pk]  # one call for the batch's senders
    send = AgentAction.objects.get(kind="email_send")
    assert send.payload["context"]["vehicle"] == {"vin": "VIN0"}
    assert action_execute(send.pk).status == "succeeded"
    (message,) = mail.outbox
    assert "Hi P0, your VIN0 from " + workspace.name in message.body
    assert "Mallory" not in message.body
    assert "Spoofed" not in message.body
    assert "evil.example" not in message.body
    assert "/u/" in message.body or "unsubscribe" in message.body.lower()


def test_message_context_keeps_reserved_keys() -> None:
    contact = Contact(first_name="Ana", last_name="Lee")
    workspace = Workspace(name="Lakeside", postal_address="1 Main St")
    context = message_context(
        contact=contact,
        workspace=workspace,
        extra={"contact": {}, "sender": {}, "unsubscribe_url": "x", "offer": {"pct": 10}},
    )
    assert context["contact"]["name"] == "Ana Lee"
    assert context["sender"]["name"] == "Lakeside"
    assert "unsubscribe_url" not in context
    assert context["offer"] == {"pct": 10}


def test_an_event_trigger_reads_a_named_context_source(
    workspace: Workspace, source: VehicleSource
) -> None:
    (owner,) = _owners(workspace, 1)
    data = program(email("hi", body="VIN {{ vehicle.vin }}"), context_source=KEY)
    _sequence, version = approved_sequence(workspace, data, key="ctx")
    members_enrol(version=version, contact_ids=[owner.pk])
    sequences_advance(now=timezone.now() + timedelta(seconds=1))
    # Entered by hand, without a subject: the source answers for the person anyway.
    assert AgentAction.objects.get(kind="email_send").payload["context"] == {
        "vehicle": {"vin": "none"},
        "contact": {"first_name": "Mallory"},
        "sender": {"name": "Spoofed"},
        "unsubscribe_url": "https://evil.example/",
    }


def test_a_direct_mail_step_sends_one_letter_and_skips_who_has_no_address(
    workspace: Workspace,
) -> None:
    mailed, unmailed = people(workspace, 2)
    mailed.attributes = {"address_line1": "1 Oak St", "city": "Springfield"}
    mailed.postal_code, mailed.country = "62701", "US"
    mailed.save(update_fields=["attributes", "postal_code", "country"])
    letter = {
        "id": "letter",
        "type": "send",
        "channel": "direct_mail",
        "body": "Dear {{ contact.first_name }}, it is time.",
    }
    _sequence, version = approved_sequence(workspace, program(letter), key="mail")
    members_enrol(version=version, contact_ids=[mailed.pk, unmailed.pk])
    sequences_advance(now=timezone.now() + timedelta(seconds=1))
    send = AgentAction.objects.get(kind="direct_mail_send")
    assert send.payload == {
        "contact_ids": [mailed.pk],
        "template": "Dear {{ contact.first_name }}, it is time.",
    }
    assert send.channel == "direct_mail"
    skipped = MemberStep.objects.get(member__contact=unmailed)
    assert (skipped.outcome, skipped.reason) == ("skipped", "no_postal_address")
    assert action_execute(send.pk).status == "succeeded"
    send.refresh_from_db()
    assert send.result["pieces"] == 1


def test_a_written_consent_only_sms_is_skipped_with_its_why_and_the_member_goes_on(
    workspace: Workspace,
) -> None:
    written, express = people(workspace, 2)
    pairs = ((written, "express_written", "+13125550101"), (express, "express", "+13125550102"))
    for contact, basis, phone in pairs:
        contact.phone = phone
        contact.save(update_fields=["phone"])
        consent_grant(
            contact=contact,
            channel="sms",
            basis=basis,
            source="web_form",
            jurisdiction="US",
            wording="Text me.",
            at=datetime(2026, 1, 5, tzinfo=UTC),
        )
    text = {
        "id": "text",
        "type": "send",
        "channel": "sms",
        "body": "Hi from {{ sender.name }}. Reply STOP to opt out.",
        "written_consent_only": True,
    }
    _sequence, version = approved_sequence(workspace, program(text, email("after")), key="sms")
    members_enrol(version=version, contact_ids=[written.pk, express.pk])
    done = sequences_advance(now=timezone.now() + timedelta(seconds=1))
    assert done.sends == 3  # one text, two emails
    texts = AgentAction.objects.filter(kind="sms_send")
    assert list(texts.values_list("target_id", flat=True)) == [str(written.pk)]
    decision = MemberStep.objects.get(member__contact=express, step_id="text")
    assert (decision.outcome, decision.reason) == ("skipped", "no_written_sms_consent")
    assert SequenceMember.objects.get(contact=express).state == "completed"


def test_previews_of_a_source_program_sample_the_source_entries(
    workspace: Workspace, source: VehicleSource
) -> None:
    _owners(workspace, 4)
    data = program(email("x", body="{{ vehicle.vin }}"), trigger=_trigger())
    version = sequence_create(workspace=workspace, key="p", name="P", program=data)
    action = sequence_version_propose(version=version, proposer=approver(workspace, "pp"))
    assert [p["body"] for p in action.payload["previews"]] == ["VIN0", "VIN1", "VIN2"]
    assert action.payload["expected_per_week"] == 4


def test_new_subject_re_entry_and_a_branch_on_the_subject(workspace: Workspace) -> None:
    (person,) = people(workspace, 1)
    data = program(
        {
            "id": "which",
            "type": "branch",
            "condition": {"on": "subject", "properties": {"lapsed": True}},
            "yes": "lapsed",
            "no": "fresh",
        },
        email("lapsed"),
        {"id": "end", "type": "exit", "reason": "done"},
        email("fresh"),
    )
    with pytest.raises(ValidationError):
        sequence_create(
            workspace=workspace,
            key="bad",
            name="Bad",
            program=program(
                {"id": "b", "type": "branch", "condition": {"on": "subject"}, "yes": "b", "no": "b"}
            ),
        )
    _sequence, version = approved_sequence(workspace, data, key="occ", re_entry="new_subject")
    now = timezone.now()
    first = {person.pk: {"ref": "VIN1:2026-01-01", "lapsed": True}}
    assert members_enrol(version=version, contact_ids=first, now=now, subjects=first) == 1
    sequences_advance(now=now + timedelta(seconds=1))
    later = now + timedelta(minutes=5)
    # Ended, but the same occasion: not again.
    assert members_enrol(version=version, contact_ids=first, now=later, subjects=first) == 0
    second = {person.pk: {"ref": "VIN1:2026-07-01", "lapsed": False}}
    assert members_enrol(version=version, contact_ids=second, now=later, subjects=second) == 1
    sequences_advance(now=later + timedelta(seconds=1))
    decisions = MemberStep.objects.filter(step_id="which").order_by("member_id")
    assert [(d.matched, d.next_step) for d in decisions] == [(True, "lapsed"), (False, "fresh")]
    sent = MemberStep.objects.filter(outcome="sent").order_by("member_id")
    assert list(sent.values_list("step_id", flat=True)) == ["lapsed", "fresh"]
    subjects = SequenceMember.objects.order_by("pk").values_list("subject", flat=True)
    assert list(subjects) == [first[person.pk], second[person.pk]]
