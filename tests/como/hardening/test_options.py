"""``OPTIONS`` on every path of the OpenAPI schema answers, never a 5xx.

An action-only viewset (no ``serializer_class``) made DRF's metadata assert (schemathesis'
coverage phase found it on ``/api/v1/vehicles/{id}/preview``); como's metadata class describes
such a view without its fields (como/workspaces/metadata.py).
"""

from __future__ import annotations

import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from como.workspaces.models import Workspace
from tests.factories import ContactFactory, member_api_client
from verticals.automotive.inventory.models import Rooftop, Vehicle

pytestmark = pytest.mark.django_db

PATHS = sorted(SchemaGenerator().get_schema(request=None, public=True)["paths"])


def test_every_path_answers_options(workspace: Workspace) -> None:
    contact = ContactFactory.create(workspace=workspace)
    rooftop = Rooftop.objects.create(workspace=workspace, name="Lakeside")
    vehicle = Vehicle.objects.create(
        workspace=workspace,
        rooftop=rooftop,
        vin="1HGCM82633A004352",
        stock_number="A1",
        condition="used",
        price="8999.00",
    )
    ids = {"contact": contact.pk, "vehicle": vehicle.pk}
    api = member_api_client(workspace, "owner")
    answers = {}
    for path in PATHS:
        # A real id where the path names one (the detail views' own checks), 1 elsewhere.
        kind = "vehicle" if "/vehicles/" in path else "contact"
        url = re.sub(r"\{[^}]+\}", str(ids[kind]), path)
        answers[path] = api.options(url).status_code
    assert {path: code for path, code in answers.items() if code >= 500} == {}
    # The action-only viewset is described (200), not refused.
    assert answers["/api/v1/vehicles/{id}/preview"] == 200
    assert len(PATHS) > 50
