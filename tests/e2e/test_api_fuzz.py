"""The API fuzzed with schemathesis from its own OpenAPI schema (docs/architecture.md, "Tests
and benchmarks").

Every operation of ``/api/v1/schema`` gets generated requests, valid and invalid, sent through the
WSGI application in-process and authenticated with a workspace API key. A 5xx, or a response that
its documented schema does not describe, fails the test: the fix belongs in the app (or in the
schema it publishes), never in this file.

The data is committed (``transactional_db``): the requests go through Django's real WSGI handler,
which closes the connection around each request as in production (``close_old_connections``). In
the ``db`` fixture's open transaction that would roll the test's data away; committed rows are what
a real server sees.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

import pytest
import schemathesis
from django.db import connection
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from como.ingest.services import events_ingest
from como.leads.models import Account, Contact
from como.workspaces.models import Workspace
from como.workspaces.services import api_key_create, workspace_create
from como.wsgi import application
from verticals.automotive.inventory.models import Rooftop, Vehicle, VehicleChange
from verticals.b2b.intent.models import IntentWebhook

#: Generated requests per operation, valid and invalid ones mixed (the "fuzzing" phase).
MAX_EXAMPLES = 30
#: The "coverage" phase walks every boundary and every invalid variant of every field: ~2,250
#: requests, ~55 s on 2 cores. Run it by hand with COMO_FUZZ_COVERAGE=1 after changing the API.
COVERAGE = os.environ.get("COMO_FUZZ_COVERAGE") == "1"
CHECKS = [not_a_server_error, response_schema_conformance]


class Seeded:
    """The fuzzed workspace's rows, so that detail routes are also asked about real ids."""

    def __init__(self, workspace: Workspace, secret: str) -> None:
        self.workspace = workspace
        self.headers = {"Authorization": f"Bearer {secret}"}
        self.accounts = [
            Account.objects.create(workspace=workspace, name=name, domain=domain)
            for name, domain in [("Acme", "acme.example.com"), ("Globex", "globex.example.com")]
        ]
        self.contacts = [
            Contact.objects.create(
                workspace=workspace,
                email=f"person{n}@example.com",
                first_name=f"Person{n}",
                account=self.accounts[n % 2],
            )
            for n in range(3)
        ]
        events_ingest(
            workspace=workspace,
            events=[
                {
                    "id": f"seed-{n}",
                    "type": "page_view",
                    "occurred_at": datetime(2026, 1, 1, 10, n, tzinfo=UTC).isoformat(),
                    "contact": {"email": self.contacts[n % 3].email},
                    "properties": {"path": "/pricing"},
                    "utm": {"source": "newsletter"},
                }
                for n in range(5)
            ],
            source="api",
        )
        self.rooftops = [
            Rooftop.objects.create(
                workspace=workspace, name="Lakeside", store_code="LK", time_zone="America/Chicago"
            )
        ]
        self.vehicles = [
            Vehicle.objects.create(
                workspace=workspace,
                rooftop=self.rooftops[0],
                vin=vin,
                stock_number=f"S{n}",
                condition="used",
                price="9999.00",
                dealer_charges=[{"name": "Doc fee", "amount": "199.00"}],
                photos=["https://lakeside.example/1.jpg"],
            )
            for n, vin in enumerate(("1HGCM82633A004352", "1M8GDM9AXKP042788"))
        ]
        VehicleChange.objects.create(
            workspace=workspace,
            vehicle=self.vehicles[0],
            kind="changed",
            changes={"price": ["10999.00", "9999.00"]},
        )
        # A pushing provider: generated deliveries meet a real webhook (and fail its signature).
        self.intent_webhooks = [
            IntentWebhook.objects.create(
                workspace=workspace, provider="bombora", secret="whsec_" + "QUJD" * 11
            )
        ]

    def ids_for(self, path: str) -> list[int]:
        if path.startswith("/api/v1/contacts/"):
            return [contact.pk for contact in self.contacts]
        if path.startswith("/api/v1/accounts/"):
            return [account.pk for account in self.accounts]
        if path.startswith("/api/v1/rooftops/"):
            return [rooftop.pk for rooftop in self.rooftops]
        if path.startswith("/api/v1/vehicles/"):
            return [vehicle.pk for vehicle in self.vehicles]
        if path.startswith("/api/v1/intent/webhooks/"):
            return [hook.pk for hook in self.intent_webhooks]
        if path.startswith("/api/v1/workspaces/"):
            return [self.workspace.pk]
        return []


@pytest.fixture
def seeded(transactional_db: Any, monkeypatch: pytest.MonkeyPatch) -> Seeded:
    # conftest drops connections after each request for the live-server threads' sake; these
    # requests run on the test's own thread, where one kept connection halves the run time.
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", None)
    workspace = workspace_create(slug="fuzz", vertical="b2b")
    # Another tenant's rows must stay invisible whatever is asked.
    rival = workspace_create(slug="fuzz-rival", vertical="b2b")
    Contact.objects.create(workspace=rival, email="rival@example.com")
    return Seeded(workspace, api_key_create(workspace=workspace, name="fuzz").secret)


#: Loaded when the module is collected: one test per operation. (schemathesis.pytest.from_fixture
#: would defer it, but its lazy runner writes ``Node._nodeid``, which pytest 9.2 no longer has.)
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/schema?format=json",
    application,
    config=schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": COVERAGE}}}),
)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    # Health checks judge how fast examples are drawn, not the API.
    suppress_health_check=list(HealthCheck),
)
def test_api_fuzz(case: Any, seeded: Seeded) -> None:
    ids = seeded.ids_for(case.operation.path)
    if ids and isinstance(case.path_parameters.get("id"), int):
        # Mostly real ids (detail routes do their work), sometimes the generated one (404s).
        generated = case.path_parameters["id"]
        if generated % 4:
            case.path_parameters["id"] = ids[generated % len(ids)]
    case.call_and_validate(headers=seeded.headers, checks=CHECKS)
