"""Keeping buying-committee members in step with their contacts, and a person's role override.

A member's role comes from, in order of precedence: a person (``manual``, the admin or
``PUT /api/v1/contacts/{id}/committee-role``), the CRM (the contact attribute the playbook names,
HubSpot's ``hs_buying_role`` by default, mapped through the roles' ``hs_buying_roles``), and the
title (``titles.read_title`` → the first playbook role whose rules match). The level is always
the title's. :func:`members_sync` is set-based (one read, one upsert, one delete) and runs in the
writer's transaction from two leads reactions (wired in ``B2BConfig.ready()``):

- contacts identified (created, or given an email): link them to their domain's account
  (:mod:`.linking`), then sync the ones linked;
- contacts changed (title, attributes, account): sync them;

and from identity merges (:func:`members_carry_over`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from como.leads.models import Contact
from como.workspaces.models import Workspace
from como.workspaces.users import User

from .linking import contacts_link_accounts
from .models import CommitteeMember, RoleSource
from .settings import AccountsSettings, accounts_settings
from .titles import read_title

VERTICAL = "b2b"
_SYNCED = ("account", "role", "role_source", "level", "department", "title", "set_by", "updated_at")


def _compared(member: CommitteeMember) -> tuple[Any, ...]:
    return (
        member.account_id,
        member.role,
        member.role_source,
        member.level,
        member.department,
        member.title,
        member.set_by_id,
    )


def on_contacts_identified(workspace: Workspace, contact_ids: Sequence[int]) -> None:
    """Leads reaction: link new or re-addressed contacts of a B2B workspace to accounts."""
    if workspace.vertical != VERTICAL:
        return
    settings = accounts_settings(workspace)
    linked = contacts_link_accounts(
        workspace_id=workspace.pk, contact_ids=contact_ids, create=settings.create_from_email
    )
    members_sync(workspace=workspace, contact_ids=list(linked.contacts), settings=settings)


def on_contacts_changed(workspace: Workspace, contact_ids: Sequence[int]) -> None:
    """Leads reaction: a changed title, CRM role or account changes the member."""
    if workspace.vertical != VERTICAL:
        return
    members_sync(workspace=workspace, contact_ids=contact_ids)


def members_carry_over(workspace_id: int, merged: Mapping[int, int]) -> None:
    """Identity merge handler: an anonymous contact's member row moves to the contact it merged
    into when that one has none (a role set by hand survives the merge), the others go, and the
    survivors are synced (they may have taken the visitor's account). Runs before identity
    resolution deletes the merged contacts, in its transaction."""
    if not merged:
        return
    targets = sorted(set(merged.values()))
    taken = set(
        CommitteeMember.objects.filter(contact_id__in=targets).values_list("contact_id", flat=True)
    )
    for source, target in sorted(merged.items()):
        if target not in taken:
            taken.add(target)
            CommitteeMember.objects.filter(contact_id=source).update(contact_id=target)
    CommitteeMember.objects.filter(contact_id__in=list(merged)).delete()
    workspace = Workspace.objects.get(pk=workspace_id)
    if workspace.vertical == VERTICAL:
        members_sync(workspace=workspace, contact_ids=targets)


def members_sync(
    *,
    workspace: Workspace,
    contact_ids: Sequence[int],
    settings: AccountsSettings | None = None,
) -> int:
    """Make these contacts' committee rows match them: a member per contact with an account
    (role by precedence, level from the title), none for a contact without. Returns how many
    rows were written. Runs in the caller's transaction; the upsert locks the rows it writes."""
    if not contact_ids:
        return 0
    settings = settings or accounts_settings(workspace)
    contacts = Contact.objects.filter(workspace_id=workspace.pk, pk__in=sorted(set(contact_ids)))
    rows = contacts.values_list("pk", "account_id", "title", "attributes")
    members = {
        m.contact_id: m
        for m in CommitteeMember.objects.filter(workspace_id=workspace.pk, contact__in=contacts)
    }
    writes: list[CommitteeMember] = []
    gone: list[int] = []
    for pk, account_id, title, attributes in rows:
        member = members.get(pk)
        if account_id is None:
            if member is not None:
                gone.append(member.pk)
            continue
        wanted = _member(workspace, pk, account_id, title, attributes or {}, member, settings)
        if member is None or _compared(member) != _compared(wanted):
            writes.append(wanted)
    if gone:
        CommitteeMember.objects.filter(pk__in=gone).delete()
    if writes:
        CommitteeMember.objects.bulk_create(
            writes,
            update_conflicts=True,
            unique_fields=["contact"],
            update_fields=list(_SYNCED),
        )
    return len(writes) + len(gone)


def _member(
    workspace: Workspace,
    contact_id: int,
    account_id: int,
    title: str,
    attributes: dict[str, Any],
    current: CommitteeMember | None,
    settings: AccountsSettings,
) -> CommitteeMember:
    reading = read_title(title)
    if current is not None and current.role_source == RoleSource.MANUAL:
        role, source = current.role, RoleSource.MANUAL
    elif (crm := settings.crm_role(attributes.get(settings.crm_role_attribute))) is not None:
        role, source = crm, RoleSource.CRM
    else:
        role, source = settings.infer_role(reading.department, reading.level), RoleSource.INFERRED
    return CommitteeMember(
        workspace_id=workspace.pk,
        contact_id=contact_id,
        account_id=account_id,
        role=role,
        role_source=source,
        level=reading.level,
        department=reading.department,
        title=title[:200],
        set_by=current.set_by if current is not None and source == RoleSource.MANUAL else None,
    )


def check_member_role(*, contact: Contact, role: str | None) -> AccountsSettings:
    """Validate a person's role choice for ``contact``: one of the playbook's role keys, ""
    (no role on purpose) or None (back to automatic); the contact needs an account. Raises a
    ValidationError keyed by field; returns the settings it checked against."""
    settings = accounts_settings(contact.workspace)
    if contact.account_id is None:
        raise ValidationError({"role": ["The contact has no account, so no committee."]})
    if role and settings.role(role) is None:
        keys = ", ".join(r.key for r in settings.roles)
        message = f"{role!r} is not a committee role; choose one of: {keys}."
        raise ValidationError({"role": [message]})
    return settings


@transaction.atomic
def member_role_set(*, contact: Contact, role: str | None, user: User | None) -> CommitteeMember:
    """Set ``contact``'s committee role by hand (``role`` "" = no role on purpose), or give it
    back to the CRM and the title (``role`` None). The member row records who and when.
    Locks the contact's member row (the upsert)."""
    settings = check_member_role(contact=contact, role=role)
    members_sync(workspace=contact.workspace, contact_ids=[contact.pk], settings=settings)
    member = CommitteeMember.objects.select_for_update().get(contact=contact)
    if role is None:
        if member.role_source == RoleSource.MANUAL:
            member.role_source, member.set_by = RoleSource.INFERRED, None
            member.save(update_fields=["role_source", "set_by", "updated_at"])
            members_sync(workspace=contact.workspace, contact_ids=[contact.pk], settings=settings)
            member.refresh_from_db()
        return member
    member.role, member.role_source, member.set_by = role, RoleSource.MANUAL, user
    member.save(update_fields=["role", "role_source", "set_by", "updated_at"])
    return member
