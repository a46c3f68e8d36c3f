"""Who enters a sequence and how: by trigger (events ingested, a stage change, a schedule over a
saved audience, a vertical's source on its crontab) or by hand. Set-based: one INSERT per
sequence and batch, ``ON CONFLICT DO NOTHING`` on the one-active-membership constraint, so a
person is in a sequence at most once at a time however many triggers fire at once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from collections.abc import Sequence as Seq
from datetime import datetime
from operator import attrgetter
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from como.agents.models import AgentAction
from como.audiences.rules import rule_contacts, rule_of
from como.beat import crontab_schedule, periodic_task_upsert, periodic_tasks_delete
from como.leads.models import Contact, LifecycleTransition
from como.leads.reactions import IngestedEvent
from como.workspaces.models import Workspace

from . import sources
from .models import (
    MemberState,
    MemberStep,
    Outcome,
    ReEntry,
    Sequence,
    SequenceMember,
    SequenceVersion,
    VersionState,
)
from .steps import Program, program_of


def _live(workspace: Workspace, on: str) -> list[tuple[SequenceVersion, Program]]:
    # Sorted here, not by the model's ordering in SQL: compiling that ORDER BY (Django hashes
    # every selected column of both tables) cost more than the query on the ingest path, which
    # asks once per batch. One approved version per sequence, so its id orders them as
    # ``(sequence_id, -number)`` did.
    versions = sorted(
        SequenceVersion.objects.filter(
            workspace=workspace, state=VersionState.APPROVED, program__trigger__on=on
        )
        .select_related("sequence")
        .order_by(),
        key=attrgetter("sequence_id"),
    )
    return [(version, program_of(version.program)) for version in versions]


def members_enrol(
    *,
    version: SequenceVersion,
    contact_ids: Iterable[int],
    now: datetime | None = None,
    subjects: Mapping[int, dict[str, Any]] | None = None,
) -> int:
    """Enrol these contacts in the approved ``version``'s sequence (each with its ``subjects``
    entry, if any); how many entered. Someone active in it already stays where they are;
    someone who was in it before enters again only when the sequence allows re-entry; nobody
    enters a switched-off sequence."""
    now = now or timezone.now()
    ids = set(contact_ids)
    if not ids or version.state != VersionState.APPROVED:
        return 0
    # Read now, not from the caller's cached row: a playbook save may have switched it off.
    sequence = Sequence.objects.get(pk=version.sequence_id)
    if not sequence.enabled:
        return 0
    # Out already: those active in it now, and (without re-entry) anyone who ever was, or
    # (new occasions only) who was for the same occasion.
    present = SequenceMember.objects.filter(sequence=sequence, contact_id__in=ids)
    if sequence.re_entry == ReEntry.AFTER_EXIT:
        present = present.filter(state=MemberState.ACTIVE)
    if sequence.re_entry == ReEntry.NEW_SUBJECT:
        wanted = subjects or {}
        ids -= {
            contact_id
            for contact_id, state, subject in present.values_list("contact_id", "state", "subject")
            if state == MemberState.ACTIVE
            or subject_ref(subject) == subject_ref(wanted.get(contact_id) or {})
        }
    else:
        ids -= set(present.values_list("contact_id", flat=True))
    if not ids:
        return 0
    first = program_of(version.program).steps[0].id
    rows = [
        SequenceMember(
            workspace_id=version.workspace_id,
            sequence=sequence,
            version=version,
            contact_id=contact_id,
            subject=(subjects or {}).get(contact_id) or {},
            current_step=first,
            next_due_at=now,
            entered_at=now,
        )
        for contact_id in sorted(ids)
    ]
    created = SequenceMember.objects.bulk_create(rows, ignore_conflicts=True)
    # With ignore_conflicts PostgreSQL returns no ids: count what is there now.
    del created
    return SequenceMember.objects.filter(
        sequence=sequence, contact_id__in=ids, entered_at=now, state=MemberState.ACTIVE
    ).count()


def subject_ref(subject: Any) -> Any:
    """What makes two memberships the same occasion: the subject's ``ref``, else all of it."""
    if isinstance(subject, dict) and "ref" in subject:
        return subject["ref"]
    return subject


def _matches(event: IngestedEvent, properties: Mapping[str, object]) -> bool:
    return all(event.properties.get(name) == value for name, value in properties.items())


def events_ingested_enrol(workspace: Workspace, events: Mapping[int, Seq[IngestedEvent]]) -> None:
    """The ingest reaction: people whose new events match an event trigger enter."""
    for version, program in _live(workspace, "event"):
        trigger = program.trigger
        ids = [
            contact_id
            for contact_id, items in events.items()
            if any(e.type == trigger.event_type and _matches(e, trigger.properties) for e in items)
        ]
        members_enrol(version=version, contact_ids=ids)


def stage_changed_enrol(workspace: Workspace, transitions: Seq[LifecycleTransition]) -> None:
    """The stage reaction: people who moved to a trigger's stage enter."""
    live = _live(workspace, "stage")
    for version, program in live:
        ids = [t.contact_id for t in transitions if t.to_stage == program.trigger.stage]
        members_enrol(version=version, contact_ids=ids)


