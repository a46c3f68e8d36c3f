"""Executing an ``account_play`` (its executor), part by part.

Each part of the payload's ``parts`` is an :class:`~.models.AccountPlayPart` row, recorded for
all of them at once on the first attempt. A part that is settled (done, failed, skipped) is
never run again: a re-run after a crash, or a retry, runs only what is still pending. A
platform refusal (ChannelRejected, PayloadInvalid) fails that part only; a transient error
leaves it pending, lets the other parts run, and then raises TransientError so the framework
retries the action (:mod:`como.agents.execution`), which repeats only that part.

- ``handoff``: :func:`como.agents.handoff.execution.handoff_start` under this action: the
  handoff row (one per action), its SLA timer (``play.sla_hours``, escalated like an MQL's),
  the rep's notification and email;
- ``sequence``: each enrolment through :func:`como.sequences.enrollment.members_enrol`, after
  the gate (:mod:`.gate`) runs again now: a member whose consent went since the proposal is
  left out, with the reason; the membership's subject names the play;
- ``audience``: the LinkedIn DMP segment upload
  (:func:`como.channels.ads.linkedin_segment_upload`), with the key
  ``<action>:audience``, so the sandbox (and LinkedIn's idempotent ADD) sees one request.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from como.agents.handoff.execution import handoff_start
from como.agents.models import AgentAction
from como.channels.ads import LinkedInCompany, LinkedInUpload, linkedin_segment_upload
from como.channels.errors import ChannelRejected, PayloadInvalid, TransientError
from como.leads.models import Account, Contact
from como.sequences.enrollment import members_enrol
from como.sequences.models import SequenceVersion, VersionState

from .gate import members_gate
from .models import AccountPlayPart, PartStatus

PartRunner = Callable[[AgentAction, Mapping[str, Any], str], dict[str, Any]]


class Skip(Exception):
    """The part has nothing left to do (the contact is gone, everyone opted out)."""


def play_execute(action: AgentAction, idempotency_key: str) -> dict[str, Any]:
    """The ``account_play`` executor: run the pending parts; the result per part."""
    payload = action.payload if isinstance(action.payload, Mapping) else {}
    wanted = [p for p in payload.get("parts") or [] if p in RUNNERS]
    AccountPlayPart.objects.bulk_create(
        [
            AccountPlayPart(workspace_id=action.workspace_id, action=action, part=part)
            for part in wanted
        ],
        ignore_conflicts=True,
    )
    rows = {row.part: row for row in AccountPlayPart.objects.filter(action=action)}
    transient: list[str] = []
    for part in wanted:
        row = rows[part]
        if row.status != PartStatus.PENDING:
            continue
        row.attempts += 1
        row.save(update_fields=["attempts", "updated_at"])
        try:
            result = RUNNERS[part](action, payload, f"{idempotency_key}:{part}")
        except Skip as why:
            _settle(row, PartStatus.SKIPPED, error=str(why))
        except (ChannelRejected, PayloadInvalid) as error:
            _settle(row, PartStatus.FAILED, error=str(error))
        except TransientError as error:
            row.error = f"attempt {row.attempts}: {error}"
            row.save(update_fields=["error", "updated_at"])
            transient.append(f"{part}: {error}")
        else:
            _settle(row, PartStatus.DONE, result=result)
    if transient:
        raise TransientError("part(s) to try again: " + "; ".join(transient))
    return {"parts": parts_result(action)}


def parts_result(action: AgentAction) -> dict[str, dict[str, Any]]:
    """Each part's status, attempts, result and error, as stored."""
    return {
        row.part: {
            "status": row.status,
            "attempts": row.attempts,
            "result": row.result,
            **({"error": row.error} if row.error else {}),
        }
        for row in AccountPlayPart.objects.filter(action=action).order_by("part")
    }


def _settle(
    row: AccountPlayPart, status: str, *, result: Mapping[str, Any] | None = None, error: str = ""
) -> None:
    row.status, row.error, row.result = status, error, dict(result or {})
    row.save(update_fields=["status", "error", "result", "updated_at"])


