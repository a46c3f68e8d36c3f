"""Contacts' stored score state, and the MQL move it triggers.

The state of each contact (its score row, :class:`como.leads.models.ContactScore`) is intent
as of an instant, fit, the ranking key and the cap windows. It is written set-based, in a
constant number of statements however many contacts, by one of two paths:

- **incremental** (:func:`contacts_score_events`, the ingest path): new events that come after
  everything the state already holds are counted against the stored cap windows, and the stored
  intent is decayed forward and added to. No history is read. A late event (at or before the
  last one stored) takes this path too when every capped rule that counts it last counted
  before it (:meth:`_CapRules.late_ok`): it cannot change what a cap counted, so it adds its own
  decayed points (or none) whenever it happened.
- **full** (:func:`contacts_rescore`): the contact's whole history is read and scored, exactly as
  the score API explains it. Used for contacts never scored with the active version, late events
  at or before the last instant a capped rule counting them counted, merges, attribute changes,
  and to confirm every contact the
  incremental path puts near or over the threshold, so a promotion is always decided on the exact
  score and never on float rounding of a running sum.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import psycopg
from django.db import transaction
from django.utils import timezone
from psycopg import sql
from psycopg.types.json import JsonbLoader
from pydantic_core import from_json, to_json

from como.leads.models import Account, Contact, ContactScore, Event, LifecycleStage
from como.leads.services import contact_stage_change
from como.rawsql import raw_cursor
from como.workspaces.models import Workspace

from .decay import decayed, ranking_keys
from .engine import EVENT_ORDER, CapWindows, CompiledModel, matches_always, score_at
from .inputs import EVENT_COLUMNS, compiled, event_record
from .models import ScoringModel
from .services import scoring_model_active
from .snapshots import AccountSnapshot, ContactSnapshot, EventRecord

#: Stages a contact is promoted to MQL from when its score meets the threshold. "recycled" is
#: deliberately absent: sales rejected that MQL, usually while its score was still above the
#: threshold, so promoting it on the next event would undo their decision at once. A member
#: (or a later rule) moves a recycled contact back.
MQL_FROM_STAGES: tuple[str, ...] = (LifecycleStage.SUBSCRIBER, LifecycleStage.LEAD)

#: How close (relative) to the threshold a running sum must come to be confirmed exactly.
_CONFIRM_MARGIN = 1e-9

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CONTACT = sql.Identifier(Contact._meta.db_table)
_SCORE = sql.Identifier(ContactScore._meta.db_table)


#: Cap windows as stored (``score_caps``): per capped rule, the instants it counted most
#: recently, in microseconds since the Unix epoch, oldest first.
StoredCaps = dict[str, list[int]]


class ScoreState(NamedTuple):
    """What is stored on a contact: intent as of ``as_of``, fit, cap windows, activity.

    A tuple, not a frozen dataclass: ingest makes one per contact a batch touches, and a
    frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``."""

    fit: float
    intent: float
    as_of: datetime
    caps: StoredCaps
    first_seen: datetime | None
    last_seen: datetime | None

    @property
    def score(self) -> float:
        return self.fit + self.intent


@dataclass(frozen=True)
class Rescored:
    """What a scoring call did: the state stored per contact, and the contacts moved to MQL."""

    states: Mapping[int, ScoreState]
    promoted: tuple[int, ...]


@transaction.atomic
def contacts_rescore(
    *, workspace: Workspace, contact_ids: Iterable[int], at: datetime | None = None
) -> Rescored:
    """Score these contacts from their whole history with the active model, store the state,
    and move those who qualify to MQL (see :func:`contacts_score_events`)."""
    return contacts_score_events(workspace=workspace, new_events={}, full=contact_ids, at=at)


@transaction.atomic
def contacts_score_events(
    *,
    workspace: Workspace,
    new_events: Mapping[int, Sequence[EventRecord]],
    full: Iterable[int] = (),
    at: datetime | None = None,
) -> Rescored:
    """Fold ``new_events`` (contact id → its events just stored) into the contacts' stored
    state, and fully re-score the ``full`` contacts; store both and promote to MQL.

    Each contact is scored at ``at`` (default now), or at its latest event if that is later
    (an event may be up to a day ahead), so the stored intent includes every event; that
    instant is ``score_as_of``. Contacts in a stage of :data:`MQL_FROM_STAGES` whose exact score
    meets the threshold (and the minimum fit) move to MQL with a recorded transition.
    """
    exact = set(full)
    if not exact and not new_events:
        return Rescored({}, ())
    at = at or timezone.now()
    model = scoring_model_active(workspace=workspace)
    engine = compiled(model)
    states: dict[int, ScoreState] = {}
    known: dict[int, Sequence[EventRecord]] = {}
    caps_of = _CapRules(engine)
    # Every contact scored here is locked first, in id order (_STATE_SQL): the ingest path
    # already holds them (como.leads.identity), other callers take them now, so the state read
    # is the last one committed and concurrent scorers of one contact queue, never deadlock.
    for stored in _stored_rows(workspace, sorted(new_events.keys() | exact)):
        if stored.id in exact:
            continue
        events = new_events[stored.id]
        if stored.last_seen is None and stored.version != model.version:
            # Never scored with this version and no events before these: they are its whole
            # history (a contact ingest just created), so the exact path needs no query.
            known[stored.id] = events
            continue
        state = _incremental(engine, model.version, stored, events, at, caps_of)
        if state is None or _near_mql(engine, state, stored.lifecycle_stage):
            exact.add(stored.id)
        else:
            states[stored.id] = state
    # Only exact scores promote: the incremental path sent every possible MQL here.
    qualified: list[int] = []
    scored = _full(workspace, engine, exact | known.keys(), at, known)
    for contact_id, (state, stage, is_mql) in scored.items():
        states[contact_id] = state
        if is_mql and stage in MQL_FROM_STAGES:
            qualified.append(contact_id)
    _store(workspace, model.version, engine.rate_per_quarter, states)
    promoted: list[int] = []
    if qualified:
        # One reason for all: the threshold is the model's; the score is kept per transition.
        transitions = contact_stage_change(
            workspace=workspace,
            contact_ids=sorted(qualified),
            to_stage=LifecycleStage.MQL,
            from_stages=MQL_FROM_STAGES,
            reason=_mql_reason(model, engine),
            scores={pk: states[pk].score for pk in qualified},
            at=at,
        )
        promoted = [transition.contact_id for transition in transitions]
    return Rescored(states, tuple(promoted))


# The contact row is the lock (identity and the stage change take the same one); the score
# row is read under it and written only by holders of it.
_STATE_SQL = sql.SQL("""
SELECT c.id, c.lifecycle_stage, s.score_model_version, s.score_fit, s.score_intent,
       s.score_as_of, s.score_caps::text, s.first_seen_at, s.last_seen_at
