"""``manage.py import_attendees FILE --workspace SLUG --campaign ID --kind KIND --name NAME
--date YYYY-MM-DD``: an attendee list (CSV with an email column) as offline touches of a
campaign, through the ingest path; prints the counts and every bad row."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError, CommandParser

from como.campaigns.models import Campaign
from como.csvread import LayoutError, instant
from como.ingest.offline import MAX_ATTENDEES, OfflineKind, attendees_read, offline_touches_record


class Command(BaseCommand):
    help = "Record a trade show's, roundtable's or dinner's attendees as touches of a campaign."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The attendee list (CSV with an email column).")
        parser.add_argument("--workspace", required=True, help="The workspace's slug.")
        parser.add_argument("--campaign", required=True, type=int, help="The campaign's id.")
        parser.add_argument("--kind", required=True, choices=list(OfflineKind.values))
        parser.add_argument("--name", required=True, help="The event's name.")
        parser.add_argument("--date", required=True, help="When it took place (a day or instant).")

    def handle(self, *args: Any, **options: Any) -> None:
        campaign = (
            Campaign.objects.filter(pk=options["campaign"], workspace__slug=options["workspace"])
            .select_related("workspace")
            .first()
        )
        if campaign is None:
            raise CommandError(f"No campaign {options['campaign']} in {options['workspace']!r}.")
        zone = ZoneInfo(campaign.workspace.time_zone)
        try:
            occurred_at = instant(options["date"], zone)
        except ValueError:
            raise CommandError(f"--date {options['date']!r} is not a date.") from None
        path = Path(options["file"])
        try:
            attendees, errors = attendees_read(path.read_bytes(), zone)
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}.") from None
        except LayoutError as error:
            raise CommandError(str(error)) from None
        counts = {"created": 0, "duplicate": 0, "rejected": len({e.row for e in errors})}
        for start in range(0, len(attendees), MAX_ATTENDEES):
            part = attendees[start : start + MAX_ATTENDEES]
            results = offline_touches_record(
                campaign=campaign,
                kind=options["kind"],
                name=options["name"],
                occurred_at=occurred_at,
                attendees=[attendee for _, attendee in part],
            )
            for (row, _), result in zip(part, results, strict=True):
                counts[result.status] += 1
                for field, messages in (result.errors or {}).items():
                    self.stdout.write(f"  row {row} {field}: {'; '.join(messages)}")
        for bad in errors:
            where = f"row {bad.row}" if bad.row else "file"
            self.stdout.write(f"  {where} {bad.field}: {bad.message}")
        self.stdout.write(", ".join(f"{name} {value}" for name, value in counts.items()))
        if not counts["created"] and not counts["duplicate"]:
            raise CommandError("Nothing was recorded.")
