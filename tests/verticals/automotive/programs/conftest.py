from __future__ import annotations

from typing import Any

import pytest

from como.workspaces.models import Workspace
from tests.factories import WorkspaceFactory


@pytest.fixture
def dealer(db: Any) -> Workspace:
    return WorkspaceFactory.create(slug="lakeside", vertical="automotive")
