"""Accounts' stored score state and their stage moves, maintained set-based in the writer's
transaction.

The state on each account (``Account.score_*``) is fit, intent as of ``score_as_of`` and the
ranking key of that intent (:func:`como.scoring.decay.ranking_key`), exactly as on contacts:
every part of account intent decays by the workspace's scoring-model rate, so the state gives
the score at any later instant and ``(fit, sign, key)`` ranks accounts by current score.

:func:`accounts_rescore` recomputes the state of some accounts from what is stored — the members'
contact score state (their intent at any instant follows from their ranking key), their levels,
the account's intent signals and its ICP facts — in a constant number of statements however many
accounts, so it runs in the ingest transaction after contacts are scored (the leads reaction
``events_ingested``), when signals arrive, when members change, and for every account of a
workspace (``manage.py recompute_account_scores``). Then stages: an account moves forward only
(target → aware → engaged → mqa by score; MQA needs the playbook's number of required roles
engaged too, read exactly from the members' histories for the few accounts at the bar), with an
append-only :class:`~.models.AccountTransition` per move and the
:data:`~.hooks.ACCOUNT_STAGE_CHANGED` handlers called with the rows.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from psycopg import sql

from como.leads.models import Account, ContactScore
from como.rawsql import raw_cursor
from como.scoring.decay import intent_from_key, ranking_key
from como.workspaces.models import Workspace

from ..intent.models import IntentSignal
from ..intent.selectors import accounts_intent_at, intent_rate
from .hooks import account_stage_changed
from .models import AccountStage, AccountTransition, CommitteeMember
from .scores import FitFacts, account_fit
from .selectors import members_intent
from .settings import STAGES, AccountsSettings, accounts_settings

VERTICAL = "b2b"
_ACCOUNT = sql.Identifier(Account._meta.db_table)
_CONTACT_SCORE = sql.Identifier(ContactScore._meta.db_table)
_MEMBER = sql.Identifier(CommitteeMember._meta.db_table)
_SIGNAL = sql.Identifier(IntentSignal._meta.db_table)
#: Stages only deals move an account into or out of.
_DEAL_STAGES = (AccountStage.OPPORTUNITY.value, AccountStage.CUSTOMER.value)


@dataclass(frozen=True)
class AccountState:
    fit: float
    intent: float
    as_of: datetime

    @property
    def score(self) -> float:
        return self.fit + self.intent


@dataclass(frozen=True)
class AccountsRescored:
    states: Mapping[int, AccountState]
    transitions: tuple[AccountTransition, ...]


def account_ids_of_contacts(workspace: Workspace, contact_ids: Collection[int]) -> list[int]:
    """The accounts these contacts are committee members of."""
    if not contact_ids:
        return []
    # One array parameter, not the ORM's IN list: on the ingest path this is asked for up to
    # a thousand contacts per batch, and compiling and binding that many placeholders cost
    # more than the query.
    with raw_cursor() as cursor:
        cursor.execute(_ACCOUNTS_OF_SQL, [workspace.pk, sorted(set(contact_ids))])
        return [account_id for (account_id,) in cursor.fetchall()]


_ACCOUNTS_OF_SQL = sql.SQL("""
SELECT DISTINCT account_id FROM {member}
WHERE workspace_id = %b AND contact_id = ANY(%b::bigint[])
ORDER BY account_id
""").format(member=_MEMBER)


_LOCK_SQL = sql.SQL("""
SELECT id, industry, employee_count, country, attributes::text, stage
FROM {account} WHERE workspace_id = %s AND id = ANY(%s::bigint[]) ORDER BY id FOR UPDATE
""")

# Members' stored contact intent as ranking keys (intent at any instant follows from the key)
# and the latest instant a member's state was measured at.
_MEMBERS_SQL = sql.SQL("""
SELECT m.account_id, m.level, c.score_intent_sign, c.score_intent_key, c.score_as_of
FROM {member} m JOIN {score} c ON c.contact_id = m.contact_id
WHERE m.workspace_id = %s AND m.account_id = ANY(%s::bigint[])
""")

_STORE_SQL = sql.SQL("""
UPDATE {account} AS a
SET score_fit = u.fit, score_intent = u.intent, score_as_of = %s,
    score_intent_sign = u.sign, score_intent_key = u.intent_key
