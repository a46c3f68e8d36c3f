from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from rest_framework.test import APIClient

from como.workspaces.models import Workspace
from como.workspaces.services import api_key_create

from .celery_queues import private_queue
from .factories import WorkspaceFactory


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    # Persistent connections outlive live-server threads and block dropping the test database.
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0


@pytest.fixture(scope="session", autouse=True)
def test_run_celery_queue() -> Iterator[str]:
    """Everything this run publishes goes to a queue of its own.

    Tests that commit publish tasks on commit. On the default queue a running `make demo`
    worker would consume them and act on its own database with this run's ids.
    """
    with private_queue() as name:
        yield name


@pytest.fixture
def workspace(db: Any) -> Workspace:
    return WorkspaceFactory.create(slug="acme", vertical="b2b")


@pytest.fixture
def other_workspace(db: Any) -> Workspace:
    return WorkspaceFactory.create(slug="rival", vertical="automotive")


@pytest.fixture
def key_client() -> Callable[[Workspace], APIClient]:
    """An API client authenticated with a fresh API key of the given workspace."""

    def make(workspace: Workspace) -> APIClient:
        issued = api_key_create(
            workspace=workspace, name=f"test-{APIClient.__name__}-{id(object())}"
        )
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
        return client

    return make


@pytest.fixture
def api(workspace: Workspace, key_client: Callable[[Workspace], APIClient]) -> APIClient:
    return key_client(workspace)


@pytest.fixture
def fast_passwords(settings: Any) -> None:
    """Hash test users' passwords with MD5: PBKDF2 costs most of a second per user."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
