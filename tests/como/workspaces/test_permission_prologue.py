"""Every API permission class takes its prologue from IsWorkspaceCaller: anonymous callers are
refused and superusers let in, whatever the subclass then asks of a member."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from como.workspaces.models import Workspace
from tests.factories import member_api_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

#: One list endpoint per permission class: IsWorkspaceCaller, MayReadActions, HandlesHandoffs,
#: MayReadOrErase.
READS = [
    "/api/v1/suppressions",
    "/api/v1/actions",
    "/api/v1/handoffs",
    "/api/v1/erasures",
]
#: MayCheckCompliance and MayReadOrErase's erasing, both POSTs.
WRITES = ["/api/v1/compliance/check", "/api/v1/erasures"]


@pytest.mark.parametrize("path", READS)
def test_an_anonymous_caller_may_not_read(path: str) -> None:
    assert APIClient().get(path).status_code in (401, 403)


@pytest.mark.parametrize("path", WRITES)
def test_an_anonymous_caller_may_not_write(path: str) -> None:
    assert APIClient().post(path, {}, format="json").status_code in (401, 403)


@pytest.mark.parametrize("path", READS)
def test_a_superuser_reads_without_a_membership(workspace: Workspace, path: str) -> None:
    client = APIClient()
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "x"))
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", WRITES)
def test_a_superuser_passes_the_permission_to_write(workspace: Workspace, path: str) -> None:
    client = APIClient()
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "x"))
    # Past the permission: what is left to refuse is the (empty) body.
    assert client.post(path, {}, format="json").status_code == 400


def test_a_viewer_reads_handoffs_but_may_not_give_a_verdict(workspace: Workspace) -> None:
    client = member_api_client(workspace, "viewer")
    assert client.get("/api/v1/handoffs").status_code == 200
    assert client.post("/api/v1/handoffs/1/accept", {}, format="json").status_code == 403
