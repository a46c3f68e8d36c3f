"""The lifecycle funnel: subscriber → lead → MQL → SQL → opportunity → customer, with how many
reached each stage, the share that went on to the next, and the median time spent in it.

**Who counts.** A cohort: the contacts who entered the funnel (their first instant as a
subscriber) between ``since`` and ``until`` (UTC days, both included), followed up to the end of
``until``. A contact *reached* a stage at its first move to that stage **or any later one**
(a lead imported straight as an SQL passed through lead and MQL on the way), so every stage
counts at most the one before it and each rate is a true share of the people above it. The
moves are the contact's :class:`~como.leads.models.LifecycleTransition` rows plus its
opportunities (opened, and won: the CRM may know before a transition is written); "recycled"
is not a stage of the funnel. The subscriber stage starts at ``first_seen_at`` (or, without it,
when como stored the contact), or earlier if a transition says so.

**Time in a stage**: from reaching it to reaching the next, over those who reached the next;
the median is PostgreSQL's ``percentile_cont(0.5)`` (the mean of the middle two for an even
count), in seconds.

**Groups** (``by``):

- ``channel``: the channel of the contact's first touch
  (:func:`~como.campaigns.selectors.touches.touches`: ``direct`` when it named no source,
  ``none`` with no touch at all);
- ``campaign``: the contact's **source campaign**: the campaign of its first touch that names
  one. First touch, not last, because the funnel asks which campaign *filled* it, and that is
  fixed once a person is in; it also puts each contact in exactly one group, so the groups add
  up to the whole cohort. Sharing a contact's later stages between the campaigns that touched
  it is attribution's job (:mod:`como.campaigns.attribution`, side by side per model). Contacts
  whose touches name no campaign form the group ``none``.
- ``score_band``: the score the contact had **when it reached the stage** (the ``score`` of the
  transition that took it there), banded by the active scoring model's MQL threshold T:
  below 25 % of T, 25-50 %, 50-100 %, at or over T; ``unscored`` when the move recorded none
  (a contact's first appearance, an opportunity from the CRM). So a band's row for a stage
  says how people who arrived there with that score went on: the data to argue the threshold
  with. A contact can sit in a different band at each stage.

Two set-based SQL statements, whatever the number of contacts: the cohort, then the counts and
medians per group and stage; the channel and campaign groups come from one read of the
cohort's touches between them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from django.db import connection

from como.deals.models import Opportunity, OpportunityStatus
from como.leads.models import FUNNEL, Contact, ContactScore, LifecycleTransition
from como.scoring.rules import parse_model
from como.scoring.services import scoring_model_active
from como.workspaces.models import Workspace

from ..models import Campaign
from .touches import touches

By = Literal["channel", "campaign", "score_band"]
GROUPINGS: tuple[By, ...] = ("channel", "campaign", "score_band")
STAGES = FUNNEL
NONE = "none"
UNSCORED = "unscored"
#: Band keys in the order shown, with their lower bound as a share of the MQL threshold.
BANDS = (
    ("below_25", Decimal(0)),
    ("25_50", Decimal("0.25")),
    ("50_100", Decimal("0.5")),
    ("mql", Decimal(1)),
)
#: How far before the cohort's first day a first touch is looked for.
TOUCH_LOOKBACK = timedelta(days=365)
RATE = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class FunnelStage:
    stage: str
    label: str
    #: contacts of the group that reached this stage (or a later one)
    reached: int
    #: of those, how many reached the next stage (None for the last stage)
    converted: int | None
    #: converted ÷ reached, four places; None for the last stage or when none reached it
    rate: Decimal | None
    #: median seconds from reaching this stage to reaching the next; None when nobody moved on
    median_seconds: float | None


@dataclass(frozen=True, slots=True)
class FunnelGroup:
    key: str
    label: str
    stages: list[FunnelStage]


@dataclass(frozen=True, slots=True)
class Funnel:
    by: By
    since: date
    until: date
    #: the cohort's size: contacts that entered the funnel in the period
    contacts: int
    #: the MQL threshold the score bands are cut from (score_band only)
    threshold: float | None
    groups: list[FunnelGroup]


# Every instant a contact reached a stage (its rank in STAGES), with its score then.
_MOVES = """
WITH ranks(stage, rank) AS (SELECT * FROM unnest(%(stages)s::text[], %(ranks)s::int[])),
moves AS (
    SELECT t.contact_id, r.rank, t.at, t.score
    FROM {transition} t JOIN ranks r ON r.stage = t.to_stage
    WHERE t.workspace_id = %(workspace)s AND t.at < %(end)s
    UNION ALL
    SELECT c.id, 0, coalesce(s.first_seen_at, c.created_at), NULL
    FROM {contact} c JOIN {contact_score} s ON s.contact_id = c.id
    WHERE c.workspace_id = %(workspace)s AND coalesce(s.first_seen_at, c.created_at) < %(end)s
    UNION ALL
    SELECT o.contact_id, 4, o.opened_at, NULL
    FROM {opportunity} o
    WHERE o.workspace_id = %(workspace)s AND o.contact_id IS NOT NULL AND o.opened_at < %(end)s
    UNION ALL
    SELECT o.contact_id, 5, o.closed_at, NULL
    FROM {opportunity} o
    WHERE o.workspace_id = %(workspace)s AND o.contact_id IS NOT NULL
      AND o.status = %(won)s AND o.closed_at < %(end)s
),
entries AS (
    -- a stage is reached at the first move to it or to any later stage
    SELECT m.contact_id, s.rank,
           (array_agg(m.at ORDER BY m.at, m.rank))[1] AS at,
           (array_agg(m.score ORDER BY m.at, m.rank))[1] AS score
    FROM moves m JOIN generate_series(0, %(last)s) AS s(rank) ON m.rank >= s.rank
    GROUP BY m.contact_id, s.rank
),
cohort AS (
    SELECT e.contact_id FROM entries e
    WHERE e.rank = 0 AND e.at >= %(start)s AND e.at < %(end)s
)
"""

_COHORT = _MOVES + "SELECT contact_id FROM cohort ORDER BY contact_id"  # noqa: S608 (constants)

_FIGURES = (
    _MOVES  # noqa: S608 (constants; {group} and {join} are ours too)
    + """,
