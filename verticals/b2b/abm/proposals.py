"""Proposing account plays: one ``account_play`` action per account that became an MQA or
started surging, with its parts as data.

Called inside the caller's transaction (the MQA stage change, the intent batch); the action row
is the outbox, so it exists exactly when the trigger commits. Set-based: a constant number of
queries for the accounts (locked in id order), their waiting plays, committees, gate, routes
and sequences, however many accounts. An account with a play still waiting (proposed, approved
or executing) gets none: the dedupe is by subject (``target_type`` "account", its id).

The payload (what the approver reads, what execution does; never parsed from text):

- ``account_id``, ``account`` (name, domain), ``reason`` ("mqa" | "surge"), ``changed`` (as the
  trigger gave it), ``at``;
- ``committee``: required, covered and missing roles (keys and labels), coverage as
  ``covered``/``required``: the gap the play works on;
- ``parts``: the parts it carries, of "handoff", "sequence", "audience";
- ``handoff``: the contact it is about (the most engaged member), the rep, the route, SLA hours;
- ``sequence``: ``enrolments`` [{contact_id, role, sequence}] of engaged members whose role has a
  sequence, ``unmapped_roles`` (engaged roles without one);
- ``audience``: the LinkedIn segment, its kind, the missing roles, and the ``companies`` or the
  ``contact_ids`` (members holding a missing role) to upload;
- ``left_out``: members without a lawful basis, with the reasons (:mod:`.gate`);
- ``parts_left_out``: a part switched on but with nothing to do, and why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

from django.db import transaction
from django.utils import timezone

from como.agents.handoff.routing import Route, routes_for
from como.agents.handoff.selectors import eligible_user_ids
from como.agents.models import ActionStatus, AgentAction, Risk, RouteVia
from como.agents.registry import agent_enabled
from como.agents.services import ActionDraft, actions_propose_new, playbook_for
from como.leads.models import Account, Contact
from como.sequences.models import Sequence as Program
from como.sequences.models import VersionState
from como.workspaces.models import Workspace

from ..accounts.selectors import Committee, committees
from ..accounts.settings import AccountPlay, accounts_settings
from .agent import AGENT, KIND
from .gate import members_gate
from .presenter import play_preview

Reason = Literal["mqa", "surge"]
REASONS: tuple[str, ...] = ("mqa", "surge")
WAITING = (ActionStatus.PROPOSED, ActionStatus.APPROVED, ActionStatus.EXECUTING)


def propose_account_plays(
    workspace: Workspace,
    account_ids: Sequence[int],
    *,
    reason: Reason,
    changed: Mapping[int, dict[str, Any]],
    at: datetime | None = None,
) -> list[AgentAction]:
    """One account play per account of ``account_ids`` (of ``workspace``) with none waiting;
    proposed in the caller's transaction. ``changed`` says what changed per account (the role
    newly engaged, the surge's topic and score). Returns the actions created."""
    if reason not in REASONS:
        raise ValueError(f"reason must be one of {REASONS}")
    if not account_ids or not agent_enabled(workspace, AGENT):
        return []
    with transaction.atomic():
        return _propose(workspace, sorted(set(account_ids)), reason, changed, at or timezone.now())


def _propose(
    workspace: Workspace,
    ids: list[int],
    reason: Reason,
    changed: Mapping[int, dict[str, Any]],
    at: datetime,
) -> list[AgentAction]:
    # Locked in id order: two triggers for one account serialise here, and the second sees
    # the first's play waiting.
    accounts = {
        a.pk: a
        for a in Account.objects.select_for_update()
        .filter(workspace=workspace, pk__in=ids)
        .order_by("pk")
    }
    waiting = set(
        AgentAction.objects.filter(
            workspace=workspace,
            kind=KIND,
            target_type="account",
            target_id__in=[str(pk) for pk in accounts],
            status__in=WAITING,
        ).values_list("target_id", flat=True)
    )
    fresh = [pk for pk in ids if pk in accounts and str(pk) not in waiting]
    if not fresh:
        return []
    settings = accounts_settings(workspace)
    play = settings.play
    found = committees(workspace, fresh, at=at, settings=settings)
    member_ids = [m.contact_id for c in found.values() for m in c.members]
    contacts = {
        c.pk: c
        for c in Contact.objects.filter(workspace=workspace, pk__in=member_ids).select_related(
            "account"
        )
    }
    engaged = [m.contact_id for c in found.values() for m in c.members if m.engaged]
    gated = members_gate(workspace, [contacts[pk] for pk in engaged if pk in contacts], at=at)
    programs = _programs(workspace, play)
    leads = {pk: _lead(found[pk]) for pk in fresh}
    routes = _routes(workspace, [contacts[c] for c in leads.values() if c in contacts], accounts)
    drafts = []
    for pk in fresh:
        payload = _payload(
            accounts[pk],
            found[pk],
            play,
            reason=reason,
            changed=changed.get(pk) or {},
            at=at,
            lead=leads[pk],
            route=routes.get(lead) if (lead := leads[pk]) is not None else None,
            left_out=gated.left_out,
            programs=programs,
        )
        if not payload["parts"]:
            continue  # nothing to do: no play (parts_left_out says why, to nobody)
        drafts.append(
            ActionDraft(
                agent=AGENT,
                kind=KIND,
                idempotency_key=f"{KIND}:{pk}:{reason}:{at.isoformat()}",
                rationale=rationale(payload),
                preview=play_preview(payload),
                channel="email",
                target_type="account",
                target_id=pk,
                payload=payload,
                risk=Risk.MEDIUM,
            )
        )
    return actions_propose_new(
        workspace=workspace,
        proposer=workspace.agent_user,
        drafts=drafts,
        playbook=playbook_for(workspace),
    )


