"""5,000 levels of nesting are a 400 wherever JSON is parsed, not a RecursionError; one limit,
:data:`como.jsonsafe.MAX_DEPTH` (issue 10, defect 2)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from django.urls import get_resolver
from rest_framework import serializers
from rest_framework.test import APIClient

from como import jsonsafe
from como.channels.models import ChannelAccount
from como.workspaces.models import Workspace
from como.workspaces.serializer_fields import JSONField
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


@pytest.mark.parametrize(
    "value", ["[" * 5000 + "]" * 5000, '{"a": NaN}', '{"a": "\\ud800"}', '{"a": "\\u0000"}']
)
@pytest.mark.parametrize("encoding", ["multipart", "form"])
@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/contacts", "attributes"),
        ("/api/v1/accounts", "attributes"),
        ("/api/v1/campaigns", "channels"),
        ("/api/v1/scoring-models", "definition"),
    ],
)
def test_json_typed_into_a_form_body_is_held_to_the_same_rules(
    api: APIClient, url: str, field: str, encoding: str, value: str
) -> None:
    # A form carries a JSON field as text, decoded by the field rather than the parser.
    data = {"email": "f@example.com", "name": "Acme", field: value}
    if encoding == "form":
        response = api.post(url, urlencode(data), content_type="application/x-www-form-urlencoded")
    else:
        response = api.post(url, data, format="multipart")
    assert response.status_code == 400, response.content
    assert field in response.json()


def _serializer_classes() -> list[type[serializers.Serializer[Any]]]:
    get_resolver().url_patterns  # noqa: B018  (imports every view, so every serializer)
    found, todo = [], [serializers.Serializer]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith(("como.", "verticals.")):
            found.append(cls)
    return found


@pytest.mark.parametrize("serializer", _serializer_classes(), ids=lambda cls: cls.__qualname__)
def test_every_writable_json_field_of_the_api_is_como_s(
    serializer: type[serializers.Serializer[Any]],
) -> None:
    fields = serializer().fields
    plain = [
        name
        for name, field in fields.items()
        if isinstance(field, serializers.JSONField)
        and not isinstance(field, JSONField)
        and not field.read_only
    ]
    assert not plain, f"use como.workspaces.serializer_fields.JSONField for {plain}"
