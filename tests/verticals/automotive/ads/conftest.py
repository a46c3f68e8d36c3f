from __future__ import annotations

from typing import Any

import pytest

from como.workspaces.models import Workspace
from tests.factories import MembershipFactory, UserFactory, WorkspaceFactory
from tests.verticals.automotive.inventory.factories import rooftop_make
from verticals.automotive.inventory.models import Rooftop

from .support import ads_setup


@pytest.fixture
def dealer(db: Any) -> Workspace:
    workspace = WorkspaceFactory.create(slug="lakeside", vertical="automotive")
    ads_setup(workspace)
    return workspace


@pytest.fixture
def rooftop(dealer: Workspace) -> Rooftop:
    return rooftop_make(dealer)


@pytest.fixture
def approver(dealer: Workspace) -> Any:
    user = UserFactory.create(username="approver")
    MembershipFactory.create(workspace=dealer, user=user, role="approver")
    return user
