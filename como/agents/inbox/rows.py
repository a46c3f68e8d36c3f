"""What the inbox shows (reads): a line per waiting action, and one action's detail pane.

Both say in advance what the services would refuse (:func:`como.agents.selectors.approval_refusals`,
the same rules :func:`como.agents.services.action_approve` raises), so a control that cannot
work is shown disabled with its reason rather than failing when pressed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils.safestring import SafeString

from como.workspaces.users import User

from ..models import ActionApproval, ActionStatus, ActionTransition, AgentAction
from ..selectors import approval_refusals
from ..subjects import Creative, Subject, creatives_of, subjects_of
from .highlight import MARK_STYLE, mark_html, mark_text


def first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def age_text(age: timedelta) -> str:
    """``45 s``, ``12 min``, ``3 h``, ``2 d``: how long it has waited, as a glance."""
    seconds = max(0, int(age.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


@dataclass(frozen=True)
class Decision:
    """What this person may do with this action now."""

    can_decide: bool
    can_approve: bool
    #: Why approving is refused (empty when it is not).
    reasons: tuple[str, ...]
    note_required: bool


def decision_for(action: AgentAction, user: User | None, *, may_decide: bool) -> Decision:
    if not may_decide or action.status != ActionStatus.PROPOSED:
        return Decision(False, False, (), False)
    reasons = tuple(r.message for r in approval_refusals(action=action, user=user))
    return Decision(True, not reasons, reasons, bool(action.warnings))


@dataclass(frozen=True)
class Row:
    action: AgentAction
    subject: Subject
    why: str
    blocking: int
    warnings: int
    age: str
    decision: Decision


def inbox_rows(
    actions: Sequence[AgentAction], user: User | None, now: datetime, *, may_decide: Any
) -> list[Row]:
    """``may_decide(action) -> bool``: whether the caller holds the approve permission in the
    action's workspace (the admin knows the request's principal)."""
    subjects = subjects_of(actions)
    return [
        Row(
            action=action,
            subject=subject,
            why=first_line(action.rationale),
            blocking=len(action.blocking_findings),
            warnings=len(action.warnings),
            age=age_text(now - action.created_at),
            decision=decision_for(action, user, may_decide=may_decide(action)),
        )
        for action, subject in zip(actions, subjects, strict=True)
    ]


# --- the detail pane ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Drawn:
    """A creative ready for the template: text fields with the findings marked."""

    form: str
    label: str
    marked: Mapping[str, SafeString]
    lists: Mapping[str, list[SafeString]]
    plain: Mapping[str, str]
    #: The email's document for the sandboxed iframe's ``srcdoc`` (escaped by the template).
    srcdoc: str
    findings: int


_MARKED = ("headline", "primary_text", "description", "body", "subject")
_LISTS = ("headlines", "descriptions")


def draw(creative: Creative, findings: Sequence[Mapping[str, Any]]) -> Drawn:
    own = list(creative.findings) if creative.findings is not None else list(findings)
    fields = creative.fields
    marked = {
        name: mark_text(str(fields[name]), own)
        for name in _MARKED
        if isinstance(fields.get(name), str) and fields[name]
    }
    lists = {
        name: [mark_text(str(item), own) for item in fields[name]]
        for name in _LISTS
        if isinstance(fields.get(name), list)
    }
    plain = {
        name: str(value)
        for name, value in fields.items()
        if name not in _MARKED and name not in _LISTS and name != "html"
    }
    srcdoc = ""
    if creative.form == "email" and isinstance(fields.get("html"), str):
        srcdoc = with_style(mark_html(fields["html"], own), MARK_STYLE)
    return Drawn(creative.form, creative.label, marked, lists, plain, srcdoc, len(own))


def with_style(document: str, style: str) -> str:
    """The style sheet inside the document's head (before its doctype it would put the
    iframe in quirks mode)."""
    head = document.lower().find("<head>")
    if head < 0:
        return style + document
    at = head + len("<head>")
    return document[:at] + style + document[at:]


@dataclass(frozen=True)
class Pane:
    action: AgentAction
    subject: Subject
    drawn: list[Drawn]
    approvals: list[ActionApproval]
    transitions: list[ActionTransition]
    decision: Decision
    age: str


def pane_for(action: AgentAction, user: User | None, now: datetime, *, may_decide: bool) -> Pane:
    findings = [f for f in action.findings or [] if isinstance(f, Mapping)]
    return Pane(
        action=action,
        subject=subjects_of([action])[0],
        drawn=[draw(creative, findings) for creative in creatives_of(action)],
        approvals=list(
            ActionApproval.objects.filter(action=action).select_related("user").order_by("pk")
        ),
        transitions=list(
            ActionTransition.objects.filter(action=action)
            .select_related("actor")
            .order_by("at", "pk")
        ),
        decision=decision_for(action, user, may_decide=may_decide),
        age=age_text(now - action.created_at),
    )
