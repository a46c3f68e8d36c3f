"""The vertical's Celery tasks, where Celery's autodiscovery looks for them."""

from .accounts.tasks import link_accounts

__all__ = ["link_accounts"]
