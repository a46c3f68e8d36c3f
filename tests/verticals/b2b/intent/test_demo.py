"""Northwind Cloud's intent data in the demo: both provider shapes imported, the most active
accounts surging, unknown domains kept unlinked, and a second seeding changing nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from como.demo.b2b import SPEC
from como.leads.models import Account, Contact, ContactScore
from como.workspaces.services import workspace_create
from verticals.b2b.intent.demo import STRANGERS, demo_intent_seed
from verticals.b2b.intent.models import IntentSignal
from verticals.b2b.intent.selectors import accounts_intent_at

END = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)


def test_the_demo_seeds_both_shapes_once(db: Any) -> None:
    workspace = workspace_create(slug=SPEC.slug, vertical="b2b", name=SPEC.name)
    for n in range(10):
        account = Account.objects.create(
            workspace=workspace, domain=f"co{n}.example", name=f"Co {n}"
        )
        contact = Contact.objects.create(
            workspace=workspace, email=f"a@co{n}.example", account=account
        )
        ContactScore.objects.filter(contact=contact).update(score_intent=n * 10)
    lines = demo_intent_seed(workspace, END)
    assert [line.split(":")[1].strip() for line in lines] == [
        "intent (Bombora-style surge export, bombora)",
        "intent (6sense-style company export, 6sense)",
    ]
    assert "rejected" not in " ".join(lines)
    signals = IntentSignal.objects.filter(workspace=workspace)
    # 12 domains x 3 topics x 8 weeks, and 10 accounts x 4 weeks of company scores.
    assert signals.filter(provider="bombora").count() == 12 * 3 * 8
    assert signals.filter(provider="6sense").count() == 10 * 4
    assert set(signals.filter(account=None).values_list("domain", flat=True)) == set(STRANGERS)
    intent = accounts_intent_at(workspace=workspace, at=END)
    hot = Account.objects.get(workspace=workspace, domain="co9.example").pk
    cold = Account.objects.get(workspace=workspace, domain="co0.example").pk
    assert intent[hot].surges > 0
    assert intent[hot].intent > 10
    # Cold accounts read 20-55 (Bombora) and 10-45 (6sense): stored, under the bar of 60.
    assert intent[cold].parts
    assert intent[cold].surges == 0
    assert intent[cold].intent == 0

    again = demo_intent_seed(workspace, END)
    assert all("created" not in line and "updated" not in line for line in again), again
    assert IntentSignal.objects.filter(workspace=workspace).count() == signals.count()


def test_other_workspaces_are_left_alone(db: Any) -> None:
    workspace = workspace_create(slug="elsewhere", vertical="b2b", name="Elsewhere")
    assert demo_intent_seed(workspace, END) == []
