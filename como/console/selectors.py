"""The dashboard's figures, per workspace: what the panels show and the API serves.

Each figure is one function here, called by its panel and by ``GET /api/v1/dashboard`` alike,
so the page and the API cannot disagree. Every function reads one workspace's rows only; the
caller has checked that the principal may view it. ``days`` is the period ending today
(inclusive), ``now`` the instant the figures are taken at (a test passes its own).

Leads and MQLs per channel are credited by last touch: a contact's move into ``lead`` (or
``mql``) in the period counts for the channel named by the ``utm_medium`` of its latest event
before the move, when that names a channel the workspace has metrics for.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Min, OuterRef, Q, Subquery, Sum

from como.agents.handoff.selectors import handoff_report
from como.agents.models import ActionStatus, AgentAction
from como.campaigns.models import ChannelMetric
from como.campaigns.selectors.leads import channel_of
from como.leads.models import FUNNEL, Contact, Event, LifecycleStage, LifecycleTransition
from como.workspaces.models import Workspace

#: The channel table's columns, in order: ChannelMetric's counters, then the derived ones.
CHANNEL_COUNTERS = ("sent", "delivered", "opened", "clicked", "impressions", "clicks")


def period_start(days: int, now: datetime) -> datetime:
    """The first instant of the period: midnight UTC ``days - 1`` days before today."""
    today = now.astimezone(UTC).date()
    first = today - timedelta(days=days - 1)
    return datetime(first.year, first.month, first.day, tzinfo=UTC)


def approvals_waiting(*, workspace: Workspace, now: datetime) -> dict[str, Any]:
    waiting = AgentAction.objects.filter(workspace=workspace, status=ActionStatus.PROPOSED)
    row = waiting.aggregate(count=Count("pk"), oldest=Min("created_at"))
    oldest = row["oldest"]
    return {
        "waiting": row["count"],
        "oldest_at": oldest.isoformat() if oldest else None,
        "oldest_age_seconds": max(0, int((now - oldest).total_seconds())) if oldest else None,
    }


def mqls(*, workspace: Workspace, now: datetime) -> dict[str, Any]:
    """MQLs since midnight UTC today and since Monday of this week."""
    today = period_start(1, now)
    monday = today - timedelta(days=today.weekday())
    row = LifecycleTransition.objects.filter(
        workspace=workspace, to_stage=LifecycleStage.MQL, at__gte=monday, at__lte=now
    ).aggregate(week=Count("pk"), today=Count("pk", filter=Q(at__gte=today)))
    return {"today": row["today"], "this_week": row["week"]}


def handoff_sla(*, workspace: Workspace, days: int, now: datetime) -> dict[str, Any]:
    (report,) = handoff_report(
        workspaces=[workspace], start=period_start(days, now), end=now, now=now
    )
    rate = report.sla_hit_rate
    return {
        "handoffs": report.handoffs,
        "met": report.sla_met,
        "missed": report.sla_missed,
        "hit_rate": round(rate, 4) if rate is not None else None,
    }


def _credited(workspace: Workspace, stage: str, start: datetime, now: datetime) -> Counter[str]:
    """People who reached ``stage`` in the period, by the channel of their last UTM-tagged
    touch before it (``channel_of``: the campaign pages' mapping of source and medium)."""

    def last(field: str) -> Subquery:
        # By contact alone: event_contact_timeline (contact, occurred_at DESC) answers it.
        return Subquery(
            Event.objects.filter(contact=OuterRef("contact"), occurred_at__lte=OuterRef("at"))
            .exclude(utm_medium="")
            .order_by("-occurred_at", "-pk")
            .values(field)[:1]
        )

    rows = (
        LifecycleTransition.objects.filter(
            workspace=workspace, to_stage=stage, at__gte=start, at__lte=now
        )
        .annotate(medium=last("utm_medium"), source=last("utm_source"))
        .exclude(medium=None)
        .order_by()
        .values("medium", "source")
        .annotate(count=Count("pk"))
    )
    credited: Counter[str] = Counter()
    for row in rows:
        credited[channel_of(row["source"] or "", row["medium"])] += row["count"]
    return credited


def channels(*, workspace: Workspace, days: int, now: datetime) -> dict[str, Any]:
    """Per channel over the period: the counters, spend, leads, MQLs and cost per MQL; and the
    daily series the charts draw (clicks and spend per channel and day)."""
    start = period_start(days, now)
    first_day = start.date()
    metrics = ChannelMetric.objects.filter(workspace=workspace, day__gte=first_day)
    sums = {name: Sum(name) for name in (*CHANNEL_COUNTERS, "spend")}
    totals = {row["channel"]: row for row in metrics.order_by().values("channel").annotate(**sums)}
    leads = _credited(workspace, LifecycleStage.LEAD, start, now)
    mql_counts = _credited(workspace, LifecycleStage.MQL, start, now)
    rows = []
    for channel in sorted(totals):
        row = totals[channel]
        spend = row["spend"] or Decimal("0.00")
        mql_count = mql_counts.get(channel, 0)
        rows.append(
            {
                "channel": channel,
                **{name: row[name] or 0 for name in CHANNEL_COUNTERS},
                "spend": str(spend),
                "leads": leads.get(channel, 0),
                "mqls": mql_count,
                "cost_per_mql": str((spend / mql_count).quantize(Decimal("0.01")))
                if mql_count
                else None,
            }
        )
    day_list = [first_day + timedelta(days=offset) for offset in range(days)]
    daily: dict[str, dict[date, tuple[int, Decimal]]] = {channel: {} for channel in totals}
    for channel, day, clicks, spend in (
        metrics.order_by()
        .values_list("channel", "day")
        .annotate(clicks=Sum("clicks"), spend=Sum("spend"))
    ):
        daily[channel][day] = (clicks or 0, spend or Decimal("0.00"))
    series = {
        "days": [day.isoformat() for day in day_list],
        "clicks": {
            channel: [daily[channel].get(day, (0, 0))[0] for day in day_list]
            for channel in sorted(daily)
        },
        "spend": {
            channel: [float(daily[channel].get(day, (0, Decimal(0)))[1]) for day in day_list]
            for channel in sorted(daily)
        },
    }
    return {"rows": rows, "series": series}


def funnel(*, workspace: Workspace) -> dict[str, Any]:
    """Contacts at or past each lifecycle stage (recycled ones apart)."""
    by_stage = dict(
        Contact.objects.filter(workspace=workspace)
        .order_by()
        .values_list("lifecycle_stage")
        .annotate(count=Count("pk"))
    )
    stages = []
    reached = 0
    for stage in reversed(FUNNEL):
        reached += by_stage.get(stage, 0)
        stages.append({"stage": str(stage), "label": stage.label, "reached": reached})
    return {"stages": stages[::-1], "recycled": by_stage.get(LifecycleStage.RECYCLED, 0)}


def rule_family(rule: str) -> str:
    """``auto.price.fees_excluded`` → ``auto.price``; ``canspam`` → ``canspam``."""
    return rule.rsplit(".", 1)[0] if "." in rule else rule


def compliance_blocks(*, workspace: Workspace, days: int, now: datetime) -> dict[str, Any]:
    """Blocking findings on actions proposed in the period, by rule family."""
    findings = AgentAction.objects.filter(
        workspace=workspace,
        created_at__gte=period_start(days, now),
        created_at__lte=now,
        findings__contains=[{"severity": "block"}],
    ).values_list("findings", flat=True)
    families: Counter[str] = Counter()
    for listed in findings:
        for finding in listed:
            if finding.get("severity") == "block":
                families[rule_family(str(finding.get("rule", "")))] += 1
    return {
        "families": [
            {"family": family, "blocks": count}
            for family, count in sorted(families.items(), key=lambda item: (-item[1], item[0]))
        ],
        "total": sum(families.values()),
    }
