"""Agents' notifications to members (a handoff to a rep, an escalation) over Django's email
backend.

The Message-ID is the caller's idempotency key made into an address
(``<como.handoff-42@example.com>``), so a send repeated after a crash is recognisable as the
same message by every mail system on the way. Sending and the sorting of SMTP failures live in
:mod:`como.channels.email.smtp`, shared with the email channel: a
:class:`~como.channels.errors.TransientError` is worth retrying (no connection, a timeout, a
4xx reply), :class:`EmailRejected` is not (a 5xx reply).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage

from como.channels.email import message_id, smtp_send
from como.channels.errors import ChannelRejected

__all__ = ["Email", "EmailRejected", "message_id", "send_email"]

#: The mail server refused the message for good (a 5xx reply).
EmailRejected = ChannelRejected


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    body: str
    #: A stable key for this message (e.g. "handoff-42"); becomes its Message-ID.
    key: str


def send_email(email: Email) -> str:
    """Send through Django's configured backend; returns the Message-ID."""
    mid = message_id(email.key)
    message = EmailMessage(
        subject=email.subject,
        body=email.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        headers={"Message-ID": mid, "Auto-Submitted": "auto-generated"},
    )
    smtp_send(message)
    return mid
