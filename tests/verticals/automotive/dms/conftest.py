from __future__ import annotations

from typing import Any

import pytest

from como.workspaces.models import Workspace
from tests.factories import WorkspaceFactory
from tests.verticals.automotive.inventory.factories import rooftop_make
from verticals.automotive.inventory.models import Rooftop


@pytest.fixture
def dealer(db: Any) -> Workspace:
    return WorkspaceFactory.create(slug="lakeside", vertical="automotive")


@pytest.fixture
def rooftop(dealer: Workspace) -> Rooftop:
    return rooftop_make(dealer)
