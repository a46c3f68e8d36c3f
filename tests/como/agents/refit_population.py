"""A synthetic history for the scoring-refit agent: outcomes that one rule truly predicts.

Every contact became an MQL at some instant and then reached SQL or was recycled. A demo
request before the MQL moment makes SQL likely (80 %, against 15 % without one); blog reads and
a senior title do nothing. After their outcome, contacts that reached SQL read the blog a lot
(customers reading up): a refit that looked at today's behaviour instead of the MQL moment would
learn that blog reads predict SQL.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from como.leads.models import Contact, Event, LifecycleStage, LifecycleTransition
from como.scoring.models import ScoringModel
from como.scoring.services import scoring_model_active, scoring_model_create_version
from como.workspaces.models import Workspace

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
SEED = 1234

MODEL: dict[str, Any] = {
    "threshold": 40,
    "decay": {"rate_per_quarter": 0.25},
    "fit": [
        {
            "key": "senior_title",
            "label": "VP",
            "when": {"attr": "contact.title", "regex": r"\bvp\b"},
            "points": 10,
        }
    ],
    "intent": [
        {
            "key": "demo_request",
            "label": "Demo request",
            "event_type": "form_submitted",
            "when": {"property": "form", "equals": "demo"},
            "points": 30,
        },
        {
            "key": "blog_read",
            "label": "Blog read",
            "event_type": "page_view",
            "when": {"property": "path", "starts_with": "/blog"},
            "points": 30,
            "cap": {"count": 3, "per_days": 30},
        },
    ],
}


@dataclass(frozen=True)
class Population:
    model: ScoringModel
    #: contact id → the instant it became an MQL
    mql_at: dict[int, datetime]
    #: contact id → 1 (reached SQL) or 0 (recycled)
    outcome: dict[int, int]


def build_population(
    workspace: Workspace, *, size: int = 300, seed: int = SEED, model: bool = True
) -> Population:
    """``size`` contacts with their history; with ``model``, MODEL becomes the active version
    first (without, more contacts join an existing population)."""
    rng = random.Random(seed)
    if model:
        scoring_model_create_version(workspace=workspace, definition=MODEL, note="test")
    active = scoring_model_active(workspace=workspace)
    contacts = Contact.objects.bulk_create(
        Contact(
            workspace=workspace,
            email=f"p{seed}-{i}@buyer{i}.example.com",
            title="VP Data" if rng.random() < 0.5 else "Analyst",
            lifecycle_stage=LifecycleStage.LEAD,
        )
        for i in range(size)
    )
    events: list[Event] = []
    transitions: list[LifecycleTransition] = []
    mql_at: dict[int, datetime] = {}
    outcome: dict[int, int] = {}

    def event(contact: Contact, type_: str, properties: dict[str, Any], at: datetime) -> None:
        events.append(
            Event(
                workspace=workspace,
                contact=contact,
                event_id=f"e{contact.pk}-{len(events)}",
                type=type_,
                properties=properties,
                occurred_at=at,
                received_at=at,
                source="test",
            )
        )

    for contact in contacts:
        became_mql = NOW - timedelta(days=rng.uniform(20, 150))
        demo = rng.random() < 0.5
        blog = rng.random() < 0.6 or not demo
        if demo:
            event(
                contact,
                "form_submitted",
                {"form": "demo"},
                became_mql - timedelta(days=rng.uniform(0, 10)),
            )
        if blog:
            for _ in range(rng.choice((1, 2))):
                event(
                    contact,
                    "page_view",
                    {"path": "/blog/lakehouse"},
                    became_mql - timedelta(days=rng.uniform(0, 25)),
                )
        positive = rng.random() < (0.8 if demo else 0.15)
        outcome_at = became_mql + timedelta(days=rng.uniform(1, 5))
        if positive:  # after the fact: customers read the blog (must not count)
            for n in range(3):
                event(contact, "page_view", {"path": "/blog/tips"}, outcome_at + timedelta(days=n))
        stage = LifecycleStage.SQL if positive else LifecycleStage.RECYCLED
        transitions += [
            LifecycleTransition(
                workspace=workspace,
                contact=contact,
                from_stage=LifecycleStage.LEAD,
                to_stage=LifecycleStage.MQL,
                at=became_mql,
                reason="test",
            ),
            LifecycleTransition(
                workspace=workspace,
                contact=contact,
                from_stage=LifecycleStage.MQL,
                to_stage=stage,
                at=outcome_at,
                reason="test",
            ),
        ]
        contact.lifecycle_stage = stage
        mql_at[contact.pk] = became_mql
        outcome[contact.pk] = int(positive)
    Event.objects.bulk_create(events)
    LifecycleTransition.objects.bulk_create(transitions)
    Contact.objects.bulk_update(contacts, ["lifecycle_stage"])
    return Population(active, mql_at, outcome)
