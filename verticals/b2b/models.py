"""The vertical's models, for Django: they live in the package of the part that owns them."""

from .accounts.models import AccountLinkRun, CommitteeMember
from .intent.models import IntentSignal, IntentWebhook

__all__ = ["AccountLinkRun", "CommitteeMember", "IntentSignal", "IntentWebhook"]
