"""Templates that try to get out of the sandbox, or at the vehicle's cost, through the preview
API and the editor's service (issue 13, acceptance): every payload of the sandbox's escape
corpus (tests/como/test_creative.py) and attribute walks aimed at ``cost`` render nothing they
should not, run no code, and never answer 500. The vehicle's cost is 12345.67: no answer ever
holds it, in any spelling."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from como.workspaces.models import Workspace
from tests.como.test_creative import ESCAPE_PAYLOADS, FORBIDDEN_OUTPUT, MARKER
from tests.factories import member_api_client, member_client
from verticals.automotive.ads.creative.editing import creative_template_save
from verticals.automotive.ads.creative.preview import vehicle_preview
from verticals.automotive.ads.models import CreativeTemplate
from verticals.automotive.inventory.models import Vehicle

from .editor_support import COST_TEXTS, civic, dealer_rooftop, dealer_workspace, placed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

#: Ways at the cost: the plain name, the item, the dict's methods, a dump of everything, the
#: object behind the data, the rooftop's or workspace's relations, and the template's context.
COST_WALKS = [
    "{{ vehicle.cost }}",
    "{{ vehicle['cost'] }}",
    "{{ vehicle.get('cost') }}",
    "{{ vehicle.get('cost', 'none') }}",
    "{{ vehicle.__class__ }}",
    "{{ vehicle.__class__.__mro__[1].__subclasses__() }}",
    "{{ vehicle.items() }}",
    "{{ vehicle.values() | list }}",
    "{% for k, v in vehicle.items() %}{{ k }}={{ v }};{% endfor %}",
    "{{ vehicle }}",
    "{{ vehicle | tojson }}",
    "{{ vehicle | dictsort }}",
    "{{ vehicle.rooftop.vehicles }}",
    "{{ rooftop.vehicles }}",
    "{{ rooftop.vehicle_set.all() }}",
    "{{ workspace.vehicles }}",
    "{{ workspace.vehicle_set.all()[0].cost }}",
    "{{ vehicle.id.__class__.__base__.__subclasses__() }}",
    "{{ vehicle.price.__class__.__init__.__globals__ }}",
    "{{ self._TemplateReference__context }}",
    "{{ self._TemplateReference__context.vehicle }}",
    "{{ namespace(v=vehicle).v.cost }}",
    "{{ vehicle|attr('cost') }}",
    "{{ vehicle.dealer_charges[0].__class__ }}",
    "{{ (vehicle.price - 0) }}{{ vehicle.internet_price }}{{ vehicle.msrp }}",
]
PAYLOADS = ESCAPE_PAYLOADS + COST_WALKS


@pytest.fixture
def dealer() -> Workspace:
    workspace = dealer_workspace()
    placed(workspace)
    return workspace


@pytest.fixture
def vehicle(dealer: Workspace) -> Vehicle:
    return civic(dealer_rooftop(dealer))


def assert_harmless(text: str, rendered: Any, marker: Path) -> None:
    for cost in COST_TEXTS:
        assert cost not in text, f"the cost ({cost}) got out"
    shown = json.dumps(rendered, ensure_ascii=False, default=str)
    assert not any(bad in shown for bad in FORBIDDEN_OUTPUT), shown[:400]
    assert not marker.exists(), "the payload ran code"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_preview_api_renders_nothing_it_should_not(
    payload: str, vehicle: Vehicle, tmp_path: Path
) -> None:
    marker = tmp_path / "pwned"
    source = payload.replace(MARKER, str(marker))
    client: APIClient = member_api_client(vehicle.workspace, "viewer")

    for kind, field in (
        ("meta_vehicle_ad", "headline"),
        ("google_rsa", "headlines"),
        ("email_vehicle_block", "body"),
    ):
        response = client.post(
            f"/api/v1/vehicles/{vehicle.pk}/preview",
            {"kind": kind, "fields": {field: source}},
            format="json",
        )
        assert response.status_code == 200, (kind, response.content[:300])
        body = response.json()
        assert_harmless(response.content.decode(), [body["fields"], body["payload"]], marker)
        if not body["fields"]:
            # Refused by the sandbox: one blocking render finding names the field.
            assert body["blocked"] is True
            assert [f["rule"] for f in body["findings"]][:1] == ["creative.render"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_editor_saves_or_refuses_and_nothing_leaks_when_rendered(
    payload: str, vehicle: Vehicle, tmp_path: Path
) -> None:
    marker = tmp_path / "pwned"
    source = payload.replace(MARKER, str(marker))
    workspace = vehicle.workspace

    refusal: dict[str, list[str]] | None = None
    try:
        creative_template_save(
            workspace=workspace, kind="direct_mail_piece", fields={"headline": source}
        )
    except ValidationError as refused:
        refusal = refused.message_dict
    if refusal is not None:
        # A compile-time refusal (a loader tag): said on the field, naming the line.
        assert list(refusal) == ["headline"]
        assert refusal["headline"][0].startswith("Line ")
        assert not CreativeTemplate.objects.exists()
    else:
        saved = CreativeTemplate.objects.get(workspace=workspace, kind="direct_mail_piece")
        assert saved.fields == {"headline": source}
    result = vehicle_preview(vehicle=vehicle, kind="direct_mail_piece")
    assert_harmless(json.dumps(result.as_dict(), default=str), result.fields, marker)
    # The admin's preview of the same source, as the editor page fetches it.
    fragment = member_client(workspace, "viewer").post(
        f"/admin/vertical_automotive/creativetemplate/editor/{workspace.pk}/direct_mail_piece/"
        "preview/",
        {"vehicle": str(vehicle.pk), "headline": source},
    )
    assert fragment.status_code == 200
    assert_harmless(fragment.content.decode(), fragment.context.get("rendered"), marker)


def test_the_cost_is_in_the_database_so_the_corpus_is_not_vacuous(vehicle: Vehicle) -> None:
    assert str(Vehicle.objects.values_list("cost", flat=True).get(pk=vehicle.pk)) == "12345.67"
