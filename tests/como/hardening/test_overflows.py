"""Overflows (issue 10, defect 5): a number or a string the column cannot hold is a field
error, never a database error; in a batch only the offending rows are refused."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from como.agents.schedules import agents_settings_errors
from como.campaigns.models import Campaign, ChannelMetric
from como.campaigns.services import metrics_import
from como.channels.feeds import signature_valid
from como.channels.models import ChannelAccount, Message, WebhookReceipt
from como.channels.signatures import SignatureInvalid, standard_verify
from como.leads.models import Account, Contact
from como.workspaces.models import Workspace
from tests.como.channels.email_support import SECRET, webhook_post
from tests.como.channels.sms_support import (
    PUBLIC,
    inbound_params,
    sms_account,
    twilio_post,
)

pytestmark = pytest.mark.django_db
BIGINT_MAX = 2**63 - 1


def _row(campaign: str, **figures: Any) -> dict[str, Any]:
    return {
        "date": "2026-03-01",
        "campaign": campaign,
        "impressions": 1,
        "clicks": 1,
        "spend": "1.00",
    } | figures


def test_a_metric_row_past_its_column_is_refused_alone(workspace: Workspace) -> None:
    Campaign.objects.create(workspace=workspace, name="Spring")
    Campaign.objects.create(workspace=workspace, name="Summer")
    rows = [
        _row("Spring", impressions=10**19),  # past bigint
        _row("Spring", impressions=BIGINT_MAX - 5, clicks=7, spend="999999999999.00"),
        _row("Spring", spend="1.00"),  # the day's spend would need 13 digits
        _row("Spring", impressions=10, spend="0"),  # the day's impressions would pass bigint
        _row("Summer", impressions="9" * 5000),
        _row("Summer", spend="1e400"),
        _row("Summer", spend="1e20"),
        _row("Summer", impressions="²"),
        _row("Summer", impressions=3, spend="2.50"),
    ]
    result = metrics_import(workspace=workspace, channel="paid_search", rows=rows)
    outcome = {r.row: set(r.errors) for r in result.rows}
    assert outcome == {
        1: {"impressions"},
        2: set(),
        3: {"spend"},
        4: {"impressions"},
        5: {"impressions"},
        6: {"spend"},
        7: {"spend"},
        8: {"impressions"},
        9: set(),
    }
    assert "earlier rows" in result.rows[2].errors["spend"]
    stored = {
        metric.campaign.name: (metric.impressions, metric.clicks, metric.spend)
        for metric in ChannelMetric.objects.filter(workspace=workspace).select_related("campaign")
    }
    assert stored == {
        "Spring": (BIGINT_MAX - 5, 7, Decimal("999999999999.00")),
        "Summer": (3, 1, Decimal("2.50")),
    }


def test_the_import_api_answers_400_free_rows_and_stores_the_good(api: APIClient) -> None:
    response = api.post(
        "/api/v1/campaigns",
        {"name": "Spring", "channels": ["paid_search"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    csv_text = (
        "date,campaign,impressions,clicks,spend\n"
        f"2026-03-01,Spring,{10**19},1,1\n"
        "2026-03-01,Spring,5,1,900000000000\n"
        "2026-03-01,Spring,5,1,900000000000\n"
    )
    response = api.post(
        "/api/v1/campaigns/metrics/import",
        {"channel": "paid_search", "file": SimpleUploadedFile("r.csv", csv_text.encode())},
        format="multipart",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["stored"], body["errors"]) == (1, 2)
    assert [sorted(row.get("errors", {})) for row in body["rows"]] == [
        ["impressions"],
        [],
        ["spend"],
    ]
    metric = ChannelMetric.objects.get()
    assert (metric.impressions, metric.spend) == (5, Decimal("900000000000.00"))


@pytest.fixture
def public_url(settings: Any) -> None:
    settings.COMO_PUBLIC_URL = PUBLIC


@pytest.mark.usefixtures("public_url")
@pytest.mark.parametrize(
    ("kind", "field", "value"),
    [
        ("inbound", "MessageSid", "SM" + "a" * 300),
        ("inbound", "From", "+1" + "3" * 300),
        ("inbound", "To", "+1" + "3" * 300),
        ("inbound", "Body", "x" * 1601),
        ("status", "MessageSid", "SM" + "a" * 201),
        ("status", "MessageStatus", "d" * 500),
        ("status", "ErrorCode", "3" * 100),
    ],
)
def test_an_over_long_twilio_field_is_a_400_naming_it(
    client: Client, workspace: Workspace, kind: str, field: str, value: str
) -> None:
    account = sms_account(workspace)
    params = inbound_params("hello", "SM" + "1" * 32)
    if kind == "status":
        params = {"MessageSid": "SM" + "1" * 32, "MessageStatus": "delivered"}
    params[field] = value
    response = twilio_post(client, account, kind, params)
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not WebhookReceipt.objects.exists()
    assert not Message.objects.exists()


@pytest.mark.usefixtures("public_url")
def test_twilio_fields_at_their_limits_are_stored_whole(
    client: Client, workspace: Workspace
) -> None:
    account = sms_account(workspace)
    sid = "SM" + "a" * 126
    params = inbound_params("y" * 1600, sid)
    assert twilio_post(client, account, "inbound", params).status_code == 200
    message = Message.objects.get()
    assert (message.provider_id, len(message.body)) == (sid, 1600)
    status = {"MessageSid": sid, "MessageStatus": "s" * 32, "ErrorCode": "3" * 32}
    assert twilio_post(client, account, "status", status).status_code == 200


def test_an_over_long_email_webhook_id_is_a_400(client: Client, workspace: Workspace) -> None:
    ChannelAccount.objects.create(workspace=workspace, channel="email", webhook_secret=SECRET)
    event = {"type": "email.delivered", "data": {"message_id": "<x@example.com>"}}
    url = f"/hooks/email/{workspace.slug}/events"
    response = webhook_post(client, url, event, webhook_id="msg_" + "a" * 300)
    assert response.status_code == 400, response.content
    assert "webhook-id" in response.json()
    assert webhook_post(client, url, event, webhook_id="msg_" + "a" * 170).status_code == 200


def test_a_timestamp_of_thousands_of_digits_is_refused_not_parsed() -> None:
    headers = {"webhook-id": "m", "webhook-timestamp": "9" * 5000, "webhook-signature": "v1,x"}
    with pytest.raises(SignatureInvalid):
        standard_verify(SECRET, headers=headers, body=b"{}")


def test_schedule_cadences_past_ten_years_are_refused() -> None:
    errors = agents_settings_errors({"scoring_refit": {"every_days": 10**30}})
    assert len(errors) == 1
    assert "at most 3650" in errors[0]
    assert agents_settings_errors({"scoring_refit": {"every_days": 3650}}) == []


def test_a_feed_url_whose_expiry_is_not_ascii_digits_is_not_valid() -> None:
    assert signature_valid("s", "catalog", "csv", "²", "sig") is False
    assert signature_valid("s", "catalog", "csv", "9" * 5000, "sig") is False


def _numeric_properties(schema: dict[str, Any], ref: dict[str, Any]) -> list[tuple[str, str]]:
    name = ref.get("$ref", "").rsplit("/", 1)[-1]
    properties = schema["components"]["schemas"].get(name, {}).get("properties", {})
    return [
        (prop, spec["type"])
        for prop, spec in properties.items()
        if spec.get("type") in ("integer", "number")
        or (spec.get("type") == "string" and spec.get("format") == "decimal")
    ]


def test_every_numeric_field_of_every_update_refuses_values_past_its_column(
    api: APIClient, workspace: Workspace
) -> None:
    """Walk the schema's PATCH operations: each numeric field, sent alone past any column's
    range, answers 400 naming it (model validators reach the serializers)."""
    ids = {
        "contacts": Contact.objects.create(workspace=workspace, email="a@example.com").pk,
        "accounts": Account.objects.create(workspace=workspace, name="Acme").pk,
        "campaigns": Campaign.objects.create(workspace=workspace, name="Spring").pk,
    }
    schema = api.get("/api/v1/schema", {"format": "json"}).json()
    checked = []
    for path, operations in schema["paths"].items():
        patch = operations.get("patch")
        if patch is None:
            continue
        collection = path.split("/")[3]
        if collection not in ids:
            continue
        url = re.sub(r"\{[^}]+\}", str(ids[collection]), path)
        body = patch.get("requestBody", {}).get("content", {}).get("application/json", {})
        for prop, _ in _numeric_properties(schema, body.get("schema", {})):
            for value in (10**30, -(10**30), "1e20", 1e300):
                response = api.patch(url, {prop: value}, format="json")
                assert response.status_code == 400, (path, prop, value, response.content)
                assert prop in response.json(), (path, prop, response.content)
            checked.append((path, prop))
    assert ("/api/v1/campaigns/{id}", "budget") in checked


def test_numeric_query_parameters_past_any_column_are_never_a_500(
    api: APIClient, workspace: Workspace
) -> None:
    """Filters and path ids of every GET in the schema, given numbers no column holds."""
    contact = Contact.objects.create(workspace=workspace, email="a@example.com")
    schema = api.get("/api/v1/schema", {"format": "json"}).json()
    asked = 0
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if get is None:
            continue
        for parameter in get.get("parameters", []):
            kind = parameter.get("schema", {}).get("type")
            if kind not in ("integer", "number"):
                continue
            for value in (10**30, -(10**30), "9" * 5000):
                if parameter["in"] == "path":
                    url = path.replace("{" + parameter["name"] + "}", str(value))
                    response = api.get(re.sub(r"\{[^}]+\}", str(contact.pk), url))
                else:
                    url = re.sub(r"\{[^}]+\}", str(contact.pk), path)
                    response = api.get(url, {parameter["name"]: value})
                assert response.status_code < 500, (path, parameter["name"], response.content)
                asked += 1
    assert asked > 10