staged AS (
    SELECT e.contact_id, e.rank, e.at, e.score, n.at AS next_at
    FROM entries e
    JOIN cohort USING (contact_id)
    LEFT JOIN entries n ON n.contact_id = e.contact_id AND n.rank = e.rank + 1
),
grouped AS (
    SELECT s.*, {group} AS grp
    FROM staged s {join}
)
SELECT g.grp, g.rank, count(*), count(g.next_at),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM g.next_at - g.at))
FROM grouped g
GROUP BY g.grp, g.rank
"""
)

_BAND_SQL = """CASE WHEN s.score IS NULL THEN 'unscored'
     WHEN s.score >= %(t100)s THEN 'mql' WHEN s.score >= %(t50)s THEN '50_100'
     WHEN s.score >= %(t25)s THEN '25_50' ELSE 'below_25' END"""
_GIVEN_JOIN = (
    "JOIN unnest(%(ids)s::bigint[], %(groups)s::text[]) AS given(contact_id, grp) "
    "ON given.contact_id = s.contact_id"
)


def _instant(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _tables() -> dict[str, str]:
    quote = connection.ops.quote_name
    return {
        "transition": quote(LifecycleTransition._meta.db_table),
        "contact": quote(Contact._meta.db_table),
        "contact_score": quote(ContactScore._meta.db_table),
        "opportunity": quote(Opportunity._meta.db_table),
    }


def mql_threshold(workspace: Workspace) -> float:
    """The active scoring model's MQL threshold."""
    return float(parse_model(scoring_model_active(workspace=workspace).definition).threshold)


