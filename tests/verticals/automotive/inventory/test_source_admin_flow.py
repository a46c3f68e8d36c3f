"""A source saved or deleted in the admin keeps its beat schedule in step (through the
services), a saved mapping's keys are checked, and a mapping saved in the admin is what the
next import through the task reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from como.workspaces.models import Workspace
from verticals.automotive.inventory.fetch.schedule import source_task_name
from verticals.automotive.inventory.importing.tasks import import_source
from verticals.automotive.inventory.models import InventorySource, Rooftop, Vehicle

from .factories import VINS
from .test_admin import owner, rooftop, source_form  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

ADD = "admin:vertical_automotive_inventorysource_add"
CHANGE = "admin:vertical_automotive_inventorysource_change"
DELETE = "admin:vertical_automotive_inventorysource_delete"
CHANGELIST = "admin:vertical_automotive_inventorysource_changelist"


def _row(source: InventorySource) -> PeriodicTask | None:
    name = source_task_name(source.workspace_id, source.pk)
    return PeriodicTask.objects.filter(name=name).first()


def test_saving_and_deleting_a_source_in_the_admin_syncs_its_schedule(
    owner: Client,  # noqa: F811
    workspace: Workspace,
    rooftop: Rooftop,  # noqa: F811
) -> None:
    assert owner.post(reverse(ADD), source_form(workspace, rooftop)).status_code == 302
    source = InventorySource.objects.get()
    row = _row(source)
    assert row is not None
    assert row.enabled
    assert row.crontab is not None
    assert row.crontab.hour == "*/4"

    changed = source_form(workspace, rooftop, schedule="15 6 * * *")
    changed.pop("enabled")  # unchecked
    assert owner.post(reverse(CHANGE, args=[source.pk]), changed).status_code == 302
    row = _row(source)
    assert row is not None
    assert not row.enabled
    assert row.crontab is not None
    assert (row.crontab.minute, row.crontab.hour) == ("15", "6")

    blank = source_form(workspace, rooftop, schedule="")
    assert owner.post(reverse(CHANGE, args=[source.pk]), blank).status_code == 302
    assert _row(source) is None

    assert owner.post(reverse(CHANGE, args=[source.pk]), changed).status_code == 302
    assert _row(source) is not None
    assert owner.post(reverse(DELETE, args=[source.pk]), {"post": "yes"}).status_code == 302
    assert not InventorySource.objects.exists()
    assert _row(source) is None


def test_the_bulk_delete_action_takes_each_schedule_with_its_source(
    owner: Client,  # noqa: F811
    workspace: Workspace,
    rooftop: Rooftop,  # noqa: F811
) -> None:
    for name in ("One", "Two"):
        form = source_form(workspace, rooftop, name=name)
        assert owner.post(reverse(ADD), form).status_code == 302
    sources = list(InventorySource.objects.all())
    assert all(_row(source) is not None for source in sources)
    response = owner.post(
        reverse(CHANGELIST),
        {
            "action": "delete_selected",
            "_selected_action": [s.pk for s in sources],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert not InventorySource.objects.exists()
    assert not PeriodicTask.objects.filter(name__startswith="inventory/").exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"mapping": '{"colour": "Color"}'}, "colour"),
        ({"mapping": '{"records": "vehicles/vehicle"}', "format_key": "csv"}, "records"),
    ],
)
def test_a_mapping_naming_no_vehicle_field_is_a_field_error(
    owner: Client,  # noqa: F811
    workspace: Workspace,
    rooftop: Rooftop,  # noqa: F811
    fields: dict[str, str],
    message: str,
) -> None:
    response = owner.post(reverse(ADD), source_form(workspace, rooftop, **fields))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert message in " ".join(errors["mapping"])
    assert not InventorySource.objects.exists()


def test_an_xml_mapping_with_records_is_accepted(
    owner: Client,  # noqa: F811
    workspace: Workspace,
    rooftop: Rooftop,  # noqa: F811
) -> None:
    mapping = '{"records": "vehicles/vehicle", "price": "pricing/internet"}'
    form = source_form(workspace, rooftop, mapping=mapping, format_key="xml")
    assert owner.post(reverse(ADD), form).status_code == 302


def test_a_mapping_saved_in_the_admin_is_used_by_the_next_import_through_the_task(
    owner: Client,  # noqa: F811
    workspace: Workspace,
    rooftop: Rooftop,  # noqa: F811
    settings: Any,
    tmp_path: Path,
) -> None:
    settings.COMO_INVENTORY_FILE_ROOT = str(tmp_path)
    # Fullpath-style, but the price is in a column of the dealer's own naming.
    (tmp_path / "feed.csv").write_bytes(
        b"vin,stock,year,make,model,condition,vdp,photo_url_list,color,Internet Special\r\n"
        + f"{VINS[0]},A1,2003,Honda,Accord,used,,,Blue,12999\r\n".encode()
    )
    form = source_form(workspace, rooftop, kind="file", host="", username="", path="feed.csv")
    assert owner.post(reverse(ADD), form).status_code == 302
    source = InventorySource.objects.get()

    before = InventorySource.objects.get().imports.get(
        pk=import_source.apply(args=[source.pk]).get()
    )
    assert before.counts["created"] == 0
    assert [e["field"] for e in before.errors] == ["price"]

    mapped = form | {"mapping": json.dumps({"price": "Internet Special"})}
    assert owner.post(reverse(CHANGE, args=[source.pk]), mapped).status_code == 302
    after = source.imports.get(pk=import_source.apply(args=[source.pk]).get())

    assert (after.status, after.format_key, after.errors) == ("succeeded", "csv-fullpath", [])
    assert after.counts["created"] == 1
    assert str(Vehicle.objects.get(vin=VINS[0]).price) == "12999.00"
