"""The beat pass: advance every due member, set-based, in batches.

Each batch is one transaction: ``SELECT … FOR UPDATE SKIP LOCKED LIMIT n`` over active members
whose ``next_due_at`` has come (two passes at once take disjoint batches), the facts the batch's
exits and branches need read in a few queries, every member walked through its steps in memory,
then written back with one INSERT of the step rows, one bulk proposal of the sends and one
UPDATE of the members. A send is an ``AgentAction`` covered by the version's approval
(approved at once, the approver and the policy in its audit row) and executed through the
outbox, so the compliance gate runs right before it goes out. Exactly once per (member, step):
the member row is locked and moved in the same transaction as its step rows, the step row is
UNIQUE (member, step, occurrence) and the action's idempotency key names the same triple
(docs/architecture.md, "Exactly once").
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from psycopg import sql

from como.agents.models import AgentAction
from como.agents.services import ActionDraft, Coverage, actions_propose_new
from como.rawsql import raw_cursor
from como.workspaces.models import Workspace

from . import sources
from .facts import Due, Facts, branch, exit_reason, facts_read, send_skipped
from .models import MemberState, MemberStep, Outcome, SequenceMember, SequenceVersion
from .sources import MemberRef
from .steps import (
    MAX_STEPS_PER_PASS,
    AdAudienceStep,
    BranchStep,
    ExitStep,
    LocalWindow,
    Program,
    SendStep,
    WaitStep,
    program_of,
)
from .versions import (
    AGENT,
    approver_of,
    audience_kind,
    audience_step_payload,
    send_kind,
    send_payload,
)

BATCH = 2000
_MEMBERS = sql.Identifier(SequenceMember._meta.db_table)


@dataclass
class Advanced:
    members: int = 0
    steps: int = 0
    sends: int = 0
    batches: int = 0


@dataclass(frozen=True)
class _Version:
    row: SequenceVersion
    program: Program
    coverage: Coverage


def sequences_advance(
    *,
    now: datetime | None = None,
    batch: int = BATCH,
    max_batches: int | None = None,
    sequence_id: int | None = None,
) -> Advanced:
    """Advance every member due at ``now`` (of one sequence only, given ``sequence_id``: the
    demo's seeder); batches until none is left (or ``max_batches``)."""
    now = now or timezone.now()
    done = Advanced()
    versions: dict[int, _Version] = {}
    while max_batches is None or done.batches < max_batches:
        with transaction.atomic():
            due = _claim(now, batch, sequence_id)
            if not due:
                break
            _advance(due, now, versions, done)
        done.batches += 1
        if len(due) < batch:
            break
    return done


def _claim(now: datetime, limit: int, sequence_id: int | None) -> list[Due]:
    with raw_cursor() as cursor:
        cursor.execute(
            sql.SQL("""SELECT id, workspace_id, version_id, contact_id, current_step, position,
                       entered_at, subject
                  FROM {members}
                 WHERE state = 'active' AND next_due_at <= %s
                   AND (%s::bigint IS NULL OR sequence_id = %s)
                 ORDER BY next_due_at
                 LIMIT %s
                   FOR UPDATE SKIP LOCKED""").format(members=_MEMBERS),
            (now, sequence_id, sequence_id, limit),
        )
        # Django's connection leaves jsonb as text (it decodes JSONField values itself).
        return [
            Due(id_, workspace_id, version_id, contact_id, step, position, at, _json(subject))
            for id_, workspace_id, version_id, contact_id, step, position, at, subject in (
                cursor.fetchall()
            )
        ]


def _json(value: Any) -> dict[str, Any]:
    loaded = json.loads(value) if isinstance(value, str | bytes) else value
    return loaded if isinstance(loaded, dict) else {}


def _version(version_id: int, cache: dict[int, _Version]) -> _Version:
    found = cache.get(version_id)
    if found is None:
        row = SequenceVersion.objects.select_related("workspace").get(pk=version_id)
        approving = AgentAction.objects.get(pk=row.approving_action_id)
        coverage = Coverage(
            action=approving,
            approver=approver_of(approving),
            policy=f"sequence version {row.sequence_id}/v{row.number} approved once",
        )
        found = cache[version_id] = _Version(row, program_of(row.program), coverage)
    return found


def window_opens(window: LocalWindow, now: datetime, time_zone: str) -> datetime:
    """The first instant at or after ``now`` inside the daily local ``window``."""
    local = now.astimezone(ZoneInfo(time_zone or "UTC"))
    start, end = window.start, window.end
    clock = local.timetz().replace(tzinfo=None)
    inside = start <= clock < end if start < end else (clock >= start or clock < end)
    if inside:
        return now
    opening = local.replace(hour=start.hour, minute=start.minute, second=0, microsecond=0)
    if opening <= local:
        opening += timedelta(days=1)
    return opening.astimezone(now.tzinfo)


@dataclass(slots=True)
class _StepRow:
    """A MemberStep row as the batch's COPY writes it (no model instance per row: a batch has
    thousands)."""

    workspace_id: int
    member_id: int
    version_id: int
    step_id: str
    occurrence: int
    outcome: str
    at: datetime
    condition: str = ""
    matched: bool | None = None
    reason: str = ""
    next_step: str = ""
    until: datetime | None = None
    action_id: int | None = None


_STEP_COLUMNS = [f.name for f in fields(_StepRow)]


@dataclass
class _Walk:
    """One member's pass: where they end up and what they did on the way."""

    step: str
    position: int
    due: datetime | None
    state: str = MemberState.ACTIVE
    reason: str = ""
    rows: list[_StepRow] = field(default_factory=list)
    sends: list[tuple[_StepRow, ActionDraft]] = field(default_factory=list)
    #: Ad-audience steps reached: one action per (version, audience, direction) by _advance.
    audiences: list[tuple[_StepRow, AdAudienceStep]] = field(default_factory=list)


def _walk(member: Due, version: _Version, facts: Facts, now: datetime) -> _Walk:
    program, row = version.program, version.row
    steps = program.by_id()
    walk = _Walk(member.current_step, member.position, now)

    def record(step_id: str, outcome: str, **why: Any) -> _StepRow:
        made = _StepRow(
            member.workspace_id, member.id, row.pk, step_id, walk.position, outcome, now, **why
        )
        walk.rows.append(made)
        walk.position += 1
        return made

    def end(state: str, reason: str) -> _Walk:
        walk.state, walk.reason, walk.due = state, reason, None
        return walk

    reason = exit_reason(program, member, facts)
    if reason is not None:
        record(walk.step, Outcome.EXITED, reason=reason)
        return end(MemberState.EXITED, reason)
    for _ in range(MAX_STEPS_PER_PASS):
        step = steps.get(walk.step)
        if step is None:  # a step the version no longer has
            record(walk.step, Outcome.EXITED, reason="step_removed")
            return end(MemberState.EXITED, "step_removed")
        following = program.after(step.id)
        if isinstance(step, ExitStep):
            record(step.id, Outcome.EXITED, reason=step.reason)
            return end(MemberState.COMPLETED, step.reason)
        if isinstance(step, WaitStep):
            until = (
                now + timedelta(minutes=step.minutes)
                if step.minutes is not None
                else window_opens(step.until, now, row.workspace.time_zone)  # type: ignore[arg-type]
            )
            record(step.id, Outcome.WAITED, until=until, next_step=following or "")
            if following is None:
                return end(MemberState.COMPLETED, "completed")
            walk.step, walk.due = following, until
            if until > now:
                return walk
            continue
        if isinstance(step, BranchStep):
            matched = branch(step, member, facts)
            target = step.yes if matched else step.no
            record(
                step.id,
                Outcome.BRANCHED,
                condition=step.condition.on,
                matched=matched,
                next_step=target,
            )
            walk.step = target
            continue
        if isinstance(step, AdAudienceStep):
            contact = facts.contacts[member.contact_id]
            if contact["email"] or contact["phone"]:
                made = record(step.id, Outcome.SENT, next_step=following or "")
                walk.audiences.append((made, step))
            else:
                record(step.id, Outcome.SKIPPED, reason="no_ad_identifier")
            if following is None:
                return end(MemberState.COMPLETED, "completed")
            walk.step = following
            continue
        assert isinstance(step, SendStep)
        skip = send_skipped(step, member, facts)
        if skip:
            record(step.id, Outcome.SKIPPED, reason=skip)
        else:
            made = record(step.id, Outcome.SENT, next_step=following or "")
            key = f"sequence:{member.id}:{step.id}:{made.occurrence}"
            draft = ActionDraft(
                agent=AGENT,
                kind=send_kind(step.channel),
                idempotency_key=key,
                rationale=f"Step {step.id!r} of sequence {row.sequence_id} v{row.number}.",
                channel=step.channel,
                target_type="contact",
                target_id=member.contact_id,
                payload=send_payload(step, member.contact_id),
            )
            walk.sends.append((made, draft))
        if following is None:
            return end(MemberState.COMPLETED, "completed")
        walk.step = following
    walk.due = now + timedelta(minutes=1)  # a loop without a wait goes on next minute
    return walk


def _with_context(
    version: _Version, members: list[tuple[Due, _Walk]], now: datetime
) -> list[tuple[_StepRow, ActionDraft]]:
    """The version's sends of these members, each payload with its member's source context
    (one ``context()`` call for the batch's members of the version that send)."""
    items = [(member, made, draft) for member, walk in members for made, draft in walk.sends]
    key = version.program.source_key
    refs = {m.id: MemberRef(m.id, m.contact_id, m.subject) for m, _, _ in items}
    context = sources.context_for(key, version.row.workspace, list(refs.values()), now)
    out: list[tuple[_StepRow, ActionDraft]] = []
    for member, made, draft in items:
        extra = context.get(member.id)
        if extra:
            draft = replace(draft, payload={**draft.payload, "context": extra})
        out.append((made, draft))
    return out


def _advance(due: list[Due], now: datetime, versions: dict[int, _Version], done: Advanced) -> None:
    for version_id in {member.version_id for member in due}:
        _version(version_id, versions)
    programs = [versions[v].program for v in {m.version_id for m in due}]
    facts = facts_read(due, programs, now)
    walks = [(member, _walk(member, versions[member.version_id], facts, now)) for member in due]
    sending: dict[int, list[tuple[Due, _Walk]]] = defaultdict(list)
    for member, walk in walks:
        if walk.sends:
            sending[member.version_id].append((member, walk))
    sends: dict[int, list[tuple[list[_StepRow], ActionDraft]]] = defaultdict(list)
    for version_id, members in sending.items():
        with_context = _with_context(versions[version_id], members, now)
        sends[version_id].extend(([made], draft) for made, draft in with_context)
    for version_id, rows_and_draft in _audience_drafts(walks, versions):
        sends[version_id].append(rows_and_draft)
    for version_id, items in sends.items():
        version = versions[version_id]
        workspace: Workspace = version.row.workspace
        actions = actions_propose_new(
            workspace=workspace,
            proposer=workspace.agent_user,
            drafts=[draft for _, draft in items],
            covered=version.coverage,
        )
        for (made_rows, _), action in zip(items, actions, strict=True):
            for made in made_rows:
                made.action_id = action.pk
        done.sends += len(actions)
    rows = [made for _, walk in walks for made in walk.rows]
    _copy_steps(rows)
    _write_members(walks, now)
    done.members += len(due)
    done.steps += len(rows)


def _audience_drafts(
    walks: list[tuple[Due, _Walk]], versions: dict[int, _Version]
) -> list[tuple[int, tuple[list[_StepRow], ActionDraft]]]:
    """One action per (version, platform audience, add or remove) for the batch, whichever of
    the version's steps its members reached: the platform takes a list. Its key names the
    exact (member, occurrence) rows it carries, so a repeated batch (rolled back, claimed
    again) proposes the same key and a later batch a new one."""
    grouped: dict[tuple[int, str, str], list[tuple[_StepRow, AdAudienceStep, int]]]
    grouped = defaultdict(list)
    for member, walk in walks:
        for made, step in walk.audiences:
            where = (member.version_id, step.audience_id, step.action)
            grouped[where].append((made, step, member.contact_id))
    out = []
    for (version_id, audience_id, verb), items in grouped.items():
        items.sort(key=lambda item: (item[0].member_id, item[0].occurrence))
        row, step = versions[version_id].row, items[0][1]
        rows = [made for made, _, _ in items]
        carried = ",".join(f"{made.member_id}.{made.occurrence}" for made in rows)
        digest = hashlib.sha256(carried.encode()).hexdigest()[:24]
        steps = ", ".join(sorted({repr(made.step_id) for made in rows}))
        draft = ActionDraft(
            agent=AGENT,
            kind=audience_kind(step),
            idempotency_key=f"sequence-audience:{version_id}:{verb}:{audience_id}:{digest}",
            rationale=f"Step {steps} of sequence {row.sequence_id} v{row.number}: "
            f"{len(rows)} member(s) {'into' if verb == 'add' else 'out of'} "
            f"Meta audience {audience_id}.",
            channel="paid_social",
            target_type="ad_audience",
            target_id=audience_id,
            payload=audience_step_payload(step, sorted({contact for _, _, contact in items})),
        )
        out.append((version_id, (rows, draft)))
    return out


def _copy_steps(rows: list[_StepRow]) -> None:
    """One COPY for the batch's step rows; the UNIQUE (member, step, occurrence) constraint
    holds for COPY as for INSERT, so a repeated step fails the whole batch, sending nothing."""
    statement = sql.SQL("COPY {table} ({columns}) FROM STDIN").format(
        table=sql.Identifier(MemberStep._meta.db_table),
        columns=sql.SQL(", ").join(map(sql.Identifier, _STEP_COLUMNS)),
    )
    with raw_cursor() as cursor, cursor.copy(statement) as copy:
        for made in rows:
            copy.write_row([getattr(made, name) for name in _STEP_COLUMNS])


def _write_members(walks: list[tuple[Due, _Walk]], now: datetime) -> None:
    """One UPDATE for the batch, from arrays."""
    ended = [w.state != MemberState.ACTIVE for _, w in walks]
    with raw_cursor() as cursor:
        cursor.execute(
            sql.SQL("""UPDATE {members} AS m
                   SET current_step = v.step, position = v.position, next_due_at = v.due,
                       state = v.state, exit_reason = v.reason,
                       ended_at = CASE WHEN v.ended THEN %s ELSE m.ended_at END
                  FROM unnest(%s::bigint[], %s::text[], %s::int[], %s::timestamptz[],
                              %s::text[], %s::text[], %s::bool[])
                       AS v(id, step, position, due, state, reason, ended)
                 WHERE m.id = v.id""").format(members=_MEMBERS),
            (
                now,
                [m.id for m, _ in walks],
                [w.step for _, w in walks],
                [w.position for _, w in walks],
                [w.due for _, w in walks],
                [w.state for _, w in walks],
                [w.reason for _, w in walks],
                ended,
            ),
        )
