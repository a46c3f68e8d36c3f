"""Building B2B playbooks and events for the accounts tests."""

from __future__ import annotations

from typing import Any

from como.agents.playbooks import playbook_update
from como.agents.services import playbook_for
from como.workspaces.models import Workspace


def set_accounts(workspace: Workspace, **section: Any) -> None:
    """Make ``section`` the workspace's ``accounts`` setting (validated as a save would)."""
    playbook_update(playbook=playbook_for(workspace), accounts=section)


def page_view(id: str, email: str, at: str, path: str = "/pricing") -> dict[str, Any]:
    return {
        "id": id,
        "type": "page_view",
        "occurred_at": at,
        "contact": {"email": email},
        "properties": {"path": path},
    }