FROM {contact} c JOIN {score} s ON s.contact_id = c.id
WHERE c.workspace_id = %b AND c.id = ANY(%b::bigint[])
ORDER BY c.id
FOR NO KEY UPDATE OF c
""")


def _stored_rows(workspace: Workspace, ids: Sequence[int]) -> list[_StoredRow]:
    if not ids:
        return []
    with _cursor() as cursor:
        # Binary results: psycopg's C loaders read the timestamps several times faster than
        # the text loader Django registers (a Python subclass). The caps stay text until
        # _incremental knows which of them the new events need.
        cursor.execute(
            _STATE_SQL.format(contact=_CONTACT, score=_SCORE),
            [workspace.pk, list(ids)],
            binary=True,
        )
        return list(map(_StoredRow._make, cursor.fetchall()))


def _cursor() -> psycopg.Cursor[Any]:
    """:func:`como.rawsql.raw_cursor`, reading jsonb as data. Its statements pass arrays in
    binary (``%b``), several times cheaper to encode than text."""
    cursor = raw_cursor()
    # Django makes its connections return jsonb as text (its fields decode it); here it is data.
    cursor.adapters.register_loader("jsonb", JsonbLoader)
    return cursor


class _StoredRow(NamedTuple):  # a tuple: one per contact a batch touches
    id: int
    lifecycle_stage: str
    version: int | None
    fit: float
    intent: float
    as_of: datetime | None
    caps: str | None  # score_caps as JSON text
    first_seen: datetime | None
    last_seen: datetime | None


def _incremental(
    engine: CompiledModel,
    version: int,
    stored: _StoredRow,
    events: Sequence[EventRecord],
    at: datetime,
    caps_of: _CapRules,
) -> ScoreState | None:
    """The stored state moved forward by ``events``; None when only a full recompute is exact
    (never scored with this version, or a capped rule counts an event at or before the last
    one stored)."""
    if stored.version != version or stored.as_of is None:
        return None
    ordered = sorted(events, key=EVENT_ORDER) if len(events) > 1 else events
    caps = caps_of.load(stored.caps)
    last_stored = stored.last_seen
    if ordered and last_stored is not None and ordered[0].occurred_at <= last_stored:
        # A late event is counted against the stored windows when, for every capped rule
        # that counts it, it comes after the last instant that rule counted (_CapRules.late_ok).
        for event in ordered:
            if event.occurred_at > last_stored:
                break
            if not caps_of.late_ok(event, caps):
                return None
    # The windows are folded as stored, in integer microseconds: no instant is built per
    # stamp and back, and timedelta arithmetic is integer microseconds, so every comparison
    # is the one engine.count_intent makes.
    contributions = caps_of.count(ordered, caps)
    as_of = max(at, stored.as_of, ordered[-1].occurred_at) if ordered else max(at, stored.as_of)
    rate = engine.rate_per_quarter
    intent = decayed(stored.intent, rate, stored.as_of, as_of)
    for points, occurred_at in contributions:
        intent += decayed(points, rate, occurred_at, as_of)
    first_seen, last_seen = stored.first_seen, stored.last_seen
    if ordered:
        first_seen = min(filter(None, (first_seen, ordered[0].occurred_at)))
        last_seen = max(filter(None, (last_seen, ordered[-1].occurred_at)))
    return ScoreState(stored.fit, intent, as_of, caps, first_seen, last_seen)


def _near_mql(engine: CompiledModel, state: ScoreState, stage: str) -> bool:
    """Could this running sum be an MQL? Then the exact score decides."""
    if stage not in MQL_FROM_STAGES:
        return False
    min_fit = engine.min_fit
    if min_fit is not None and state.fit < min_fit - _CONFIRM_MARGIN * max(1.0, abs(min_fit)):
        return False  # fit is stored exactly as the full path computed it
    return state.score >= engine.threshold - _CONFIRM_MARGIN * max(1.0, abs(engine.threshold))


def _full(
    workspace: Workspace,
    engine: CompiledModel,
    ids: Collection[int],
    at: datetime,
    known: Mapping[int, Sequence[EventRecord]],
) -> dict[int, tuple[ScoreState, str, bool]]:
    """Score contacts exactly from all their events: two queries however many contacts (one
    when every history is ``known``). Returns each one's state, lifecycle stage and whether
    its score makes it an MQL."""
    out: dict[int, tuple[ScoreState, str, bool]] = {}
    for contact_id, contact, account, history in scoring_inputs(workspace.pk, ids, known):
        seen = [event.occurred_at for event in history]
        as_of = max([at, *seen])
        windows: CapWindows = {}
        result = score_at(engine, contact, account, history, as_of, windows)
        state = ScoreState(
            result.fit,
            result.intent,
            as_of,
            {
                key: [_micros(stamp) for stamp in window]
                for key, window in windows.items()
                if window
            },
            min(seen, default=None),
            max(seen, default=None),
        )
        out[contact_id] = (state, contact.lifecycle_stage, result.is_mql)
    return out


class ScoringInput(NamedTuple):
    contact_id: int
    contact: ContactSnapshot
    account: AccountSnapshot | None
    events: list[EventRecord]


def scoring_inputs(
    workspace_id: int,
    ids: Collection[int],
    known: Mapping[int, Sequence[EventRecord]] | None = None,
) -> list[ScoringInput]:
    """What the engine needs to score these contacts of the workspace from their whole
    history: their snapshots and events, in two queries however many contacts (one when
    every history is ``known``). Also what a what-if (:mod:`como.scoring.preview`) reads."""
    if not ids:
        return []
    known = known or {}
    events: dict[int, list[EventRecord]] = {pk: list(known.get(pk, ())) for pk in ids}
    unknown = sorted(set(ids) - known.keys())
    out: list[ScoringInput] = []
    with _cursor() as cursor:
        if unknown:
            # Binary, with the properties as text: the timestamps take psycopg's C loader, and
            # a history repeats the same few properties, each parsed once (the engine only
            # reads them, so events may share one mapping).
            cursor.execute(_EVENTS_SQL, [workspace_id, unknown], binary=True)
            parsed: dict[str, Any] = {}
            for contact_id, event_id, type_, text, occurred_at in cursor.fetchall():
                properties = parsed.get(text)
                if properties is None:
                    properties = parsed[text] = json.loads(text) if text else {}
                events[contact_id].append(event_record(event_id, type_, properties, occurred_at))
        # Snapshots straight from one binary query: model instances would cost more than
        # scoring them (the columns are the snapshots' own fields, so they cannot drift).
        cursor.execute(_SNAPSHOTS_SQL, [workspace_id, sorted(ids)], binary=True)
        for contact_id, has_account, *values in cursor.fetchall():
            # As the ORM snapshots do (como.scoring.inputs): a falsy attributes value reads {}.
            values[_CONTACT_ATTRIBUTES] = values[_CONTACT_ATTRIBUTES] or {}
            values[-1] = values[-1] or {}
            contact = ContactSnapshot(*values[:_CONTACT_WIDTH])
            account = AccountSnapshot(*values[_CONTACT_WIDTH:]) if has_account else None
            out.append(ScoringInput(contact_id, contact, account, events[contact_id]))
    return out


def _snapshot_columns(table: str, snapshot: type) -> list[sql.Composable]:
    columns: list[sql.Composable] = []
    for field in fields(snapshot):
        column = sql.SQL("{}.{}").format(sql.Identifier(table), sql.Identifier(field.name))
        if field.name == "annual_revenue":
            column = sql.SQL("{}::float8").format(column)  # numeric; the engine reads a float
        columns.append(column)
    return columns


_CONTACT_WIDTH = len(fields(ContactSnapshot))
_CONTACT_ATTRIBUTES = [f.name for f in fields(ContactSnapshot)].index("attributes")
assert [f.name for f in fields(AccountSnapshot)][-1] == "attributes"
_SNAPSHOTS_SQL = sql.SQL("""
SELECT c.id, a.id IS NOT NULL, {columns}
FROM {contact} c LEFT JOIN {account} a ON a.id = c.account_id
WHERE c.workspace_id = %b AND c.id = ANY(%b::bigint[])
""").format(
    columns=sql.SQL(", ").join(
        [*_snapshot_columns("c", ContactSnapshot), *_snapshot_columns("a", AccountSnapshot)]
    ),
    contact=_CONTACT,
    account=sql.Identifier(Account._meta.db_table),
)


_EVENTS_SQL = sql.SQL("""
SELECT contact_id, {columns}
FROM {event} WHERE workspace_id = %b AND contact_id = ANY(%b::bigint[])
""").format(
    columns=sql.SQL(", ").join(
        sql.SQL("{}::text").format(sql.Identifier(c)) if c == "properties" else sql.Identifier(c)
        for c in EVENT_COLUMNS
    ),
    event=sql.Identifier(Event._meta.db_table),
)


class _CapRules:
    """A model's capped rules, worked out once per scoring call: their counts, which of them
    each event type can reach, and each event type's rules as plain tuples for :meth:`count`."""

    __slots__ = ("capped", "limits", "rules")

    def __init__(self, engine: CompiledModel) -> None:
        self.limits = {r.key: r.cap_count for r in engine.intent if r.cap_count is not None}
        self.rules = {
            type_: tuple(
                (
                    r.key,
                    r.points,
                    None if r.matches is matches_always else r.matches,
                    r.cap_count,
                    None if r.cap_window is None else r.cap_window // _MICROSECOND,
                )
                for r in rules
            )
            for type_, rules in engine.intent_by_type.items()
        }
        self.capped = {
            type_: tuple(r for r in rules if r.cap_count is not None)
            for type_, rules in engine.intent_by_type.items()
        }

    def late_ok(self, event: EventRecord, caps: StoredCaps) -> bool:
        """Does counting this late event against the stored windows give the full history's
        answer? Yes when every capped rule that counts it last counted strictly before it (or
        never): then no event that rule counted comes after it, so it cannot un-count one; the
        rule's later events in the history were all refused, which takes a full window and
        changes nothing, so the stored window is what the history had just before this event
        (engine.count_intent prunes only when it counts); and a refused later event proves
        this one is refused too. At or before the last counted instant, only the history
        can tell (it may push a counted event out of its window)."""
        rules = self.capped.get(event.type, ())
        if not rules:
            return True
        stamp = _micros(event.occurred_at)
        for rule in rules:
            window = caps.get(rule.key)
            if window and window[-1] >= stamp and rule.matches(event.properties):
                return False
        return True

    def count(
        self, ordered: Sequence[EventRecord], caps: StoredCaps
    ) -> list[tuple[float, datetime]]:
        """:func:`engine.count_intent` over stored windows: ``(points, occurred_at)`` of what
        ``ordered`` events count, in order; ``caps`` is updated in place (a window left
        empty is removed, as the full path stores none)."""
        out: list[tuple[float, datetime]] = []
        rules_of = self.rules
        for event in ordered:
            rules = rules_of.get(event.type)
            if not rules:
                continue
            stamp = None
            for key, points, matches, cap_count, span in rules:
                if matches is not None and not matches(event.properties):
                    continue
                if cap_count is not None and span is not None:
                    if stamp is None:
                        stamp = _micros(event.occurred_at)
                    window = caps.get(key)
                    if window is None:
                        window = caps[key] = []
                    # The instants a window of ``span`` before this event no longer holds.
                    while window and stamp - window[0] >= span:
                        del window[0]
                    if len(window) >= cap_count:
                        continue
                    window.append(stamp)
                out.append((points, event.occurred_at))
        for key in [key for key, window in caps.items() if not window]:
            del caps[key]
        return out

    def load(self, text: str | None) -> StoredCaps:
        """Stored cap windows, keeping only the model's capped rules and at most their count
        each (what a window of ``maxlen`` count keeps); empty windows are left out."""
        caps: StoredCaps = {}
        if not text or text == "{}":
            return caps
        for key, stamps in from_json(text).items():
            limit = self.limits.get(key)
            if limit is not None and stamps:
                caps[key] = stamps[-limit:]
        return caps


