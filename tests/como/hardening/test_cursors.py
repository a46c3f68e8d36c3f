"""Forged cursors (issue 10, defect 3): a cursor como could not have written answers 400.

The routes are not listed by hand: every GET operation of the published schema that takes a
``cursor`` is asked, once per ordering it offers, with garbage of every kind a cursor can be.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest
from django.urls import resolve
from rest_framework.test import APIClient

from como.ingest.services import events_ingest
from como.leads.models import Account, Contact
from como.sequences.versions import sequence_create
from como.workspaces.models import Workspace
from como.workspaces.pagination import StrictCursorPagination


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


#: Cursors no page link ever carries, whatever the list's ordering column is.
FORGED = [
    "not base64 !!",
    "é",
    base64.b64encode(b"\xff\xfe").decode(),  # not ASCII
    _b64("just words"),
    _b64("x=1"),
    _b64("p=1&p=2"),
    _b64("r=2"),
    _b64("r=a"),
    _b64("o=-1"),
    _b64("o=1e3"),
    _b64(f"o={10**30}"),
    _b64(f"o={'9' * 5000}"),
    _b64("p=\x00"),
    _b64("p=" + "a" * 10_000),  # longer than any text column
]
#: ... nor, on a list ordered by an id or an instant, these positions.
NOT_A_NUMBER = [
    "cj0xJnA9YQ==",  # r=1&p=a
    _b64("p=2026-13-45T00:00:00Z"),
    _b64(f"p={10**30}"),  # past bigint
    _b64("p=-99999999999999999999"),
    _b64("p=1e400"),
    _b64("p=NaN"),
]
#: ... nor, on a list ordered by an instant, these.
NOT_AN_INSTANT = [
    "cD0x",  # p=1
    _b64("p=2026-01-01 10:00:00"),  # naive: como never writes one
    _b64("p=10000-01-01 00:00:00+00:00"),
]
#: Lists whose default order is by id, and orderings by text (where any short word is a position).
BY_ID = {
    "/api/v1/actions",
    "/api/v1/coop/claims",
    "/api/v1/coop/programs",
    "/api/v1/erasures",
    "/api/v1/handoffs",
    "/api/v1/playbook/versions",
    "/api/v1/rooftops",
    "/api/v1/scoring-models",
    "/api/v1/suppressions",
    "/api/v1/vehicles",
}
BY_TEXT = {"name", "slug", "domain"}


def _forged(path: str, ordering: str) -> list[str]:
    if ordering.lstrip("-") in BY_TEXT or (path == "/api/v1/workspaces" and not ordering):
        return FORGED
    if path in BY_ID and not ordering:
        return FORGED + NOT_A_NUMBER
    return FORGED + NOT_A_NUMBER + NOT_AN_INSTANT


def _cursor_routes(api: APIClient) -> list[tuple[str, list[str]]]:
    schema = api.get("/api/v1/schema", {"format": "json"}).json()
    routes = []
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if not get:
            continue
        params = {p["name"]: p for p in get.get("parameters", []) if p["in"] == "query"}
        if "cursor" not in params:
            continue
        orderings = [""]
        if "ordering" in params:
            orderings += [o for o in params["ordering"]["schema"].get("enum", []) if o]
        routes.append((path, orderings))
    return routes


@pytest.fixture
def contact(workspace: Workspace) -> Contact:
    events_ingest(
        workspace=workspace,
        events=[
            {
                "id": f"e{n}",
                "type": "page_view",
                "occurred_at": f"2026-01-0{n + 1}T10:00:00Z",
                "contact": {"email": f"p{n}@example.com"},
            }
            for n in range(3)
        ],
        source="api",
    )
    return Contact.objects.get(workspace=workspace, email="p0@example.com")


def test_the_schema_walk_finds_the_paginated_lists(api: APIClient) -> None:
    paths = {path for path, _ in _cursor_routes(api)}
    assert {"/api/v1/contacts", "/api/v1/events", "/api/v1/actions"} <= paths
    assert "/api/v1/contacts/{id}/events" in paths


def test_every_forged_cursor_on_every_list_is_a_400(api: APIClient, contact: Contact) -> None:
    # A nested list under a sequence needs a sequence's id; the others are a contact's.
    sequence = sequence_create(
        workspace=contact.workspace,
        key="cursors",
        name="Cursors",
        program={"trigger": {"on": "manual"}, "steps": [{"id": "w", "type": "wait", "minutes": 1}]},
    ).sequence
    failures = []
    for path, orderings in _cursor_routes(api):
        owner = sequence if path.startswith("/api/v1/sequences/") else contact
        url = re.sub(r"\{[^}]+\}", str(owner.pk), path)
        for ordering in orderings:
            for cursor in _forged(path, ordering):
                params = {"cursor": cursor, **({"ordering": ordering} if ordering else {})}
                response = api.get(url, params)
                if response.status_code != 400 or "cursor" not in response.json():
                    failures.append((path, ordering, cursor[:40], response.status_code))
    assert not failures, failures


def test_every_paginator_is_the_strict_one(api: APIClient) -> None:
    for path, _ in _cursor_routes(api):
        match = resolve(re.sub(r"\{[^}]+\}", "1", path))
        view = match.func.cls  # type: ignore[attr-defined]
        action = match.func.actions["get"]  # type: ignore[attr-defined]
        handler = getattr(view, action)
        paginator = getattr(handler, "kwargs", {}).get("pagination_class", view.pagination_class)
        if path != "/api/v1/contacts":  # ordering=-score pages through ranked_list, tested here too
            assert issubclass(paginator, StrictCursorPagination), path


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        base64.urlsafe_b64encode(b"[" * 5000 + b"]" * 5000).decode(),
        base64.urlsafe_b64encode(
            json.dumps({"at": "2026-01-01T00:00:00Z", "offset": 10**30}).encode()
        ).decode(),
        base64.urlsafe_b64encode(
            json.dumps({"at": "2026-01-01T00:00:00Z", "offset": True}).encode()
        ).decode(),
        base64.urlsafe_b64encode(
            json.dumps({"at": "2026-01-01T00:00:00", "offset": 0}).encode()
        ).decode(),
        base64.urlsafe_b64encode(json.dumps([1, 2]).encode()).decode(),
    ],
)
def test_a_forged_ranking_cursor_is_a_400(api: APIClient, contact: Contact, cursor: str) -> None:
    response = api.get("/api/v1/contacts", {"ordering": "-score", "cursor": cursor})
    assert response.status_code == 400, response.content
    assert "cursor" in response.json()


@pytest.mark.parametrize(
    ("path", "ordering"),
    [("/api/v1/events", ""), ("/api/v1/contacts", "-last_seen_at"), ("/api/v1/accounts", "name")],
)
def test_the_links_a_page_gives_are_still_followed(
    api: APIClient, contact: Contact, path: str, ordering: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("Acme", "Globex", "Initech"):
        Account.objects.create(workspace=contact.workspace, name=name)
    params: dict[str, str | int] = {"ordering": ordering} if ordering else {}
    everything = [row["id"] for row in api.get(path, params).json()["results"]]
    assert len(everything) == 3
    monkeypatch.setattr(StrictCursorPagination, "page_size", 1)
    body = api.get(path, {**params, "limit": 1}).json()
    seen = [row["id"] for row in body["results"]]
    while body["next"]:
        response = api.get(body["next"])
        assert response.status_code == 200, response.content
        body = response.json()
        seen += [row["id"] for row in body["results"]]
    back: list[Any] = []
    while body["previous"]:
        response = api.get(body["previous"])
        assert response.status_code == 200, response.content
        body = response.json()
        back = [row["id"] for row in body["results"]] + back
    assert seen == everything
    assert back == everything[:-1]
