"""Contacts ranked by their *current* score, exactly, without scoring everyone.

A contact's score now is ``fit + I(now)``, and intent between events is its stored value decayed
by a factor shared by every contact of the workspace (:mod:`como.scoring.decay`). So among
contacts with the same fit, ``(score_intent_sign, score_intent_key)`` orders them by current
score at every instant, and the index ``contact_score_rank`` on the contacts' score rows
(:class:`como.leads.models.ContactScore`), ``(workspace, score_fit, sign DESC, key DESC,
contact DESC)``, serves that order. Fit takes few distinct values (it is a sum of rule
points), so the top ``k`` overall are among the top ``k`` of each fit value: one short index
scan per distinct fit (found with a loose index scan), merged by the score computed in SQL for
those rows only. The cost grows with the number of distinct fit values
and with ``k``, not with the number of contacts.

Contacts still scored with an older model version (while a re-score runs in the background)
are ranked with the active version's decay rate; their stored intent is otherwise unchanged.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Case, F, FloatField, QuerySet, Value, When
from django.db.models.expressions import Combinable
from django.db.models.functions import Exp, Greatest, Least

from como.leads.models import Contact, ContactScore
from como.workspaces.models import Workspace

from .decay import key_offset
from .inputs import compiled
from .selectors import contacts_current_scores
from .services import scoring_model_active

#: Deeper than this, a page is cut from a full sort of the filtered contacts instead.
MAX_INDEXED_DEPTH = 10_000


def key_offsets(workspaces: Iterable[Workspace], at: datetime) -> dict[int, float]:
    """Per workspace, ``λ·t`` at ``at`` for its active model's decay rate."""
    return {workspace.pk: key_offset(at, _rate(workspace)) for workspace in workspaces}


def _rate(workspace: Workspace) -> float:
    return compiled(scoring_model_active(workspace=workspace)).rate_per_quarter


def current_score(offsets: Mapping[int, float], prefix: str = "score__") -> Combinable:
    """An expression for a contact's score at the instant ``offsets`` were computed for.
    ``prefix`` leads to the score columns: the contact's score row by default; "" for a
    model that has them itself (the B2B vertical's accounts)."""
    sign, key = f"{prefix}score_intent_sign", f"{prefix}score_intent_key"

    def intent(offset: float) -> Case:
        return Case(
            When(**{sign: 1}, then=_exp(F(key) - Value(offset))),
            When(**{sign: -1}, then=-_exp(-F(key) - Value(offset))),
            default=Value(0.0),
            output_field=FloatField(),
        )

    fit = F(f"{prefix}score_fit")
    if len(offsets) == 1:
        (offset,) = offsets.values()
        return fit + intent(offset)
    return fit + Case(
        *(When(workspace_id=pk, then=intent(offset)) for pk, offset in offsets.items()),
        default=Value(0.0),
        output_field=FloatField(),
    )


#: exp() of PostgreSQL raises on underflow and overflow: clamp to what a float8 holds.
_EXP_LIMIT = 700.0


def _exp(value: Combinable) -> Exp:
    return Exp(Least(Greatest(value, Value(-_EXP_LIMIT)), Value(_EXP_LIMIT)))


