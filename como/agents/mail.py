"""A small email adapter over Django's email backend, until the channels issue lands.

Agents send their notifications to members (a handoff to a rep, an escalation) through
:func:`send_email`. The Message-ID is the caller's idempotency key made into an address
(``<como.handoff-42@example.com>``), so a send repeated after a crash is recognisable as the
same message by every mail system on the way. SMTP failures are sorted into the
:class:`~como.agents.execution.TransientError` worth retrying (no connection, a timeout, a
4xx reply) and :class:`EmailRejected` (a 5xx reply: retrying will not help).
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage

from .execution import TransientError


class EmailRejected(Exception):
    """The mail server refused the message for good (a 5xx reply)."""


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    body: str
    #: A stable key for this message (e.g. "handoff-42"); becomes its Message-ID.
    key: str


def message_id(key: str) -> str:
    """The Message-ID for ``key``: the same key always gives the same id."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "como.invalid"
    return f"<como.{key}@{domain}>"


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
    try:
        message.send(fail_silently=False)
    except smtplib.SMTPResponseException as error:
        if 400 <= error.smtp_code < 500:
            raise TransientError(f"mail server: {error.smtp_code} {error.smtp_error!r}") from error
        raise EmailRejected(f"mail server: {error.smtp_code} {error.smtp_error!r}") from error
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        if codes and all(400 <= code < 500 for code in codes):
            raise TransientError(f"recipient deferred: {error.recipients}") from error
        raise EmailRejected(f"recipient refused: {error.recipients}") from error
    except (smtplib.SMTPException, OSError) as error:
        # No connection, a timeout, a dropped session: the next attempt may well succeed.
        raise TransientError(f"mail server unreachable: {error!r}") from error
    return mid
