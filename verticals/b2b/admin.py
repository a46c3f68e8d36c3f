"""The vertical's admin pages, where Django's admin autodiscovery looks for them."""

from .accounts import admin as accounts_admin  # noqa: F401 (registers pages and inlines)
