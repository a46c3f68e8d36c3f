"""A contact that takes an email (or external id) from a batch is scored from its history: its
fit may read what it is now known by (``contact.email_domain``), so the stored fit cannot be
carried forward."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from como.leads.models import Contact
from como.scoring.services import scoring_model_create_version
from como.workspaces.models import Workspace

pytestmark = pytest.mark.django_db

MODEL: dict[str, Any] = {
    "threshold": 100,
    "decay": {"rate_per_quarter": 0.25},
    "fit": [
        {
            "key": "competitor",
            "when": {"attr": "contact.email_domain", "in": ["rival.example"]},
            "points": -50,
        }
    ],
    "intent": [{"key": "view", "event_type": "page_view", "points": 1}],
}


@pytest.fixture(autouse=True)
def model(workspace: Workspace) -> None:
    scoring_model_create_version(workspace=workspace, definition=MODEL, note="test")


def post(api: APIClient, n: int, contact: dict[str, str]) -> None:
    event = {
        "id": f"e{n}",
        "type": "page_view",
        "occurred_at": (timezone.now() - timedelta(hours=10 - n)).isoformat(),
        "contact": contact,
    }
    response = api.post(
        "/api/v1/events", data=json.dumps({"events": [event]}), content_type="application/json"
    )
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"external_id": "crm-1"}, {"external_id": "crm-1", "email": "bob@rival.example"}),
        ({"anonymous_id": "cookie-1"}, {"anonymous_id": "cookie-1", "email": "eve@rival.example"}),
    ],
    ids=["found by external id", "promoted visitor"],
)
def test_a_contact_that_takes_an_email_is_rescored_with_it(
    api: APIClient, workspace: Workspace, first: dict[str, str], second: dict[str, str]
) -> None:
    post(api, 1, first)
    (contact,) = Contact.objects.filter(workspace=workspace)
    assert contact.score.score_fit == 0
    assert contact.score.score_model_version is not None  # scored once, before it had an email

    post(api, 2, second)  # a later event: the incremental path would keep the stored fit

    contact.refresh_from_db()
    assert contact.email == second["email"]
    assert contact.score.score_fit == -50
    assert contact.score.last_seen_at is not None
