from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from como import verticals
from como.workspaces.services import api_key_create, workspace_create


class Command(BaseCommand):
    help = (
        "Create a workspace with its agent identity and an API key. "
        "The key is printed alone on the last line."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument(
            "--vertical", required=True, help=f"one of: {', '.join(verticals.slugs())}"
        )
        parser.add_argument("--name")
        parser.add_argument("--time-zone", default="UTC")
        parser.add_argument("--country", default="US")
        parser.add_argument("--postal-address", default="")
        parser.add_argument("--key-name", default="default")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            workspace = workspace_create(
                slug=options["slug"],
                vertical=options["vertical"],
                name=options["name"],
                time_zone=options["time_zone"],
                country=options["country"],
                postal_address=options["postal_address"],
            )
        except ValidationError as error:
            raise CommandError(_describe(error)) from None
        issued = api_key_create(workspace=workspace, name=options["key_name"])
        self.stdout.write(
            f"Created workspace {workspace.slug!r} ({workspace.vertical}); "
            f"API key {issued.api_key.name!r}:"
        )
        self.stdout.write(issued.secret)


def _describe(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in error.message_dict.items())
    return " ".join(error.messages)
