"""``POST /api/v1/dms/imports`` and ``manage.py import_dms``: the report, per-row errors as a
4xx, never a 500, and a rival workspace's rooftop refused."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from como.workspaces.models import Workspace
from tests.verticals.automotive.inventory.factories import rooftop_make
from verticals.automotive.dms.models import VehicleOwnership
from verticals.automotive.inventory.models import Rooftop

pytestmark = pytest.mark.django_db
URL = "/api/v1/dms/imports"
VIN = "1HGCM82633A004352"
HEADER = "ro_number,ro_date,vin,mileage,email\n"
GOOD = f"R-1,2025-12-01,{VIN},6000,ana@example.com\n"


@pytest.fixture
def client(dealer: Workspace, key_client: Callable[[Workspace], APIClient]) -> APIClient:
    return key_client(dealer)


def upload(client: APIClient, rooftop_id: int, data: bytes, **fields: Any) -> Any:
    body = {
        "kind": "repair_orders",
        "rooftop": rooftop_id,
        "file": SimpleUploadedFile("ros.csv", data),
        **fields,
    }
    return client.post(URL, body, format="multipart")


def test_a_good_file_answers_201_with_the_report(client: APIClient, rooftop: Rooftop) -> None:
    answer = upload(client, rooftop.pk, (HEADER + GOOD).encode())
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["counts"] == {
        "rows": 1,
        "created": 1,
        "duplicate": 0,
        "rejected": 0,
        "ownerships": 1,
        "opportunities": 0,
    }
    assert body["errors"] == []
    assert VehicleOwnership.objects.get(vin=VIN).last_service_miles == 6000


@pytest.mark.parametrize(
    ("data", "row", "field"),
    [
        (b"", 0, ""),
        # Bytes that decode as some text: no header names the RO number.
        (b"\xff\xfe\x00\x81" * 40, 0, "ro_number"),
        (b"ro_number,vin\nR-1," + VIN.encode() + b"\n", 0, "ro_date"),
        ((HEADER + f"R-2,2025-12-01,{VIN},1e999999,a@example.com\n").encode(), 2, "mileage"),
        ((HEADER + f"R-2,12/45/2025,{VIN},10,a@example.com\n").encode(), 2, "ro_date"),
        ((HEADER + f"R-2,2025-12-01,{VIN[:8]}7{VIN[9:]},10,a@example.com\n").encode(), 2, "vin"),
        ((HEADER + "R-2,2025-12-01,\x00,10,a@example.com\n").encode(), 2, "vin"),
    ],
)
def test_bad_shapes_are_400_naming_the_row_and_field(
    client: APIClient, rooftop: Rooftop, data: bytes, row: int, field: str
) -> None:
    answer = upload(client, rooftop.pk, data)
    assert answer.status_code == 400, answer.content
    assert (row, field) in {(e["row"], e["field"]) for e in answer.json()["errors"]}


def test_a_bad_row_beside_a_good_one_keeps_the_good_one(
    client: APIClient, rooftop: Rooftop
) -> None:
    data = (HEADER + GOOD + f"R-2,2025-12-01,{VIN},-5,a@example.com\n").encode()
    answer = upload(client, rooftop.pk, data)
    assert answer.status_code == 400
    assert answer.json()["counts"]["created"] == 1
    assert [(e["row"], e["field"]) for e in answer.json()["errors"]] == [(3, "mileage")]


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"kind": "leases"}, "kind"), ({"preset": "nope"}, "preset"), ({"rooftop": "x"}, "rooftop")],
)
def test_bad_upload_fields_are_400(
    client: APIClient, rooftop: Rooftop, fields: dict[str, Any], field: str
) -> None:
    answer = upload(client, rooftop.pk, GOOD.encode(), **fields)
    assert answer.status_code == 400
    assert field in answer.json()


def test_another_workspaces_rooftop_is_refused(
    client: APIClient, other_workspace: Workspace
) -> None:
    theirs = rooftop_make(other_workspace)
    answer = upload(client, theirs.pk, (HEADER + GOOD).encode())
    assert answer.status_code == 400
    assert answer.json() == {"rooftop": ["No such rooftop in this workspace."]}
    assert not VehicleOwnership.objects.exists()


def test_the_command_names_each_bad_row_and_field(rooftop: Rooftop, tmp_path: Path) -> None:
    path = tmp_path / "ros.csv"
    path.write_text(HEADER + GOOD + f"R-2,2025-12-01,{VIN},lots,a@example.com\n")
    out = StringIO()
    call_command("import_dms", str(path), "--kind", "repair_orders", "--rooftop", "LKH", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].endswith(
        "(dms-repair_orders-canonical): rows 2, created 1, duplicate 0, rejected 1, ownerships 1, "
        "opportunities 0"
    )
    assert lines[1:] == ["  row 3 mileage: 'lots' is not a mileage."]


def test_the_command_fails_when_nothing_was_imported(rooftop: Rooftop, tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command(
            "import_dms", str(path), "--kind", "deals", "--rooftop", "LKH", stdout=StringIO()
        )
