"""Dates at the ends of the calendar (the probe after issue 10): year 1, 9999 and beyond are
a 4xx wherever they are given, never a 500 from the arithmetic done with them afterwards.

- API: every date-time query parameter and every date-time field of a write is given year 1
  and 9999. ``GET /reports/handoffs?to=0001-01-01T00:00:00Z`` took the default period off year
  1 (``OverflowError``).
- Admin: every change list, as a superuser (so third-party admins are walked too), is given
  ``<date field>__year`` values Django checks only when it compiles the SQL, and date-hierarchy
  years past 9998; and the handoff report is given a period ending on 9999-12-31.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.contrib import admin
from django.db import models
from django.test import Client
from rest_framework.test import APIClient

from como.leads.models import Contact
from como.workspaces.models import Workspace
from tests.factories import UserFactory, member_api_client, member_client

pytestmark = pytest.mark.django_db

ENDS = ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59Z"]
RANGE_ERROR = "Give a date between 1970 and 2999."


def test_the_handoff_report_at_year_1_is_a_400(workspace: Workspace) -> None:
    api = member_api_client(workspace, "owner")
    response = api.get("/api/v1/reports/handoffs", {"to": "0001-01-01T00:00:00Z"})
    assert response.status_code == 400
    assert response.json() == {"to": [RANGE_ERROR]}


def test_every_date_time_query_parameter_refuses_the_ends_of_the_calendar(
    workspace: Workspace,
) -> None:
    api = member_api_client(workspace, "owner")
    contact = Contact.objects.create(workspace=workspace, email="a@example.com")
    schema = api.get("/api/v1/schema", {"format": "json"}).json()
    asked = []
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if get is None:
            continue
        url = re.sub(r"\{[^}]+\}", str(contact.pk), path)
        for parameter in get.get("parameters", []):
            if parameter.get("schema", {}).get("format") != "date-time":
                continue
            for value in ENDS:
                response = api.get(url, {parameter["name"]: value})
                assert response.status_code < 500, (path, parameter["name"], value)
            asked.append((path, parameter["name"]))
    assert ("/api/v1/reports/handoffs", "to") in asked
    assert ("/api/v1/contacts/{id}/score", "at") in asked


def _date_time_properties(schema: dict[str, Any], body: dict[str, Any]) -> list[str]:
    name = body.get("$ref", "").rsplit("/", 1)[-1]
    properties = schema["components"]["schemas"].get(name, {}).get("properties", {})
    return [prop for prop, spec in properties.items() if spec.get("format") == "date-time"]


def test_every_date_time_field_of_a_write_refuses_the_ends_of_the_calendar(
    workspace: Workspace,
) -> None:
    api: APIClient = member_api_client(workspace, "owner")
    contact = Contact.objects.create(workspace=workspace, email="a@example.com")
    schema = api.get("/api/v1/schema", {"format": "json"}).json()
    asked = []
    for path, operations in schema["paths"].items():
        for method in ("post", "put", "patch"):
            operation = operations.get(method)
            if operation is None:
                continue
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            url = re.sub(r"\{[^}]+\}", str(contact.pk), path)
            for prop in _date_time_properties(schema, body.get("schema", {})):
                for value in ENDS:
                    payload = json.dumps({prop: value})
                    response = getattr(api, method)(url, payload, content_type="application/json")
                    assert response.status_code < 500, (method, path, prop, value)
                asked.append((path, prop))
    assert ("/api/v1/compliance/check", "at") in asked
    assert ("/api/v1/contacts/{id}/consents", "at") in asked


def test_a_consent_given_at_year_1_is_refused_on_its_field(workspace: Workspace) -> None:
    api = member_api_client(workspace, "owner")
    contact = Contact.objects.create(workspace=workspace, email="a@example.com")
    consent = {"channel": "email", "action": "grant", "basis": "express", "source": "form"}
    response = api.post(
        f"/api/v1/contacts/{contact.pk}/consents",
        {**consent, "at": "0001-01-01T00:00:00Z"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"at": [RANGE_ERROR]}


def _superuser_client() -> Client:
    client = Client()
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client


def _date_fields(model: type[models.Model]) -> list[str]:
    return [
        field.name
        for field in model._meta.get_fields()
        if isinstance(field, models.DateField) and field.concrete
    ]


def test_every_change_list_refuses_years_it_cannot_build(workspace: Workspace) -> None:
    """``?created_at__year=99999`` was a 500 on every change list with a date field (the
    value is converted when the SQL is compiled); now the list reloads with ``?e=1``."""
    client = _superuser_client()
    asked = []
    for model, model_admin in admin.site._registry.items():
        fields = _date_fields(model)
        if not fields:
            continue
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        for value in ("99999", "-1", str(10**20)):
            response = client.get(url, {f"{fields[0]}__year": value})
            assert response.status_code == 302, (url, value, response.status_code)
            assert response["Location"].endswith("?e=1")
            response = client.get(url, {f"{fields[0]}__year__gt": value})
            assert response.status_code == 302, (url, value, response.status_code)
        asked.append(model_admin)
    assert len(asked) > 15


@pytest.mark.parametrize(
    "query",
    [
        {"year": "9999"},
        {"year": "9999", "month": "12"},
        {"year": "9999", "month": "12", "day": "31"},
        {"year": str(10**20)},
    ],
)
def test_a_date_hierarchy_past_9998_is_refused(workspace: Workspace, query: dict[str, str]) -> None:
    hierarchies = [
        (model, model_admin.date_hierarchy)
        for model, model_admin in admin.site._registry.items()
        if model_admin.date_hierarchy
    ]
    assert hierarchies
    client = _superuser_client()
    for model, field in hierarchies:
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        response = client.get(url, {f"{field}__{part}": value for part, value in query.items()})
        assert response.status_code == 302, (url, query, response.status_code)


def test_a_change_list_still_filters_by_year(workspace: Workspace) -> None:
    Contact.objects.create(workspace=workspace, email="a@example.com")
    client = member_client(workspace, "owner")
    response = client.get("/admin/leads/contact/", {"created_at__year": "2020"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 0  # the contact is from this year


@pytest.mark.parametrize(
    ("start", "end"), [("2020-01-01", "9999-12-31"), ("9999-12-31", "9999-12-31")]
)
def test_the_admin_handoff_report_refuses_a_period_at_the_end_of_time(
    workspace: Workspace, start: str, end: str
) -> None:
    client = member_client(workspace, "owner")
    response = client.get("/admin/agents/handoff/report/", {"start": start, "end": end})
    assert response.status_code == 200
    assert RANGE_ERROR in response.content.decode()
