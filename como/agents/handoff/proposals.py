"""Proposing handoffs: one ``mql_handoff`` action per MQL, and re-routing those that found nobody.

In the transaction that moves contacts to MQL (the leads stage-changed reaction), one action per
move is recorded (the action row is the outbox, so it exists exactly when the MQL commits), with
the chosen rep (:mod:`.routing`), the score explanation and the recent timeline. Set-based: a
constant number of queries however many contacts a batch promotes. Idempotency key
``mql_handoff:<transition id>``. The rationale and preview are rebuilt from the payload, so a
re-routed proposal tells the truth about its new rep.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction

from como.leads.models import Contact, Event, LifecycleStage, LifecycleTransition
from como.scoring.engine import Score, score_at
from como.scoring.inputs import account_snapshot, compiled, contact_snapshot, event_record
from como.scoring.services import scoring_model_active
from como.workspaces.models import Workspace
from como.workspaces.users import User

from ..models import ActionStatus, AgentAction, Playbook, Risk, RouteVia
from ..registry import agent_enabled
from ..services import ActionDraft, action_propose, actions_propose_new, playbook_for
from .agent import AGENT, KIND, idempotency_key
from .emails import contact_label, preview, user_label
from .routing import Route, routes_for
from .selectors import users_by_id

#: How many of the contact's latest events the proposal shows.
TIMELINE_EVENTS = 10
#: How many rules of the score explanation the rationale names (the payload has them all).
TOP_RULES = 5

NO_REP = {
    "rule": "handoff.no_rep",
    "severity": "block",
    "message": "Nobody can take this MQL: give its territory (or the default territory) reps "
    "with the sales role, or a manager. Saving a territory re-routes the waiting handoffs.",
}


def mql_stage_changed(workspace: Workspace, transitions: Sequence[LifecycleTransition]) -> None:
    """The leads reaction: contacts that just became MQLs get a handoff proposal."""
    mqls = [t for t in transitions if t.to_stage == LifecycleStage.MQL]
    if mqls:
        handoffs_propose(workspace=workspace, transitions=mqls)


@transaction.atomic
def handoffs_propose(
    *, workspace: Workspace, transitions: Sequence[LifecycleTransition]
) -> list[AgentAction]:
    """One ``mql_handoff`` action per MQL transition (none for a transition proposed before).

    Auto-approved (and enqueued on commit) when the playbook's policy says so. Returns the
    actions created."""
    if not transitions or not agent_enabled(workspace, AGENT):
        return []
    keys = {t.pk: idempotency_key(t.pk) for t in transitions}
    known = set(
        AgentAction.objects.filter(
            workspace=workspace, idempotency_key__in=list(keys.values())
        ).values_list("idempotency_key", flat=True)
    )
    fresh = sorted((t for t in transitions if keys[t.pk] not in known), key=lambda t: t.pk)
    if not fresh:
        return []
    playbook = playbook_for(workspace)
    found = Contact.objects.filter(
        workspace=workspace, pk__in=[t.contact_id for t in fresh]
    ).select_related("account")
    contacts = {contact.pk: contact for contact in found}
    fresh = [t for t in fresh if t.contact_id in contacts]
    ordered = list(dict.fromkeys(contacts[t.contact_id] for t in fresh))
    routes = routes_for(workspace, ordered, playbook)
    explained = _explain(workspace, ordered, {t.contact_id: t.at for t in fresh})
    people = users_by_id({route.rep_id for route in routes.values() if route.rep_id})
    drafts: list[ActionDraft] = []
    for transition in fresh:
        contact = contacts[transition.contact_id]
        route = routes[contact.pk]
        score, timeline = explained[contact.pk]
        payload = {
            "contact_id": contact.pk,
            "transition_id": transition.pk,
            "mql_at": transition.at.isoformat(),
            "rep_id": route.rep_id,
            "route": _route_data(route),
            "score": score.rounded(1),
            "timeline": timeline,
        }
        rep = people.get(route.rep_id) if route.rep_id else None
        drafts.append(_draft(contact, payload, rep, playbook, keys[transition.pk]))
    return actions_propose_new(
        workspace=workspace, proposer=workspace.agent_user, drafts=drafts, playbook=playbook
    )


@transaction.atomic
def handoffs_reroute(*, workspace: Workspace) -> list[AgentAction]:
    """Route again the proposals that found nobody (see :data:`NO_REP`), e.g. after a
    territory got its reps: those that now find a rep are revised (and auto-approved when the
    policy says so). Contacts no longer MQLs are left as they are. Returns the revised."""
    waiting = list(
        AgentAction.objects.select_for_update()
        .filter(
            workspace=workspace,
            kind=KIND,
            status=ActionStatus.PROPOSED,
            findings__contains=[{"rule": NO_REP["rule"]}],
        )
        .order_by("pk")
    )
    if not waiting:
        return []
    found = Contact.objects.filter(
        workspace=workspace,
        pk__in=[int(action.payload["contact_id"]) for action in waiting],
        lifecycle_stage=LifecycleStage.MQL,
    ).select_related("account")
    contacts = {contact.pk: contact for contact in found}
    waiting = [a for a in waiting if int(a.payload["contact_id"]) in contacts]
    ordered = list(dict.fromkeys(contacts[int(a.payload["contact_id"])] for a in waiting))
    playbook = playbook_for(workspace)
    routes = routes_for(workspace, ordered, playbook)
    people = users_by_id({route.rep_id for route in routes.values() if route.rep_id})
    revised: list[AgentAction] = []
    for action in waiting:
        contact = contacts[int(action.payload["contact_id"])]
        route = routes[contact.pk]
        rep = people.get(route.rep_id) if route.rep_id else None
        if rep is None:
            continue
        payload = {**action.payload, "rep_id": rep.pk, "route": _route_data(route)}
        draft = _draft(contact, payload, rep, playbook, action.idempotency_key)
        proposed = action_propose(workspace=workspace, proposer=workspace.agent_user, draft=draft)
        revised.append(proposed.action)
    return revised


def _route_data(route: Route) -> dict[str, Any]:
    return {
        "via": route.via.value,
        "territory_id": route.territory_id,
        "territory": route.territory,
    }


def _draft(
    contact: Contact, payload: dict[str, Any], rep: User | None, playbook: Playbook, key: str
) -> ActionDraft:
    return ActionDraft(
        agent=AGENT,
        kind=KIND,
        channel="email",
        target_type="contact",
        target_id=str(contact.pk),
        payload=payload,
        rationale=rationale(contact, payload, rep),
        preview=preview(contact, payload, rep, playbook.handoff_sla_minutes),
        findings=[] if rep is not None else [NO_REP],
        risk=Risk.LOW,
        idempotency_key=key,
    )


def rationale(contact: Contact, payload: Mapping[str, Any], rep: User | None) -> str:
    """Why this MQL goes to this rep, for the approver: the score, its top rules, the route and
    the latest activity, all read from the proposal's payload."""
    score = payload["score"]
    mql_at = datetime.fromisoformat(payload["mql_at"])
    lines = [
        f"{contact_label(contact)} became an MQL at {mql_at:%Y-%m-%d %H:%M:%S} UTC "
        f"with a score of {score['score']:.1f} (threshold {score['threshold']:g}; "
        f"fit {score['fit']:.1f}, intent {score['intent']:.1f}).",
        f"Why: {_top_rules(score['breakdown'])}.",
        _route_line(contact, payload["route"], rep),
    ]
    timeline = payload.get("timeline") or []
    if timeline:
        latest = timeline[0]
        lines.append(
            f"Recent activity: {len(timeline)} latest events, the last {latest['type']} "
            f"at {latest['occurred_at']}."
        )
    return "\n".join(lines)