def _handoff(action: AgentAction, payload: Mapping[str, Any], key: str) -> dict[str, Any]:
    part = payload["handoff"]
    contact = (
        Contact.objects.filter(workspace_id=action.workspace_id, pk=int(part["contact_id"]))
        .select_related("account")
        .first()
    )
    if contact is None:
        raise Skip("The contact the handoff is about no longer exists.")
    return handoff_start(
        action=action,
        contact=contact,
        rep_id=part.get("rep_id"),
        route=part.get("route") or {},
        mql_at=datetime.fromisoformat(payload["at"]),
        sla=timedelta(hours=int(part["sla_hours"])),
        idempotency_key=key,
    )


def _sequence(action: AgentAction, payload: Mapping[str, Any], key: str) -> dict[str, Any]:
    now = timezone.now()
    enrolments = payload["sequence"]["enrolments"]
    people = list(
        Contact.objects.filter(
            workspace_id=action.workspace_id, pk__in=[e["contact_id"] for e in enrolments]
        )
    )
    gated = members_gate(action.workspace, people, at=now)
    allowed = set(gated.allowed)
    left_out: list[dict[str, Any]] = [
        {"contact_id": pk, "reasons": reasons} for pk, reasons in sorted(gated.left_out.items())
    ]
    by_key: dict[str, list[int]] = defaultdict(list)
    for entry in enrolments:
        if entry["contact_id"] in allowed:
            by_key[entry["sequence"]].append(entry["contact_id"])
    versions = {
        v.sequence.key: v
        for v in SequenceVersion.objects.filter(
            workspace_id=action.workspace_id,
            sequence__key__in=list(by_key),
            state=VersionState.APPROVED,
        ).select_related("sequence")
    }
    entered: dict[str, int] = {}
    subject = {"ref": f"account_play:{action.pk}", "account_id": payload["account_id"]}
    with transaction.atomic():
        for seq_key, ids in sorted(by_key.items()):
            version = versions.get(seq_key)
            entered[seq_key] = (
                members_enrol(
                    version=version,
                    contact_ids=ids,
                    now=now,
                    subjects={pk: subject for pk in ids},
                )
                if version is not None
                else 0
            )
    if not allowed:
        raise Skip(
            "Nobody left to enrol: "
            + "; ".join(f"contact {e['contact_id']}: {e['reasons'][0]['rule']}" for e in left_out)
        )
    missing = sorted(set(by_key) - set(versions))
    return {"entered": entered, "left_out": left_out, "sequences_unavailable": missing}


def _audience(action: AgentAction, payload: Mapping[str, Any], key: str) -> dict[str, Any]:
    part = payload["audience"]
    kind = part["kind"]
    companies = [
        LinkedInCompany(name=c.get("name") or "", domain=c["domain"])
        for c in part.get("companies") or []
    ]
    account = Account.objects.filter(
        workspace_id=action.workspace_id, pk=payload["account_id"]
    ).first()
    try:
        upload = _upload(action, part, kind, companies, account, key)
    except PayloadInvalid as error:
        if "elements" in error.errors and kind == "contacts":
            raise Skip("Nobody left to upload: " + error.errors["elements"]) from None
        raise
    return {
        "segment": upload.segment,
        "kind": upload.kind,
        "elements": upload.elements,
        "opted_out": upload.opted_out,
        "without_identifier": upload.without_identifier,
        **upload.result,
    }


def _upload(
    action: AgentAction,
    part: Mapping[str, Any],
    kind: Any,
    companies: list[LinkedInCompany],
    account: Account | None,
    key: str,
) -> LinkedInUpload:
    return linkedin_segment_upload(
        workspace_id=action.workspace_id,
        idempotency_key=key,
        segment=str(part["segment"]),
        kind=kind,
        companies=companies,
        contact_ids=[int(pk) for pk in part.get("contact_ids") or []],
        company_name=(account.name if account is not None else ""),
        at=timezone.now(),
    )


RUNNERS: dict[str, PartRunner] = {
    "handoff": _handoff,
    "sequence": _sequence,
    "audience": _audience,
}

__all__ = ["RUNNERS", "play_execute"]
