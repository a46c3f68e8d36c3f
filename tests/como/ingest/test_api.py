"""POST/GET /api/v1/events over the full Django + DRF request path."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from como.ingest.api import MAX_BODY_BYTES
from como.leads.models import Contact, Event
from como.workspaces.models import Workspace

from .helpers import event
from .test_services import DUPLICATES, INVALID, acceptance_batch

pytestmark = pytest.mark.django_db

URL = "/api/v1/events"


def post_json(client: APIClient, body: Any) -> Any:
    return client.post(URL, data=json.dumps(body), content_type="application/json")


def test_the_acceptance_batch_over_http(api: APIClient, workspace: Workspace) -> None:
    response = post_json(api, {"events": acceptance_batch()})

    assert response.status_code == 207
    body = response.json()
    assert (body["created"], body["duplicates"], body["rejected"]) == (985, 5, 10)
    assert [r["index"] for r in body["results"]] == list(range(1000))
    for index, (_, field) in INVALID.items():
        assert body["results"][index]["status"] == "rejected"
        assert list(body["results"][index]["errors"]) == [field]
    for index, first in DUPLICATES.items():
        assert body["results"][index] == {
            "index": index,
            "id": f"evt-{first}",
            "status": "duplicate",
        }
    assert body["results"][0] == {"index": 0, "id": "evt-0", "status": "created"}
    assert Event.objects.filter(workspace=workspace).count() == 985

    again = post_json(api, {"events": acceptance_batch()}).json()
    assert (again["created"], again["duplicates"], again["rejected"]) == (0, 990, 10)
    assert Event.objects.filter(workspace=workspace).count() == 985


def test_a_clean_batch_answers_200(api: APIClient) -> None:
    response = post_json(api, {"events": [event("a"), event("b"), event("a")]})
    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {"index": 0, "id": "a", "status": "created"},
            {"index": 1, "id": "b", "status": "created"},
            {"index": 2, "id": "a", "status": "duplicate"},
        ],
        "created": 2,
        "duplicates": 1,
        "rejected": 0,
    }


def test_a_batch_with_only_rejected_events_is_still_207(api: APIClient) -> None:
    response = post_json(api, {"events": [{"id": "x"}]})
    assert response.status_code == 207
    assert response.json()["results"][0]["errors"] == {
        "type": ["Field required"],
        "occurred_at": ["Field required"],
        "contact": ["Field required"],
    }


def test_single_event(api: APIClient, workspace: Workspace) -> None:
    item = event("evt-1", contact={"email": "Ana@Example.com"})

    created = post_json(api, item)
    assert created.status_code == 200
    assert created.json() == {
        "results": [{"index": 0, "id": "evt-1", "status": "created"}],
        "created": 1,
        "duplicates": 0,
        "rejected": 0,
    }
    repeated = post_json(api, item)
    assert repeated.status_code == 200
    assert repeated.json()["results"] == [{"index": 0, "id": "evt-1", "status": "duplicate"}]
    assert Event.objects.get(workspace=workspace).contact.email == "ana@example.com"


def test_a_rejected_single_event_answers_400_with_its_field_errors(api: APIClient) -> None:
    response = post_json(
        api,
        event(
            "evt-1",
            occurred_at="2026-01-01T10:00:00",
            contact={"email": "ana-at-example.com"},
            type="Signed Up",
        ),
    )
    assert response.status_code == 400
    assert response.json() == {
        "type": ["Use a lowercase token of letters, digits and _ . : - (for example page_view)."],
        "occurred_at": [
            "Give a timezone (for example 2026-01-01T10:00:00Z); "
            "a timestamp without one is ambiguous."
        ],
        "contact.email": ["Enter a valid email address."],
    }
    assert Event.objects.count() == 0


def test_more_than_the_batch_limit_is_refused_whole(api: APIClient) -> None:
    response = post_json(api, {"events": [event(f"e{i}") for i in range(1001)]})
    assert response.status_code == 400
    assert response.json() == {"events": ["At most 1000 events per request (got 1001); split it."]}
    assert Event.objects.count() == 0


@override_settings(COMO_INGEST_MAX_BATCH=2)
def test_the_batch_limit_comes_from_settings(api: APIClient) -> None:
    assert post_json(api, {"events": [event("a"), event("b")]}).status_code == 200
    assert post_json(api, {"events": [event("c"), event("d"), event("e")]}).status_code == 400


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ("{not json", "Malformed JSON: "),
        ("", "The body is empty; send JSON."),
        ("[]", 'Send one event object or {"events": [...]}.'),
        ('"evt"', 'Send one event object or {"events": [...]}.'),
        ("42", 'Send one event object or {"events": [...]}.'),
    ],
)
def test_a_body_of_the_wrong_shape_is_400(api: APIClient, body: str, errors: str) -> None:
    response = api.post(URL, data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"].startswith(errors)


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"events": {"id": "a"}}, {"events": ["Must be a list of event objects."]}),
        ({"events": []}, {"events": ["Send at least one event."]}),
        (
            {"events": [], "source": "x"},
            {"source": ["Unexpected next to events; put fields inside each event."]},
        ),
    ],
)
def test_a_malformed_batch_is_400(api: APIClient, body: Any, errors: Any) -> None:
    response = post_json(api, body)
    assert response.status_code == 400
    assert response.json() == errors


def test_json_only(api: APIClient) -> None:
    response = api.post(URL, data={"id": "a"})  # multipart form
    assert response.status_code == 415


def test_an_oversized_body_is_413(api: APIClient) -> None:
    body = json.dumps({"events": [event("a", properties={"x": "y" * MAX_BODY_BYTES})]})
    response = api.post(URL, data=body, content_type="application/json")
    assert response.status_code == 413


def test_authentication_is_required(workspace: Workspace) -> None:
    anonymous = APIClient()
    assert post_json(anonymous, event("a")).status_code == 401
    assert anonymous.get(URL).status_code == 401
    bad_key = APIClient()
    bad_key.credentials(HTTP_AUTHORIZATION="Bearer not-a-key")
    assert post_json(bad_key, event("a")).status_code == 401
    assert Event.objects.count() == 0


def test_events_go_to_the_keys_workspace(
    api: APIClient, workspace: Workspace, other_workspace: Workspace
) -> None:
    post_json(api, event("evt-1"))
    assert Event.objects.get().workspace_id == workspace.pk


def test_listing_is_scoped_to_the_callers_workspace(
    api: APIClient,
    workspace: Workspace,
    other_workspace: Workspace,
    key_client: Callable[[Workspace], APIClient],
) -> None:
    post_json(api, {"events": [event("mine-1"), event("mine-2")]})
    other = key_client(other_workspace)
    post_json(other, event("theirs"))
    my_contact = Contact.objects.get(workspace=workspace, email="mine-1@example.com")

    assert [e["id"] for e in api.get(URL).json()["results"]] == ["mine-2", "mine-1"]
    assert [e["id"] for e in other.get(URL).json()["results"]] == ["theirs"]
    # naming another workspace's contact finds nothing rather than leaking it
    assert other.get(URL, {"contact": my_contact.pk}).json()["results"] == []


def test_listing_filters_and_pages_newest_first(api: APIClient) -> None:
    ana, bob = {"email": "ana@example.com"}, {"email": "bob@example.com"}
    post_json(
        api,
        {
            "events": [
                event("a1", contact=ana, occurred_at="2026-01-01T10:00:00Z"),
                event("a2", contact=ana, occurred_at="2026-01-03T10:00:00Z", type="form_submit"),
                event("a3", contact=ana, occurred_at="2026-01-02T10:00:00Z"),
                event("b1", contact=bob, occurred_at="2026-01-04T10:00:00Z"),
            ]
        },
    )
    ana_id = Contact.objects.get(email="ana@example.com").pk

    def ids(**params: Any) -> list[str]:
        response = api.get(URL, params)
        assert response.status_code == 200, response.content
        return [e["id"] for e in response.json()["results"]]

    assert ids() == ["b1", "a2", "a3", "a1"]
    assert ids(contact=ana_id) == ["a2", "a3", "a1"]
    assert ids(type="form_submit") == ["a2"]
    assert ids(occurred_after="2026-01-02T10:00:00Z") == ["b1", "a2", "a3"]
    assert ids(occurred_before="2026-01-02T10:00:00Z") == ["a1"]
    assert ids(contact=ana_id, occurred_after="2026-01-02T00:00:00Z") == ["a2", "a3"]

    first = api.get(URL, {"limit": 3}).json()
    assert [e["id"] for e in first["results"]] == ["b1", "a2", "a3"]
    second = api.get(first["next"]).json()
    assert [e["id"] for e in second["results"]] == ["a1"]
    assert second["next"] is None


@pytest.mark.parametrize(
    ("value", "found"),
    [
        # PostgreSQL rejects offsets beyond 15:59 (Python allows 23:59): was a 500
        ("2026-01-02T00:00:00-18:30", ["a1"]),
        ("2026-01-03T05:00:00+18:30", ["a1"]),
    ],
)
def test_time_filters_take_any_offset_python_parses(
    api: APIClient, value: str, found: list[str]
) -> None:
    post_json(api, event("a1", occurred_at="2026-01-02T10:00:00Z"))

    response = api.get(URL, {"occurred_before": value})
    assert response.status_code == 200, response.content
    assert [e["id"] for e in response.json()["results"]] == found


@pytest.mark.parametrize("param", ["occurred_after", "occurred_before"])
@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00"])
def test_a_time_filter_with_no_utc_equivalent_is_400(
    api: APIClient, param: str, value: str
) -> None:
    response = api.get(URL, {param: value})
    assert response.status_code == 400, response.content
    assert response.json() == {param: ["Out of range once converted to UTC."]}


def test_listed_events_carry_what_was_sent(api: APIClient) -> None:
    post_json(
        api,
        event(
            "evt-1",
            contact={"email": "ana@example.com"},
            properties={"path": "/pricing"},
            utm={"source": "google", "campaign": "spring"},
        ),
    )
    (listed,) = api.get(URL).json()["results"]
    assert listed["id"] == "evt-1"
    assert listed["type"] == "page_view"
    assert listed["occurred_at"] == "2026-01-01T10:00:00Z"
    assert listed["source"] == "api"
    assert listed["properties"] == {"path": "/pricing"}
    assert listed["utm"] == {"source": "google", "campaign": "spring"}
    assert listed["contact"] == Contact.objects.get(email="ana@example.com").pk


def test_the_openapi_schema_documents_the_endpoint(api: APIClient) -> None:
    schema = api.get("/api/v1/schema", {"format": "json"}).json()
    post = schema["paths"]["/api/v1/events"]["post"]
    request = post["requestBody"]["content"]["application/json"]["schema"]
    assert request == {"$ref": "#/components/schemas/EventIngestRequest"}
    assert set(post["responses"]) == {"200", "207", "400", "413", "415", "429"}
    components = schema["components"]["schemas"]
    assert components["EventIngestRequest"]["anyOf"] == [
        {"$ref": "#/components/schemas/EventIn"},
        {"$ref": "#/components/schemas/EventBatch"},
    ]
    event_in = components["EventIn"]
    assert event_in["required"] == ["id", "type", "occurred_at", "contact"]
    assert event_in["additionalProperties"] is False
    assert components["EventBatch"]["properties"]["events"]["maxItems"] == 1000
    assert components["ContactRef"]["properties"]["email"]["maxLength"] == 254
    get = schema["paths"]["/api/v1/events"]["get"]
    assert {p["name"] for p in get["parameters"]} >= {
        "contact",
        "type",
        "occurred_after",
        "occurred_before",
        "cursor",
    }


def test_the_contact_filter_takes_whole_ids_only(api: APIClient) -> None:
    response = api.get(URL, {"contact": "1.5"})

    assert response.status_code == 400
    assert response.json() == {"contact": ["Enter a whole number."]}
