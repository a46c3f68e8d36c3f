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
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from psycopg import sql

from como.leads.models import Contact
from como.rawsql import raw_cursor
from como.workspaces.models import Workspace
from como.workspaces.users import User

from .hooks import members_left
from .linking import contacts_link_accounts
from .models import CommitteeMember, RoleSource
from .settings import AccountsSettings, accounts_settings
from .titles import read_title

VERTICAL = "b2b"
_CONTACT = sql.Identifier(Contact._meta.db_table)
_MEMBER = sql.Identifier(CommitteeMember._meta.db_table)


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
    leaving = CommitteeMember.objects.filter(contact_id__in=list(merged))
    left = sorted(set(leaving.values_list("account_id", flat=True)))
    leaving.delete()
    workspace = Workspace.objects.get(pk=workspace_id)
    if workspace.vertical == VERTICAL:
        members_sync(workspace=workspace, contact_ids=targets)
        members_left(workspace, left)


class _Wanted(NamedTuple):
    account_id: int
    role: str
    role_source: str
    level: str
    department: str
    title: str
    set_by_id: int | None


def members_sync(
    *,
    workspace: Workspace,
    contact_ids: Sequence[int],
    settings: AccountsSettings | None = None,
) -> int:
    """Make these contacts' committee rows match them: a member per contact with an account
    (role by precedence, level from the title), none for a contact without. Returns how many
    rows were written. Set-based on the ingest path: one read, one upsert, one delete, however
    many contacts. Runs in the caller's transaction; the upsert locks the rows it writes.
    The accounts that members left (a contact moved away or lost its account) are told to
    :data:`.hooks.MEMBERS_LEFT` after the writes."""
    if not contact_ids:
        return 0
    settings = settings or accounts_settings(workspace)
    attribute = settings.crm_role_attribute
    writes: dict[int, _Wanted] = {}
    gone: list[int] = []
    left: set[int] = set()
    with raw_cursor() as cursor:
        cursor.execute(
            sql.SQL("""
            SELECT c.id, c.account_id, c.title,
                   CASE WHEN jsonb_typeof(c.attributes -> %s) = 'string'
                        THEN c.attributes ->> %s END,
                   m.id, m.account_id, m.role, m.role_source, m.level, m.department, m.title,
                   m.set_by_id
            FROM {contact} c LEFT JOIN {member} m ON m.contact_id = c.id
            WHERE c.workspace_id = %s AND c.id = ANY(%s::bigint[])
            """).format(contact=_CONTACT, member=_MEMBER),
            [attribute, attribute, workspace.pk, sorted(set(contact_ids))],
        )
        for pk, account_id, title, crm_value, member_id, *current in cursor.fetchall():
            stored = _Wanted(*current) if member_id is not None else None
            if stored is not None and stored.account_id != account_id:
                left.add(stored.account_id)
            if account_id is None:
                if member_id is not None:
                    gone.append(member_id)
                continue
            wanted = _wanted(account_id, title, crm_value, stored, settings)
            if wanted != stored:
                writes[pk] = wanted
        if gone:
            cursor.execute(
                sql.SQL("DELETE FROM {member} WHERE id = ANY(%s::bigint[])").format(member=_MEMBER),
                [gone],
            )
        if writes:
            ids = sorted(writes)
            columns = list(zip(*(writes[pk] for pk in ids), strict=True))
            cursor.execute(
                sql.SQL("""
                INSERT INTO {member} (workspace_id, contact_id, account_id, role, role_source,
                                      level, department, title, set_by_id, updated_at)
                SELECT %s, u.* , now()
                FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::text[], %s::text[],
                            %s::text[], %s::text[], %s::bigint[])
                     AS u(contact_id, account_id, role, role_source, level, department, title,
                          set_by_id)
                ON CONFLICT (contact_id) DO UPDATE SET
                    account_id = EXCLUDED.account_id, role = EXCLUDED.role,
                    role_source = EXCLUDED.role_source, level = EXCLUDED.level,
                    department = EXCLUDED.department, title = EXCLUDED.title,
                    set_by_id = EXCLUDED.set_by_id, updated_at = now()
                """).format(member=_MEMBER),
                [workspace.pk, ids, *map(list, columns)],
            )
    members_left(workspace, sorted(left))
    return len(writes) + len(gone)


def _wanted(
    account_id: int,
    title: str,
    crm_value: str | None,
    stored: _Wanted | None,
    settings: AccountsSettings,
) -> _Wanted:
    reading = read_title(title)
    set_by_id = None
    if stored is not None and stored.role_source == RoleSource.MANUAL:
        role, source, set_by_id = stored.role, RoleSource.MANUAL.value, stored.set_by_id
    elif (crm := settings.crm_role(crm_value)) is not None:
        role, source = crm, RoleSource.CRM.value
    else:
        role = settings.infer_role(reading.department, reading.level)
        source = RoleSource.INFERRED.value
    return _Wanted(
        account_id, role, source, reading.level, reading.department, title[:200], set_by_id
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