_MICROSECOND = timedelta(microseconds=1)


def _micros(instant: datetime) -> int:
    return (instant - _EPOCH) // _MICROSECOND


# The narrow score rows only (models.ContactScore): the wide contact row is not rewritten.
_STORE_SQL = sql.SQL("""
UPDATE {score} AS c
SET score_fit = u.fit, score_intent = u.intent, score_as_of = u.as_of,
    score_intent_sign = u.sign, score_intent_key = u.intent_key, score_caps = u.caps,
    first_seen_at = u.first_seen, last_seen_at = u.last_seen, score_model_version = %b
FROM unnest(%b::bigint[], %b::float8[], %b::float8[], %b::timestamptz[], %b::smallint[],
            %b::float8[], %b::jsonb[], %b::timestamptz[], %b::timestamptz[])
     AS u(id, fit, intent, as_of, sign, intent_key, caps, first_seen, last_seen)
WHERE c.contact_id = u.id AND c.workspace_id = %b
""")


def _store(
    workspace: Workspace, version: int, rate: float, states: Mapping[int, ScoreState]
) -> None:
    """One ``UPDATE … FROM unnest(…)`` for every contact's state."""
    if not states:
        return
    ids = sorted(states)  # the order rows are written in, as they were locked
    # Column by column from the transposed states: each column is one C-level pass.
    fit, intent, as_of, caps, first_seen, last_seen = zip(
        *map(states.__getitem__, ids), strict=True
    )
    signs, keys = ranking_keys(intent, as_of, rate)
    columns = [
        ids,
        list(fit),
        list(intent),
        list(as_of),
        signs,
        keys,
        # Empty windows are the common case: to_json({}) is "{}".
        [to_json(windows).decode() if windows else "{}" for windows in caps],
        list(first_seen),
        list(last_seen),
    ]
    with _cursor() as cursor:
        cursor.execute(_STORE_SQL.format(score=_SCORE), [version, *columns, workspace.pk])


def _mql_reason(model: ScoringModel, engine: CompiledModel) -> str:
    reason = (
        f"Score met the MQL threshold of {engine.threshold:g} "
        f"(scoring model v{model.version}; the score is recorded on this transition)"
    )
    if engine.min_fit is not None:
        reason += f", with fit at least {engine.min_fit:g}"
    return reason + "."


def contacts_changed_rescore(workspace: Workspace, contact_ids: Sequence[int]) -> None:
    """The leads reaction: contacts' attributes changed, so their fit (and score) may have."""
    contacts_rescore(workspace=workspace, contact_ids=contact_ids)
