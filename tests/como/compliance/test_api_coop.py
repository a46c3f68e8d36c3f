"""``POST /api/v1/compliance/check`` with OEM co-op programs: a program key of the workspace,
a program inline, or none given and the vehicle's make picking the workspace's programs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from como.workspaces.models import Workspace
from tests.verticals.automotive.coop.support import dealer, program

URL = "/api/v1/compliance/check"
DISCLAIMER = "See dealer for complete details."
FORD = {
    "vin": "1FTFW1E5XPFA00001",
    "year": 2026,
    "make": "Ford",
    "model": "F-150",
    "condition": "new",
    "price": "46995.00",
    "status": "available",
}
COPY = "New 2026 Ford F-150, $46,995 + tax, title, license. VIN 1FTFW1E5XPFA00001"


@pytest.fixture
def lakeside(db: Any) -> Workspace:
    workspace = dealer()
    program(workspace)
    return workspace


@pytest.fixture
def client(lakeside: Workspace, key_client: Callable[[Workspace], APIClient]) -> APIClient:
    return key_client(lakeside)


def rules(response: Any) -> set[str]:
    assert response.status_code == 200, response.content
    return {f["rule"] for f in response.json()["findings"] if f["severity"] == "block"}


def body(text: str, **more: Any) -> dict[str, Any]:
    fields = {"primary_text": text, "headline": "2026 Ford F-150"}
    return {"channel": "paid_social", "fields": fields, **more}


def test_a_program_by_key_blocks_a_missing_disclaimer_and_passes_with_it(
    client: APIClient,
) -> None:
    assert "coop.disclaimer_missing" in rules(
        client.post(URL, body(COPY, coop_program="ford-coop"), format="json")
    )
    assert "coop.disclaimer_missing" not in rules(
        client.post(URL, body(f"{COPY} {DISCLAIMER}", coop_program="ford-coop"), format="json")
    )


def test_a_vehicles_make_picks_the_workspaces_program(client: APIClient) -> None:
    found = rules(client.post(URL, body(f"{COPY} Below invoice!", vehicle=FORD), format="json"))
    assert {"coop.disclaimer_missing", "coop.prohibited_phrase"} <= found
    toyota = {**FORD, "make": "Toyota", "vin": "JTDKARFU0J3000001"}
    assert not {
        r
        for r in rules(client.post(URL, body(COPY, vehicle=toyota), format="json"))
        if r.startswith("coop.")
    }


def test_an_inline_program(client: APIClient) -> None:
    inline = {"key": "oem-x", "prohibited_phrases": ["best deal in town"]}
    found = rules(
        client.post(URL, body("The best deal in town!", coop_program=inline), format="json")
    )
    assert found == {"coop.prohibited_phrase"}


def test_another_workspaces_program_is_unknown(
    client: APIClient, key_client: Callable[[Workspace], APIClient], db: Any
) -> None:
    other = dealer("other-dealer")
    program(other, key="other-coop")
    response = client.post(URL, body(COPY, coop_program="other-coop"), format="json")
    assert response.status_code == 400
    assert response.json() == {
        "coop_program": ["No co-op program 'other-coop' in workspace 'lakeside'."]
    }


@pytest.mark.parametrize(
    "value",
    ["", "no spaces allowed", 12, ["ford-coop"], {"prohibited_phrases": "not a list"}],
)
def test_a_bad_coop_program_is_a_400_on_the_field(client: APIClient, value: Any) -> None:
    response = client.post(URL, body(COPY, coop_program=value), format="json")
    assert response.status_code == 400
    assert "coop_program" in response.json()
