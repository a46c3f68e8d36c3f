"""What the beat pass reads for a batch of due members, in a few queries, and the decisions
made from it: the exits and goals, the branches, and why a send is skipped
(:mod:`como.sequences.advance` walks the members with these)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from como.channels import direct_mail
from como.consent.selectors import consent_states, suppressed_channels
from como.consent.state import Basis
from como.leads.models import Contact, Event, LifecycleStage

from .steps import BranchStep, Program, SendStep

_OPEN_TYPES = {"opened": "email_opened", "clicked": "email_clicked"}
_SQL_OR_LATER = {LifecycleStage.SQL, LifecycleStage.OPPORTUNITY, LifecycleStage.CUSTOMER}


@dataclass(frozen=True)
class Due:
    """A member the pass claimed (its row's columns, no model instance: a batch has
    thousands)."""

    id: int
    workspace_id: int
    version_id: int
    contact_id: int
    current_step: str
    position: int
    entered_at: datetime
    subject: dict[str, Any]


@dataclass
class Facts:
    """What the batch's exits, branches and sends read, per contact."""

    contacts: dict[int, dict[str, Any]] = field(default_factory=dict)
    events: dict[int, list[tuple[str, dict[str, Any], datetime]]] = field(default_factory=dict)
    suppressed: dict[int, set[str]] = field(default_factory=dict)
    #: Channels on which the contact has express written consent now (read only when a step
    #: of the batch's programs asks for it).
    written: dict[int, set[str]] = field(default_factory=dict)


def facts_read(due: list[Due], programs: list[Program], now: datetime) -> Facts:
    """The facts for the batch ``due`` whose versions run ``programs``: a query or two per
    kind of fact (contacts, events since the earliest entry, suppressions, consent), and only
    the kinds the programs ask about."""
    facts = Facts()
    ids = [member.contact_id for member in due]
    sends = [step for program in programs for step in program.steps if isinstance(step, SendStep)]
    columns = ["id", "email", "phone", "lifecycle_stage", "score__score_fit", "score__score_intent"]
    if any(step.channel == "direct_mail" for step in sends):
        columns += ["attributes", "postal_code", "country"]  # the postal address
    facts.contacts = {row["id"]: row for row in Contact.objects.filter(pk__in=ids).values(*columns)}
    if any(step.written_consent_only for step in sends):
        by_workspace: dict[int, list[int]] = defaultdict(list)
        for member in due:
            by_workspace[member.workspace_id].append(member.contact_id)
        for workspace_id, contact_ids in by_workspace.items():
            states = consent_states(workspace_id=workspace_id, contact_ids=contact_ids, at=now)
            for contact_id, channels in states.items():
                facts.written[contact_id] = {
                    channel
                    for channel, state in channels.items()
                    if state.granted and state.basis == Basis.EXPRESS_WRITTEN
                }
    types: set[str] = set()
    for program in programs:
        types |= {e.event_type for e in program.exits if e.on == "event" and e.event_type}
        for step in program.steps:
            if isinstance(step, BranchStep):
                condition = step.condition
                if condition.on == "event" and condition.event_type:
                    types.add(condition.event_type)
                elif condition.on in _OPEN_TYPES:
                    types.add(_OPEN_TYPES[condition.on])
    if types:
        since = min(member.entered_at for member in due)
        rows = Event.objects.filter(
            contact_id__in=ids, type__in=types, occurred_at__gte=since
        ).values_list("contact_id", "type", "properties", "occurred_at")
        for contact_id, kind, properties, at in rows:
            facts.events.setdefault(contact_id, []).append((kind, properties or {}, at))
    if any(e.on == "opted_out" for program in programs for e in program.exits):
        addresses_by_workspace: dict[int, dict[int, list[str]]] = defaultdict(dict)
        for member in due:
            contact = facts.contacts.get(member.contact_id) or {}
            addresses = [a for a in (contact.get("email"), contact.get("phone")) if a]
            addresses_by_workspace[member.workspace_id][member.contact_id] = addresses
        for workspace_id, wanted in addresses_by_workspace.items():
            found = suppressed_channels(workspace_id=workspace_id, addresses=wanted)
            facts.suppressed.update({k: set(v) for k, v in found.items()})
    return facts


def happened(
    facts: Facts, member: Due, kind: str, properties: dict[str, Any] | None = None
) -> bool:
    for event_type, props, at in facts.events.get(member.contact_id, ()):
        wanted = not properties or all(props.get(k) == v for k, v in properties.items())
        if event_type == kind and at >= member.entered_at and wanted:
            return True
    return False


def exit_reason(program: Program, member: Due, facts: Facts) -> str | None:
    contact = facts.contacts.get(member.contact_id)
    if contact is None:
        return "contact_gone"
    for goal in program.exits:
        stage = contact["lifecycle_stage"]
        if goal.on == "converted" and stage == LifecycleStage.CUSTOMER:
            return goal.reason
        if goal.on == "became_sql" and stage in _SQL_OR_LATER:
            return goal.reason
        if goal.on == "opted_out" and facts.suppressed.get(member.contact_id):
            return goal.reason
        if goal.on == "event" and goal.event_type and happened(facts, member, goal.event_type):
            return goal.reason
    return None


def branch(step: BranchStep, member: Due, facts: Facts) -> bool:
    condition = step.condition
    contact = facts.contacts[member.contact_id]
    if condition.on in _OPEN_TYPES:
        return happened(facts, member, _OPEN_TYPES[condition.on])
    if condition.on == "event" and condition.event_type:
        return happened(facts, member, condition.event_type, condition.properties)
    if condition.on == "subject":
        return all(member.subject.get(k) == v for k, v in condition.properties.items())
    if condition.on == "score":
        score = float(contact["score__score_fit"]) + float(contact["score__score_intent"])
        return score >= float(condition.score_at_least or 0)
    return contact["lifecycle_stage"] in condition.stages


def send_skipped(step: SendStep, member: Due, facts: Facts) -> str:
    """Why this send is skipped for this member ("" to send): no address on the channel, or
    no written consent where the step asks for it."""
    contact = facts.contacts[member.contact_id]
    if step.channel == "direct_mail":
        postal = (contact["attributes"], contact["postal_code"], contact["country"])
        if not direct_mail.adapter.address_complete(*postal):
            return "no_postal_address"
    elif not (contact["email"] if step.channel == "email" else contact["phone"]):
        return f"no_{step.channel}_address"
    if step.written_consent_only and step.channel not in facts.written.get(member.contact_id, ()):
        return f"no_written_{step.channel}_consent"
    return ""
