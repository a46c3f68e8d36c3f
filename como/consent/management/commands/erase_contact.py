"""``manage.py erase_contact --workspace <slug> (--email X | --phone Y | --contact-id N)``.

GDPR art. 17 from an operator's shell: the same service as ``POST /api/v1/erasures``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from como.consent.models import ErasureSource
from como.consent.services import contact_erase
from como.leads.models import Contact
from como.leads.normalize import normalize_email, normalize_phone
from como.workspaces.models import Workspace


class Command(BaseCommand):
    help = (
        "Erase a contact (GDPR art. 17): suppress its email and phone on every channel, delete "
        "it with its events and consent entries, and keep an audit row without personal data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workspace", required=True, help="the workspace's slug")
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--email")
        who.add_argument("--phone", help="any notation; read in the workspace's country")
        who.add_argument("--contact-id", type=int)
        parser.add_argument("--reason", default="", help="kept on the erasure's audit row")

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["workspace"]
        workspace = Workspace.objects.filter(slug=slug).first()
        if workspace is None:
            raise CommandError(f"No workspace with slug {slug!r}.")
        contact = self._contact(workspace, options)
        contact_id = contact.pk  # deleting clears it
        erasure = contact_erase(
            contact=contact, reason=options["reason"], source=ErasureSource.COMMAND
        )
        self.stdout.write(
            f"Erased contact {contact_id} of {workspace.slug!r}: erasure {erasure.pk}, "
            f"{len(erasure.digests)} address(es) suppressed on every channel."
        )

    def _contact(self, workspace: Workspace, options: dict[str, Any]) -> Contact:
        contacts = Contact.objects.filter(workspace=workspace)
        if options["contact_id"] is not None:
            found = contacts.filter(pk=options["contact_id"]).first()
            if found is None:
                raise CommandError(
                    f"No contact with id {options['contact_id']} in workspace {workspace.slug!r}."
                )
            return found
        if options["email"] is not None:
            try:
                email = normalize_email(options["email"])
            except ValidationError:
                raise CommandError(f"{options['email']!r} is not an email address.") from None
            found = contacts.filter(email=email).first()
            if found is None:
                raise CommandError(
                    f"No contact with email {email!r} in workspace {workspace.slug!r}."
                )
            return found
        try:
            phone = normalize_phone(options["phone"], workspace.country or "US")
        except ValidationError:
            raise CommandError(f"{options['phone']!r} is not a phone number.") from None
        matches = list(contacts.filter(phone=phone).order_by("pk")[:2])
        if not matches:
            raise CommandError(f"No contact with phone {phone!r} in workspace {workspace.slug!r}.")
        if len(matches) > 1:
            raise CommandError(
                f"Several contacts in workspace {workspace.slug!r} have phone {phone!r}: "
                "name one with --contact-id."
            )
        return matches[0]
