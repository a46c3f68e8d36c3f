"""The vertical's models, for Django: they live in the package of the part that owns them."""

from .abm.models import AccountPlayPart
from .accounts.models import AccountLinkRun, CommitteeMember
from .intent.models import IntentSignal, IntentWebhook

__all__ = ["AccountLinkRun", "AccountPlayPart", "CommitteeMember", "IntentSignal", "IntentWebhook"]
