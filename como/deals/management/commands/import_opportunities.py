"""``manage.py import_opportunities FILE --workspace SLUG [--layout KEY]``: a CRM's deals
export through the same service as the API, then the report: counts, and every bad row by
number, field and reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from como.deals.importing import BY_KEY, opportunities_import
from como.workspaces.models import Workspace

#: A deals export of this size is hundreds of thousands of rows: more is a wrong file.
MAX_BYTES = 50 * 1024 * 1024


class Command(BaseCommand):
    help = "Import a CRM's deals export (Salesforce-style, HubSpot-style or canonical CSV)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The CSV export.")
        parser.add_argument("--workspace", required=True, help="The workspace's slug.")
        parser.add_argument(
            "--layout", default="", choices=["", *BY_KEY], help="Default: recognise."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        workspace = Workspace.objects.filter(slug=options["workspace"]).first()
        if workspace is None:
            raise CommandError(f"No workspace {options['workspace']!r}.")
        path = Path(options["file"])
        try:
            if path.stat().st_size > MAX_BYTES:
                raise CommandError(f"{path} is larger than {MAX_BYTES} bytes.")
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}.") from None
        report = opportunities_import(workspace=workspace, data=data, layout_key=options["layout"])
        counts = ", ".join(f"{name} {value}" for name, value in report.counts.items())
        self.stdout.write(
            f"{path.name} ({report.layout or 'no layout'}): {report.rows} rows; {counts}"
        )
        for bad in report.errors:
            where = f"row {bad.row}" if bad.row else "file"
            field = f" {bad.field}" if bad.field else ""
            self.stdout.write(f"  {where}{field}: {bad.message}")
        stored = report.counts["created"] + report.counts["updated"] + report.counts["unchanged"]
        if report.errors and not stored:
            raise CommandError("Nothing was imported.")
