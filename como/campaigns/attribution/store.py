"""Stored credit: every model's share of every conversion, recomputed in set-based batches.

A conversion is an opportunity (its amount is split) or a contact's move to MQL (counted, so
reports show attributed MQLs). Its journey (credit.Journey) is:

- an opportunity with an account: every member's touches (and its contact's, if not a member);
  else its contact's — within the lookback window before the conversion instant;
- the conversion instant: a won deal's close; an open or lost one's opening (the pipeline it
  made); an MQL's transition;
- milestones: lead creation (the contact's first move out of subscriber; for an account-only
  deal the earliest member's), opportunity creation (opened_at), closed won (closed_at if won).

:func:`recompute` reads a batch of conversions (:mod:`.conversions`) and their touches with one
call of the touches selector's ``touch_rows`` (plain tuples), computes every model with
:mod:`.batch` (credit.py's numbers in integers), makes the COPY text itself and replaces the
batch's rows with one COPY, in one transaction per batch; with ``workers`` the batches run in
forked processes (:mod:`.workers`). Callers: the deals hook (a deal
created or changed: its opportunities, through a Celery task after commit), the leads' stage
hook (contacts moved to MQL: those moves, the same way), a playbook save
that changes the attribution settings (everything), ``manage.py recompute_attribution``.
Nothing computes credit per request.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from psycopg import sql

from como.deals.models import Opportunity
from como.leads.models import LifecycleStage, LifecycleTransition
from como.rawsql import raw_cursor
from como.workspaces.models import Workspace

from ..models import AttributionCredit, AttributionRun, ConversionKind
from ..selectors.touches import TouchRow, touch_rows
from .batch import every_model, share_text, split_cents
from .conversions import Conversion, mql_conversions, opportunity_conversions
from .credit import MODELS, Settings
from .workers import can_fork, in_processes

BATCH = 500
PLACES = 15  # AttributionCredit's share columns
_NULL = "\\N"  # COPY's text for NULL
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)
_COLUMNS = (
    "workspace_id",
    "kind",
    "opportunity_id",
    "transition_id",
    "converted_at",
    "event_id",
    "contact_id",
    "touch_at",
    "touch_type",
    "channel",
    "campaign_id",
    *(name for key in MODELS for name in (key, f"{key}_amount")),
)
Progress = Callable[[int, int, int], None]  # (conversions done, of how many, rows written)


def settings_of(workspace: Workspace) -> Settings:
    """The workspace's attribution settings (its playbook's ``attribution`` section)."""
    from como.agents.services import playbook_for  # agents sit beside campaigns, not below

    chosen = playbook_for(workspace).effective.attribution
    first, between, lead = (int(part) for part in chosen.u_shape.split("/"))
    return Settings(
        lookback=timedelta(days=chosen.lookback_days) if chosen.lookback_days else None,
        u_shape=(first, between, lead),
        half_life=timedelta(days=float(chosen.half_life_days)),
    )


def settings_record(config: Settings) -> dict[str, Any]:
    """The settings as stored on an AttributionRun (to tell whether a save changed them)."""
    return {
        "lookback_seconds": config.lookback.total_seconds() if config.lookback else None,
        "u_shape": list(config.u_shape),
        "half_life_seconds": config.half_life.total_seconds(),
    }


def recompute(
    workspace: Workspace,
    *,
    opportunity_ids: Iterable[int] | None = None,
    mql_transition_ids: Iterable[int] | None = None,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
    workers: int = 1,
) -> int:
    """Store credit for every model: for ``opportunity_ids`` and ``mql_transition_ids`` (moves
    to MQL), or (both None) for every opportunity and MQL of the workspace, recorded as an
    AttributionRun. Returns the rows written. ``timings`` (the benchmark's) is given the
    seconds spent per phase, summed over the processes; ``workers`` > 1 runs the batches in
    that many forked processes where :func:`.workers.can_fork`."""
    config = settings_of(workspace)
    everything = opportunity_ids is None and mql_transition_ids is None
    opportunities = Opportunity.objects.filter(workspace=workspace)
    if not everything:
        opportunities = opportunities.filter(pk__in=list(opportunity_ids or ()))
    opportunity_pks = list(opportunities.order_by("pk").values_list("pk", flat=True))
    moves = LifecycleTransition.objects.filter(workspace=workspace, to_stage=LifecycleStage.MQL)
    if not everything:
        moves = moves.filter(pk__in=list(mql_transition_ids or ()))
    mql_pks = list(moves.order_by("pk").values_list("pk", flat=True))
    run = None
    if everything:
        run = AttributionRun.objects.create(
            workspace=workspace,
            scope="all",
            settings=settings_record(config),
            started_at=timezone.now(),
        )
    total = len(opportunity_pks) + len(mql_pks)
    done = rows = 0
    batches = [
        *(
            (ConversionKind.OPPORTUNITY, opportunity_pks[i : i + BATCH])
            for i in range(0, len(opportunity_pks), BATCH)
        ),
        *((ConversionKind.MQL, mql_pks[i : i + BATCH]) for i in range(0, len(mql_pks), BATCH)),
    ]
    # A kind of conversion with no credit stored before this recompute has nothing to delete
    # (a workspace's first recompute, the benchmark's): its batches skip the DELETE.
    stored = {
        kind
        for kind, _ in batches
        if AttributionCredit.objects.filter(workspace=workspace, kind=kind).exists()
    }
    jobs = [(workspace, kind, pks, config, kind in stored) for kind, pks in batches]
    if workers > 1 and len(jobs) > 1 and can_fork():
        results: Iterable[tuple[int, dict[str, float]]] = in_processes(_batch_job, jobs, workers)
    else:
        results = (_batch_job(*job) for job in jobs)
    for (_, pks), (written, spent) in zip(batches, results, strict=True):
        rows += written
        done += len(pks)
        if timings is not None:
            for phase, seconds in spent.items():
                timings[phase] = timings.get(phase, 0.0) + seconds
        if progress is not None:
            progress(done, total, rows)
    if run is not None:
        AttributionRun.objects.filter(pk=run.pk).update(
            conversions=done, rows=rows, finished_at=timezone.now()
        )
    return rows


def _batch_job(
    workspace: Workspace, kind: str, pks: Sequence[int], config: Settings, replace: bool
) -> tuple[int, dict[str, float]]:
    """One batch (in this process or a worker): the rows written, the seconds per phase."""
    spent: dict[str, float] = {}
    return _batch_store(workspace, kind, pks, config, spent, replace=replace), spent


@transaction.atomic
def _batch_store(
    workspace: Workspace,
    kind: str,
    pks: Sequence[int],
    config: Settings,
    timings: dict[str, float],
    *,
    replace: bool,
) -> int:
    """Replace (or, ``replace`` False, store) the credit of one batch of conversions; the rows
    written."""
    clock = _Clock(timings)
    if kind == ConversionKind.OPPORTUNITY:
        conversions = opportunity_conversions(workspace, pks)
        column = "opportunity_id"
    else:
        conversions = mql_conversions(workspace, pks)
        column = "transition_id"
    clock.lap("conversions")
    # Nothing refers to credit rows: one DELETE, found by the conversion's index alone. With
    # a plain ``workspace_id = …`` beside it the planner ANDs in the workspace's index, which
    # reads every row of the workspace (all the batches written so far) for each batch:
    # ``+ 0`` keeps the workspace a filter on the rows found.
    with raw_cursor() as cursor:
        if replace:
            cursor.execute(
                sql.SQL(
                    "DELETE FROM {} WHERE {} = ANY(%s::bigint[]) AND workspace_id + 0 = %s"
                ).format(sql.Identifier(AttributionCredit._meta.db_table), sql.Identifier(column)),
                [list(pks), workspace.pk],
            )
    clock.lap("delete")
    return _store(workspace, conversions, config, clock)


class _Clock:
    """Seconds per phase, wall and CPU: this process's and its PostgreSQL backend's."""

    def __init__(self, into: dict[str, float]) -> None:
        self.into = into
        self.backend = connection.connection.info.backend_pid if connection.connection else 0
        self.at = self._now()

    def _now(self) -> tuple[float, float, float]:
        return time.perf_counter(), time.process_time(), _backend_cpu(self.backend)

    def lap(self, phase: str) -> None:
        now = self._now()
        for suffix, was, is_ in zip(("", " cpu", " pg"), self.at, now, strict=True):
            self.into[phase + suffix] = self.into.get(phase + suffix, 0.0) + is_ - was
        self.at = now


def _backend_cpu(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _store(
    workspace: Workspace, conversions: Sequence[Conversion], config: Settings, clock: _Clock
) -> int:
    if not conversions:
        return 0
    contacts = sorted({pk for conversion in conversions for pk in conversion.contacts})
    instants = [conversion.converted_at for conversion in conversions]
    since = min(instants) - config.lookback if config.lookback is not None else _EPOCH
    found = touch_rows(
        workspace=workspace, contact_ids=contacts, since=since, until=max(instants) + _MICRO
    )
    clock.lap("touches")
    # The rows come ordered by contact: each contact's journey is one slice of them.
    by_contact: dict[int, list[TouchRow]] = {}
    start = 0
    for end in range(1, len(found) + 1):
        if end == len(found) or found[end][1] != found[start][1]:
            by_contact[found[start][1]] = found[start:end]
            start = end
    out: list[str] = []
    for conversion in conversions:
        journey = _journey(conversion, by_contact)
        if journey:
            out.extend(_rows(workspace.pk, conversion, journey, config))
    clock.lap("compute")
    if out:
        with raw_cursor() as cursor:
            table = AttributionCredit._meta.db_table
            with cursor.copy(f"COPY {table} ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
                copy.write("".join(out))
    clock.lap("write")
    return len(out)


def _journey(conversion: Conversion, by_contact: dict[int, list[TouchRow]]) -> list[TouchRow]:
    if len(conversion.contacts) == 1:
        return by_contact.get(conversion.contacts[0], [])
    merged = [touch for pk in conversion.contacts for touch in by_contact.get(pk, ())]
    merged.sort(key=lambda touch: (touch[3], touch[0]))  # instant, event id
    return merged


def _rows(
    workspace_id: int, conversion: Conversion, journey: Sequence[TouchRow], config: Settings
) -> list[str]:
    """One COPY line per counted touch (linear counts every touch any model counts): text
    made here, since a million rows through psycopg's write_row cost more than computing
    them. Every value is a number, an instant in PostgreSQL's own text or one of como's
    channel and touch type names: nothing to escape."""
    credit = every_model(
        [touch[3] for touch in journey], [touch[7] for touch in journey], conversion.when, config
    )
    if not credit:
        return []
    counted = credit["linear"][0]
    lo, size = counted[0], len(counted)
    cents = int(conversion.amount * 100) if conversion.amount is not None else None
    zero_amount = _NULL if cents is None else "0.00"
    zeros = ["0"] * size
    no_amounts = [zero_amount] * size
    columns: list[Sequence[str]] = []
    for key in MODELS:
        if key not in credit:
            columns += (zeros, no_amounts)
            continue
        indexes, nums, den = credit[key]
        # Few distinct values per journey but time decay's: text each once. Every window
        # starts at the first counted touch, so a model's indexes are a prefix of them,
        # but for the single-touch models.
        texts = {num: share_text(num, den, PLACES) for num in set(nums)}
        first = indexes[0] - lo
        after = size - first - len(nums)
        shares = list(map(texts.__getitem__, nums))
        if first or after:
            shares = [*zeros[:first], *shares, *zeros[:after]]
        if cents is None:
            amounts: Sequence[str] = no_amounts
        else:
            amounts = list(map(_cents_text, split_cents(cents, nums, den)))
            if first or after:
                amounts = [*no_amounts[:first], *amounts, *no_amounts[:after]]
        columns += (shares, amounts)
    is_opportunity = conversion.kind == ConversionKind.OPPORTUNITY
    head = (
        f"{workspace_id}\t{conversion.kind}\t"
        + (f"{conversion.pk}\t{_NULL}\t" if is_opportunity else f"{_NULL}\t{conversion.pk}\t")
        + f"{conversion.converted_at.isoformat()}\t"
    )
    lines = []
    for (event_id, contact_id, at, _, kind, channel, campaign_id, _), values in zip(
        journey[lo : lo + size], zip(*columns, strict=True), strict=True
    ):
        campaign = _NULL if campaign_id is None else campaign_id
        lines.append(
            f"{head}{event_id}\t{contact_id}\t{at}\t{kind}\t{channel}\t{campaign}\t"
            + "\t".join(values)
            + "\n"
        )
    return lines


@lru_cache(maxsize=1 << 16)
def _cents_text(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}.{part:02d}"