FROM unnest(%s::bigint[], %s::float8[], %s::float8[], %s::smallint[], %s::float8[])
     AS u(id, fit, intent, sign, intent_key)
WHERE a.id = u.id AND a.workspace_id = %s
""")


@transaction.atomic
def accounts_rescore(
    *,
    workspace: Workspace,
    account_ids: Iterable[int],
    at: datetime | None = None,
    settings: AccountsSettings | None = None,
) -> AccountsRescored:
    """Recompute and store these accounts' score state as of ``at`` (default now; later when a
    member's state was measured later), then move those that qualify to a later stage.

    Locks the accounts' rows first, in id order, so two writers of the same account (two
    ingests of its members) take turns and the second reads the first's committed contacts."""
    ids = sorted(set(account_ids))
    if not ids:
        return AccountsRescored({}, ())
    at = at or timezone.now()
    settings = settings or accounts_settings(workspace)
    rate = intent_rate(workspace)
    with raw_cursor() as cursor:
        cursor.execute(_LOCK_SQL.format(account=_ACCOUNT), [workspace.pk, ids])
        rows = cursor.fetchall()
        facts = {
            pk: FitFacts(industry, employees, country, json.loads(attributes) if attributes else {})
            for pk, industry, employees, country, attributes, _ in rows
        }
        stages = {pk: stage for pk, *_, stage in rows}
        cursor.execute(
            _MEMBERS_SQL.format(member=_MEMBER, score=_CONTACT_SCORE), [workspace.pk, list(facts)]
        )
        members = cursor.fetchall()
    as_of = max([at, *(measured for *_, measured in members if measured is not None)])
    weights = settings.scoring.level_weights
    weight_of = {level: weights.of(level) for level in {level for _, level, *_ in members}}
    member_intent: dict[int, float] = defaultdict(float)
    for account_id, level, sign, key, _ in members:
        if sign:
            member_intent[account_id] += weight_of[level] * intent_from_key(sign, key, as_of, rate)
    signalled = _with_signals(workspace, list(facts))
    signals = (
        accounts_intent_at(workspace=workspace, at=as_of, account_ids=signalled)
        if signalled
        else {}
    )
    states = {
        pk: AccountState(
            fit=float(sum(item.points for item in account_fit(facts[pk], settings.scoring.icp))),
            intent=float(member_intent.get(pk, 0.0) + (signals[pk].intent if pk in signals else 0)),
            as_of=as_of,
        )
        for pk in facts
    }
    _store(workspace, states, as_of, rate)
    transitions = _stages_advance(workspace, states, stages, settings)
    return AccountsRescored(states, transitions)


# The accounts that have an intent signal, linked or (not yet linked) by domain: two index
# probes per account (intentsignal_account, intentsignal_unlinked), so the signals' reader runs
# for those only.
_SIGNALLED_SQL = sql.SQL("""
SELECT a.id FROM {account} a
WHERE a.workspace_id = %s AND a.id = ANY(%s::bigint[])
  AND (EXISTS (SELECT 1 FROM {signal} s WHERE s.account_id = a.id)
       OR (a.domain <> '' AND EXISTS (
           SELECT 1 FROM {signal} s WHERE s.workspace_id = a.workspace_id
             AND s.domain = a.domain AND s.account_id IS NULL)))
""")


def _with_signals(workspace: Workspace, ids: list[int]) -> list[int]:
    with raw_cursor() as cursor:
        cursor.execute(_SIGNALLED_SQL.format(account=_ACCOUNT, signal=_SIGNAL), [workspace.pk, ids])
        return [pk for (pk,) in cursor.fetchall()]


