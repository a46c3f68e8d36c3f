"""The channels' writes are safe to repeat: a key logs one message, a moment is recorded once,
a provider's delivery is claimed once, and a failed send says why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from como.channels.errors import ChannelRejected, TransientError
from como.channels.models import Message, MessageStatus, WebhookReceipt
from como.channels.services import (
    ERROR_MAX,
    message_record,
    message_send_failed,
    message_sent,
    message_stamp,
    webhook_receipt_claim,
)
from como.workspaces.models import Workspace

pytestmark = pytest.mark.django_db

AT = datetime(2025, 6, 2, 15, 0, tzinfo=UTC)


def _message(workspace: Workspace, key: str = "k1", **fields: Any) -> Message:
    return message_record(
        workspace_id=workspace.pk,
        idempotency_key=key,
        channel="email",
        to="ana@example.com",
        status=MessageStatus.SENT,
        **fields,
    )


def test_a_key_logs_one_message_and_a_retry_gets_it_back(workspace: Workspace) -> None:
    first = _message(workspace, subject="first")
    again = _message(workspace, subject="second")

    assert again.pk == first.pk
    assert again.subject == "first"
    assert Message.objects.filter(workspace=workspace).count() == 1


def test_the_same_key_in_another_workspace_is_another_message(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    assert _message(workspace).pk != _message(other_workspace).pk


def test_a_moment_is_recorded_once_and_the_first_time_stays(workspace: Workspace) -> None:
    message = _message(workspace)

    assert message_stamp(message=message, stamp="opened_at", at=AT) is True
    assert message_stamp(message=message, stamp="opened_at", at=AT + timedelta(hours=1)) is False
    message.refresh_from_db()
    assert message.opened_at == AT


def test_a_stamp_writes_its_fields_only_the_first_time(workspace: Workspace) -> None:
    message = _message(workspace)
    message_stamp(message=message, stamp="bounced_at", at=AT, status=MessageStatus.BOUNCED)
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.SENT)

    message_stamp(message=message, stamp="bounced_at", at=AT, status=MessageStatus.BOUNCED)

    message.refresh_from_db()
    assert message.status == MessageStatus.SENT


def test_only_the_logs_moments_can_be_stamped(workspace: Workspace) -> None:
    with pytest.raises(ValueError, match="sent_at"):
        message_stamp(message=_message(workspace), stamp="sent_at", at=AT)


def test_sent_once_keeps_the_first_workers_time(workspace: Workspace) -> None:
    message = _message(workspace)
    message_sent(message=message)
    first = message.sent_at
    assert first is not None

    late = Message.objects.get(pk=message.pk)
    late.sent_at = None
    message_sent(message=late)

    assert late.sent_at == first


def test_a_transient_failure_keeps_the_status_a_refusal_marks_it_failed(
    workspace: Workspace,
) -> None:
    message = _message(workspace)

    message_send_failed(message=message, error=TransientError("x" * 5000), final=False)
    message.refresh_from_db()
    assert (message.status, len(message.error)) == (MessageStatus.SENT, ERROR_MAX)

    message_send_failed(message=message, error=ChannelRejected("550 no such user"), final=True)
    message.refresh_from_db()
    assert (message.status, message.error) == (MessageStatus.FAILED, "550 no such user")


def test_a_delivery_is_claimed_once(workspace: Workspace) -> None:
    def claim(source: str = "email") -> bool:
        return webhook_receipt_claim(
            source=source, delivery_id="3:msg_1", workspace_id=workspace.pk
        )

    assert claim() is True
    assert claim() is False
    assert claim("twilio") is True
    assert WebhookReceipt.objects.filter(delivery_id="3:msg_1").count() == 2
