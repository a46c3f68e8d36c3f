"""A sequence's versions: create, edit (a new draft), propose for approval, activate.

Approval is per version, not per send: :func:`sequence_version_propose` makes ONE
``sequence_version_approve`` action whose payload holds every send step rendered for sample
members, the compliance report over those samples and the expected volume per week. Its executor
(:func:`sequence_version_execute`) activates the version; from then on each send is an action
covered by that approval (:mod:`.advance`). Editing an approved sequence makes a new draft;
members move to it only once it is approved.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from pydantic import ValidationError as PydanticError

from como.agents.compliance_gate import preflight
from como.agents.models import ActionStatus, AgentAction
from como.agents.services import ActionDraft, action_propose, action_supersede
from como.audiences.models import SavedAudience
from como.audiences.rules import rule_contacts, rule_of
from como.channels import ads
from como.channels.personalization import UNSUBSCRIBE_KEY, message_context
from como.creative import CreativeError, render_creative
from como.leads.models import Contact, Event, LifecycleTransition
from como.workspaces.models import Workspace
from como.workspaces.users import User

from . import sources
from .enrollment import audience_schedule_sync
from .models import MemberState, ReEntry, Sequence, SequenceMember, SequenceVersion, VersionState
from .sources import Entry, MemberRef
from .steps import AdAudienceStep, Program, SendStep, program_of

KIND = "sequence_version_approve"
AGENT = "sequences"
SAMPLES = 3
_KINDS = {"email": "email_send", "sms": "sms_send", "direct_mail": "direct_mail_send"}
_AUDIENCE_KINDS = {"add": ads.social.AUDIENCE, "remove": ads.social.AUDIENCE_REMOVE}


def send_kind(channel: str) -> str:
    """The channel adapter's action kind a send step becomes."""
    return _KINDS[channel]


def audience_kind(step: AdAudienceStep) -> str:
    """The paid-social adapter's action kind an ad-audience step becomes."""
    return _AUDIENCE_KINDS[step.action]


def audience_step_payload(step: AdAudienceStep, contact_ids: list[int]) -> dict[str, Any]:
    """The adapter's payload for one batch of members reaching ``step``."""
    return {"audience_id": step.audience_id, "contact_ids": contact_ids}


def saved_audience(workspace: Workspace, program: Program) -> SavedAudience | None:
    """The saved audience the program's schedule runs on, if any; ValidationError when it
    names one the workspace does not have."""
    audience_id = program.trigger.audience_id
    if audience_id is None:
        return None
    found = SavedAudience.objects.filter(workspace=workspace, pk=audience_id).first()
    if found is None:
        raise ValidationError(
            {"program.trigger.audience_id": ["No such saved audience in this workspace."]}
        )
    return found


def program_validate(data: Any) -> Program:
    """The program, or Django's ValidationError with pydantic's messages by field path."""
    try:
        program = program_of(data)
    except PydanticError as error:
        errors: dict[str, list[str]] = {}
        for item in error.errors():
            where = ".".join(["program", *(str(part) for part in item["loc"])])
            errors.setdefault(where, []).append(item["msg"])
        raise ValidationError(errors) from None
    for where, key in (
        ("program.trigger.source", program.trigger.source),
        ("program.context_source", program.context_source),
    ):
        if key and sources.find(key) is None:
            known = ", ".join(sources.SOURCES.keys()) or "none"
            raise ValidationError({where: [f"No source {key!r} is installed (known: {known})."]})
    return program


@transaction.atomic
def sequence_create(
    *, workspace: Workspace, key: str, name: str, program: Any, re_entry: str = ReEntry.NEVER
) -> SequenceVersion:
    """A sequence with its first version, a draft."""
    valid = program_validate(program)
    saved_audience(workspace, valid)
    if Sequence.objects.filter(workspace=workspace, key=key).exists():
        raise ValidationError({"key": ["A sequence with this key exists in the workspace."]})
    sequence = Sequence.objects.create(workspace=workspace, key=key, name=name, re_entry=re_entry)
    return SequenceVersion.objects.create(
        workspace=workspace,
        sequence=sequence,
        number=1,
        program=valid.model_dump(mode="json"),
    )


