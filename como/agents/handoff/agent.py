"""The MQL handoff agent's identity: its key, the kind it proposes, its registry entry."""

from __future__ import annotations

from ..registry import AgentSpec

AGENT = "mql_handoff"
KIND = "mql_handoff"
SPEC = AgentSpec(
    key=AGENT,
    name="MQL handoff",
    description=(
        "When a contact becomes an MQL, hands it to a sales rep (the account owner, or round "
        "robin in the contact's territory) with the score explanation and recent timeline; "
        "escalates to the next rep, then the manager, when the SLA passes untouched."
    ),
    kinds=(KIND,),
    triggers=("state change", "schedule"),
)


def idempotency_key(transition_id: int) -> str:
    return f"mql_handoff:{transition_id}"
