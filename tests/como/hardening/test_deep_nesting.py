"""5,000 levels of nesting are a 400 wherever JSON is parsed, not a RecursionError; one limit,
:data:`como.jsonsafe.MAX_DEPTH` (issue 10, defect 2)."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from como import jsonsafe
from como.channels.models import ChannelAccount
from como.workspaces.models import Workspace
from tests.como.hardening.support import SECRET, signed_post
from tests.factories import member_client

pytestmark = pytest.mark.django_db

DEEP = "[" * 5000 + "]" * 5000


def nested(levels: int) -> str:
    return '{"a": ' * levels + "1" + "}" * levels


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/contacts",
        "/api/v1/accounts",
        "/api/v1/compliance/check",
        "/api/v1/scoring-models",
        "/api/v1/campaigns/metrics/import",
        "/api/v1/events",
    ],
)
@pytest.mark.parametrize("body", [DEEP, '{"attributes": ' + DEEP + "}"])
def test_the_api_answers_400(api: APIClient, url: str, body: str) -> None:
    response = api.generic("POST", url, body, content_type="application/json")
    assert response.status_code == 400, response.content


def test_the_limit_is_the_same_below_the_parser_s_own(api: APIClient) -> None:
    inside = {"email": "d@example.com", "attributes": json.loads(nested(jsonsafe.MAX_DEPTH - 1))}
    assert api.post("/api/v1/contacts", inside, format="json").status_code == 201

    beyond = {"email": "e@example.com", "attributes": json.loads(nested(jsonsafe.MAX_DEPTH))}
    response = api.post("/api/v1/contacts", beyond, format="json")
    assert response.status_code == 400
    ((path, messages),) = response.json().items()
    assert path.startswith("attributes.a.a")
    assert messages == [jsonsafe.TOO_DEEP]


def test_the_email_webhook_answers_400(workspace: Workspace) -> None:
    ChannelAccount.objects.create(workspace=workspace, channel="email", webhook_secret=SECRET)
    url = f"/hooks/email/{workspace.slug}/events"
    # Signed over the exact body, so only the nesting can be refused.
    for body in (DEEP, '{"type": "email.bounced", "data": ' + nested(100) + "}"):
        response = signed_post(url, body.encode())
        assert response.status_code == 400, response.content


def test_the_admin_json_fields_answer_with_a_form_error(workspace: Workspace) -> None:
    client = member_client(workspace, "owner")
    response = client.post(
        "/admin/channels/channelaccount/add/",
        {
            "workspace": workspace.pk,
            "channel": "sms",
            "transport": "sandbox",
            "account_id": "AC123",
            "sender": "+13125550100",
            "settings": DEEP,
        },
    )
    assert response.status_code == 200
    assert "Enter a valid JSON" in response.content.decode()
