"""``manage.py import_intent FILE --workspace SLUG [--preset canonical|6sense|bombora]
[--week YYYY-MM-DD]``: import an intent export (6sense-style, Bombora-style or como's field
names) through the same service as the API, then the report: counts, and every bad row by line,
field and reason."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from como.workspaces.models import Workspace
from verticals.b2b.intent.csv_import import MAX_FILE_BYTES, intent_csv_import
from verticals.b2b.intent.csv_presets import BY_KEY


def _monday(value: str) -> date:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--week {value!r} is not a date (YYYY-MM-DD).") from None
    if day.isoweekday() != 1:
        raise CommandError(f"--week {value} is a {day:%A}; give the week's Monday.")
    return day


class Command(BaseCommand):
    help = "Import an intent data export (6sense-style, Bombora-style) into a workspace."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The CSV export.")
        parser.add_argument("--workspace", required=True, help="The workspace's slug.")
        parser.add_argument(
            "--preset", default="", choices=["", *BY_KEY], help="Default: recognise."
        )
        parser.add_argument(
            "--week",
            default="",
            help="The Monday of the week a file without a week column is for; default this week.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        workspace = Workspace.objects.filter(slug=options["workspace"]).first()
        if workspace is None:
            raise CommandError(f"No workspace {options['workspace']!r}.")
        week = _monday(options["week"]) if options["week"] else None
        path = Path(options["file"])
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise CommandError(f"{path} is larger than {MAX_FILE_BYTES} bytes.")
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}.") from None
        report = intent_csv_import(
            workspace=workspace, data=data, preset_key=options["preset"], week=week
        )
        counts = ", ".join(f"{name} {value}" for name, value in report.counts.items())
        self.stdout.write(f"Intent import ({report.preset or 'no layout'}): {counts}")
        for bad in report.errors:
            where = f"row {bad['row']}" if bad["row"] else "file"
            field = f" {bad['field']}" if bad["field"] else ""
            self.stdout.write(f"  {where}{field}: {bad['message']}")
        if report.errors and not report.rows - report.counts["rejected"]:
            raise CommandError("Nothing was imported.")
