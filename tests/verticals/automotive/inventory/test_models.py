"""The inventory models' invariants, held by the database (constraints, the history trigger)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.utils import DatabaseError

from como.workspaces.models import Workspace
from verticals.automotive.inventory.models import (
    InventoryImport,
    InventorySource,
    Rooftop,
    Vehicle,
    VehicleChange,
)

from .factories import VINS, rooftop_make, vehicle_make


@pytest.fixture
def rooftop(workspace: Workspace) -> Rooftop:
    return rooftop_make(workspace)


def test_a_vin_is_unique_per_workspace_not_per_rooftop(
    workspace: Workspace, other_workspace: Workspace, rooftop: Rooftop
) -> None:
    vehicle_make(rooftop)
    second = rooftop_make(workspace, name="Lakeside Toyota", store_code="LKT", dealer_id="")
    vehicle_make(rooftop_make(other_workspace), stock_number="A100")  # another tenant: fine

    with pytest.raises(IntegrityError), transaction.atomic():
        vehicle_make(second, stock_number="B1")


def test_a_stock_number_is_unique_per_rooftop(workspace: Workspace, rooftop: Rooftop) -> None:
    vehicle_make(rooftop)
    vehicle_make(rooftop_make(workspace, store_code="LKT", dealer_id="D-2"), vin=VINS[1])

    with pytest.raises(IntegrityError), transaction.atomic():
        vehicle_make(rooftop, vin=VINS[2])


@pytest.mark.parametrize(
    "fields",
    [
        {"vin": "1HGCM82633A00435"},  # 16 characters
        {"vin": "1HGCM82633A00435O"},  # O is not in the VIN alphabet
        {"vin": "1hgcm82633a004352"},  # stored upper-case only
        {"stock_number": ""},
        {"condition": "mint"},
        {"status": "gone"},
        {"price": "-1.00"},
        {"cost": "-0.01"},
    ],
    ids=str,
)
def test_the_database_refuses_a_malformed_vehicle(rooftop: Rooftop, fields: dict[str, Any]) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        vehicle_make(rooftop, **fields)


def test_store_codes_and_dealer_ids_are_unique_per_workspace_when_given(
    workspace: Workspace, other_workspace: Workspace, rooftop: Rooftop
) -> None:
    rooftop_make(workspace, store_code="", dealer_id="")
    rooftop_make(workspace, store_code="", dealer_id="")  # blank twice: fine
    rooftop_make(other_workspace)  # the same codes in another workspace: fine

    with pytest.raises(IntegrityError), transaction.atomic():
        rooftop_make(workspace, dealer_id="D-9")  # store code LKH again
    with pytest.raises(IntegrityError), transaction.atomic():
        rooftop_make(workspace, store_code="X")  # dealer id D-100 again


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("time_zone", "Mars/Olympus"),
        ("vdp_url_template", "ftp://dealer.example/{vin}"),
        ("vdp_url_template", "https://dealer.example/{vin.__class__}"),
        ("vdp_url_template", "https://dealer.example/{cost}"),
        ("vdp_url_template", "https://dealer.example/{vin"),
        ("brands", ["Honda", "honda"]),
        ("brands", [" "]),
    ],
)
def test_rooftop_fields_are_validated(workspace: Workspace, field: str, value: Any) -> None:
    rooftop = Rooftop(workspace=workspace, **({"name": "x", "time_zone": "UTC"} | {field: value}))

    with pytest.raises(ValidationError) as raised:
        rooftop.full_clean()

    assert list(raised.value.message_dict) == [field]


def test_a_vehicles_history_refuses_updates_in_save_and_in_the_database(
    rooftop: Rooftop,
) -> None:
    vehicle = vehicle_make(rooftop)
    change = VehicleChange.objects.create(
        workspace_id=vehicle.workspace_id, vehicle=vehicle, kind="created", changes={}
    )

    change.kind = "sold"
    with pytest.raises(ValueError, match="append-only"):
        change.save()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        VehicleChange.objects.filter(pk=change.pk).update(kind="sold")
    raw = "UPDATE vertical_automotive_vehiclechange SET changes = '[1]' WHERE id = %s"
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        connection.cursor().execute(raw, [change.pk])
    assert VehicleChange.objects.get(pk=change.pk).kind == "created"


def test_deleting_an_import_forgets_it_in_the_history_and_the_vehicle(rooftop: Rooftop) -> None:
    run = InventoryImport.objects.create(workspace_id=rooftop.workspace_id, rooftop=rooftop)
    vehicle = vehicle_make(rooftop, last_import=run)
    change = VehicleChange.objects.create(
        workspace_id=vehicle.workspace_id,
        vehicle=vehicle,
        inventory_import=run,
        kind="changed",
        changes={"price": ["8999.00", "8499.00"]},
    )

    run.delete()

    change.refresh_from_db()
    assert change.inventory_import_id is None
    assert change.changes == {"price": ["8999.00", "8499.00"]}
    assert Vehicle.objects.get(pk=vehicle.pk).last_import_id is None


def test_deleting_a_workspace_deletes_its_inventory_and_history(workspace: Workspace) -> None:
    rooftop = rooftop_make(workspace)
    run = InventoryImport.objects.create(workspace=workspace, rooftop=rooftop)
    vehicle = vehicle_make(rooftop, last_import=run)
    VehicleChange.objects.create(
        workspace=workspace, vehicle=vehicle, inventory_import=run, kind="created"
    )

    workspace.delete()

    assert not Vehicle.objects.exists()
    assert not VehicleChange.objects.exists()


def test_a_rooftop_with_vehicles_is_not_deleted_with_them(rooftop: Rooftop) -> None:
    vehicle_make(rooftop)

    with pytest.raises(IntegrityError), transaction.atomic():
        rooftop.delete()

    assert Vehicle.objects.count() == 1


def test_a_new_import_starts_with_every_count_at_zero(rooftop: Rooftop) -> None:
    run = InventoryImport.objects.create(workspace_id=rooftop.workspace_id, rooftop=rooftop)

    assert run.counts == {
        "rows": 0,
        "created": 0,
        "changed": 0,
        "sold": 0,
        "removed": 0,
        "returned": 0,
        "unchanged": 0,
        "rejected": 0,
    }
    assert (run.status, run.errors, run.held_removals) == ("running", [], [])


@pytest.mark.parametrize("what", ["vehicle", "source", "import", "change"])
def test_inventory_rows_never_reference_another_workspaces_rows(
    workspace: Workspace, other_workspace: Workspace, what: str
) -> None:
    theirs = rooftop_make(other_workspace)
    their_vehicle = vehicle_make(theirs, vin=VINS[3])
    make = {
        "vehicle": lambda: Vehicle.objects.create(
            workspace=workspace, rooftop=theirs, vin=VINS[1], stock_number="X", condition="new"
        ),
        "source": lambda: InventorySource.objects.create(
            workspace=workspace, rooftop=theirs, kind="upload"
        ),
        "import": lambda: InventoryImport.objects.create(workspace=workspace, rooftop=theirs),
        "change": lambda: VehicleChange.objects.create(
            workspace=workspace, vehicle=their_vehicle, kind="sold"
        ),
    }[what]

    with transaction.atomic():
        make()
        with pytest.raises(IntegrityError, match="same_workspace"):
            connection.cursor().execute("SET CONSTRAINTS ALL IMMEDIATE")
        transaction.set_rollback(True)


@pytest.mark.parametrize("schedule", ["-1 * * * *", "1,,2 * * * *", "* * *", "61 * * * *"])
def test_a_schedule_celery_cannot_read_is_a_field_error(schedule: str) -> None:
    # celery's ParseException is no ValueError: it once escaped the validator as a 500.
    from verticals.automotive.inventory.validators import validate_cron

    with pytest.raises(ValidationError) as caught:
        validate_cron(schedule)
    assert caught.value.code == "cron"


def test_a_schedule_celery_reads_is_accepted() -> None:
    from verticals.automotive.inventory.validators import validate_cron

    validate_cron("*/15 6-22 * * 1-5")


@pytest.mark.parametrize(
    "column", ["rooftop_id", "last_import_id", "change.vehicle_id", "change.inventory_import_id"]
)
def test_a_reference_to_no_row_is_refused_by_the_composite_key_alone(
    rooftop: Rooftop, column: str
) -> None:
    # Django's own constraint on these columns is not created (the composite key implies it):
    # a dangling id must still never commit.
    vehicle = vehicle_make(rooftop)
    table, _, name = column.rpartition(".")
    dangling = 2147483000
    with transaction.atomic():
        with connection.cursor() as cursor:
            if table:  # the history is append-only: a new row, not an update
                ids = {"vehicle_id": vehicle.pk, "inventory_import_id": None, name: dangling}
                cursor.execute(
                    "INSERT INTO vertical_automotive_vehiclechange (workspace_id, vehicle_id, "
                    "inventory_import_id, at, kind, changes) "
                    "VALUES (%s, %s, %s, now(), 'sold', '{}')",
                    [rooftop.workspace_id, ids["vehicle_id"], ids["inventory_import_id"]],
                )
            else:
                cursor.execute(
                    f"UPDATE vertical_automotive_vehicle SET {name} = %s",  # noqa: S608
                    [dangling],
                )
            with pytest.raises(IntegrityError, match="same_workspace"):
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        transaction.set_rollback(True)


def test_the_plain_keys_are_not_checked_twice(db: None) -> None:
    # Each inventory reference is held once, by its (id, workspace_id) key: ten lookups per
    # vehicle an import creates were four too many (docs/architecture.md, "Hot paths").
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid::regclass::text IN "
            "('vertical_automotive_vehicle', 'vertical_automotive_vehiclechange')"
        )
        keys = sorted(definition for _, definition in cursor.fetchall())
    assert len(keys) == 4
    assert all(", workspace_id) REFERENCES" in key for key in keys)
