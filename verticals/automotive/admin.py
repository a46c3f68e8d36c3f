"""The vertical's admin pages, for Django's autodiscovery: they live with the part they show."""

from .ads import admin as ads_admin  # noqa: F401  (registers the pages)
from .coop import admin as coop_admin  # noqa: F401  (registers the pages)
from .dms import admin as dms_admin  # noqa: F401  (registers the pages)
from .inventory import admin as inventory_admin  # noqa: F401  (registers the pages)
from .parts import admin as parts_admin  # noqa: F401  (registers the pages)
