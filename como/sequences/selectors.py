"""Reads of sequences: a member's progress, and the funnel of a sequence per step."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from como.leads.models import Event

from .models import MemberState, MemberStep, Outcome, Sequence, SequenceMember
from .steps import program_of


def member_progress(member: SequenceMember) -> list[dict[str, Any]]:
    """Every step the member ran, in order, with the decision and its why as fields."""
    return [
        {
            "step": row.step_id,
            "occurrence": row.occurrence,
            "outcome": row.outcome,
            "condition": row.condition or None,
            "matched": row.matched,
            "next_step": row.next_step or None,
            "reason": row.reason or None,
            "until": row.until,
            "action_id": row.action_id,
            "at": row.at,
        }
        for row in MemberStep.objects.filter(member=member).order_by("occurrence")
    ]


def sequence_funnel(sequence: Sequence) -> dict[str, Any]:
    """Per step of the latest version: entered (members who reached it), sent, skipped, opened
    and clicked (tracked email events of its sends), converted (of those who reached it, the
    members whose membership ended converted) and exited by reason (memberships that ended at
    this step: a goal, an exit step, removed by hand); and for the sequence: entered, active,
    completed, converted and exited by reason."""
    latest = sequence.versions.order_by("-number").first()
    order = [step.id for step in program_of(latest.program).steps] if latest else []
    counts = {
        row["step_id"]: row
        for row in MemberStep.objects.filter(member__sequence=sequence)
        .values("step_id")
        .annotate(
            entered=Count("member", distinct=True),
            sent=Count("id", filter=Q(outcome=Outcome.SENT)),
            skipped=Count("id", filter=Q(outcome=Outcome.SKIPPED)),
            converted=Count("member", distinct=True, filter=Q(member__exit_reason="converted")),
        )
    }
    step_exits: dict[str, dict[str, int]] = {}
    for step_id, reason, n in (
        MemberStep.objects.filter(member__sequence=sequence, outcome=Outcome.EXITED)
        .values_list("step_id", "reason")
        .annotate(n=Count("id"))
        .values_list("step_id", "reason", "n")
    ):
        step_exits.setdefault(step_id, {})[reason] = n
    # A tracked open or click has the event id ``email:<the send action's id>:opened``.
    sends = dict(
        MemberStep.objects.filter(member__sequence=sequence, action__isnull=False).values_list(
            "action_id", "step_id"
        )
    )
    tracked = {
        f"email:{action_id}:{what}": (step, what)
        for action_id, step in sends.items()
        for what in ("opened", "clicked")
    }
    engaged: dict[tuple[str, str], int] = {}
    if tracked:
        for event_id in Event.objects.filter(
            workspace_id=sequence.workspace_id, event_id__in=list(tracked)
        ).values_list("event_id", flat=True):
            engaged[tracked[event_id]] = engaged.get(tracked[event_id], 0) + 1
    steps = []
    for step_id in [*order, *sorted((set(counts) | set(step_exits)) - set(order))]:
        row = counts.get(step_id, {})
        steps.append(
            {
                "step": step_id,
                "entered": row.get("entered", 0),
                "sent": row.get("sent", 0),
                "skipped": row.get("skipped", 0),
                "opened": engaged.get((step_id, "opened"), 0),
                "clicked": engaged.get((step_id, "clicked"), 0),
                "converted": row.get("converted", 0),
                "exited": step_exits.get(step_id, {}),
            }
        )
    members = SequenceMember.objects.filter(sequence=sequence)
    exited = dict(
        members.filter(state=MemberState.EXITED)
        .values_list("exit_reason")
        .annotate(n=Count("id"))
        .values_list("exit_reason", "n")
    )
    return {
        "entered": members.count(),
        "active": members.filter(state=MemberState.ACTIVE).count(),
        "completed": members.filter(state=MemberState.COMPLETED).count(),
        "converted": exited.get("converted", 0),
        "exited": exited,
        "steps": steps,
    }
