"""The agents app's models, one module per sub-domain; imported here for Django and callers."""

from .actions import (
    FINAL_STATUSES,
    ActionApproval,
    ActionStatus,
    ActionTransition,
    ActorKind,
    AgentAction,
    InboxAction,
    Notification,
    Playbook,
    Risk,
)
from .handoff import (
    Handoff,
    HandoffEscalation,
    HandoffOutcome,
    HandoffRouting,
    RejectReason,
    RouteVia,
    Territory,
    TerritoryRep,
    TerritoryRepQuerySet,
)
from .versions import PlaybookVersion

__all__ = [
    "FINAL_STATUSES",
    "ActionApproval",
    "ActionStatus",
    "ActionTransition",
    "ActorKind",
    "AgentAction",
    "Handoff",
    "HandoffEscalation",
    "HandoffOutcome",
    "HandoffRouting",
    "InboxAction",
    "Notification",
    "Playbook",
    "PlaybookVersion",
    "RejectReason",
    "Risk",
    "RouteVia",
    "Territory",
    "TerritoryRep",
    "TerritoryRepQuerySet",
]
