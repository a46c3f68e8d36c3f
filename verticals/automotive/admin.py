"""The vertical's admin pages, for Django's autodiscovery: they live with the part they show."""

from .inventory import admin as inventory_admin  # noqa: F401  (registers the pages)
