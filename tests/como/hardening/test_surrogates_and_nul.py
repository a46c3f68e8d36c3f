"""Lone surrogates and NUL are a 400 naming the field (issue 10, defect 4): in any string or key
of a JSON body, in a webhook delivery, and in any path or query parameter (admin list filters,
admin autocomplete, DRF filters, unauthenticated hooks)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from como.channels.models import ChannelAccount
from como.jsonsafe import NUL, SURROGATE
from como.leads.models import Contact, Event
from como.workspaces.models import Workspace
from tests.como.channels.sms_support import PUBLIC, inbound_params, sms_account, twilio_post
from tests.como.hardening.support import SECRET, signed_post
from tests.como.ingest.helpers import event
from tests.factories import UserFactory, member_client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "a\\udc00b"])
@pytest.mark.parametrize(
    ("url", "body", "path"),
    [
        ("/api/v1/contacts", '{"email": "s@example.com", "first_name": "%s"}', "first_name"),
        ("/api/v1/contacts", '{"email": "s@example.com", "attributes": {"%s": 1}}', "attributes"),
        ("/api/v1/accounts", '{"name": "Acme", "attributes": {"k": ["%s"]}}', "attributes.k.0"),
        ("/api/v1/accounts", '{"name": "%s"}', "name"),
    ],
)
def test_a_lone_surrogate_in_a_json_body_is_a_400_with_its_path(
    api: APIClient, url: str, body: str, path: str, escape: str
) -> None:
    response = api.generic("POST", url, body % escape, content_type="application/json")
    assert response.status_code == 400, response.content
    errors = response.json()
    (key,) = errors
    assert key.startswith(path)
    assert SURROGATE in errors[key][0]
    assert not Contact.objects.exists()


def test_a_surrogate_event_is_refused_and_the_rest_of_the_batch_stored(
    api: APIClient, workspace: Workspace
) -> None:
    good = [json.dumps(event(f"e{i}")) for i in range(3)]
    bad = json.dumps(event("bad", properties={"q": "x"})).replace('"x"', '"\\ud800"')
    body = '{"events": [' + ",".join([*good, bad]) + "]}"
    response = api.generic("POST", "/api/v1/events", body, content_type="application/json")
    assert response.status_code == 207, response.content
    assert response.json()["results"][3]["errors"] == {"properties": [f"q: {SURROGATE}"]}
    assert Event.objects.filter(workspace=workspace).count() == 3


@pytest.mark.parametrize("value", ['"\\ud800"', '"a\\u0000b"'])
def test_the_email_webhook_answers_400_for_a_signed_delivery(
    workspace: Workspace, value: str
) -> None:
    ChannelAccount.objects.create(workspace=workspace, channel="email", webhook_secret=SECRET)
    body = '{"type": "email.bounced", "data": {"to": ' + value + "}}"
    response = signed_post(f"/hooks/email/{workspace.slug}/events", body.encode())
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["data.to"]


def test_a_nul_in_a_signed_sms_parameter_is_a_400(workspace: Workspace, settings: Any) -> None:
    settings.COMO_PUBLIC_URL = PUBLIC
    account = sms_account(workspace)
    response = twilio_post(Client(), account, "inbound", inbound_params("hi\x00", "SM\x00x"))
    assert response.status_code == 400
    assert NUL in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/hooks/email/%00/events",
        "/api/v1/contacts?email=%00",
        "/api/v1/events?type=a%00b",
        "/api/v1/contacts?%00=1",
    ],
)
def test_a_nul_in_a_path_or_query_is_a_400(api: APIClient, url: str) -> None:
    method = api.post if url.startswith("/hooks") else api.get
    response = method(url)
    assert response.status_code == 400, response.content
    if "?" in url:  # named by the parameter
        ((name, messages),) = response.json().items()
        assert name == url.split("?")[1].split("=")[0].replace("%00", "\x00")
        assert messages == [NUL]


@pytest.mark.parametrize(
    "page",
    [
        "/admin/agents/agentaction/?status__exact=%00",
        "/admin/campaigns/campaign/?status__exact=%00",
        "/admin/channels/message/?status__exact=%00",
        "/admin/scoring/rescorerun/?status__exact=%00",
        "/admin/leads/contact/?q=%00",
        "/admin/autocomplete/?app_label=leads&model_name=contact&field_name=account&term=%00",
    ],
)
@pytest.mark.parametrize("superuser", [True, False])
def test_a_nul_in_an_admin_query_is_a_400(workspace: Workspace, page: str, superuser: bool) -> None:
    if superuser:
        client = Client()
        client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    else:
        client = member_client(workspace, "owner")
    response = client.get(page)
    assert response.status_code == 400, response.content[:300]
