"""Reads of the message log the email and SMS adapters share: a send already logged under a key,
what went out for TCPA's first-message rule, and the log as daily metrics. Its writes are in
:mod:`.services`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet

from .base import MetricRow
from .models import Direction, Message, MessagePurpose

#: Message timestamp column → the metric it counts.
_COUNTED = {
    "sent_at": "sent",
    "delivered_at": "delivered",
    "opened_at": "opened",
    "clicked_at": "clicked",
    "unsubscribed_at": "unsubscribed",
    "bounced_at": "bounced",
}


def message_for_key(workspace_id: int, idempotency_key: str) -> Message | None:
    return Message.objects.filter(
        workspace_id=workspace_id, idempotency_key=idempotency_key
    ).first()


def _marketing_out(workspace_id: int, channel: str) -> QuerySet[Message]:
    """The workspace's outbound marketing messages on a channel (replies, confirmations and
    transactional messages are not marketing)."""
    return Message.objects.filter(
        workspace_id=workspace_id,
        channel=channel,
        direction=Direction.OUTBOUND,
        purpose=MessagePurpose.MARKETING,
    )


def marketing_sent(
    *, workspace_id: int, channel: str, contact_ids: Iterable[int]
) -> dict[int, int]:
    """Marketing messages already sent per contact on a channel (one query)."""
    rows = (
        _marketing_out(workspace_id, channel)
        .filter(contact_id__in=list(contact_ids), sent_at__isnull=False)
        .values("contact_id")
        .annotate(n=Count("id"))
    )
    return {row["contact_id"]: row["n"] for row in rows}


def marketing_sent_since(
    *, workspace_id: int, channel: str, contact_id: int, since: datetime
) -> list[datetime]:
    """When each marketing message on ``channel`` went to the contact after ``since`` (the
    frequency cap's count: what went out, whichever campaign, sequence or agent sent it)."""
    sent = (
        _marketing_out(workspace_id, channel)
        .filter(contact_id=contact_id, sent_at__gt=since)
        .values_list("sent_at", flat=True)
    )
    return [at for at in sent if at is not None]


def message_metrics(*, workspace_id: int, channel: str, day: date) -> list[MetricRow]:
    """The day's counts per campaign, from the outbound marketing messages' timestamps."""
    start = datetime.combine(day, time.min, tzinfo=UTC)
    end = start + timedelta(days=1)
    base = _marketing_out(workspace_id, channel)
    aggregates = {
        metric: Count("id", filter=Q(**{f"{column}__gte": start, f"{column}__lt": end}))
        for column, metric in _COUNTED.items()
    }
    any_today = Q()
    for column in _COUNTED:
        any_today |= Q(**{f"{column}__gte": start, f"{column}__lt": end})
    rows = base.filter(any_today).values("campaign_id").annotate(**aggregates)
    return [
        MetricRow(
            channel=channel,
            day=day,
            campaign_id=row["campaign_id"],
            counts={metric: row[metric] for metric in _COUNTED.values()},
        )
        for row in rows
    ]
