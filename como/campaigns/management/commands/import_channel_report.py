"""``manage.py import_channel_report --workspace acme --channel paid_search report.csv``"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from como.campaigns.services import metrics_import
from como.workspaces.models import Workspace


class Command(BaseCommand):
    help = "Import a platform's daily report (date, campaign, impressions, clicks, spend)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--workspace", required=True, help="The workspace's slug.")
        parser.add_argument("--channel", required=True, help="paid_search, paid_social, …")
        parser.add_argument("file", type=Path, help="The report as CSV (UTF-8).")

    def handle(self, *args: Any, **options: Any) -> None:
        workspace = Workspace.objects.filter(slug=options["workspace"]).first()
        if workspace is None:
            raise CommandError(f"No workspace {options['workspace']!r}.")
        try:
            text = options["file"].read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {options['file']}: {error}") from None
        try:
            result = metrics_import(workspace=workspace, channel=options["channel"], csv_text=text)
        except ValidationError as error:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
            ) from None
        for row in result.rows:
            if not row.stored:
                problems = "; ".join(f"{field}: {message}" for field, message in row.errors.items())
                self.stderr.write(f"row {row.row}: {problems}")
        self.stdout.write(
            f"{result.stored} row(s) stored, {result.errors} with errors; "
            f"{result.metrics} campaign-day figure(s) written for {result.channel}."
        )
        if result.errors:
            raise CommandError(f"{result.errors} row(s) were not imported.", returncode=2)