def audience_enrol(*, sequence_id: int, now: datetime | None = None) -> int:
    """A scheduled run: everyone in the sequence's audience enters, or every entry its source
    says is due now (re-entry rules hold; a person the source names twice enters once, with
    the first entry's subject). Called by the sequence's beat row
    (:func:`audience_schedule_sync`)."""
    now = now or timezone.now()
    version = (
        SequenceVersion.objects.filter(sequence_id=sequence_id, state=VersionState.APPROVED)
        .select_related("sequence", "workspace")
        .first()
    )
    if version is None or not version.sequence.enabled:
        return 0
    trigger = program_of(version.program).trigger
    if trigger.on == "source" and trigger.source:
        source = sources.find(trigger.source)
        if source is None:
            return 0
        subjects: dict[int, dict[str, Any]] = {}
        for entry in source.due(version.workspace, now):
            subjects.setdefault(entry.contact_id, entry.subject)
        return members_enrol(version=version, contact_ids=subjects, now=now, subjects=subjects)
    if trigger.on != "schedule":
        return 0
    now = now or timezone.now()
    if trigger.audience_id is not None:
        # The rule the approver saw, kept in the approval, not the saved audience as it is now.
        payload = AgentAction.objects.get(pk=version.approving_action_id).payload
        approved = payload.get("audience") if isinstance(payload, dict) else None
        if not approved:
            return 0  # approved before audiences were reviewed: nothing it may run on
        contacts = rule_contacts(
            rule_of(approved["rule"]), workspace_id=version.workspace_id, now=now
        )
    else:
        contacts = Contact.objects.filter(
            workspace_id=version.workspace_id, lifecycle_stage__in=trigger.audience_stages
        )
    ids = contacts.values_list("pk", flat=True)
    return members_enrol(version=version, contact_ids=list(ids), now=now)


AUDIENCE_TASK = "como.sequences.enrol_audience"


def audience_task_name(sequence_id: int) -> str:
    return f"{AUDIENCE_TASK}:{sequence_id}"


def audience_schedule_sync(version: SequenceVersion) -> None:
    """The approved ``version``'s beat row: its crontab in the workspace's time zone for a
    schedule or source trigger of an enabled sequence, none otherwise (a row of an earlier
    version, or of a sequence switched off, is removed)."""
    trigger = program_of(version.program).trigger
    name = audience_task_name(version.sequence_id)
    enabled = Sequence.objects.filter(pk=version.sequence_id, enabled=True).exists()
    if not (trigger.scheduled and trigger.crontab and enabled):
        periodic_tasks_delete(PeriodicTask.objects.filter(name=name))
        return
    crontab = crontab_schedule(trigger.crontab, version.workspace.time_zone)
    periodic_task_upsert(
        name,
        {
            "task": AUDIENCE_TASK,
            "crontab_id": crontab.pk,
            "interval_id": None,
            "solar_id": None,
            "clocked_id": None,
            "kwargs": json.dumps({"sequence_id": version.sequence_id}),
            "enabled": True,
            "one_off": False,
            "description": f"Sequence {version.sequence_id}: its audience enters "
            f"({trigger.crontab}). Set by the approved version, not here.",
        },
    )


@transaction.atomic
def member_add(*, sequence: Sequence, contact: Contact) -> SequenceMember:
    """Enrol one person by hand; ValidationError says why not."""
    if contact.workspace_id != sequence.workspace_id:
        raise ValidationError({"contact_id": ["No such contact in this workspace."]})
    if not sequence.enabled:
        raise ValidationError({"sequence": ["The sequence is switched off in the playbook."]})
    version = sequence.versions.filter(state=VersionState.APPROVED).first()
    if version is None:
        raise ValidationError({"sequence": ["The sequence has no approved version yet."]})
    active = SequenceMember.objects.filter(
        sequence=sequence, contact=contact, state=MemberState.ACTIVE
    ).first()
    if active is not None:
        raise ValidationError({"contact_id": ["This person is in the sequence already."]})
    now = timezone.now()
    if not members_enrol(version=version, contact_ids=[contact.pk], now=now):
        raise ValidationError({"contact_id": ["This person was in it before; re-entry is off."]})
    return SequenceMember.objects.get(sequence=sequence, contact=contact, state=MemberState.ACTIVE)


@transaction.atomic
def member_remove(*, member: SequenceMember, reason: str = "removed") -> SequenceMember:
    """Take a person out by hand: nothing more is sent to them by this membership, and the
    exit is one of their steps (so the funnel counts it at the step they were on). Locks the
    member's row, as the beat pass does, so a pass never advances them at the same time."""
    locked = SequenceMember.objects.select_for_update().get(pk=member.pk)
    if locked.state == MemberState.ACTIVE:
        now = timezone.now()
        MemberStep.objects.create(
            workspace_id=locked.workspace_id,
            member=locked,
            version_id=locked.version_id,
            step_id=locked.current_step,
            occurrence=locked.position,
            outcome=Outcome.EXITED,
            reason=reason,
            at=now,
        )
        locked.state, locked.exit_reason = MemberState.EXITED, reason
        locked.ended_at, locked.next_due_at, locked.position = now, None, locked.position + 1
        locked.save(update_fields=["state", "exit_reason", "ended_at", "next_due_at", "position"])
    return locked
