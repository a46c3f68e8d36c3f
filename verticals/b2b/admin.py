"""The vertical's admin pages, for Django's autodiscovery: they live with the part they show."""

from .accounts import admin as accounts_admin  # noqa: F401  (registers pages and inlines)
from .accounts import admin_page  # noqa: F401  (the account's page: committee grid, timeline)
from .intent import admin as intent_admin  # noqa: F401  (registers the pages)
