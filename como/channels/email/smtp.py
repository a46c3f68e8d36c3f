"""Sending one email through Django's configured backend, and what its failures mean.

Shared by the email channel and the agents' notifications to members, so both derive
Message-IDs the same way and sort SMTP failures the same way:

- no connection, a timeout, a dropped session, a 4xx reply → :class:`TransientError` (the next
  attempt may well succeed);
- a 5xx reply, or every recipient refused for good → :class:`ChannelRejected`.
"""

from __future__ import annotations

import re
import smtplib
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage

from ..errors import ChannelRejected, TransientError

#: What RFC 5322 allows in the left part of a Message-ID (dot-atom text); the rest becomes "-".
_NOT_ATOM = re.compile(r"[^A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.]")


def message_id(key: str, *, from_email: str = "") -> str:
    """The Message-ID for ``key``: the same key always gives the same id, so a send repeated
    after a crash is recognisable as the same message by every mail system on the way."""
    address = parseaddr(from_email or settings.DEFAULT_FROM_EMAIL)[1]
    domain = address.rpartition("@")[2] or "como.invalid"
    return f"<como.{_NOT_ATOM.sub('-', key)}@{domain}>"


def smtp_send(message: EmailMessage) -> None:
    """Send ``message``; raise :class:`TransientError` or :class:`ChannelRejected`."""
    try:
        message.send(fail_silently=False)
    except smtplib.SMTPResponseException as error:
        if 400 <= error.smtp_code < 500:
            raise TransientError(f"mail server: {error.smtp_code} {error.smtp_error!r}") from error
        raise ChannelRejected(f"mail server: {error.smtp_code} {error.smtp_error!r}") from error
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        if codes and all(400 <= code < 500 for code in codes):
            raise TransientError(f"recipient deferred: {error.recipients}") from error
        raise ChannelRejected(f"recipient refused: {error.recipients}") from error
    except (smtplib.SMTPException, OSError) as error:
        # No connection, a timeout, a dropped session: the next attempt may well succeed.
        raise TransientError(f"mail server unreachable: {error!r}") from error
