"""``manage.py import_inventory FILE --workspace SLUG --rooftop CODE [--format KEY] [--full]``:
import a feed file from disk through the same path as an upload, with a progress line, then
the report: counts, and every bad row by number, field and reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from verticals.automotive.inventory.formats.base import FORMATS
from verticals.automotive.inventory.importing.services import inventory_import
from verticals.automotive.inventory.importing.settings import max_bytes
from verticals.automotive.inventory.models import Rooftop


class Command(BaseCommand):
    help = "Import an inventory feed file into a rooftop."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The feed file (CSV, XML or JSON).")
        parser.add_argument("--workspace", required=True, help="The workspace's slug.")
        parser.add_argument(
            "--rooftop", required=True, help="The rooftop's store code or dealer id."
        )
        parser.add_argument("--format", default="", help="A format key; default: recognise.")
        parser.add_argument(
            "--full", action="store_true", help="The file lists the whole inventory."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        code = options["rooftop"]
        rooftop = (
            Rooftop.objects.filter(workspace__slug=options["workspace"])
            .filter(Q(store_code=code) | Q(dealer_id=code))
            .select_related("workspace")
            .first()
        )
        if rooftop is None:
            raise CommandError(f"No rooftop {code!r} in workspace {options['workspace']!r}.")
        if options["format"] and options["format"] not in FORMATS:
            raise CommandError(
                f"Unknown format {options['format']!r}: {', '.join(FORMATS.keys())}."
            )
        try:
            if path.stat().st_size > max_bytes():
                raise CommandError(f"{path} is larger than {max_bytes()} bytes.")
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}.") from None

        def progress(rows: int) -> None:
            self.stdout.write(f"\r  read {rows:,} rows", ending="")
            self.stdout.flush()

        record = inventory_import(
            rooftop=rooftop,
            data=data,
            file_name=path.name,
            full=options["full"],
            format_key=options["format"] or None,
            on_progress=progress,
        )
        self.stdout.write("")
        counts = ", ".join(f"{name} {value}" for name, value in record.counts.items())
        self.stdout.write(f"import {record.pk}: {record.status} ({record.format_key}); {counts}")
        if record.message:
            self.stdout.write(record.message)
        for bad in record.errors:
            where = f"row {bad['row']}" if bad["row"] else "file"
            field = f" {bad['field']}" if bad["field"] else ""
            self.stdout.write(f"  {where}{field}: {bad['message']}")
        if record.status == "failed":
            raise CommandError("The import failed.")