@transaction.atomic
def sequence_edit(*, sequence: Sequence, program: Any) -> SequenceVersion:
    """The sequence's program changed: its undecided version is revised (a proposal awaiting
    approval is withdrawn: the approver saw other content), else a new draft is made. An
    approved version keeps running until the new one is approved."""
    checked = program_validate(program)
    saved_audience(sequence.workspace, checked)
    valid = checked.model_dump(mode="json")
    Sequence.objects.select_for_update().get(pk=sequence.pk)
    latest = sequence.versions.order_by("-number").first()
    if latest is not None and latest.state in (VersionState.DRAFT, VersionState.PROPOSED):
        if latest.approving_action_id is not None:
            action_supersede(
                action=AgentAction.objects.get(pk=latest.approving_action_id),
                note="The sequence was edited: a new proposal follows.",
            )
        latest.program, latest.state, latest.approving_action = valid, VersionState.DRAFT, None
        latest.save(update_fields=["program", "state", "approving_action"])
        return latest
    number = (sequence.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    return SequenceVersion.objects.create(
        workspace_id=sequence.workspace_id, sequence=sequence, number=number, program=valid
    )


def _samples(workspace: Workspace, program: Program) -> list[MemberRef]:
    """Up to three people the trigger would enrol (a source's first entries, recent ones of an
    event), else any with an address; as members (negative ids: none exists yet)."""
    trigger = program.trigger
    source = sources.find(trigger.source) if trigger.on == "source" and trigger.source else None
    if source is not None:
        first: dict[int, Entry] = {}
        for entry in source.due(workspace, timezone.now()):
            first.setdefault(entry.contact_id, entry)
            if len(first) == SAMPLES:
                break
        if first:
            return [
                MemberRef(-n, entry.contact_id, entry.subject)
                for n, entry in enumerate(first.values(), 1)
            ]
    return [MemberRef(-n, c.pk) for n, c in enumerate(_sample_contacts(workspace, program), 1)]


def _sample_contacts(workspace: Workspace, program: Program) -> list[Contact]:
    trigger = program.trigger
    contacts = Contact.objects.filter(workspace=workspace).exclude(email="", phone="")
    audience = saved_audience(workspace, program)
    if audience is not None:
        members = rule_contacts(
            rule_of(audience.rule), workspace_id=workspace.pk, now=timezone.now()
        )
        contacts = contacts.filter(pk__in=members.values("pk"))
    if trigger.on == "event":
        ids = (
            Event.objects.filter(workspace=workspace, type=trigger.event_type)
            .order_by("-occurred_at")
            .values_list("contact_id", flat=True)[:50]
        )
        picked = list(contacts.filter(pk__in=list(ids)).order_by("-id")[:SAMPLES])
        if picked:
            return picked
    return list(contacts.order_by("-id")[:SAMPLES])


def expected_per_week(workspace: Workspace, program: Program) -> int:
    """How many people the trigger enrolled over the last seven days (had it been live)."""
    since = timezone.now() - timedelta(days=7)
    trigger = program.trigger
    if trigger.on == "event":
        events = Event.objects.filter(
            workspace=workspace, type=trigger.event_type, occurred_at__gte=since
        )
        if trigger.properties:
            events = events.filter(properties__contains=trigger.properties)
        return events.values("contact_id").distinct().count()
    if trigger.on == "stage":
        return (
            LifecycleTransition.objects.filter(
                workspace=workspace, to_stage=trigger.stage, at__gte=since
            )
            .values("contact_id")
            .distinct()
            .count()
        )
    audience = saved_audience(workspace, program)
    if audience is not None:
        return rule_contacts(
            rule_of(audience.rule), workspace_id=workspace.pk, now=timezone.now()
        ).count()
    if trigger.on == "schedule":
        return Contact.objects.filter(
            workspace=workspace, lifecycle_stage__in=trigger.audience_stages
        ).count()
    if trigger.on == "source" and trigger.source and (source := sources.find(trigger.source)):
        # Who is due now: a source's entries come as their time comes, not per week, so the
        # approver reads the first run's size.
        return len({entry.contact_id for entry in source.due(workspace, timezone.now())})
    return 0


def _render(
    step: SendStep, contact: Contact, workspace: Workspace, extra: Mapping[str, Any]
) -> dict[str, Any]:
    context = message_context(contact=contact, workspace=workspace, extra=extra)
    if step.channel == "email":
        context[UNSUBSCRIBE_KEY] = "(the recipient's unsubscribe link)"
    out: dict[str, Any] = {"step": step.id, "channel": step.channel, "contact_id": contact.pk}
    try:
        if step.subject:
            out["subject"] = render_creative(step.subject, context)
        out["body"] = render_creative(step.body, context)
    except CreativeError as error:
        out["error"] = str(error)
    return out


def send_payload(
    step: SendStep, contact_id: int, context: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The channel action's payload for one send of ``step`` to one person, with the source's
    ``context`` for them (merged into the template context by the channel)."""
    payload: dict[str, Any]
    if step.channel == "direct_mail":
        payload = {"contact_ids": [contact_id], "template": step.body}
    else:
        payload = {"contact_id": contact_id, "body": step.body}
    if step.channel == "email":
        payload["subject"] = step.subject
        if step.html:
            payload["html"] = step.html
    if context:
        payload["context"] = dict(context)
    return payload


def version_review(version: SequenceVersion) -> dict[str, Any]:
    """What the approver reads: each send (and ad-audience change) rendered for the samples,
    the compliance report over them, the expected volume per week, the audience rule."""
    workspace = version.workspace
    program = program_of(version.program)
    now = timezone.now()
    members = _samples(workspace, program)
    contacts = Contact.objects.in_bulk([member.contact_id for member in members])
    members = [member for member in members if member.contact_id in contacts]
    # The same path as the sends: the source's context for these (sample) members.
    context = sources.context_for(program.source_key, workspace, members, now)
    samples = [contacts[member.contact_id] for member in members]
    previews: list[dict[str, Any]] = []
    findings: list[dict[str, Any]] = []
    for step in program.steps:
        if not isinstance(step, SendStep | AdAudienceStep):
            continue
        for member in members:
            contact, extra = contacts[member.contact_id], context.get(member.id, {})
            kind: str
            channel: str
            payload: dict[str, Any]
            target: tuple[str, str | int]
            if isinstance(step, SendStep):
                previews.append(_render(step, contact, workspace, extra))
                kind, channel = send_kind(step.channel), step.channel
                payload = send_payload(step, contact.pk, extra)
                target = ("contact", contact.pk)
            else:
                verb = "Add to" if step.action == "add" else "Remove from"
                previews.append(
                    {
                        "step": step.id,
                        "channel": "paid_social",
                        "contact_id": contact.pk,
                        "body": f"{verb} Meta customer-list audience {step.audience_id}",
                    }
                )
                kind, channel = audience_kind(step), "paid_social"
                payload = audience_step_payload(step, [contact.pk])
                target = ("ad_audience", step.audience_id)
            probe = AgentAction(
                workspace=workspace,
                kind=kind,
                channel=channel,
                payload=payload,
                target_type=target[0],
                target_id=str(target[1]),
            )
            report = preflight(probe, at=now)
            for finding in report.as_list() if report is not None else []:
                findings.append({**finding, "step": step.id, "contact_id": contact.pk})
    audience = saved_audience(workspace, program)
    return {
        "sequence_id": version.sequence_id,
        "version_id": version.pk,
        "version": version.number,
        "program": version.program,
        "samples": [contact.pk for contact in samples],
        "previews": previews,
        "compliance": findings,
        "expected_per_week": expected_per_week(workspace, program),
        # The saved audience's rule as approved: what the schedule runs, whatever the
        # audience becomes later (como.audiences.services).
        "audience": None
        if audience is None
        else {"id": audience.pk, "name": audience.name, "rule": audience.rule},
    }


@transaction.atomic
def sequence_version_propose(*, version: SequenceVersion, proposer: User) -> AgentAction:
    """Propose the draft ``version`` for approval as one action."""
    locked = (
        SequenceVersion.objects.select_for_update().select_related("workspace").get(pk=version.pk)
    )
    if locked.state != VersionState.DRAFT:
        raise ValidationError(
            {"state": [f"Version {locked.number} is {locked.state}, not a draft."]}
        )
    review = version_review(locked)
    sequence = Sequence.objects.get(pk=locked.sequence_id)
    # Compliance findings of the samples are the approver's to read; a sample's block (a
    # missing consent) is about that person, not the program, so they warn here and the gate
    # blocks that person's send.
    proposed = action_propose(
        workspace=locked.workspace,
        proposer=proposer,
        draft=ActionDraft(
            agent=AGENT,
            kind=KIND,
            idempotency_key=f"{KIND}:{locked.pk}",
            rationale=(
                f"Run sequence {sequence.name!r} version {locked.number}: "
                f"{review['expected_per_week']} people a week would enter."
            ),
            target_type="sequence_version",
            target_id=locked.pk,
            payload=review,
            preview="\n\n".join(
                f"[{p['step']} → contact {p['contact_id']}] "
                f"{p.get('subject', '')}\n{p.get('body', '')}"
                for p in review["previews"]
            ),
        ),
    )
    locked.state, locked.approving_action = VersionState.PROPOSED, proposed.action
    locked.save(update_fields=["state", "approving_action"])
    version.state, version.approving_action = locked.state, proposed.action
    return proposed.action


@transaction.atomic
def sequence_version_activate(*, version: SequenceVersion) -> SequenceVersion:
    """The version is approved: it becomes the sequence's one approved version, the previous is
    retired and the active members on a step the new version still has move to it (the others
    finish on their version, whose approval covers them)."""
    locked = SequenceVersion.objects.select_for_update().get(pk=version.pk)
    if locked.state == VersionState.APPROVED:
        return locked
    previous = list(
        SequenceVersion.objects.select_for_update().filter(
            sequence_id=locked.sequence_id, state=VersionState.APPROVED
        )
    )
    for old in previous:
        old.state = VersionState.RETIRED
        old.save(update_fields=["state"])
    locked.state, locked.approved_at = VersionState.APPROVED, timezone.now()
    locked.save(update_fields=["state", "approved_at"])
    step_ids = [step.id for step in program_of(locked.program).steps]
    SequenceMember.objects.filter(
        sequence_id=locked.sequence_id,
        state=MemberState.ACTIVE,
        version__in=previous,
        current_step__in=step_ids,
    ).update(version=locked)
    audience_schedule_sync(SequenceVersion.objects.select_related("workspace").get(pk=locked.pk))
    return locked


def sequence_version_execute(action: AgentAction, idempotency_key: str) -> Mapping[str, Any]:
    """The executor of an approved ``sequence_version_approve`` action (run twice: the same)."""
    version = SequenceVersion.objects.get(
        workspace_id=action.workspace_id, pk=int(action.target_id)
    )
    activated = sequence_version_activate(version=version)
    return {"version_id": activated.pk, "state": activated.state}


def approved_version(sequence: Sequence) -> SequenceVersion | None:
    return sequence.versions.filter(state=VersionState.APPROVED).first()


def approver_of(action: AgentAction) -> str:
    """Who approved ``action``, for the covered sends' audit (the last approval's user)."""
    approval = action.approvals.select_related("user").order_by("-created_at").first()
    if approval is None:
        return "the playbook's policy" if action.status != ActionStatus.PROPOSED else "nobody"
    return approval.user.get_username()
