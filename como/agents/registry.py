"""The agent registry: agents by key, and whether a workspace's playbook has them switched on.

Core agents register from :class:`como.agents.apps.AgentsConfig.ready`, vertical agents from
their vertical's ``AppConfig.ready()``. An agent is a set of Celery tasks that watch the data and
propose :class:`~como.agents.models.AgentAction` rows through
:func:`como.agents.services.action_propose`; it never executes anything itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from como.registry import Registry
from como.workspaces.models import Workspace


@dataclass(frozen=True)
class AgentSpec:
    key: str
    name: str
    description: str
    #: The action kinds it proposes.
    kinds: tuple[str, ...]
    #: What wakes it: "event", "schedule", "state change" (for the admin and docs).
    triggers: tuple[str, ...]


AGENTS: Registry[AgentSpec] = Registry("agent")


def register_agent(spec: AgentSpec) -> None:
    AGENTS.register(spec.key, spec)


def registered_agents() -> list[AgentSpec]:
    return AGENTS.all()


def agent_get(key: str) -> AgentSpec:
    return AGENTS.get(key)


def agent_enabled(workspace: Workspace, key: str) -> bool:
    """Switched on in the workspace's playbook (agents are on unless switched off)."""
    from .services import playbook_for

    settings = (playbook_for(workspace).agents or {}).get(key) or {}
    return bool(settings.get("enabled", True))
