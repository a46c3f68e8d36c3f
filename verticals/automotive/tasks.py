"""The vertical's Celery tasks, where Celery's autodiscovery looks for them."""

from .inventory.importing.tasks import import_source

__all__ = ["import_source"]