def _store(
    workspace: Workspace, states: Mapping[int, AccountState], as_of: datetime, rate: float
) -> None:
    ids = list(states)
    keys = [ranking_key(states[pk].intent, as_of, rate) for pk in ids]
    with raw_cursor() as cursor:
        cursor.execute(
            _STORE_SQL.format(account=_ACCOUNT),
            [
                as_of,
                ids,
                [states[pk].fit for pk in ids],
                [states[pk].intent for pk in ids],
                [sign for sign, _ in keys],
                [key for _, key in keys],
                workspace.pk,
            ],
        )


def stage_by_score(score: float, settings: AccountsSettings) -> str:
    """The furthest stage up to ``engaged`` the score reaches (MQA needs coverage too)."""
    thresholds = settings.scoring.stages
    if score >= thresholds.engaged:
        return AccountStage.ENGAGED
    if score >= thresholds.aware:
        return AccountStage.AWARE
    return AccountStage.TARGET


def _stages_advance(
    workspace: Workspace,
    states: Mapping[int, AccountState],
    stages: Mapping[int, str],
    settings: AccountsSettings,
) -> tuple[AccountTransition, ...]:
    thresholds = settings.scoring.stages
    order = {stage: index for index, stage in enumerate(STAGES)}
    wanted: dict[int, str] = {}
    at_bar = [
        pk
        for pk, state in states.items()
        if state.score >= thresholds.mqa and order.get(stages[pk], 0) < order["mqa"]
    ]
    engaged_roles: dict[int, int] = {}
    if at_bar:
        as_of = next(iter(states.values())).as_of
        engaged_roles = roles_engaged(workspace, at_bar, at=as_of, settings=settings)
    for pk, state in states.items():
        current = stages[pk]
        if current in _DEAL_STAGES:
            continue
        target = stage_by_score(state.score, settings)
        if engaged_roles.get(pk, -1) >= thresholds.mqa_min_roles:
            target = AccountStage.MQA
        if order[target] > order.get(current, 0):
            wanted[pk] = target
    if not wanted:
        return ()
    moves = [
        AccountTransition(
            workspace_id=workspace.pk,
            account_id=pk,
            from_stage=stages[pk],
            to_stage=to_stage,
            at=states[pk].as_of,
            reason=_reason(to_stage, settings, engaged_roles.get(pk)),
            score=states[pk].score,
            roles_engaged=engaged_roles.get(pk),
        )
        for pk, to_stage in sorted(wanted.items())
    ]
    return stage_moves_record(workspace, moves)


def roles_engaged(
    workspace: Workspace,
    account_ids: Collection[int],
    *,
    at: datetime,
    settings: AccountsSettings,
) -> dict[int, int]:
    """Per account, its required roles with an engaged member at ``at``: what
    :func:`.selectors.committees` counts as covered, for accounts that can reach the MQA's
    ``mqa_min_roles`` only (the others are 0 or less than it). Reads histories only for members
    in a required role who had an event in the window (none: their window's intent is 0, so they
    are not engaged unless the bar is 0), of accounts with enough such roles."""
    required = [role.key for role in settings.roles if role.required]
    window = timedelta(days=settings.engagement.window_days)
    bar = settings.engagement.min_intent
    members = CommitteeMember.objects.filter(
        workspace_id=workspace.pk, account_id__in=sorted(account_ids), role__in=required
    )
    if bar > 0:
        members = members.filter(contact__score__last_seen_at__gt=at - window)
    rows = list(members.values_list("account_id", "contact_id", "role"))
    possible: dict[int, set[str]] = defaultdict(set)
    for account_id, _, role in rows:
        possible[account_id].add(role)
    minimum = settings.scoring.stages.mqa_min_roles
    rows = [row for row in rows if len(possible[row[0]]) >= minimum]
    intents = members_intent(workspace, [contact for _, contact, _ in rows], at=at, window=window)
    engaged: dict[int, set[str]] = defaultdict(set)
    for account_id, contact_id, role in rows:
        if intents.get(contact_id, 0.0) >= bar:
            engaged[account_id].add(role)
    return {pk: len(engaged[pk]) for pk in account_ids}


