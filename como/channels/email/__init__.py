"""The email channel, one module per part: ``adapter`` (the ``email_send`` action), ``render``
(tracked links, footer, pixel), ``tracking`` (the signed tokens of those URLs), ``smtp`` (one
message through Django's backend, shared with the agents' notifications) and ``webhook`` (the
provider's delivery events).

Code outside the channels app imports the names below from here, not from the modules.
Importing the package registers the adapter."""

from .adapter import (
    CHANNEL,
    KIND,
    ONE_CLICK,
    UNSUBSCRIBE_PLACEHOLDER,
    email_adapter,
    email_compose,
)
from .smtp import message_id, smtp_send
from .tracking import Purpose, TokenInvalid, Tracked, token_read

__all__ = [
    "CHANNEL",
    "KIND",
    "ONE_CLICK",
    "UNSUBSCRIBE_PLACEHOLDER",
    "Purpose",
    "TokenInvalid",
    "Tracked",
    "email_adapter",
    "email_compose",
    "message_id",
    "smtp_send",
    "token_read",
]