def _top_rules(breakdown: Sequence[Mapping[str, Any]]) -> str:
    items = sorted(breakdown, key=lambda item: -abs(item["points"]))[:TOP_RULES]
    return ", ".join(f"{item['rule']} {item['points']:+.1f}" for item in items) or "none"


def _route_line(contact: Contact, route: Mapping[str, Any], rep: User | None) -> str:
    where = f' of territory "{route["territory"]}"' if route.get("territory") else ""
    if rep is None:
        return f"Nobody to hand it to: no rep or manager{where or ' (no territory)'}."
    if route["via"] == RouteVia.ACCOUNT_OWNER:
        account = (contact.account.name or contact.account.domain) if contact.account else ""
        return f"Hand to {user_label(rep)}, owner of the account {account}."
    if route["via"] == RouteVia.ROUND_ROBIN:
        return f"Hand to {user_label(rep)}, next in the round robin{where}."
    return f"Hand to {user_label(rep)}, manager{where} (it has no reps)."


def _explain(
    workspace: Workspace, contacts: Sequence[Contact], mql_at: Mapping[int, datetime]
) -> dict[int, tuple[Score, list[dict[str, Any]]]]:
    """Each contact's score explained at its MQL instant, and its latest events: two queries
    (the active model, every contact's events) however many contacts."""
    model = scoring_model_active(workspace=workspace)
    engine = compiled(model)
    histories: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    rows = (
        Event.objects.filter(workspace=workspace, contact_id__in=[c.pk for c in contacts])
        .order_by("contact_id", "occurred_at", "pk")
        .values_list(
            "contact_id",
            "event_id",
            "type",
            "properties",
            "occurred_at",
            "source",
            "utm_source",
            "utm_campaign",
        )
    )
    for contact_id, *row in rows:
        histories[contact_id].append(tuple(row))
    out: dict[int, tuple[Score, list[dict[str, Any]]]] = {}
    for contact in contacts:
        history = histories.get(contact.pk, [])
        records = [event_record(*row[:4]) for row in history]
        # Scored where the scorer scored it: at the move, or at a later event it already held.
        at = max([mql_at[contact.pk], *(record.occurred_at for record in records[-1:])])
        score = score_at(
            engine, contact_snapshot(contact), account_snapshot(contact.account), records, at
        )
        timeline = [_timeline_item(*row) for row in reversed(history[-TIMELINE_EVENTS:])]
        out[contact.pk] = (score, timeline)
    return out


def _timeline_item(
    event_id: str,
    type_: str,
    properties: Any,
    occurred_at: datetime,
    source: str,
    utm_source: str,
    utm_campaign: str,
) -> dict[str, Any]:
    shown = {
        str(key): (value[:200] if isinstance(value, str) else value)
        for key, value in list((properties or {}).items())[:10]
        if isinstance(value, str | int | float | bool) or value is None
    }
    item: dict[str, Any] = {
        "event_id": event_id,
        "type": type_,
        "occurred_at": occurred_at.isoformat(),
        "properties": shown,
    }
    if source:
        item["source"] = source
    if utm_source or utm_campaign:
        item["utm"] = {"source": utm_source, "campaign": utm_campaign}
    return item
