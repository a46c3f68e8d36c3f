"""Writing intent signals: a batch from any door (API, webhook, CSV, demo), set-based.

:func:`intent_signals_record` validates each item on its own, so one bad item never drops the
good ones, and stores the good ones with one ``INSERT … ON CONFLICT DO UPDATE`` on the
idempotency key (workspace, provider, domain, topic, week). A re-send with the same key updates
the stored reading when a value differs (``updated``: the provider revised it, ``revision`` + 1)
and changes nothing when none does (``unchanged``); within one batch the last item of a key
wins and the earlier ones are answered ``superseded``. Nothing is ever stored twice.

Accounts: a signal is linked to the workspace's account of its domain. A domain with no
account gets one (a target account, named by its domain) when the playbook's
``intent.create_accounts`` says so; otherwise the signal is stored unlinked and
:func:`intent_accounts_link` links it when the account appears (by the next batch naming its
domain, and on beat, ``verticals.b2b.intent_link_accounts``); the reader matches unlinked
signals by domain meanwhile, so they count from the start.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from django.db import transaction
from django.utils import timezone
from psycopg import sql
from pydantic_core import to_json

from como.agents.services import playbook_for
from como.leads.models import Account
from como.rawsql import column_defaults, raw_cursor
from como.registry import Hooks
from como.workspaces.models import Workspace

from .models import IntentSignal, SignalSource
from .playbook import intent_settings
from .schema import Errors, SignalRow, signal_validate

Status = Literal["created", "updated", "unchanged", "superseded", "rejected"]
#: ``watch(workspace, domains, now) -> react``: called with a batch's domains before it is
#: stored; ``react()`` is called once it is, in the same transaction. Filled from ready().
Watcher = Callable[[Workspace, Sequence[str], datetime], Callable[[], None]]
WATCHERS: Hooks[Watcher] = Hooks()
#: The most items one request, delivery or CSV chunk may carry.
MAX_BATCH = 1_000


#: ``handler(workspace, account_ids)``: signals of these accounts were stored or changed, in the
#: writer's transaction (the account score rolls them up).
SignalsRecordedHandler = Callable[[Workspace, Sequence[int]], None]

SIGNALS_RECORDED: Hooks[SignalsRecordedHandler] = Hooks()


@dataclass(frozen=True)
class SignalResult:
    index: int
    status: Status
    id: int | None = None
    account: int | None = None
    errors: Errors | None = None


def intent_signals_record(
    *,
    workspace: Workspace,
    items: Sequence[Any],
    source: str,
    provider: str | None = None,
    now: datetime | None = None,
) -> list[SignalResult]:
    """Validate and store up to :data:`MAX_BATCH` signals; one result per item, in order.

    ``provider`` is the sender's when the door knows it (a webhook). Runs in one transaction;
    concurrent batches of the same keys are safe (the upsert serialises on the unique index)."""
    if len(items) > MAX_BATCH:
        raise ValueError(f"at most {MAX_BATCH} signals per batch")
    if source not in SignalSource.values:
        raise ValueError(f"unknown source {source!r}")
    now = now or timezone.now()
    results: list[SignalResult | None] = [None] * len(items)
    last: dict[tuple[Any, ...], tuple[int, SignalRow]] = {}
    for index, item in enumerate(items):
        row, errors = signal_validate(item, now=now, provider=provider)
        if row is None:
            results[index] = SignalResult(index, "rejected", errors=errors)
            continue
        if row.key in last:
            results[last[row.key][0]] = SignalResult(last[row.key][0], "superseded")
        last[row.key] = (index, row)
    if last:
        rows = [row for _, row in last.values()]
        with transaction.atomic():
            # Watchers see the batch's domains before it is stored, and react once it is,
            # in the same transaction (an account that starts surging: the ABM agent).
            after = [
                watch(workspace, sorted({r.domain for r in rows}), now) for watch in WATCHERS.all()
            ]
            stored = _store(workspace, rows, source, now)
            for react in after:
                react()
        for key, (index, _) in last.items():
            pk, account, status = stored[key]
            results[index] = SignalResult(index, status, id=pk, account=account)
    return [result for result in results if result is not None]


@transaction.atomic
def _store(
    workspace: Workspace, rows: list[SignalRow], source: str, now: datetime
) -> dict[tuple[Any, ...], tuple[int, int | None, Status]]:
    """Upsert ``rows`` (distinct keys); per key its id, account and what happened. Takes row
    locks on the signals it writes (the unique index), and on nothing else."""
    if intent_settings(playbook_for(workspace).intent).create_accounts:
        _accounts_ensure(workspace, sorted({row.domain for row in rows}))
    columns = (
        "provider",
        "domain",
        "topic",
        "score",
        "buying_stage",
        "week",
        "observed_at",
        "occurred_at",
        "keywords",
        "profile_fit",
        "profile_score",
        "payload",
    )
    values = [
        [r.provider for r in rows],
        [r.domain for r in rows],
        [r.topic for r in rows],
        [r.score for r in rows],
        [r.buying_stage for r in rows],
        [r.week for r in rows],
        [r.observed_at for r in rows],
        [r.occurred_at for r in rows],
        [to_json(list(r.keywords)).decode() for r in rows],
        [r.profile_fit for r in rows],
        [r.profile_score for r in rows],
        [to_json(r.payload).decode() for r in rows],
    ]
    types = (
        "text",
        "text",
        "text",
        "int",
        "text",
        "date",
        "timestamptz",
        "timestamptz",
        "text",
        "text",
        "int",
        "text",
    )
    changed = (
        "score",
        "buying_stage",
        "observed_at",
        "occurred_at",
        "keywords",
        "profile_fit",
        "profile_score",
    )
    query = sql.SQL(
        """
        INSERT INTO {table} AS s (workspace_id, account_id, source, received_at, revision,
                                  {columns})
        SELECT %s,
               (SELECT a.id FROM {accounts} a
                WHERE a.workspace_id = %s AND a.domain = x.domain AND a.domain <> ''),
               %s, %s, 1, {selected}
        FROM unnest({arrays}) AS x ({columns})
        ON CONFLICT (workspace_id, provider, domain, topic, week) DO UPDATE SET
            {updates}, source = EXCLUDED.source, received_at = EXCLUDED.received_at,
            payload = EXCLUDED.payload, revision = s.revision + 1,
            account_id = COALESCE(s.account_id, EXCLUDED.account_id)
        WHERE ({old}) IS DISTINCT FROM ({new})
        RETURNING s.provider, s.domain, s.topic, s.week, s.id, s.account_id, (s.xmax = 0)
        """
    ).format(
        table=sql.Identifier(IntentSignal._meta.db_table),
        accounts=sql.Identifier(Account._meta.db_table),
        columns=sql.SQL(", ").join(map(sql.Identifier, columns)),
        selected=sql.SQL(", ").join(
            sql.SQL("x.{}::jsonb" if name in ("keywords", "payload") else "x.{}").format(
                sql.Identifier(name)
            )
            for name in columns
        ),
        arrays=sql.SQL(", ").join(sql.SQL("%s::" + kind + "[]") for kind in types),
        updates=sql.SQL(", ").join(
            sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(name)) for name in changed
        ),
        old=sql.SQL(", ").join(sql.SQL("s.{}").format(sql.Identifier(n)) for n in changed),
        new=sql.SQL(", ").join(sql.SQL("EXCLUDED.{}").format(sql.Identifier(n)) for n in changed),
    )
    result: dict[tuple[Any, ...], tuple[int, int | None, Status]] = {}
    with raw_cursor() as cursor:
        # Binary: text-format arrays would be escaped element by element in Python.
        cursor.execute(query, [workspace.pk, workspace.pk, source, now, *values], binary=True)
        for provider, domain, topic, week, pk, account, inserted in cursor.fetchall():
            status: Status = "created" if inserted else "updated"
            result[(provider, domain, topic, week)] = (pk, account, status)
    missing = [row for row in rows if row.key not in result]
    if missing:  # unchanged re-sends: the upsert returned nothing for them
        found = IntentSignal.objects.filter(
            workspace=workspace,
            provider__in={row.provider for row in missing},
            domain__in={row.domain for row in missing},
            week__in={row.week for row in missing},
        ).values_list("provider", "domain", "topic", "week", "id", "account_id")
        wanted = {row.key for row in missing}
        for provider, domain, topic, week, pk, account in found:
            if (provider, domain, topic, week) in wanted:
                result[(provider, domain, topic, week)] = (pk, account, "unchanged")
    if intent_accounts_link(workspace=workspace, domains=sorted({row.domain for row in rows})):
        linked = dict(
            IntentSignal.objects.filter(pk__in=[v[0] for v in result.values()]).values_list(
                "id", "account_id"
            )
        )
        result = {key: (pk, linked.get(pk), status) for key, (pk, _, status) in result.items()}
    touched = sorted(
        {account for _, account, status in result.values() if account and status != "unchanged"}
    )
    if touched:
        for handler in SIGNALS_RECORDED.all():
            handler(workspace, touched)
    return result


def _accounts_ensure(workspace: Workspace, domains: list[str]) -> None:
    """A target account for each of ``domains`` the workspace has none of (set-based; a
    concurrent creator of the same domain wins and this one does nothing)."""
    extra_columns, extra_values, params = column_defaults(
        Account, given={"workspace", "domain", "name"}
    )
    query = sql.SQL(
        """
        INSERT INTO {table} (workspace_id, domain, name{extra_columns})
        SELECT %s, d, d{extra_values} FROM unnest(%s::text[]) AS d
        ON CONFLICT (workspace_id, domain) WHERE domain <> '' DO NOTHING
        """
    ).format(
        table=sql.Identifier(Account._meta.db_table),
        extra_columns=extra_columns,
        extra_values=extra_values,
    )
    with raw_cursor() as cursor:
        cursor.execute(query, [workspace.pk, *params, domains])


def intent_accounts_link(
    *, workspace: Workspace | None = None, domains: Sequence[str] | None = None
) -> int:
    """Link unlinked signals to the account of their domain: of one workspace (and of some of
    its ``domains``) or of all; the number linked. One UPDATE over the partial index of
    unlinked signals, each joined through the accounts' unique (workspace, domain) index (the
    ``domain <> ''`` lets the planner use that partial index whatever its statistics say)."""
    query = sql.SQL(
        """
        UPDATE {signals} s SET account_id = a.id
        FROM {accounts} a
        WHERE s.account_id IS NULL AND a.workspace_id = s.workspace_id AND a.domain = s.domain
          AND a.domain <> ''
        """
    ).format(
        signals=sql.Identifier(IntentSignal._meta.db_table),
        accounts=sql.Identifier(Account._meta.db_table),
    )
    params: list[Any] = []
    if workspace is not None:
        query += sql.SQL(" AND s.workspace_id = %s")
        params.append(workspace.pk)
        if domains is not None:
            query += sql.SQL(" AND s.domain = ANY(%s)")
            params.append(list(domains))
    with raw_cursor() as cursor:
        cursor.execute(query, params)
        return int(cursor.rowcount)
