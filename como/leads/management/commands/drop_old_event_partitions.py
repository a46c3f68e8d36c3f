"""``manage.py drop_old_event_partitions``: detach and drop the months of events past the
retention (``COMO_EVENT_RETENTION_MONTHS``, or ``--months``); see :mod:`como.leads.partitions`
for what that leaves of the scores. Beat runs the same every 6 hours."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from como.leads.partitions import event_partitions_drop_old, event_partitions_ensure


class Command(BaseCommand):
    help = "Drop the monthly event partitions wholly older than the retention."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--months", type=int, help="retention in months (default COMO_EVENT_RETENTION_MONTHS)"
        )
        parser.add_argument("--dry-run", action="store_true", help="list, drop nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            # Months whose events sit in the default partition get theirs first, so that
            # what is dropped is whole months however the events arrived.
            if not options["dry_run"]:
                event_partitions_ensure()
            dropped = event_partitions_drop_old(
                months=options["months"], dry_run=options["dry_run"]
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        verb = "would drop" if options["dry_run"] else "dropped"
        self.stdout.write(f"{verb} {len(dropped)} partition(s): {', '.join(dropped) or '-'}")
