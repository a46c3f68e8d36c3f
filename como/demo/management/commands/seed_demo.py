from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from como.demo.banner import banner
from como.demo.credentials import DemoCredentials, default_path
from como.demo.services import DemoSeedError, demo_seed


class Command(BaseCommand):
    help = (
        "Seed the demo workspaces (automotive dealer group, B2B software company) with contacts, "
        "accounts and ~90 days of events, an admin login and an API key each. Idempotent: run "
        "again, it reuses everything and adds nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--credentials-file",
            type=Path,
            default=None,
            help=f"where the generated passwords and keys are kept (default: {default_path()})",
        )
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="the address run_demo serves at, for the printed URLs",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.verbosity = int(options["verbosity"])
        path: Path = options["credentials_file"] or default_path()
        try:
            seeded = demo_seed(credentials_path=path, log=self._log)
        except DemoSeedError as error:
            raise CommandError(str(error)) from error
        for skipped in seeded.skipped:
            self.stderr.write(self.style.WARNING(f"skipped {skipped}"))
        for ws in seeded.workspaces:
            events = ws.events
            self.stdout.write(
                f"{ws.workspace.slug} ({ws.workspace.vertical}): "
                f"{ws.accounts_created} accounts and {ws.contacts_created} contacts created; "
                f"events {events['created']} created, {events['duplicate']} duplicate, "
                f"{events['rejected']} rejected; {ws.consents_created} consent ledger entries, "
                f"{ws.sends_proposed} campaign sends proposed"
            )
            for note in ws.notes:
                self.stdout.write(f"  {note}")
            for event_id, errors in ws.rejections:
                self.stderr.write(self.style.WARNING(f"  rejected {event_id}: {errors}"))
        self.stdout.write(self.style.SUCCESS("\nDemo data is ready."))
        self.stdout.write(banner(DemoCredentials.load(path), options["base_url"]))

    def _log(self, message: str) -> None:
        if self.verbosity >= 1:
            self.stdout.write(message)
