"""The vertical's Celery tasks, where Celery's autodiscovery looks for them."""

from .accounts.tasks import demo_mqa_engage, link_accounts

__all__ = ["demo_mqa_engage", "link_accounts"]