def funnel(*, workspace: Workspace, by: By, since: date, until: date) -> Funnel:
    """The funnel of the contacts who entered it in ``since``…``until`` (see the module)."""
    if by not in GROUPINGS:
        raise ValueError(f"by: one of {', '.join(GROUPINGS)}")
    if until < since:
        raise ValueError("until is before since")
    params: dict[str, Any] = {
        "workspace": workspace.pk,
        "stages": [str(s) for s in STAGES],
        "ranks": list(range(len(STAGES))),
        "last": len(STAGES) - 1,
        "won": OpportunityStatus.WON,
        "start": _instant(since),
        "end": _instant(until + timedelta(days=1)),
    }
    tables = _tables()
    threshold: float | None = None
    labels: dict[str, str] = {}
    with connection.cursor() as cursor:
        cursor.execute(_COHORT.format(**tables), params)
        cohort = [row[0] for row in cursor.fetchall()]
        if by == "score_band":
            threshold = mql_threshold(workspace)
            t = Decimal(str(threshold))
            params |= {
                "t25": float(t * BANDS[1][1]),
                "t50": float(t * BANDS[2][1]),
                "t100": float(t),
            }
            group_sql, join = _BAND_SQL, ""
            labels = band_labels(threshold)
        else:
            ids, groups, labels = _first_touch_groups(
                workspace, by, cohort, params["start"], params["end"]
            )
            params |= {"ids": ids, "groups": groups}
            group_sql, join = "given.grp", _GIVEN_JOIN
        cursor.execute(_FIGURES.format(**tables, group=group_sql, join=join), params)
        rows = cursor.fetchall()
    return Funnel(
        by=by,
        since=since,
        until=until,
        contacts=len(cohort),
        threshold=threshold,
        groups=_groups(rows, labels, by),
    )


def _first_touch_groups(
    workspace: Workspace, by: By, cohort: list[int], start: datetime, end: datetime
) -> tuple[list[int], list[str], dict[str, str]]:
    """Each cohort contact's group: its first touch's channel, or its first campaign."""
    found = touches(
        workspace=workspace, contact_ids=cohort, since=start - TOUCH_LOOKBACK, until=end
    )
    group: dict[int, str] = {}
    for touch in found:  # ordered by contact, then instant
        if by == "channel":
            group.setdefault(touch.contact_id, touch.channel)
        elif touch.campaign_id is not None:
            group.setdefault(touch.contact_id, str(touch.campaign_id))
    labels = {NONE: "No touch" if by == "channel" else "No campaign"}
    if by == "campaign":
        ids = {int(key) for key in group.values()}
        labels |= {
            str(pk): name
            for pk, name in Campaign.objects.filter(workspace=workspace, pk__in=ids).values_list(
                "id", "name"
            )
        }
    return cohort, [group.get(cid, NONE) for cid in cohort], labels


def band_labels(threshold: float) -> dict[str, str]:
    """Band key → what it means in points of the model (e.g. ``"25-50 % (15-30)"``)."""
    t = Decimal(str(threshold))

    def points(share: Decimal) -> str:
        return f"{(t * share).normalize():f}"

    return {
        "below_25": f"below 25 % of the threshold (< {points(Decimal('0.25'))})",
        "25_50": f"25-50 % ({points(Decimal('0.25'))}-{points(Decimal('0.5'))})",
        "50_100": f"50-100 % ({points(Decimal('0.5'))}-{points(Decimal(1))})",
        "mql": f"at or over the threshold (≥ {points(Decimal(1))})",
        UNSCORED: "no score recorded",
    }


def _order(by: By, key: str, reached: int) -> tuple[Any, ...]:
    if by == "score_band":
        order = [band for band, _ in BANDS] + [UNSCORED]
        return (order.index(key) if key in order else len(order), key)
    # Ties in id order (a campaign's key is its id: "9" before "10"), then by text.
    numbered = (0, int(key)) if key.isdigit() else (1, 0)
    return (key == NONE, -reached, numbered, key)


def _groups(rows: list[tuple[Any, ...]], labels: dict[str, str], by: By) -> list[FunnelGroup]:
    found: dict[str, dict[int, tuple[int, int, float | None]]] = defaultdict(dict)
    for key, rank, reached, converted, median in rows:
        found[key][rank] = (reached, converted, None if median is None else float(median))
    groups = []
    last = len(STAGES) - 1
    for key, stages in found.items():
        listed = []
        for rank, stage in enumerate(STAGES):
            reached, converted, median = stages.get(rank, (0, 0, None))
            final = rank == last
            listed.append(
                FunnelStage(
                    stage=str(stage),
                    label=stage.label,
                    reached=reached,
                    converted=None if final else converted,
                    rate=None
                    if final or not reached
                    else (Decimal(converted) / reached).quantize(RATE, ROUND_HALF_UP),
                    median_seconds=None if final else median,
                )
            )
        groups.append(FunnelGroup(key=key, label=labels.get(key, key), stages=listed))
    groups.sort(key=lambda g: _order(by, g.key, g.stages[0].reached))
    return groups
