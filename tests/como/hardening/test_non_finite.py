"""Non-finite numbers (NaN, ±Infinity, 1e400) are refused per field wherever JSON comes in; in
a batch only the event or row that holds one is refused (issue 10, defect 1)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from como.campaigns.models import Campaign, ChannelMetric
from como.channels.models import ChannelAccount
from como.leads.models import Contact, Event
from como.workspaces.models import Workspace
from tests.como.ingest.helpers import event
from tests.factories import channel_account_form, member_client

pytestmark = pytest.mark.django_db

NON_FINITE = ["NaN", "Infinity", "-Infinity", "1e400", "-1e400"]


def post_raw(api: APIClient, url: str, body: str) -> Any:
    return api.generic("POST", url, body, content_type="application/json")


@pytest.mark.parametrize("literal", NON_FINITE)
def test_one_non_finite_event_of_a_thousand_is_refused_and_999_are_stored(
    api: APIClient, workspace: Workspace, literal: str
) -> None:
    events = [json.dumps(event(f"e{i}")) for i in range(999)]
    bad = json.dumps(event("bad", properties={"price": {"amount": 0}}))
    events.insert(500, bad.replace('"amount": 0', f'"amount": {literal}'))

    response = post_raw(api, "/api/v1/events", '{"events": [' + ",".join(events) + "]}")

    assert response.status_code == 207, response.content
    body = response.json()
    assert (body["created"], body["rejected"]) == (999, 1)
    rejected = body["results"][500]
    assert rejected["status"] == "rejected"
    assert list(rejected["errors"]) == ["properties"]
    assert rejected["errors"]["properties"][0].startswith("price.amount: Must be a finite number")
    assert Event.objects.filter(workspace=workspace).count() == 999


def test_a_single_non_finite_event_is_a_400_naming_the_property(api: APIClient) -> None:
    body = json.dumps(event("one")).replace('"/pricing"', "NaN")
    response = post_raw(api, "/api/v1/events", body)
    assert response.status_code == 400
    assert response.json()["properties"][0].startswith("path: Must be a finite number")


@pytest.mark.parametrize("literal", NON_FINITE)
@pytest.mark.parametrize("url", ["/api/v1/contacts", "/api/v1/accounts"])
def test_attributes_refuse_non_finite_numbers_with_their_path(
    api: APIClient, workspace: Workspace, url: str, literal: str
) -> None:
    fields = {"email": "n@example.com"} if "contacts" in url else {"name": "Acme"}
    body = json.dumps({**fields, "attributes": {"fleet": [1, 2]}}).replace("2]", f"{literal}]")
    response = post_raw(api, url, body)
    assert response.status_code == 400, response.content
    assert "Must be a finite number" in response.json()["attributes.fleet.1"][0]
    assert not Contact.objects.filter(workspace=workspace).exists()


def test_a_metrics_row_with_a_non_finite_number_is_refused_and_the_others_stored(
    api: APIClient, workspace: Workspace
) -> None:
    campaign = Campaign.objects.create(workspace=workspace, name="Spring")
    good = {"date": "2026-03-01", "campaign": "Spring", "impressions": 10, "clicks": 1}
    rows = [{**good, "spend": 1.5}, {**good, "date": "2026-03-02", "spend": 0}]
    body = json.dumps({"channel": "paid_search", "rows": rows})
    body = body.replace('"spend": 0', '"spend": NaN')

    response = post_raw(api, "/api/v1/campaigns/metrics/import", body)

    assert response.status_code == 200, response.content
    assert response.json()["rows"][1]["errors"]["spend"].startswith("Must be a finite number")
    days = ChannelMetric.objects.filter(campaign=campaign).values_list("day", flat=True)
    assert list(days) == [date(2026, 3, 1)]


def test_the_admin_refuses_non_finite_numbers_in_json_fields(workspace: Workspace) -> None:
    client = member_client(workspace, "owner")
    response = client.post(
        reverse("admin:channels_channelaccount_add"),
        channel_account_form(workspace, settings='{"rate": {"per_second": Infinity}}'),
    )
    assert response.status_code == 200  # the form again, with the error
    assert "rate.per_second: Must be a finite number" in response.content.decode()
    assert not ChannelAccount.objects.exists()
