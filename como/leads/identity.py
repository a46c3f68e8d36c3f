"""Identity resolution: which contact each of a batch of events belongs to.

An event names its person by ``email``, ``external_id`` and/or ``anonymous_id``. The rules, applied
to the batch in order so that a person first seen anonymously and identified later in the same
batch ends up as one contact:

* ``external_id`` is the strongest key (it is the sender's own user id), then ``email``. A known
  contact found by email that has no external id yet adopts the event's external id; a contact
  found by external id that has no email yet adopts the event's email, when no one else has it.
  Two different identified contacts are never merged here: that is a person's decision.
* An unknown identified person is created, unless the event's ``anonymous_id`` belongs to an
  anonymous contact (no email, no external id): that contact is *promoted* by taking the email /
  external id, keeping its history.
* When the ``anonymous_id`` belongs to an anonymous contact and the identifiers name another
  contact, the anonymous one is *merged*: its events and anonymous ids move to the identified
  contact (and its account, when the identified contact has none), the merge handlers
  registered in :mod:`como.leads.reactions` run, and the anonymous contact is deleted.
* An ``anonymous_id`` seen for the first time is attached to the event's contact; one that
  already belongs to a different identified contact (a shared device) is left where it is.
* Events with only an ``anonymous_id`` go to its contact, or to a new anonymous contact.

The work is set-based and its statement count does not grow with the batch: two reads, one
lock of the known contacts, then at most two statements for new contacts (draw ids, insert),
one for changed contacts, five for merges (lock, move events, move anonymous ids, carry the
account link over, delete) and one for new anonymous ids.

Concurrency. Nothing is decided by check-then-insert alone: inserts use ``ON CONFLICT DO NOTHING``
and the planned row count is checked, updates and deletes carry the condition they were planned
under, and every contact the plan relies on is read ``FOR KEY SHARE`` so a concurrent merge cannot
delete it before this transaction commits. When a concurrent batch got there first the plan is
stale and :class:`IdentityConflict` (or a unique-violation / deadlock error) is raised; the caller
rolls back to a savepoint and resolves again, now seeing the other batch's committed rows.
Before writing anything, the plan locks the existing contacts its events go to in id order
(:meth:`_Plan._lock_existing`), so batches sharing contacts queue instead of deadlocking.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, NamedTuple

import psycopg
from django.db import connection, models
from psycopg import sql

from como.rawsql import column_defaults, raw_cursor

from . import reactions
from .models import AnonymousId, Contact, Event


class IdentityConflict(Exception):
    """A concurrent writer changed a person this batch's plan relied on; resolve again."""


#: Errors after which rolling back to a savepoint and resolving again is the right answer.
RETRYABLE_ERRORS: tuple[type[Exception], ...] = (
    IdentityConflict,
    psycopg.errors.UniqueViolation,
    psycopg.errors.DeadlockDetected,
)


class PersonRef(NamedTuple):
    """How one event names its person. Identifiers are already normalised; "" means absent.

    A NamedTuple rather than a dataclass: one is built per event on the ingest hot path.
    """

    email: str = ""
    external_id: str = ""
    anonymous_id: str = ""


@dataclass(frozen=True)
class Resolution:
    #: The contact of each ref, in input order.
    contact_ids: list[int]
    created: frozenset[int]
    #: Anonymous contacts that were merged away, each with the contact that absorbed it.
    merged: Mapping[int, int]
    #: Existing contacts that took an email or external id from this batch (promoted visitors
    #: included): what they are known by changed, so anything derived from it may have too.
    changed: frozenset[int] = frozenset()


