from como.workspaces.models import Workspace


def test_workspace_gets_an_agent_identity_without_roles(workspace: Workspace) -> None:
    assert workspace.agent_user.username == "agent@acme"
    assert not workspace.agent_user.has_usable_password()
    assert workspace.agent_user.memberships.count() == 0
