"""The vertical's admin pages, for Django's autodiscovery: they live with the part they show."""

from .intent import admin as intent_admin  # noqa: F401  (registers the pages)
