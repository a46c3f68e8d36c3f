"""Contacts linked to their workspace's account by work email domain, set-based.

:func:`contacts_link_accounts` looks only at contacts **without** an account: an account set
explicitly (by a person, an import or the API) always wins, and a contact that changes its
address keeps the account it has. Each call is a constant number of statements however many
contacts: read them, read the accounts of their domains, create the missing accounts when the
playbook says so (``INSERT … ON CONFLICT DO NOTHING``, so two writers creating the same domain
end with one account, the loser reading the winner's), and link with one ``UPDATE`` that
re-checks ``account_id IS NULL`` (a concurrent explicit choice is never overwritten).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from psycopg import sql

from como.leads.models import Account, Contact
from como.rawsql import column_defaults, raw_cursor

from .domains import company_domain

_CONTACT = sql.Identifier(Contact._meta.db_table)
_ACCOUNT = sql.Identifier(Account._meta.db_table)


@dataclass(frozen=True)
class Linked:
    #: contact id → the account it was linked to
    contacts: dict[int, int]
    #: the accounts created for domains no account had
    accounts_created: tuple[int, ...]


def contacts_link_accounts(
    *, workspace_id: int, contact_ids: Sequence[int], create: bool
) -> Linked:
    """Link each of these contacts that has no account and a work email to the account of its
    email's registrable domain, creating that account when ``create``. Run inside the caller's
    transaction (ingest's, a contact service's, a link run's batch); takes row locks on the
    contacts it links only."""
    if not contact_ids:
        return Linked({}, ())
    with raw_cursor() as cursor:
        cursor.execute(
            sql.SQL(
                "SELECT id, email FROM {contact} WHERE workspace_id = %s AND id = ANY(%s::bigint[])"
                " AND account_id IS NULL AND email <> ''"
            ).format(contact=_CONTACT),
            [workspace_id, sorted(set(contact_ids))],
        )
        domain_of = {pk: company_domain(email) for pk, email in cursor.fetchall()}
        domain_of = {pk: domain for pk, domain in domain_of.items() if domain}
        if not domain_of:
            return Linked({}, ())
        domains = sorted(set(domain_of.values()))
        accounts = _accounts_by_domain(cursor, workspace_id, domains)
        created: list[int] = []
        missing = [domain for domain in domains if domain not in accounts]
        if create and missing:
            created = _create(cursor, workspace_id, missing)
            accounts |= _accounts_by_domain(cursor, workspace_id, missing)
        pairs = sorted((pk, accounts[d]) for pk, d in domain_of.items() if d in accounts)
        if not pairs:
            return Linked({}, tuple(created))
        cursor.execute(
            sql.SQL("""
            UPDATE {contact} AS c SET account_id = u.account_id, updated_at = now()
            FROM unnest(%s::bigint[], %s::bigint[]) AS u(id, account_id)
            WHERE c.id = u.id AND c.workspace_id = %s AND c.account_id IS NULL
            RETURNING c.id, c.account_id
            """).format(contact=_CONTACT),
            [[pk for pk, _ in pairs], [account for _, account in pairs], workspace_id],
        )
        return Linked(dict(cursor.fetchall()), tuple(created))


def _accounts_by_domain(cursor: Any, workspace_id: int, domains: list[str]) -> dict[str, int]:
    cursor.execute(
        sql.SQL(
            "SELECT domain, id FROM {account} WHERE workspace_id = %s AND domain <> ''"
            " AND domain = ANY(%s::text[])"
        ).format(account=_ACCOUNT),
        [workspace_id, domains],
    )
    return dict(cursor.fetchall())


def _create(cursor: Any, workspace_id: int, domains: list[str]) -> list[int]:
    columns, exprs, params = _account_defaults()
    cursor.execute(
        sql.SQL("""
        INSERT INTO {account} (workspace_id, domain{columns})
        SELECT %s, d.domain{exprs} FROM unnest(%s::text[]) AS d(domain)
        ON CONFLICT DO NOTHING
        RETURNING id
        """).format(account=_ACCOUNT, columns=columns, exprs=exprs),
        [workspace_id, *params, domains],
    )
    return [pk for (pk,) in cursor.fetchall()]


@cache
def _account_defaults() -> tuple[sql.Composable, sql.Composable, tuple[Any, ...]]:
    return column_defaults(Account, given={"id", "workspace", "domain"})
