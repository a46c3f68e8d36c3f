from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings


@pytest.fixture(autouse=True)
def _feed_root(tmp_path: Path) -> Iterator[Path]:
    """The verticals' demo seeders write their feed files here, not in the project's .data/."""
    with override_settings(COMO_INVENTORY_FILE_ROOT=str(tmp_path / "feeds")):
        yield tmp_path / "feeds"
