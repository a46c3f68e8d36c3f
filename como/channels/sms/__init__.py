"""The SMS channel, one module per part: ``adapter`` (the ``sms_send`` action), ``twilio``
(Twilio's Messages API, its sandbox answer, a text sent and logged once per key), ``inbound``
(STOP, HELP, START and delivery statuses), ``keywords``, ``webhook`` (the views Twilio posts to)
and ``signature`` (``X-Twilio-Signature``).

Code outside the channels app imports the names below from here, not from the modules.
Importing the package registers the adapter."""

from .adapter import KIND, sms_adapter, sms_compose
from .signature import twilio_signature
from .twilio import CHANNEL, SANDBOX_ACCOUNT_SID, SANDBOX_FROM, twilio_sid

__all__ = [
    "CHANNEL",
    "KIND",
    "SANDBOX_ACCOUNT_SID",
    "SANDBOX_FROM",
    "sms_adapter",
    "sms_compose",
    "twilio_sid",
    "twilio_signature",
]
