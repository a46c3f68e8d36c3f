"""What a higher floor may do when a provider reports on a message (a hard bounce…).

Channels cannot import ingest (ingest is the top floor), yet a bounce is behaviour that scoring
counts (``email_bounced`` subtracts in the B2B model). Ingest registers a handler here in its
``AppConfig.ready()``; the email webhook calls :func:`message_reported` after applying the
report, in the same transaction, so the event and the report commit together.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from .models import Message

#: (message, event type, when) → None.
MessageReported = Callable[[Message, str, datetime], None]

_handlers: list[MessageReported] = []


def register_message_reported(handler: MessageReported) -> None:
    if handler not in _handlers:
        _handlers.append(handler)


def message_reported(message: Message, event_type: str, at: datetime) -> None:
    for handler in _handlers:
        handler(message, event_type, at)
