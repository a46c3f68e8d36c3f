"""What a higher floor may do when a provider reports on a message (a hard bounce…).

Channels cannot import ingest (ingest is the top floor), yet a bounce is behaviour that scoring
counts (``email_bounced`` subtracts in the B2B model). Ingest registers a handler here in its
``AppConfig.ready()``; the email webhook calls :func:`message_reported` after applying the
report, in the same transaction, so the event and the report commit together.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from como.registry import Hooks

from .models import Message

#: (message, event type, when) → None.
MessageReported = Callable[[Message, str, datetime], None]

MESSAGE_REPORTED: Hooks[MessageReported] = Hooks()


def register_message_reported(handler: MessageReported) -> None:
    MESSAGE_REPORTED.register(handler)


def message_reported(message: Message, event_type: str, at: datetime) -> None:
    for handler in MESSAGE_REPORTED.all():
        handler(message, event_type, at)
