"""What a vertical adds to the demo: seeders it registers in its ``AppConfig.ready()``.

como never imports a vertical (tests/test_floors.py), so a vertical's own demo data (the
automotive vertical's rooftops and their inventory feeds) reaches ``seed_demo`` through
:data:`seeders`. A seeder is called once per seeded demo workspace, after its people and
events, with the workspace and the demo history's end; it must be idempotent (a second
seeding changes nothing), ignore workspaces that are not its vertical's, and return the lines
``seed_demo`` prints about what it did.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from django.conf import settings

from como import embedded
from como.registry import Hooks
from como.workspaces.models import Workspace

DemoSeeder = Callable[[Workspace, datetime], list[str]]

seeders: Hooks[DemoSeeder] = Hooks()


def feed_root() -> Path:
    """Where the demo writes the feed files its workspaces import: the directory ``file``
    sources read (``COMO_INVENTORY_FILE_ROOT``) when one is set, else ``.data/feeds``, which
    ``run_demo`` then gives its worker as that setting."""
    configured = getattr(settings, "COMO_INVENTORY_FILE_ROOT", "")
    return Path(configured).resolve() if configured else embedded.data_dir() / "feeds"
