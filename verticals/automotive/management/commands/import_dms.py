"""``manage.py import_dms FILE --kind deals|repair_orders --rooftop CODE [--workspace SLUG]
[--preset KEY]``: import a DMS export from disk through the same service as an upload, then
the report: counts, and every bad row by number, field and reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from verticals.automotive.dms.presets import BY_KEY, DmsKind
from verticals.automotive.dms.services import dms_import
from verticals.automotive.inventory.importing.settings import max_bytes
from verticals.automotive.inventory.models import Rooftop


class Command(BaseCommand):
    help = "Import a DMS deals or repair-orders export into a rooftop."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The CSV export.")
        parser.add_argument("--kind", required=True, choices=list(DmsKind.values))
        parser.add_argument(
            "--rooftop", required=True, help="The rooftop's store code or dealer id."
        )
        parser.add_argument(
            "--workspace", default="", help="The workspace's slug (when codes repeat)."
        )
        parser.add_argument(
            "--preset", default="", choices=["", *BY_KEY], help="Default: recognise."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        code = options["rooftop"]
        rooftops = Rooftop.objects.filter(Q(store_code=code) | Q(dealer_id=code))
        if options["workspace"]:
            rooftops = rooftops.filter(workspace__slug=options["workspace"])
        found = list(rooftops.select_related("workspace")[:2])
        if len(found) != 1:
            where = f" in workspace {options['workspace']!r}" if options["workspace"] else ""
            problem = "No rooftop" if not found else "Several rooftops have the code"
            raise CommandError(f"{problem} {code!r}{where}; name the workspace with --workspace.")
        try:
            if path.stat().st_size > max_bytes():
                raise CommandError(f"{path} is larger than {max_bytes()} bytes.")
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}.") from None
        record = dms_import(
            rooftop=found[0],
            kind=options["kind"],
            data=data,
            file_name=path.name,
            preset_key=options["preset"],
        )
        counts = ", ".join(f"{name} {value}" for name, value in record.counts.items())
        self.stdout.write(f"DMS import {record.pk} ({record.preset or 'any layout'}): {counts}")
        for bad in record.errors:
            where = f"row {bad['row']}" if bad["row"] else "file"
            field = f" {bad['field']}" if bad["field"] else ""
            self.stdout.write(f"  {where}{field}: {bad['message']}")
        if record.errors and not record.counts["created"] and not record.counts["duplicate"]:
            raise CommandError("Nothing was imported.")
