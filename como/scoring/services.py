"""Writes of scoring models (the lazily created default version, new versions, activation)
and of contacts' stored score state (:func:`contacts_rescore`).

Versions are immutable; a change is always a new version. Two writers of one workspace are
serialised on the workspace row (``SELECT … FOR UPDATE``), so version numbers never collide and
the "exactly one active" invariant holds under concurrency: the partial unique constraint
forbids two active versions, and these services never leave a workspace with none.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from como import verticals
from como.leads.models import Contact, Event, LifecycleStage
from como.leads.services import contact_stage_change
from como.workspaces.models import Workspace

from .decay import ranking_key
from .engine import CompiledModel, Score, score_at
from .inputs import EVENT_COLUMNS, account_snapshot, compiled, contact_snapshot, event_record
from .models import ScoringModel, definition_errors
from .snapshots import EventRecord

DEFAULT_NOTE = "Default model of the {vertical} vertical."


def _lock_workspace(workspace: Workspace) -> None:
    Workspace.objects.select_for_update().filter(pk=workspace.pk).values_list("pk").get()


@transaction.atomic
def scoring_model_active(*, workspace: Workspace) -> ScoringModel:
    """The workspace's active version; version 1 from its vertical's default model if it has
    none yet."""
    active = ScoringModel.objects.filter(workspace=workspace, is_active=True).first()
    if active is not None:
        return active
    # Racing first readers: the loser waits here and then finds the winner's version.
    _lock_workspace(workspace)
    active = ScoringModel.objects.filter(workspace=workspace, is_active=True).first()
    if active is not None:
        return active
    profile = verticals.get(workspace.vertical)
    return scoring_model_create_version(
        workspace=workspace,
        definition=dict(profile.default_scoring_model),
        note=DEFAULT_NOTE.format(vertical=profile.name),
    )


@transaction.atomic
def scoring_model_create_version(
    *,
    workspace: Workspace,
    definition: Mapping[str, Any],
    created_by: Any = None,
    note: str = "",
    activate: bool = True,
) -> ScoringModel:
    """Validate ``definition`` and store it as the workspace's next version.

    Raises ValidationError keyed by ``definition`` with one ``path: message`` line per problem.
    The first version of a workspace is always activated (there must be an active one)."""
    data: Any = _plain(definition) if isinstance(definition, Mapping) else definition
    errors = definition_errors(data)
    if errors:
        raise ValidationError({"definition": errors})
    _lock_workspace(workspace)
    # The workspace lock serialises writers; locking the versions too keeps a concurrent
    # scoring_model_activate (which locks them) out of the way.
    versions = ScoringModel.objects.select_for_update().filter(workspace=workspace)
    current = versions.aggregate(latest=Max("version"))["latest"] or 0
    has_active = versions.filter(is_active=True).exists()
    activate = activate or not has_active
    if activate and has_active:
        versions.filter(is_active=True).update(is_active=False)
    model = ScoringModel(
        workspace=workspace,
        version=current + 1,
        definition=data,
        is_active=activate,
        note=note,
        created_by=created_by if created_by is not None and created_by.pk else None,
    )
    model.clean_fields(exclude=["workspace", "created_by", "definition"])
    model.save()
    return model


@transaction.atomic
def scoring_model_activate(*, model: ScoringModel) -> ScoringModel:
    """Make ``model`` its workspace's active version (an older one, say, to roll back)."""
    _lock_workspace(model.workspace)
    versions = ScoringModel.objects.select_for_update().filter(workspace_id=model.workspace_id)
    versions.filter(is_active=True).exclude(pk=model.pk).update(is_active=False)
    versions.filter(pk=model.pk).update(is_active=True)
    model.is_active = True
    return model


