"""The B2B vertical's models, by capability (Django finds them here)."""

from .accounts.models import AccountLinkRun, CommitteeMember

__all__ = ["AccountLinkRun", "CommitteeMember"]
