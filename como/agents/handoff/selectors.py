"""Reads of the MQL handoff: who may take handoffs, users by id, and the report.

**The report**, per workspace and period: two queries however many handoffs.

A handoff belongs to the period in which it was handed to sales (``handed_at``, from inclusive,
to exclusive). Over those:

- **MQL→SQL conversion**: accepted ÷ handed off.
- **Time to first touch**: the median of ``first_touch_at - handed_at`` over touched handoffs.
- **SLA hit rate**: met ÷ (met + missed), where *met* is a first touch by the first deadline and
  *missed* a later touch, a recorded breach, or no touch with the deadline past at ``now``.
  Handoffs still within their deadline count in neither.
- **Rejection reasons**: rejected handoffs counted by reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Aggregate, Count, DurationField, F, Q, QuerySet
from django.utils import timezone

from como.workspaces.models import Membership, Workspace
from como.workspaces.roles import ROLE_PERMISSIONS, Permission
from como.workspaces.users import User

from ..models import Handoff, HandoffOutcome, RejectReason


def handoff_roles() -> list[str]:
    """The roles whose members may take and work handoffs (sales, owners)."""
    return sorted(
        role for role, perms in ROLE_PERMISSIONS.items() if Permission.HANDLE_HANDOFF in perms
    )


def handoff_handlers(workspace_ids: Iterable[int]) -> QuerySet[User]:
    """Users holding a handoff role in any of these workspaces (for form choices)."""
    return (
        get_user_model()
        .objects.filter(
            memberships__workspace_id__in=sorted(set(workspace_ids)),
            memberships__role__in=handoff_roles(),
        )
        .distinct()
        .order_by("username")
    )


def eligible_user_ids(workspace_id: int) -> set[int]:
    """The users holding a handoff role in the workspace."""
    return set(
        Membership.objects.filter(workspace_id=workspace_id, role__in=handoff_roles()).values_list(
            "user_id", flat=True
        )
    )


def users_by_id(ids: Iterable[int]) -> dict[int, User]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {user.pk: user for user in get_user_model().objects.filter(pk__in=wanted)}


# --- the report -------------------------------------------------------------------------------


class Median(Aggregate):
    """PostgreSQL's ``percentile_cont(0.5)`` of an interval (or number)."""

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False


@dataclass(frozen=True)
class ReasonCount:
    reason: str
    label: str
    count: int


@dataclass(frozen=True)
class HandoffReport:
    workspace: Workspace
    start: datetime
    end: datetime
    handoffs: int = 0
    accepted: int = 0
    rejected: int = 0
    touched: int = 0
    median_time_to_first_touch: timedelta | None = None
    sla_met: int = 0
    sla_missed: int = 0
    breaches: int = 0
    rejection_reasons: tuple[ReasonCount, ...] = field(default_factory=tuple)

    @property
    def open(self) -> int:
        return self.handoffs - self.accepted - self.rejected

    @property
    def sla_pending(self) -> int:
        return self.handoffs - self.sla_met - self.sla_missed

    @property
    def conversion_rate(self) -> float | None:
        return self.accepted / self.handoffs if self.handoffs else None

    @property
    def sla_hit_rate(self) -> float | None:
        judged = self.sla_met + self.sla_missed
        return self.sla_met / judged if judged else None

    @property
    def median_seconds_to_first_touch(self) -> float | None:
        median = self.median_time_to_first_touch
        return None if median is None else median.total_seconds()


def handoff_report(
    *,
    workspaces: Sequence[Workspace],
    start: datetime,
    end: datetime,
    now: datetime | None = None,
) -> list[HandoffReport]:
    """One report per workspace (in the given order), zeros where nothing was handed off."""
    now = now or timezone.now()
    ids = [workspace.pk for workspace in workspaces]
    period = Handoff.objects.filter(workspace_id__in=ids, handed_at__gte=start, handed_at__lt=end)
    met = Q(first_touch_at__isnull=False, first_touch_at__lte=F("sla_due_at"))
    missed = (
        Q(breached_at__isnull=False)
        | Q(first_touch_at__gt=F("sla_due_at"))
        | Q(first_touch_at__isnull=True, sla_due_at__lte=now)
    )
    rows: dict[int, dict[str, Any]] = {
        row["workspace_id"]: row
        for row in period.order_by()
        .values("workspace_id")
        .annotate(
            handoffs=Count("pk"),
            accepted=Count("pk", filter=Q(outcome=HandoffOutcome.ACCEPTED)),
            rejected=Count("pk", filter=Q(outcome=HandoffOutcome.REJECTED)),
            touched=Count("pk", filter=Q(first_touch_at__isnull=False)),
            median=Median(F("first_touch_at") - F("handed_at"), output_field=DurationField()),
            sla_met=Count("pk", filter=met),
            sla_missed=Count("pk", filter=missed),
            breaches=Count("pk", filter=Q(breached_at__isnull=False)),
        )
    }
    reasons: dict[int, list[ReasonCount]] = {}
    labels = dict(RejectReason.choices)
    for workspace_id, reason, count in (
        period.filter(outcome=HandoffOutcome.REJECTED)
        .order_by()
        .values("workspace_id", "reason")
        .annotate(count=Count("pk"))
        .values_list("workspace_id", "reason", "count")
    ):
        reasons.setdefault(workspace_id, []).append(
            ReasonCount(reason, str(labels.get(reason, reason)), count)
        )
    reports = []
    for workspace in workspaces:
        row = rows.get(workspace.pk, {})
        counted = sorted(reasons.get(workspace.pk, []), key=lambda r: (-r.count, r.reason))
        reports.append(
            HandoffReport(
                workspace=workspace,
                start=start,
                end=end,
                handoffs=row.get("handoffs", 0),
                accepted=row.get("accepted", 0),
                rejected=row.get("rejected", 0),
                touched=row.get("touched", 0),
                median_time_to_first_touch=row.get("median"),
                sla_met=row.get("sla_met", 0),
                sla_missed=row.get("sla_missed", 0),
                breaches=row.get("breaches", 0),
                rejection_reasons=tuple(counted),
            )
        )
    return reports