def contacts_ranked(
    contacts: QuerySet[Any],
    *,
    workspaces: Iterable[Workspace],
    at: datetime,
    offset: int,
    limit: int,
) -> list[tuple[int, float]]:
    """``(contact id, score at at)`` of ``contacts[offset:offset + limit]`` ordered by score
    at ``at``, highest first (ties: newest id first). ``contacts`` must be a plain filter of
    Contact within ``workspaces`` (no joins, no slicing), or of another model with the same
    ``score_fit``/``score_intent_sign``/``score_intent_key`` columns and ranking index."""
    offsets = key_offsets(workspaces, at)
    if not offsets or limit <= 0:
        return []
    where, params = _where(contacts)
    own = contacts.model is not Contact  # the model holds the score columns itself
    if offset + limit > MAX_INDEXED_DEPTH or where is None:
        return _sorted(contacts, offsets, offset, limit, "" if own else "score__")
    # Any model with the contacts' score columns and ranking index ranks the same way (the
    # B2B vertical's accounts do). A contact's are its score row's; the queryset's filter is
    # on the contact row, probed by primary key for each score row in index order. OFFSET 0
    # keeps that probe a per-row subplan: as a join, the planner hashes the whole workspace's
    # contacts once per fit value, and the index order (hence the early LIMIT) is lost.
    table = connection.ops.quote_name(contacts.model._meta.db_table)
    if own:
        names = {"score": table, "id": "id", "filter": f"({where})"}
    else:
        score = connection.ops.quote_name(ContactScore._meta.db_table)
        # The score row holds its contact's workspace: a filter on that alone needs no probe.
        on_score = where.replace(f"{table}.{connection.ops.quote_name('workspace_id')}", "")
        if f"{table}." not in on_score:
            condition = where.replace(f"{table}.", f"{score}.")
        else:
            condition = (
                f"EXISTS (SELECT FROM {table} WHERE {table}.id = {score}.contact_id "
                f"AND ({where}) OFFSET 0)"
            )
        names = {"score": score, "id": "contact_id", "filter": f"({condition})"}
    parts, args = [], []
    for workspace_id, shift in offsets.items():
        parts.append(_TOP_PER_FIT.format(**names))
        args += [workspace_id, workspace_id, shift, shift, workspace_id, *params]
        args.append(offset + limit)
    sql = (
        " UNION ALL ".join(f"({part})" for part in parts)
        + " ORDER BY score DESC, id DESC LIMIT %s OFFSET %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*args, limit, offset])
        return [(row[0], row[1]) for row in cursor.fetchall()]


# Per workspace: the distinct fit values by a loose index scan (one index probe each), then
# the first rows of each in index order, with their current score.
_TOP_PER_FIT = """
WITH RECURSIVE fits(fit) AS (
    (SELECT score_fit FROM {score} WHERE workspace_id = %s ORDER BY score_fit LIMIT 1)
    UNION ALL
    SELECT (SELECT c.score_fit FROM {score} c
            WHERE c.workspace_id = %s AND c.score_fit > fits.fit
            ORDER BY c.score_fit LIMIT 1)
    FROM fits WHERE fits.fit IS NOT NULL
)
SELECT top.id, top.score FROM fits CROSS JOIN LATERAL (
    SELECT {score}.{id} AS id,
           {score}.score_fit + CASE {score}.score_intent_sign
               WHEN 1 THEN exp(least(greatest(
                   {score}.score_intent_key - %s::float8, -700.0), 700.0))
               WHEN -1 THEN -exp(least(greatest(
                   -{score}.score_intent_key - %s::float8, -700.0), 700.0))
               ELSE 0.0::float8 END AS score
    FROM {score}
    WHERE {score}.workspace_id = %s AND {score}.score_fit = fits.fit AND {filter}
    ORDER BY {score}.score_intent_sign DESC, {score}.score_intent_key DESC,
             {score}.{id} DESC
    LIMIT %s
) AS top
WHERE fits.fit IS NOT NULL
"""


def _where(contacts: QuerySet[Any]) -> tuple[str | None, list[Any]]:
    """The queryset's WHERE clause as SQL on the bare contact table, or None when it
    needs more than that table (then the general path sorts instead)."""
    query = contacts.query
    table = contacts.model._meta.db_table
    # Joins Django set up and then trimmed stay in alias_map with no references.
    joined = [alias for alias in query.alias_map if alias != table and query.alias_refcount[alias]]
    if query.is_sliced or joined:
        return None, []
    compiler = query.get_compiler(connection=connection)
    if not query.where:
        return "TRUE", []
    sql, params = compiler.compile(query.where)
    return (sql or "TRUE"), list(params)


def _sorted(
    contacts: QuerySet[Any], offsets: Mapping[int, float], offset: int, limit: int, prefix: str
) -> list[tuple[int, float]]:
    rows = (
        contacts.annotate(score_now=current_score(offsets, prefix))
        .order_by("-score_now", "-id")
        .values_list("id", "score_now")[offset : offset + limit]
    )
    return [(pk, score) for pk, score in rows]


class ContactScores:
    """Scoring's answer to leads' :class:`~como.leads.ranking.ContactScorer`."""

    def rank(
        self,
        contacts: QuerySet[Contact],
        *,
        workspace_ids: Collection[int],
        at: datetime,
        offset: int,
        limit: int,
    ) -> list[tuple[int, float]]:
        workspaces = Workspace.objects.filter(pk__in=sorted(workspace_ids)).order_by("pk")
        return contacts_ranked(
            contacts, workspaces=list(workspaces), at=at, offset=offset, limit=limit
        )

    def scores(self, contacts: Sequence[Contact], at: datetime) -> dict[int, float]:
        return contacts_current_scores(contacts, at)


#: The one instance leads is given: re-registering the same object (a second ``ready()``) is a
#: no-op, where a fresh instance would be refused as another scorer.
CONTACT_SCORES = ContactScores()