def _plain(definition: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON-ready copy (the vertical's model is a read-only mapping of nested data)."""
    return dict(json.loads(json.dumps(definition, default=_mapping_default)))


def _mapping_default(value: Any) -> Any:
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not JSON data")


# --- stored score state ----------------------------------------------------------------------

#: Stages a contact is promoted to MQL from when its score meets the threshold. "recycled" is
#: deliberately absent: sales rejected that MQL, usually while its score was still above the
#: threshold, so promoting it on the next event would undo their decision at once. A member
#: (or a later rule) moves a recycled contact back.
MQL_FROM_STAGES: tuple[str, ...] = (LifecycleStage.SUBSCRIBER, LifecycleStage.LEAD)

_RESCORE_SQL = """
UPDATE {contact} AS c
SET score_fit = u.fit, score_intent = u.intent, score_as_of = u.as_of,
    score_intent_key = u.intent_key, score_model_version = %s
FROM unnest(%s::bigint[], %s::float8[], %s::float8[], %s::timestamptz[], %s::float8[])
     AS u(id, fit, intent, as_of, intent_key)
WHERE c.id = u.id AND c.workspace_id = %s
"""


@dataclass(frozen=True)
class Rescored:
    """What :func:`contacts_rescore` did: contacts scored, and those moved to MQL."""

    scores: Mapping[int, Score]
    promoted: tuple[int, ...]


@transaction.atomic
def contacts_rescore(
    *, workspace: Workspace, contact_ids: Iterable[int], at: datetime | None = None
) -> Rescored:
    """Recompute and store the score state of these contacts with the active model.

    Set-based, in a constant number of queries however many contacts: one for the contacts
    (with their accounts), one for all their events, one ``UPDATE … FROM unnest(…)`` for the
    state, and the stage change (one ``UPDATE`` plus one ``INSERT``) for those who qualify.
    Each contact is scored exactly (all its events, caps included) at ``at`` (default now), or
    at its latest event if that is later (clock skew: an event may be up to a day ahead), so
    the stored intent always includes every event; that instant is ``score_as_of``.

    Contacts in a stage of :data:`MQL_FROM_STAGES` whose exact score meets the threshold (and
    the minimum fit) move to MQL with a recorded transition naming the score and threshold.
    """
    ids = sorted(set(contact_ids))
    if not ids:
        return Rescored({}, ())
    at = at or timezone.now()
    model = scoring_model_active(workspace=workspace)
    engine = compiled(model)
    contacts = list(
        Contact.objects.filter(workspace=workspace, pk__in=ids).select_related("account")
    )
    events: dict[int, list[EventRecord]] = {contact.pk: [] for contact in contacts}
    rows = Event.objects.filter(workspace=workspace, contact_id__in=ids).values_list(
        "contact_id", *EVENT_COLUMNS
    )
    for contact_id, *row in rows.order_by():
        events[contact_id].append(event_record(*row))
    rate = engine.rate_per_quarter
    scores: dict[int, Score] = {}
    columns: tuple[list[Any], ...] = ([], [], [], [], [])
    for contact in contacts:
        history = events[contact.pk]
        as_of = max([at, *(event.occurred_at for event in history)])
        result = score_at(
            engine, contact_snapshot(contact), account_snapshot(contact.account), history, as_of
        )
        scores[contact.pk] = result
        key = ranking_key(result.intent, as_of, rate) if result.intent > 0 else None
        for column, value in zip(
            columns, (contact.pk, result.fit, result.intent, as_of, key), strict=True
        ):
            column.append(value)
    with connection.cursor() as cursor:
        cursor.execute(
            _RESCORE_SQL.format(contact=connection.ops.quote_name(Contact._meta.db_table)),
            [model.version, *columns, workspace.pk],
        )
    qualified = [
        contact.pk
        for contact in contacts
        if scores[contact.pk].is_mql and contact.lifecycle_stage in MQL_FROM_STAGES
    ]
    promoted: list[int] = []
    if qualified:
        # One reason for all: the threshold is the model's; the score is kept per transition.
        transitions = contact_stage_change(
            workspace=workspace,
            contact_ids=qualified,
            to_stage=LifecycleStage.MQL,
            from_stages=MQL_FROM_STAGES,
            reason=_mql_reason(model, engine),
            scores={pk: scores[pk].score for pk in qualified},
            at=at,
        )
        promoted = [transition.contact_id for transition in transitions]
    return Rescored(scores, tuple(promoted))


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