def _reason(to_stage: str, settings: AccountsSettings, roles: int | None) -> str:
    thresholds = settings.scoring.stages
    threshold = getattr(thresholds, to_stage)
    reason = f"Score reached the {to_stage} threshold of {threshold:g}"
    if to_stage == AccountStage.MQA:
        reason += f" with {roles} required roles engaged (at least {thresholds.mqa_min_roles})"
    return reason + "."


def stage_moves_record(
    workspace: Workspace, moves: Sequence[AccountTransition]
) -> tuple[AccountTransition, ...]:
    """Write these transitions and the accounts' new stages (one insert, one update), then
    call the stage-changed handlers with the rows, all in the caller's transaction."""
    if not moves:
        return ()
    created = AccountTransition.objects.bulk_create(moves)
    with raw_cursor() as cursor:
        cursor.execute(
            sql.SQL("""
            UPDATE {account} AS a SET stage = u.stage, stage_changed_at = u.at
            FROM unnest(%s::bigint[], %s::text[], %s::timestamptz[]) AS u(id, stage, at)
            WHERE a.id = u.id AND a.workspace_id = %s
            """).format(account=_ACCOUNT),
            [
                [move.account_id for move in created],
                [move.to_stage for move in created],
                [move.at for move in created],
                workspace.pk,
            ],
        )
    account_stage_changed(workspace, created)
    return tuple(created)


def _b2b(workspace: Workspace) -> bool:
    return workspace.vertical == VERTICAL


def on_events_ingested(workspace: Workspace, events: Mapping[int, Sequence[Any]]) -> None:
    """Leads reaction (after the contacts are scored): roll the members' new intent up into
    their accounts, in the ingest transaction."""
    if _b2b(workspace):
        accounts_rescore(
            workspace=workspace, account_ids=account_ids_of_contacts(workspace, list(events))
        )


def on_contacts_changed(workspace: Workspace, contact_ids: Sequence[int]) -> None:
    """Leads reaction: a member's level, account or score may have changed."""
    if _b2b(workspace):
        accounts_rescore(
            workspace=workspace, account_ids=account_ids_of_contacts(workspace, contact_ids)
        )


def on_members_left(workspace: Workspace, account_ids: Sequence[int]) -> None:
    """Committee reaction: accounts that lost members (moved away, merged away) drop their
    intent, in the writer's transaction."""
    if _b2b(workspace):
        accounts_rescore(workspace=workspace, account_ids=list(account_ids))


def on_signals_recorded(workspace: Workspace, account_ids: Sequence[int]) -> None:
    """Intent reaction: signals of these accounts arrived or changed."""
    if _b2b(workspace):
        accounts_rescore(workspace=workspace, account_ids=account_ids)


#: Accounts per transaction of a full recompute: each batch is a few set-based statements.
RECOMPUTE_BATCH = 5_000


def workspace_accounts_rescore(
    workspace: Workspace,
    *,
    batch: int = RECOMPUTE_BATCH,
    at: datetime | None = None,
    progress: Callable[[int, int], object] | None = None,
) -> int:
    """Recompute every account of ``workspace`` in id order, ``batch`` accounts per
    transaction (each set-based); ``progress(done, total)`` after each. Returns the count."""
    at = at or timezone.now()
    settings = accounts_settings(workspace)
    ids = list(
        Account.objects.filter(workspace_id=workspace.pk)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        accounts_rescore(workspace=workspace, account_ids=chunk, at=at, settings=settings)
        if progress is not None:
            progress(start + len(chunk), len(ids))
    return len(ids)
