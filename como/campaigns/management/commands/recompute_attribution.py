"""``manage.py recompute_attribution [--workspace acme]``: store every model's credit again."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from como.campaigns.attribution.store import recompute
from como.workspaces.models import Workspace


class Command(BaseCommand):
    help = (
        "Recompute the stored attribution credit (every model, every opportunity and MQL) of "
        "one workspace or all, with progress."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--workspace", help="The workspace's slug; default: every one.")
        parser.add_argument(
            "--workers", type=int, default=2, help="Processes for the batches (default 2)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        workspaces = Workspace.objects.order_by("pk")
        if options["workspace"]:
            workspaces = workspaces.filter(slug=options["workspace"])
            if not workspaces.exists():
                raise CommandError(f"No workspace {options['workspace']!r}.")
        for workspace in workspaces:

            def progress(done: int, total: int, rows: int, slug: str = workspace.slug) -> None:
                self.stdout.write(f"{slug}: {done}/{total} conversions, {rows} rows")

            rows = recompute(workspace, progress=progress, workers=options["workers"])
            self.stdout.write(self.style.SUCCESS(f"{workspace.slug}: {rows} rows stored"))
