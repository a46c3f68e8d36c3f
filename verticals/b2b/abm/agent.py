"""The ABM agent's identity: its key, the kind it proposes, its registry entry."""

from __future__ import annotations

from como.agents.registry import AgentSpec

AGENT = "abm"
KIND = "account_play"
SPEC = AgentSpec(
    key=AGENT,
    name="ABM account plays",
    description=(
        "When an account becomes an MQA or starts surging on third-party intent, proposes one "
        "account play: the account handed to its owner with an SLA, the engaged committee "
        "members enrolled in their role's sequence, and the missing roles reached through a "
        "LinkedIn matched audience. Members without a lawful basis are left out."
    ),
    kinds=(KIND,),
    triggers=("state change", "intent signal"),
)
