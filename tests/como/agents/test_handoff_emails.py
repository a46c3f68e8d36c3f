"""The handoff email's subject and body are plain-text templates: nothing in them is
HTML-escaped, and a project can override them like any template."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from como.agents.handoff.emails import handoff_email, handoff_subject
from como.leads.models import Account, Contact
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAYLOAD = {
    "score": {
        "score": 57.3,
        "threshold": 50,
        "fit": 20.0,
        "intent": 37.3,
        "breakdown": [{"rule": "pricing<page>", "kind": "intent", "points": 12.5}],
    },
    "timeline": [
        {
            "occurred_at": "2026-03-02T08:00:00+00:00",
            "type": "page_view",
            "properties": {"path": "/pricing?a=1&b=2"},
        }
    ],
}


def _contact() -> Contact:
    account = Account(name="O'Brien & <Sons>")
    return Contact(pk=7, first_name="Dana", last_name="O'Reyes", email="d@x.io", account=account)


def test_the_text_is_not_escaped(db: Any) -> None:
    rep = UserFactory.create(username="ana", first_name="Ana", last_name="D'Souza")

    email = handoff_email(_contact(), PAYLOAD, rep, 5, "https://x/h/1?a=1&b=2", key="k")

    assert email.subject == "New MQL for you: Dana O'Reyes <d@x.io>"
    assert email.body.splitlines() == [
        "Hello Ana D'Souza,",
        "",
        "A new marketing-qualified lead is yours.",
        "Please follow up within 5 minutes.",
        "",
        "Contact: Dana O'Reyes <d@x.io>",
        "Account: O'Brien & <Sons>",
        "Score: 57.3 (threshold 50; fit 20.0, intent 37.3)",
        "",
        "Why:",
        "  pricing<page> (intent): +12.5",
        "",
        "Recent activity:",
        "  2026-03-02T08:00:00+00:00  page_view  path=/pricing?a=1&b=2",
        "",
        "Open the handoff: https://x/h/1?a=1&b=2",
    ]
    assert handoff_subject(_contact(), escalated_from="Ben") == (
        "Escalated MQL for you: Dana O'Reyes <d@x.io>"
    )


def test_the_subject_is_a_template_a_project_can_override(settings: Any, tmp_path: Path) -> None:
    folder = tmp_path / "agents" / "handoff"
    folder.mkdir(parents=True)
    (folder / "email_subject.txt").write_text("Lead for you: {{ contact }}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]

    assert handoff_subject(_contact()) == "Lead for you: Dana O'Reyes <d@x.io>"