def _programs(workspace: Workspace, play: AccountPlay) -> dict[str, bool]:
    """Each mapped sequence key → whether it can take people now (on, with an approved
    version)."""
    keys = sorted(set(play.sequences.values()))
    usable = set(
        Program.objects.filter(
            workspace=workspace,
            key__in=keys,
            enabled=True,
            versions__state=VersionState.APPROVED,
        ).values_list("key", flat=True)
    )
    return {key: key in usable for key in keys}


def _lead(committee: Committee) -> int | None:
    """Whom the handoff is about: the engaged member with the most intent, else any member
    with the most (ties: the lower contact id); None without members."""
    ranked = sorted(committee.members, key=lambda m: (not m.engaged, -m.intent, m.contact_id))
    return ranked[0].contact_id if ranked else None


def _routes(
    workspace: Workspace, leads: Sequence[Contact], accounts: Mapping[int, Account]
) -> dict[int, Route]:
    """The account's owner when they may take handoffs; otherwise the MQL handoff's routing
    (:func:`como.agents.handoff.routing.routes_for`: round robin in the lead's territory, its
    manager), so only those take a round-robin turn."""
    eligible = eligible_user_ids(workspace.pk)
    owners = {pk: a.owner_id for pk, a in accounts.items() if a.owner_id in eligible}
    owned = {
        c.pk: Route(owners[c.account_id], RouteVia.ACCOUNT_OWNER, None, "")
        for c in leads
        if c.account_id is not None and c.account_id in owners
    }
    rest = [c for c in leads if c.pk not in owned]
    routed = routes_for(workspace, rest, playbook_for(workspace)) if rest else {}
    return {**routed, **owned}


def _payload(
    account: Account,
    committee: Committee,
    play: AccountPlay,
    *,
    reason: str,
    changed: Mapping[str, Any],
    at: datetime,
    lead: int | None,
    route: Route | None,
    left_out: Mapping[int, list[dict[str, Any]]],
    programs: Mapping[str, bool],
) -> dict[str, Any]:
    roles = {view.key: view for view in committee.roles}
    members = {m.contact_id: m for m in committee.members}
    payload: dict[str, Any] = {
        "account_id": account.pk,
        "account": {"name": account.name, "domain": account.domain},
        "reason": reason,
        "changed": dict(changed),
        "at": at.isoformat(),
        "committee": {
            "required": len(committee.required),
            "covered": len(committee.covered),
            "covered_roles": list(committee.covered),
            "missing_roles": list(committee.missing),
            "missing_labels": list(committee.missing_labels),
        },
    }
    parts: list[str] = []
    skipped: list[dict[str, str]] = []
    if "handoff" in play.parts:
        if lead is None or route is None or route.rep_id is None:
            why = "no committee member to hand over" if lead is None else "nobody to hand it to"
            skipped.append({"part": "handoff", "reason": why})
        else:
            parts.append("handoff")
            payload["handoff"] = {
                "contact_id": lead,
                "rep_id": route.rep_id,
                "route": {
                    "via": route.via.value,
                    "territory_id": route.territory_id,
                    "territory": route.territory,
                },
                "sla_hours": play.sla_hours,
            }
    if "sequence" in play.parts:
        enrolments, unmapped, out = [], set(), []
        for m in committee.members:
            if not m.engaged or m.role not in roles:
                continue
            key = play.sequences.get(m.role)
            if not key or not programs.get(key):
                unmapped.add(m.role)
            elif m.contact_id in left_out:
                out.append(
                    {"contact_id": m.contact_id, "role": m.role, "reasons": left_out[m.contact_id]}
                )
            else:
                enrolments.append({"contact_id": m.contact_id, "role": m.role, "sequence": key})
        payload["left_out"] = out
        if enrolments:
            parts.append("sequence")
            payload["sequence"] = {"enrolments": enrolments, "unmapped_roles": sorted(unmapped)}
        else:
            skipped.append({"part": "sequence", "reason": "no engaged member to enrol"})
    if "audience" in play.parts:
        missing = list(committee.missing)
        audience: dict[str, Any] = {
            "kind": play.audience,
            "segment": play.linkedin_segment,
            "roles": missing,
        }
        if play.audience == "companies":
            audience["companies"] = (
                [{"name": account.name, "domain": account.domain}] if account.domain else []
            )
            targets = audience["companies"]
        else:
            audience["contact_ids"] = sorted(
                pk for pk, m in members.items() if m.role in missing and not m.engaged
            )
            targets = audience["contact_ids"]
        if not missing:
            skipped.append({"part": "audience", "reason": "no required role is missing"})
        elif not play.linkedin_segment:
            skipped.append({"part": "audience", "reason": "no LinkedIn DMP segment is set"})
        elif not targets:
            skipped.append({"part": "audience", "reason": f"no {play.audience} to upload"})
        else:
            parts.append("audience")
            payload["audience"] = audience
    payload["parts"] = parts
    payload["parts_left_out"] = skipped
    return payload


def rationale(payload: Mapping[str, Any]) -> str:
    """One paragraph for the approver, written from the payload's fields."""
    account = payload["account"]
    gap = payload["committee"]
    why = "became an MQA" if payload["reason"] == "mqa" else "started surging on third-party intent"
    lines = [
        f"{account['name'] or account['domain']} {why}; committee coverage "
        f"{gap['covered']}/{gap['required']}, missing: "
        f"{', '.join(gap['missing_labels']) or 'none'}.",
        f"Parts: {', '.join(payload['parts']) or 'none'}.",
    ]
    if payload.get("left_out"):
        lines.append(f"{len(payload['left_out'])} member(s) left out: no lawful basis to email.")
    return "\n".join(lines)
