"""System check como.E001: a workspace must run a registered vertical."""

from __future__ import annotations

import pytest
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from como.workspaces.models import Workspace
from tests.factories import WorkspaceFactory

pytestmark = pytest.mark.django_db


def como_errors() -> list[checks.CheckMessage]:
    return [m for m in checks.run_checks(tags=["como"]) if m.id == "como.E001"]


def test_silent_when_every_vertical_is_registered(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    assert como_errors() == []


def test_fires_once_per_unregistered_vertical() -> None:
    for slug in ("harbour", "marina"):
        ws = WorkspaceFactory.create(slug=slug, vertical="automotive")
        # As after a vertical package was removed from COMO_VERTICALS.
        Workspace.objects.filter(pk=ws.pk).update(vertical="marine")
    WorkspaceFactory.create(slug="dealer", vertical="automotive")

    (error,) = como_errors()

    assert error.level == checks.ERROR
    assert error.msg == "Workspaces use the vertical 'marine', which is not registered."
    assert error.hint == (
        "Add its package to COMO_VERTICALS (registered: automotive, b2b) "
        "or move those workspaces to a registered vertical."
    )


def test_stops_manage_py_check(workspace: Workspace) -> None:
    Workspace.objects.filter(pk=workspace.pk).update(vertical="marine")

    with pytest.raises(SystemCheckError) as raised:
        call_command("check")

    assert "como.E001" in str(raised.value)
