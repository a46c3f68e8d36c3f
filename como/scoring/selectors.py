"""Reads of scores: a contact's score at any instant, explained rule by rule, its history, and
the current score of listed contacts from their stored state."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime, timedelta

from django.db.models import Q

from como.leads.models import Contact, ContactScore, Event

from .decay import decayed
from .engine import HistoryPoint, Score, evaluate_intent, score_at, score_history
from .inputs import EVENT_COLUMNS, account_snapshot, compiled, contact_snapshot, event_record
from .models import ScoringModel
from .services import scoring_model_active
from .snapshots import EventRecord


def contact_events(*, contact: Contact, until: datetime) -> list[EventRecord]:
    """The contact's events up to ``until`` (inclusive), in one query."""
    rows = Event.objects.filter(contact_id=contact.pk, occurred_at__lte=until)
    return [event_record(*row) for row in rows.values_list(*EVENT_COLUMNS)]


def contact_score_at(*, contact: Contact, at: datetime, model: ScoringModel | None = None) -> Score:
    """The contact's exact score at ``at`` with ``model`` (default: the workspace's active
    version, created from the vertical's default on first use). Events after ``at`` are
    ignored; intent is decayed to ``at``. Reads the account (unless already loaded with
    ``select_related``) and the events in one query each."""
    if model is None:
        model = scoring_model_active(workspace=contact.workspace)
    return score_at(
        compiled(model),
        contact_snapshot(contact),
        account_snapshot(contact.account),
        contact_events(contact=contact, until=at),
        at,
    )


#: how far back a contact's score history goes (less when its first counted event is later)
HISTORY_DAYS = 180
#: at most this many points in a score history: a day a point, and two per scoring event
HISTORY_MAX_POINTS = 400
#: the instant "just before" an event; timestamps are stored in microseconds, so no event can
#: lie between it and the event, and the chart shows the jump as a vertical step
JUST_BEFORE = timedelta(microseconds=1)


def contact_score_history(
    *, contact: Contact, until: datetime, model: ScoringModel | None = None
) -> list[HistoryPoint]:
    """The contact's exact score over time up to ``until``, at the instants of
    :func:`history_instants`: daily, and just before and at each event that counted."""
    if model is None:
        model = scoring_model_active(workspace=contact.workspace)
    engine = compiled(model)
    events = contact_events(contact=contact, until=until)
    counted = [c.occurred_at for c in evaluate_intent(engine, events, until)]
    return score_history(
        engine,
        contact_snapshot(contact),
        account_snapshot(contact.account),
        events,
        history_instants(until=until, jumps=counted),
    )


def history_instants(
    *,
    until: datetime,
    jumps: Collection[datetime],
    days: int = HISTORY_DAYS,
    max_points: int = HISTORY_MAX_POINTS,
) -> list[datetime]:
    """Ascending instants to sample a score at: one a day back from ``until`` over ``days``
    days (or from just before the first jump, if later), plus a point just before and at each
    jump (an instant where the score changes by more than decay) within that range.

    Beyond ``max_points`` the oldest jumps lose their pair of points; their effect still
    shows as a steeper segment between two daily points."""
    start = until - timedelta(days=days)
    if jumps and min(jumps) - JUST_BEFORE > start:
        start = min(jumps) - JUST_BEFORE
    daily = {until - timedelta(days=n) for n in range(days + 1)}
    instants = {at for at in daily if at >= start}
    room = max(0, (max_points - len(instants)) // 2)
    latest = sorted({at for at in jumps if start < at <= until}, reverse=True)[:room]
    instants.update(at for jump in latest for at in (jump - JUST_BEFORE, jump))
    return sorted(instants)


def contacts_current_scores(contacts: Iterable[Contact], at: datetime) -> dict[int, float]:
    """Each scored contact's score at ``at`` from its stored state (no events read): fit plus
    stored intent decayed to ``at`` with the decay rate of the version that stored it.

    One query for those versions, however many contacts; contacts never scored are absent."""
    # The score rows: one query for all that the caller did not select_related("score").
    states = _score_rows(contacts)
    scored = [s for s in states if s.score_as_of is not None and s.score_model_version]
    versions = {(s.workspace_id, s.score_model_version) for s in scored}
    if not versions:
        return {}
    matching = Q()
    for workspace_id, version in versions:
        matching |= Q(workspace_id=workspace_id, version=version)
    rates = {
        (model.workspace_id, model.version): compiled(model).rate_per_quarter
        for model in ScoringModel.objects.filter(matching)
    }
    return {
        s.contact_id: _stored_score_at(s, rates[(s.workspace_id, s.score_model_version)], at)
        for s in scored
        if (s.workspace_id, s.score_model_version) in rates
    }


def _score_rows(contacts: Iterable[Contact]) -> list[ContactScore]:
    contacts = list(contacts)
    rows = [c.score for c in contacts if Contact.score.is_cached(c)]
    missing = [c.pk for c in contacts if not Contact.score.is_cached(c)]
    if missing:
        rows += ContactScore.objects.filter(contact_id__in=missing)
    return rows


def _stored_score_at(state: ContactScore, rate: float, at: datetime) -> float:
    as_of = state.score_as_of
    assert as_of is not None
    # A state stored ahead of ``at`` (its last event up to a day in the future) already holds
    # that event; decay would count it as nothing before then, so show it undecayed.
    return state.score_fit + decayed(state.score_intent, rate, as_of, max(at, as_of))
