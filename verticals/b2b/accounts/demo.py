"""The B2B demo's accounts and committees: Northwind Cloud's contacts linked to the accounts of
their email domains and given their committee roles from their titles. The demo's people are
created with their account and synced as they are made; this pass catches a workspace seeded
before accounts were found from people. Idempotent: a second run links and writes nothing."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from como.leads.models import Contact
from como.leads.reactions import contacts_changed
from como.workspaces.models import Workspace

from .committee import VERTICAL, members_sync
from .linking import contacts_link_accounts
from .models import CommitteeMember
from .settings import accounts_settings


@transaction.atomic
def demo_committees_seed(workspace: Workspace, end: datetime) -> list[str]:
    if workspace.vertical != VERTICAL:
        return []
    settings = accounts_settings(workspace)
    ids = list(Contact.objects.filter(workspace=workspace).values_list("pk", flat=True))
    linked = contacts_link_accounts(
        workspace_id=workspace.pk, contact_ids=ids, create=settings.create_from_email
    )
    contacts_changed(workspace, list(linked.contacts))
    written = members_sync(workspace=workspace, contact_ids=ids, settings=settings)
    members = CommitteeMember.objects.filter(workspace=workspace)
    return [
        f"{workspace.slug}: {len(linked.contacts)} contacts linked to accounts by email domain "
        f"({len(linked.accounts_created)} accounts created), {written} committee rows written; "
        f"{members.count()} members, {members.exclude(role='').count()} with a role"
    ]