def contacts_resolve(*, workspace_id: int, refs: Sequence[PersonRef]) -> Resolution:
    """Find or create the contact of every ref (see the module docstring for the rules).

    Must run inside a transaction; raises one of :data:`RETRYABLE_ERRORS` when a concurrent
    batch invalidated the plan, after which the caller should roll back to a savepoint and call
    again.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("contacts_resolve() must run inside transaction.atomic()")
    if not refs:
        return Resolution(contact_ids=[], created=frozenset(), merged={})
    with raw_cursor() as cursor:
        plan = _Plan(workspace_id)
        plan.load(cursor, refs)
        people = [plan.resolve(ref) for ref in refs]
        return plan.apply(cursor, people)


class _Person:
    """A contact as the plan sees it; ``id`` is None until a new one is inserted."""

    __slots__ = ("changed", "email", "external_id", "id", "into", "is_new")

    def __init__(self, id: int | None, email: str, external_id: str) -> None:
        self.id = id
        self.email = email
        self.external_id = external_id
        self.is_new = id is None
        self.changed = False  # an existing contact that gets an email/external id
        self.into: _Person | None = None  # set when merged into another person

    @property
    def anonymous(self) -> bool:
        return not self.email and not self.external_id

    def root(self) -> _Person:
        person = self
        while person.into is not None:
            person = person.into
        return person


class _Plan:
    def __init__(self, workspace_id: int) -> None:
        self.workspace_id = workspace_id
        self.known: dict[int, _Person] = {}
        self.by_email: dict[str, _Person] = {}
        self.by_external_id: dict[str, _Person] = {}
        self.by_anonymous_id: dict[str, _Person] = {}
        self.new_people: list[_Person] = []
        self.new_anonymous_ids: dict[str, _Person] = {}
        self.merges: list[_Person] = []  # existing anonymous contacts merged into another

    # --- reading --------------------------------------------------------------------------

    def _know(self, id: int, email: str, external_id: str) -> _Person:
        person = self.known.get(id)
        if person is None:
            person = self.known[id] = _Person(id, email, external_id)
            if email:
                self.by_email[email] = person
            if external_id:
                self.by_external_id[external_id] = person
        return person

    def load(self, cursor: psycopg.Cursor[Any], refs: Sequence[PersonRef]) -> None:
        emails = sorted({ref.email for ref in refs if ref.email})
        external_ids = sorted({ref.external_id for ref in refs if ref.external_id})
        anonymous_ids = sorted({ref.anonymous_id for ref in refs if ref.anonymous_id})
        # FOR KEY SHARE: a contact this batch will point events at must not be deleted by a
        # concurrent merge before we commit. It does not block ordinary updates of the row.
        # The "<> ''" conditions let PostgreSQL use the partial unique indexes.
        if emails or external_ids:
            cursor.execute(
                sql.SQL("""
                SELECT id, email, external_id FROM {contact}
                WHERE workspace_id = %s
                  AND ((email <> '' AND email = ANY(%s::text[]))
                    OR (external_id <> '' AND external_id = ANY(%s::text[])))
                ORDER BY id
                FOR KEY SHARE
                """).format(contact=_CONTACT),
                [self.workspace_id, emails, external_ids],
            )
            for id, email, external_id in cursor.fetchall():
                self._know(id, email, external_id)
        if anonymous_ids:
            cursor.execute(
                sql.SQL("""
                SELECT a.value, c.id, c.email, c.external_id
                FROM {anonymous_id} a JOIN {contact} c ON c.id = a.contact_id
                WHERE a.workspace_id = %s AND a.value = ANY(%s::text[])
                ORDER BY c.id
                FOR KEY SHARE OF c
                """).format(anonymous_id=_ANONYMOUS_ID, contact=_CONTACT),
                [self.workspace_id, anonymous_ids],
            )
            for value, id, email, external_id in cursor.fetchall():
                self.by_anonymous_id[value] = self._know(id, email, external_id)

    # --- planning -------------------------------------------------------------------------

    def _new(self) -> _Person:
        person = _Person(None, "", "")
        self.new_people.append(person)
        return person

    def _adopt(self, person: _Person, *, email: str, external_id: str) -> None:
        """Give ``person`` the identifiers it lacks, when no one else holds them."""
        if external_id and not person.external_id and external_id not in self.by_external_id:
            person.external_id = external_id
            self.by_external_id[external_id] = person
            person.changed = not person.is_new
        if email and not person.email and email not in self.by_email:
            person.email = email
            self.by_email[email] = person
            person.changed = not person.is_new

    def _identified(self, ref: PersonRef, anonymous: _Person | None) -> _Person:
        target: _Person | None = None
        if ref.external_id:
            target = self.by_external_id.get(ref.external_id)
            if target is None and ref.email:
                by_email = self.by_email.get(ref.email)
                if by_email is not None and not by_email.external_id:
                    target = by_email
        elif ref.email:
            target = self.by_email.get(ref.email)
        if target is None:
            # Promote the visitor's anonymous contact rather than start a second history.
            target = anonymous if anonymous is not None and anonymous.anonymous else self._new()
        self._adopt(target, email=ref.email, external_id=ref.external_id)
        return target

    def _link(self, value: str, target: _Person, current: _Person | None) -> None:
        if current is None:
            self.by_anonymous_id[value] = target
            self.new_anonymous_ids[value] = target
        elif current is not target and current.anonymous and not target.anonymous:
            current.into = target
            if not current.is_new:
                self.merges.append(current)
        # else: the id already belongs to target, or to another identified person (a shared
        # device); it stays where it is.

    def resolve(self, ref: PersonRef) -> _Person:
        current = self.by_anonymous_id.get(ref.anonymous_id) if ref.anonymous_id else None
        current = current.root() if current is not None else None
        if ref.email or ref.external_id:
            target = self._identified(ref, current)
        else:
            target = current if current is not None else self._new()
        if ref.anonymous_id:
            self._link(ref.anonymous_id, target, current)
        return target

    # --- writing --------------------------------------------------------------------------

    def apply(self, cursor: psycopg.Cursor[Any], people: list[_Person]) -> Resolution:
        self._lock_existing(cursor, people)
        created = self._insert_new(cursor)
        changed = self._update_changed(cursor)
        merged = self._merge(cursor)
        self._insert_anonymous_ids(cursor)
        contact_ids: list[int] = []
        for person in people:
            root = person.root()
            assert root.id is not None
            contact_ids.append(root.id)
        return Resolution(
            contact_ids=contact_ids,
            created=frozenset(created),
            merged=merged,
            changed=frozenset(changed),
        )

    def _lock_existing(self, cursor: psycopg.Cursor[Any], people: list[_Person]) -> None:
        """Lock every existing contact this batch's events go to, in id order, before any of
        them is written.

        The batch writes these rows in several statements (identifiers, account links, score
        state, stage); two batches sharing contacts that each locked them statement by statement
        would meet in opposite orders and deadlock. Taking them all here, in one fixed order,
        makes the second batch wait for the first as a whole; and it then reads the score state
        the first committed, so neither overwrites the other's points. ``FOR NO KEY UPDATE``:
        what an ``UPDATE`` of non-key columns takes anyway, so it never blocks the ``KEY SHARE``
        of readers and foreign-key checks. Merged visitors are locked ``FOR UPDATE`` by
        :meth:`_merge`.
        """
        ids = sorted({root.id for root in map(_Person.root, people) if root.id is not None})
        if ids:
            cursor.execute(
                sql.SQL("""
                SELECT id FROM {contact} WHERE workspace_id = %s AND id = ANY(%s::bigint[])
                ORDER BY id
                FOR NO KEY UPDATE
                """).format(contact=_CONTACT),
                [self.workspace_id, ids],
            )

    def _insert_new(self, cursor: psycopg.Cursor[Any]) -> list[int]:
        people = [person for person in self.new_people if person.into is None]
        if not people:
            return []
        # Ids are drawn first so each inserted row maps back to its planned person.
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Contact._meta.db_table, len(people)],
        )
        for person, (id,) in zip(people, cursor.fetchall(), strict=True):
            person.id = id
        columns, values, params = _defaults(Contact)
        cursor.execute(
            sql.SQL("""
            INSERT INTO {contact} (id, workspace_id, email, external_id{columns})
            SELECT u.id, %s, u.email, u.external_id{values}
            FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS u(id, email, external_id)
            ON CONFLICT DO NOTHING
            RETURNING id
            """).format(contact=_CONTACT, columns=columns, values=values),
            [
                self.workspace_id,
                *params,
                [person.id for person in people],
                [person.email for person in people],
                [person.external_id for person in people],
            ],
        )
        inserted = [id for (id,) in cursor.fetchall()]
        if len(inserted) != len(people):
            raise IdentityConflict("a contact with one of these identifiers was just created")
        return inserted

    def _update_changed(self, cursor: psycopg.Cursor[Any]) -> list[int]:
        people = sorted(
            (p for p in self.known.values() if p.changed and p.into is None),
            key=lambda p: p.id or 0,
        )
        if not people:
            return []
        # Only blank identifiers are filled: the condition re-checks what the plan assumed.
        cursor.execute(
            sql.SQL("""
            UPDATE {contact} AS c
            SET email = CASE WHEN u.email <> '' THEN u.email ELSE c.email END,
                external_id = CASE WHEN u.external_id <> '' THEN u.external_id
                              ELSE c.external_id END,
                updated_at = now()
            FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS u(id, email, external_id)
            WHERE c.id = u.id AND c.workspace_id = %s
              AND (u.email = '' OR c.email = '' OR c.email = u.email)
              AND (u.external_id = '' OR c.external_id = '' OR c.external_id = u.external_id)
            """).format(contact=_CONTACT),
            [
                [p.id for p in people],
                [p.email for p in people],
                [p.external_id for p in people],
                self.workspace_id,
            ],
        )
        if cursor.rowcount != len(people):
            raise IdentityConflict("a contact was identified by someone else meanwhile")
        return [p.id for p in people if p.id is not None]

    def _merge(self, cursor: psycopg.Cursor[Any]) -> dict[int, int]:
        merged: dict[int, int] = {}
        for person in self.merges:
            target = person.root().id
            assert person.id is not None
            assert target is not None
            merged[person.id] = target
        if not merged:
            return merged
        sources = sorted(merged)
        targets = [merged[source] for source in sources]
        cursor.execute(
            sql.SQL("""
            SELECT id FROM {contact}
            WHERE id = ANY(%s::bigint[]) AND workspace_id = %s AND email = '' AND external_id = ''
            ORDER BY id
            FOR UPDATE
            """).format(contact=_CONTACT),
            [sources, self.workspace_id],
        )
        if len(cursor.fetchall()) != len(sources):
            raise IdentityConflict("an anonymous contact was identified or merged meanwhile")
        for table in (_EVENT, _ANONYMOUS_ID):
            cursor.execute(
                sql.SQL("""
                UPDATE {table} AS t SET contact_id = m.target
                FROM unnest(%s::bigint[], %s::bigint[]) AS m(source, target)
                WHERE t.contact_id = m.source
                """).format(table=table),
                [sources, targets],
            )
        # The company link survives the merge (Mautic loses it: its bug 16240): a survivor
        # without an account takes the one its merged visitor had (the lowest id's, if several).
        cursor.execute(
            sql.SQL("""
            UPDATE {contact} AS t SET account_id = s.account_id
            FROM (
                SELECT DISTINCT ON (m.target) m.target, c.account_id
                FROM unnest(%s::bigint[], %s::bigint[]) AS m(source, target)
                JOIN {contact} c ON c.id = m.source
                WHERE c.account_id IS NOT NULL
                ORDER BY m.target, m.source
            ) AS s
            WHERE t.id = s.target AND t.account_id IS NULL
            """).format(contact=_CONTACT),
            [sources, targets],
        )
        reactions.contacts_merged(self.workspace_id, merged)
        cursor.execute(
            sql.SQL("DELETE FROM {contact} WHERE id = ANY(%s::bigint[])").format(contact=_CONTACT),
            [sources],
        )
        return merged

    def _insert_anonymous_ids(self, cursor: psycopg.Cursor[Any]) -> None:
        if not self.new_anonymous_ids:
            return
        values = list(self.new_anonymous_ids)
        owners = [self.new_anonymous_ids[value].root().id for value in values]
        columns, exprs, params = _defaults(AnonymousId)
        cursor.execute(
            sql.SQL("""
            INSERT INTO {anonymous_id} (workspace_id, value, contact_id{columns})
            SELECT %s, u.value, u.contact_id{exprs}
            FROM unnest(%s::text[], %s::bigint[]) AS u(value, contact_id)
            ON CONFLICT DO NOTHING
            RETURNING value
            """).format(anonymous_id=_ANONYMOUS_ID, columns=columns, exprs=exprs),
            [self.workspace_id, *params, values, owners],
        )
        if len(cursor.fetchall()) != len(values):
            raise IdentityConflict("an anonymous id was claimed by another batch meanwhile")


_CONTACT = sql.Identifier(Contact._meta.db_table)
_ANONYMOUS_ID = sql.Identifier(AnonymousId._meta.db_table)
_EVENT = sql.Identifier(Event._meta.db_table)
_GIVEN = {"id", "workspace", "email", "external_id", "value", "contact"}


@cache
def _defaults(model: type[models.Model]) -> tuple[sql.Composable, sql.Composable, tuple[Any, ...]]:
    return column_defaults(model, given=_GIVEN)
