"""``manage.py import_parts FILE --workspace SLUG``: import a parts and accessories catalog CSV
(columns in :mod:`verticals.automotive.parts.rows`), then the report: counts, and every bad row
by number, field and reason. Items are inserted or updated by SKU."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from como.workspaces.models import Workspace
from verticals.automotive.inventory.importing.settings import max_bytes
from verticals.automotive.parts.services import parts_import


class Command(BaseCommand):
    help = "Import a parts and accessories catalog (CSV) into a workspace."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The catalog CSV.")
        parser.add_argument("--workspace", required=True, help="The workspace's slug.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        workspace = Workspace.objects.filter(slug=options["workspace"]).first()
        if workspace is None:
            raise CommandError(f"No workspace {options['workspace']!r}.")
        try:
            if path.stat().st_size > max_bytes():
                raise CommandError(f"{path} is larger than {max_bytes()} bytes.")
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}.") from None
        report = parts_import(workspace=workspace, data=data)
        self.stdout.write(
            f"Parts catalog: created {report.created}, updated {report.updated}, "
            f"unchanged {report.unchanged}, rejected rows {report.rejected_rows}"
        )
        for bad in report.errors:
            where = f"row {bad.row}" if bad.row else "file"
            field = f" {bad.field}" if bad.field else ""
            self.stdout.write(f"  {where}{field}: {bad.message}")
        if report.errors and not (report.created or report.updated or report.unchanged):
            raise CommandError("Nothing was imported.")
