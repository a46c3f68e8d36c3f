"""``manage.py recompute_account_scores [--workspace SLUG] [--batch N]``: recompute every account
score (and advance stages) of one B2B workspace, or of every one, set-based in batches of
accounts, printing the progress. For after a playbook change of the ICP, weights or thresholds,
or a bulk load that bypassed ingest; the stored state is otherwise kept at ingest."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from como.workspaces.models import Workspace
from verticals.b2b.accounts.score_state import (
    RECOMPUTE_BATCH,
    VERTICAL,
    workspace_accounts_rescore,
)


class Command(BaseCommand):
    help = "Recompute every account score of a B2B workspace (or all), with progress."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workspace", default="", help="The workspace's slug; default all.")
        parser.add_argument(
            "--batch", type=int, default=RECOMPUTE_BATCH, help="Accounts per transaction."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch"] < 1:
            raise CommandError("--batch must be at least 1.")
        workspaces = Workspace.objects.filter(vertical=VERTICAL).order_by("slug")
        if options["workspace"]:
            workspaces = workspaces.filter(slug=options["workspace"])
            if not workspaces.exists():
                raise CommandError(f"No B2B workspace {options['workspace']!r}.")
        for workspace in workspaces:
            started = time.perf_counter()

            def progress(done: int, total: int, slug: str = workspace.slug) -> None:
                self.stdout.write(f"{slug}: {done}/{total} accounts")

            count = workspace_accounts_rescore(workspace, batch=options["batch"], progress=progress)
            self.stdout.write(
                f"{workspace.slug}: {count} accounts recomputed in "
                f"{time.perf_counter() - started:.2f} s"
            )
