"""``manage.py import_inventory FILE --workspace SLUG --rooftop CODE [--format] [--full]``."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from verticals.automotive.inventory.models import InventoryImport, Rooftop, Vehicle

from .feeds import feed, line

pytestmark = pytest.mark.django_db


def test_it_imports_shows_progress_and_names_bad_rows(
    rooftop: Rooftop, tmp_path: Path, monkeypatch: Any
) -> None:
    from verticals.automotive.inventory.importing import pipeline

    monkeypatch.setattr(pipeline, "PROGRESS_EVERY", 2)
    path = tmp_path / "lakeside.csv"
    path.write_bytes(feed([line(1), line(2), line(3, price=""), line(4)]))
    out = StringIO()
    call_command(
        "import_inventory", str(path), "--workspace", "lakeside", "--rooftop", "LKH", "--full",
        stdout=out,
    )  # fmt: skip
    text = out.getvalue()
    assert "read 2 rows" in text
    assert "read 4 rows" in text
    record = InventoryImport.objects.get()
    assert f"import {record.pk}: succeeded (csv-fullpath)" in text
    assert "created 3" in text
    assert "rejected 1" in text
    assert "row 4 price:" in text
    assert record.full is True
    assert record.file_name == "lakeside.csv"
    assert Vehicle.objects.count() == 3


def test_the_rooftop_is_found_by_dealer_id_too(rooftop: Rooftop, tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(feed([line(1)]))
    call_command(
        "import_inventory", str(path), "--workspace", "lakeside", "--rooftop", "D-100",
        stdout=StringIO(),
    )  # fmt: skip
    assert Vehicle.objects.get().rooftop_id == rooftop.pk


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--workspace", "lakeside", "--rooftop", "NOPE"], "No rooftop"),
        (["--workspace", "elsewhere", "--rooftop", "LKH"], "No rooftop"),
        (["--workspace", "lakeside", "--rooftop", "LKH", "--format", "x"], "Unknown format"),
    ],
)
def test_bad_arguments_are_command_errors(
    rooftop: Rooftop, tmp_path: Path, arguments: list[str], message: str
) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(feed([line(1)]))
    with pytest.raises(CommandError, match=message):
        call_command("import_inventory", str(path), *arguments, stdout=StringIO())


def test_a_missing_file_is_a_command_error(rooftop: Rooftop, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Cannot read"):
        call_command(
            "import_inventory", str(tmp_path / "absent.csv"), "--workspace", "lakeside",
            "--rooftop", "LKH", stdout=StringIO(),
        )  # fmt: skip


def test_an_unreadable_file_is_a_failed_import(rooftop: Rooftop, tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(b"\x00\x01\x02")
    out = StringIO()
    with pytest.raises(CommandError, match="failed"):
        call_command(
            "import_inventory", str(path), "--workspace", "lakeside", "--rooftop", "LKH",
            stdout=out,
        )  # fmt: skip
    assert "\n  file " in out.getvalue()
