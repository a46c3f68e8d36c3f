"""The inventory admin as a workspace's members use it: rooftops, sources with write-only
credentials and "fetch now", read-only vehicles (filters, VIN/stock search) and imports."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from como.workspaces.models import Membership, Workspace
from tests.factories import member_client
from verticals.automotive.inventory import services
from verticals.automotive.inventory.models import (
    InventoryImport,
    InventorySource,
    Rooftop,
    VehicleChange,
)

from .factories import VINS, rooftop_make, vehicle_make

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


@pytest.fixture
def rooftop(workspace: Workspace) -> Rooftop:
    return rooftop_make(workspace)


@pytest.fixture
def owner(workspace: Workspace) -> Client:
    return member_client(workspace, "owner")


def source_form(workspace: Workspace, rooftop: Rooftop, **fields: Any) -> dict[str, Any]:
    data = {
        "workspace": workspace.pk,
        "rooftop": rooftop.pk,
        "name": "Nightly SFTP",
        "kind": "sftp",
        "url": "",
        "host": "sftp.dms.example",
        "port": "22",
        "username": "lakeside",
        "new_credentials": "",
        "path": "/out/inventory.csv",
        "format_key": "",
        "mapping": "{}",
        "schedule": "0 */4 * * *",
        "enabled": "on",
    }
    return data | fields


def test_source_credentials_are_write_only(
    owner: Client, workspace: Workspace, rooftop: Rooftop
) -> None:
    add = reverse("admin:vertical_automotive_inventorysource_add")
    typed = '{"password": "hunter2-secret"}'

    created = owner.post(add, source_form(workspace, rooftop, new_credentials=typed))
    source = InventorySource.objects.get()
    page = owner.get(reverse("admin:vertical_automotive_inventorysource_change", args=[source.pk]))
    kept = owner.post(
        reverse("admin:vertical_automotive_inventorysource_change", args=[source.pk]),
        source_form(workspace, rooftop, name="Renamed"),
    )

    assert created.status_code == 302, created.context and created.context["adminform"].errors
    assert page.status_code == 200
    assert "hunter2-secret" not in page.content.decode()
    assert "password" in page.content.decode()  # which credentials are stored, by name
    assert kept.status_code == 302
    source.refresh_from_db()
    assert (source.name, source.credentials) == ("Renamed", {"password": "hunter2-secret"})


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"new_credentials": '{"password": 7}'}, "new_credentials"),
        ({"schedule": "61 * * * *"}, "schedule"),
        ({"schedule": "every hour"}, "schedule"),
        ({"host": ""}, "host"),
        ({"mapping": '{"vin": 1}'}, "mapping"),
        ({"kind": "https", "url": "ftp://x.example/f.csv"}, "url"),
    ],
)
def test_a_bad_source_is_refused_on_its_field(
    owner: Client, workspace: Workspace, rooftop: Rooftop, fields: dict[str, Any], field: str
) -> None:
    response = owner.post(
        reverse("admin:vertical_automotive_inventorysource_add"),
        source_form(workspace, rooftop, **fields),
    )

    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not InventorySource.objects.exists()


def test_a_source_cannot_feed_another_workspaces_rooftop(
    workspace: Workspace, other_workspace: Workspace, rooftop: Rooftop
) -> None:
    # A member of both picks workspace B but A's rooftop: the rows must agree.
    both = member_client(workspace, "owner")

    user = get_user_model().objects.get(username="owner-of-acme")
    Membership.objects.create(workspace=other_workspace, user=user, role="owner")

    response = both.post(
        reverse("admin:vertical_automotive_inventorysource_add"),
        source_form(other_workspace, rooftop),
    )

    assert response.status_code == 200
    assert "rooftop" in response.context["adminform"].form.errors
    assert not InventorySource.objects.exists()


def test_fetch_now_sends_the_import_task_by_name_for_fetchable_sources(
    owner: Client,
    workspace: Workspace,
    rooftop: Rooftop,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    sent: list[tuple[str, list[Any]]] = []
    monkeypatch.setattr(
        services.current_app, "send_task", lambda name, args: sent.append((name, args))
    )
    feed = InventorySource.objects.create(
        workspace=workspace, rooftop=rooftop, kind="https", url="https://dms.example/f.csv"
    )
    upload = InventorySource.objects.create(workspace=workspace, rooftop=rooftop, kind="upload")

    with django_capture_on_commit_callbacks(execute=True):
        response = owner.post(
            reverse("admin:vertical_automotive_inventorysource_changelist"),
            {"action": "fetch_now", "_selected_action": [feed.pk, upload.pk]},
            follow=True,
        )

    assert response.status_code == 200
    assert sent == [("verticals.automotive.import_inventory_source", [feed.pk])]
    shown = [str(m) for m in response.context["messages"]]
    assert any("nothing to fetch" in m for m in shown)
    assert any("1 source(s) queued" in m for m in shown)


def test_vehicles_are_searched_by_vin_or_stock_and_filtered(
    owner: Client, workspace: Workspace, rooftop: Rooftop
) -> None:
    accord = vehicle_make(rooftop)
    vehicle_make(rooftop, vin=VINS[1], stock_number="N1", condition="new", status="sold")
    url = reverse("admin:vertical_automotive_vehicle_changelist")

    def listed(**query: str) -> list[int]:
        response = owner.get(url, query)
        assert response.status_code == 200
        return [v.pk for v in response.context["cl"].result_list]

    assert listed(q=VINS[0][-8:].lower()) == [accord.pk]  # the last 8, typed in lower case
    assert listed(q="a100") == [accord.pk]
    assert len(listed(status__exact="sold")) == 1
    assert listed(condition__exact="used") == [accord.pk]
    assert listed(rooftop__id__exact=str(rooftop.pk)) != []


def test_a_vehicle_page_is_read_only_with_its_history(
    owner: Client, workspace: Workspace, rooftop: Rooftop
) -> None:
    vehicle = vehicle_make(rooftop)
    VehicleChange.objects.create(
        workspace=workspace,
        vehicle=vehicle,
        kind="changed",
        changes={"price": ["8999.00", "8499.00"]},
    )

    page = owner.get(reverse("admin:vertical_automotive_vehicle_change", args=[vehicle.pk]))
    add = owner.get(reverse("admin:vertical_automotive_vehicle_add"))

    assert page.status_code == 200
    assert "8499.00" in page.content.decode()
    assert not page.context["has_change_permission"]
    assert add.status_code == 403


def test_an_imports_bad_rows_are_a_table_with_their_text_escaped(
    owner: Client, workspace: Workspace, rooftop: Rooftop
) -> None:
    run = InventoryImport.objects.create(
        workspace=workspace,
        rooftop=rooftop,
        file_name="feed.csv",
        counts={"rows": 3, "created": 1, "rejected": 2},
        errors=[
            {"row": 2, "field": "vin", "message": "bad check digit"},
            {"row": 3, "field": "price", "message": "<script>alert(1)</script>"},
        ],
    )

    page = owner.get(reverse("admin:vertical_automotive_inventoryimport_change", args=[run.pk]))
    listing = owner.get(reverse("admin:vertical_automotive_inventoryimport_changelist"))

    html = page.content.decode()
    assert page.status_code == 200
    assert "<td>2</td><td>vin</td><td>bad check digit</td>" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
    assert "rejected 2" in listing.content.decode()


def test_rooftop_pages_render_and_save(owner: Client, workspace: Workspace) -> None:
    add = reverse("admin:vertical_automotive_rooftop_add")
    data = {
        "workspace": workspace.pk,
        "name": "Lakeside Kia",
        "dealer_id": "",
        "store_code": "LKK",
        "street": "",
        "city": "",
        "region": "",
        "postal_code": "",
        "country": "US",
        "time_zone": "America/Chicago",
        "brands": "Kia",
        "vdp_url_template": "",
    }

    assert owner.get(add).status_code == 200
    assert owner.post(add, data).status_code == 302
    clash = owner.post(add, data | {"name": "Again"})

    assert Rooftop.objects.get().brands == ["Kia"]
    assert "store_code" in clash.context["adminform"].form.errors
