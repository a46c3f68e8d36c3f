"""The MQL handoff agent: an MQL goes to a sales rep within minutes, and sales says what it was.

1. **Propose** (:func:`handoffs_propose`, the leads stage-changed reaction). In the transaction
   that moves contacts to MQL, one ``mql_handoff`` action per move is recorded (the action row
   is the outbox, so it exists exactly when the MQL commits), with the chosen rep, the score
   explanation and the recent timeline. Set-based: a constant number of queries however many
   contacts a batch promotes. Idempotency key ``mql_handoff:<transition id>``.
2. **Route** (:func:`routes_for`). The account's owner when the playbook routes to account
   owners (the B2B default) and the account has one; otherwise round robin among the reps of
   the contact's territory (the cursor advances under ``SELECT … FOR UPDATE``), the manager
   when it has no reps; no rep at all is a blocking finding.
3. **Execute** (:func:`handoff_execute`, the ``mql_handoff`` executor). The :class:`Handoff` is
   created and its SLA timer started (the playbook's ``handoff_sla_minutes``), the rep gets an
   in-app notification (one per action and user) and an email whose Message-ID comes from the
   action id. Running it again changes nothing and sends nothing new.
4. **Escalate** (:func:`handoffs_escalate`, beat). A handoff nobody touched by its deadline
   records its SLA breach (once) and passes to the territory's next rep, then its manager; each
   step notifies and re-arms the timer. Rows are claimed with ``FOR UPDATE SKIP LOCKED``.
5. **Feedback** (:func:`handoff_touch`, :func:`handoff_accept`, :func:`handoff_reject`). Accepted
   MQLs become SQLs; rejected ones are recycled, with the reason kept for the report.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from como import verticals
from como.leads.models import ActorKind as LeadActorKind
from como.leads.models import Contact, Event, LifecycleStage, LifecycleTransition
from como.leads.services import contact_stage_change
from como.scoring.engine import Score, score_at
from como.scoring.inputs import account_snapshot, compiled, contact_snapshot, event_record
from como.scoring.services import scoring_model_active
from como.workspaces.models import Membership, Workspace
from como.workspaces.principal import principal_for_user
from como.workspaces.roles import ROLE_PERMISSIONS, Permission

from ..execution import TransientError
from ..mail import Email, EmailRejected, send_email
from ..models import (
    ActionStatus,
    AgentAction,
    Handoff,
    HandoffEscalation,
    HandoffOutcome,
    HandoffRouting,
    Notification,
    Playbook,
    RejectReason,
    Risk,
    Territory,
    TerritoryRep,
)
from ..registry import AgentSpec, agent_enabled
from ..services import ActionDraft, actions_propose_new, playbook_for

logger = logging.getLogger(__name__)

AGENT = "mql_handoff"
KIND = "mql_handoff"
SPEC = AgentSpec(
    key=AGENT,
    name="MQL handoff",
    description=(
        "When a contact becomes an MQL, hands it to a sales rep (the account owner, or round "
        "robin in the contact's territory) with the score explanation and recent timeline; "
        "escalates to the next rep, then the manager, when the SLA passes untouched."
    ),
    kinds=(KIND,),
    triggers=("state change", "schedule"),
)
#: How many of the contact's latest events the proposal shows.
TIMELINE_EVENTS = 10
#: How many rules of the score explanation the rationale names (the payload has them all).
TOP_RULES = 5


def idempotency_key(transition_id: int) -> str:
    return f"mql_handoff:{transition_id}"


def handoff_roles() -> list[str]:
    """The roles whose members may take and work handoffs (sales, owners)."""
    return sorted(
        role for role, perms in ROLE_PERMISSIONS.items() if Permission.HANDLE_HANDOFF in perms
    )


def handoff_handlers(workspace_ids: Iterable[int]) -> Any:
    """Users holding a handoff role in any of these workspaces (for form choices)."""
    return (
        get_user_model()
        .objects.filter(
            memberships__workspace_id__in=sorted(set(workspace_ids)),
            memberships__role__in=handoff_roles(),
        )
        .distinct()
        .order_by("username")
    )


def _eligible(workspace_id: int) -> set[int]:
    return set(
        Membership.objects.filter(workspace_id=workspace_id, role__in=handoff_roles()).values_list(
            "user_id", flat=True
        )
    )


# --- routing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    country: str
    region: str
    postal_code: str


def contact_location(contact: Contact) -> Location:
    """Where the contact is: its own address fields, or its account's when it has none."""
    source: Any = contact
    if not (contact.country or contact.region or contact.postal_code) and contact.account:
        source = contact.account
    return Location(
        country=(source.country or "").strip().upper(),
        region=(source.region or "").strip().casefold(),
        postal_code=_postal(source.postal_code or ""),
    )


def _postal(value: str) -> str:
    return "".join(value.split()).upper()


def _specificity(territory: Territory, where: Location) -> tuple[int, int, int] | None:
    """How specifically ``territory`` matches (longest postal prefix, region, country), or None.

    Every criterion the territory lists must match; a territory listing none matches nothing
    (it can still be the default)."""
    if not (territory.countries or territory.regions or territory.postal_prefixes):
        return None
    countries = {c.strip().upper() for c in territory.countries}
    if countries and where.country not in countries:
        return None
    regions = {r.strip().casefold() for r in territory.regions}
    if regions and where.region not in regions:
        return None
    postal = 0
    if territory.postal_prefixes:
        lengths = [
            len(prefix)
            for prefix in map(_postal, territory.postal_prefixes)
            if prefix and where.postal_code.startswith(prefix)
        ]
        if not lengths:
            return None
        postal = max(lengths)
    return (postal, int(bool(territory.regions)), int(bool(territory.countries)))


def territory_match(territories: Sequence[Territory], where: Location) -> Territory | None:
    """The most specific territory matching ``where`` (ties: lower position, then older); the
    default territory when none does."""
    best: tuple[tuple[int, int, int], int, int] | None = None
    chosen: Territory | None = None
    for territory in territories:
        found = _specificity(territory, where)
        if found is None:
            continue
        rank = (found, -territory.position, -territory.pk)
        if best is None or rank > best:
            best, chosen = rank, territory
    if chosen is not None:
        return chosen
    return next((t for t in territories if t.is_default), None)


@dataclass(frozen=True)
class Route:
    rep_id: int | None
    #: "account_owner", "round_robin", "manager" (a territory without reps) or "none"
    via: str
    territory_id: int | None
    territory: str


def routing_of(workspace: Workspace, playbook: Playbook) -> str:
    """The playbook's routing, else its vertical's default, else round robin."""
    if playbook.handoff_routing:
        return playbook.handoff_routing
    if verticals.is_registered(workspace.vertical):
        handoff = verticals.get(workspace.vertical).playbook_defaults.get("handoff") or {}
        if handoff.get("routing") in HandoffRouting.values:
            return str(handoff["routing"])
    return HandoffRouting.ROUND_ROBIN


def routes_for(
    workspace: Workspace, contacts: Sequence[Contact], playbook: Playbook
) -> dict[int, Route]:
    """The rep for each contact, in the given order (round robin hands out in that order).

    Queries: the eligible members, the territories, their reps, and the locked cursors of the
    territories that hand out, whatever the number of contacts."""
    eligible = _eligible(workspace.pk)
    territories = list(Territory.objects.filter(workspace=workspace).order_by("pk"))
    reps: dict[int, list[int]] = defaultdict(list)
    for territory_id, user_id in (
        TerritoryRep.objects.filter(territory__in=territories)
        .order_by("territory_id", "position", "pk")
        .values_list("territory_id", "user_id")
    ):
        if user_id in eligible:
            reps[territory_id].append(user_id)
    by_owner = routing_of(workspace, playbook) == HandoffRouting.ACCOUNT_OWNER
    matched: dict[int, Territory | None] = {}
    turns: dict[int, list[int]] = defaultdict(list)  # territory id → contacts taking a turn
    for contact in contacts:
        territory = territory_match(territories, contact_location(contact))
        matched[contact.pk] = territory
        owner = contact.account.owner_id if contact.account else None
        if by_owner and owner in eligible:
            continue
        if territory is not None and reps[territory.pk]:
            turns[territory.pk].append(contact.pk)
    cursors: dict[int, int] = {}
    if turns:
        # Locked in id order (no deadlock between two batches) until the MQLs commit.
        locked = (
            Territory.objects.select_for_update()
            .filter(pk__in=sorted(turns))
            .order_by("pk")
            .values_list("pk", "rr_cursor")
        )
        cursors = dict(locked)
    routes: dict[int, Route] = {}
    picked: dict[int, int] = {}
    for territory_id, contact_ids in turns.items():
        cursor = cursors[territory_id]
        ring = reps[territory_id]
        for offset, contact_id in enumerate(contact_ids):
            picked[contact_id] = ring[(cursor + offset) % len(ring)]
    for contact in contacts:
        territory = matched[contact.pk]
        tid, tname = (territory.pk, territory.name) if territory else (None, "")
        owner = contact.account.owner_id if contact.account else None
        if by_owner and owner in eligible:
            routes[contact.pk] = Route(owner, "account_owner", tid, tname)
        elif contact.pk in picked:
            routes[contact.pk] = Route(picked[contact.pk], "round_robin", tid, tname)
        elif territory is not None and territory.manager_id is not None:
            routes[contact.pk] = Route(territory.manager_id, "manager", tid, tname)
        else:
            routes[contact.pk] = Route(None, "none", tid, tname)
    if turns:
        Territory.objects.bulk_update(
            [
                Territory(pk=tid, rr_cursor=cursors[tid] + len(ids))
                for tid, ids in sorted(turns.items())
            ],
            ["rr_cursor"],
        )
    return routes


# --- proposing ---------------------------------------------------------------------------------


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
    people = _users({route.rep_id for route in routes.values() if route.rep_id})
    drafts: list[ActionDraft] = []
    for transition in fresh:
        contact = contacts[transition.contact_id]
        route = routes[contact.pk]
        score, timeline = explained[contact.pk]
        rep = people.get(route.rep_id) if route.rep_id else None
        payload = {
            "contact_id": contact.pk,
            "transition_id": transition.pk,
            "mql_at": transition.at.isoformat(),
            "rep_id": route.rep_id,
            "route": {
                "via": route.via,
                "territory_id": route.territory_id,
                "territory": route.territory,
            },
            "score": score.rounded(1),
            "timeline": timeline,
        }
        drafts.append(
            ActionDraft(
                agent=AGENT,
                kind=KIND,
                channel="email",
                target_type="contact",
                target_id=str(contact.pk),
                payload=payload,
                rationale=_rationale(contact, transition, score, route, rep, timeline),
                preview=_preview(contact, payload, rep, playbook.handoff_sla_minutes, link=""),
                findings=[] if rep is not None else [_NO_REP],
                risk=Risk.LOW,
                idempotency_key=keys[transition.pk],
            )
        )
    return actions_propose_new(
        workspace=workspace, proposer=workspace.agent_user, drafts=drafts, playbook=playbook
    )


_NO_REP = {
    "rule": "handoff.no_rep",
    "severity": "block",
    "message": "Nobody can take this MQL: give its territory (or the default territory) reps "
    "with the sales role, or a manager. Saving a territory re-routes the waiting handoffs.",
}


@transaction.atomic
def handoffs_reroute(*, workspace: Workspace) -> list[AgentAction]:
    """Route again the proposals that found nobody (see :data:`_NO_REP`), e.g. after a
    territory got its reps: those that now find a rep are revised (and auto-approved when the
    policy says so). Contacts no longer MQLs are left as they are. Returns the revised."""
    from ..services import action_propose

    waiting = list(
        AgentAction.objects.select_for_update()
        .filter(
            workspace=workspace,
            kind=KIND,
            status=ActionStatus.PROPOSED,
            findings__contains=[{"rule": _NO_REP["rule"]}],
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
    people = _users({route.rep_id for route in routes.values() if route.rep_id})
    revised: list[AgentAction] = []
    for action in waiting:
        contact = contacts[int(action.payload["contact_id"])]
        route = routes[contact.pk]
        rep = people.get(route.rep_id) if route.rep_id else None
        if rep is None:
            continue
        payload = {
            **action.payload,
            "rep_id": rep.pk,
            "route": {
                "via": route.via,
                "territory_id": route.territory_id,
                "territory": route.territory,
            },
        }
        lines = action.rationale.split("\n")
        if len(lines) > _ROUTE_LINE:
            lines[_ROUTE_LINE] = _route_line(contact, route, rep)
        proposed = action_propose(
            workspace=workspace,
            proposer=workspace.agent_user,
            agent=AGENT,
            kind=KIND,
            idempotency_key=action.idempotency_key,
            rationale="\n".join(lines),
            channel=action.channel,
            target_type=action.target_type,
            target_id=action.target_id,
            payload=payload,
            preview=_preview(contact, payload, rep, playbook.handoff_sla_minutes, link=""),
            findings=[],
            risk=action.risk,
        )
        revised.append(proposed.action)
    return revised


def _users(ids: Iterable[int]) -> dict[int, Any]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {user.pk: user for user in get_user_model().objects.filter(pk__in=wanted)}


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


def _contact_label(contact: Contact) -> str:
    name = f"{contact.first_name} {contact.last_name}".strip()
    if name and contact.email:
        return f"{name} <{contact.email}>"
    return name or contact.email or contact.external_id or f"contact {contact.pk}"


def _user_label(user: Any) -> str:
    full = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return full or user.get_username()


def _top_rules(score: Score) -> str:
    items = sorted(score.breakdown, key=lambda item: -abs(item["points"]))[:TOP_RULES]
    return ", ".join(f"{item['rule']} {item['points']:+.1f}" for item in items) or "none"


def _rationale(
    contact: Contact,
    transition: LifecycleTransition,
    score: Score,
    route: Route,
    rep: Any,
    timeline: Sequence[Mapping[str, Any]],
) -> str:
    lines = [
        f"{_contact_label(contact)} became an MQL at {transition.at:%Y-%m-%d %H:%M:%S} UTC "
        f"with a score of {score.score:.1f} (threshold {score.threshold:g}; "
        f"fit {score.fit:.1f}, intent {score.intent:.1f}).",
        f"Why: {_top_rules(score)}.",
    ]
    lines.append(_route_line(contact, route, rep))
    if timeline:
        latest = timeline[0]
        lines.append(
            f"Recent activity: {len(timeline)} latest events, the last {latest['type']} "
            f"at {latest['occurred_at']}."
        )
    return "\n".join(lines)


#: The rationale's line saying who gets the MQL (the third; re-routing replaces it).
_ROUTE_LINE = 2


def _route_line(contact: Contact, route: Route, rep: Any) -> str:
    where = f' of territory "{route.territory}"' if route.territory else ""
    if rep is None:
        return f"Nobody to hand it to: no rep or manager{where or ' (no territory)'}."
    if route.via == "account_owner":
        account = (contact.account.name or contact.account.domain) if contact.account else ""
        return f"Hand to {_user_label(rep)}, owner of the account {account}."
    if route.via == "round_robin":
        return f"Hand to {_user_label(rep)}, next in the round robin{where}."
    return f"Hand to {_user_label(rep)}, manager{where} (it has no reps)."


def _preview(
    contact: Contact, payload: Mapping[str, Any], rep: Any, sla_minutes: int, link: str
) -> str:
    email = _handoff_email(contact, payload, rep, sla_minutes, link, key="preview")
    to = email.to or "(no rep)"
    return f"To: {to}\nSubject: {email.subject}\n\n{email.body}"


def _handoff_email(
    contact: Contact,
    payload: Mapping[str, Any],
    rep: Any,
    sla_minutes: int,
    link: str,
    key: str,
    escalated_from: str = "",
) -> Email:
    score = payload.get("score") or {}
    lines = [
        f"Hello {_user_label(rep) if rep is not None else ''},".replace(" ,", ","),
        "",
        (
            f"{escalated_from} did not follow up in time, so this MQL is yours now."
            if escalated_from
            else "A new marketing-qualified lead is yours."
        ),
        f"Please follow up within {sla_minutes} minutes.",
        "",
        f"Contact: {_contact_label(contact)}",
    ]
    if contact.phone:
        lines.append(f"Phone: {contact.phone}")
    if contact.title:
        lines.append(f"Title: {contact.title}")
    if contact.account is not None:
        lines.append(f"Account: {contact.account.name or contact.account.domain}")
    lines += [
        f"Score: {score.get('score')} (threshold {score.get('threshold')}; "
        f"fit {score.get('fit')}, intent {score.get('intent')})",
        "",
        "Why:",
        *(
            f"  {item['rule']} ({item['kind']}): {item['points']:+}"
            for item in score.get("breakdown", [])
        ),
        "",
        "Recent activity:",
        *(
            f"  {item['occurred_at']}  {item['type']}  {_props(item.get('properties') or {})}"
            for item in payload.get("timeline", [])
        ),
    ]
    if link:
        lines += ["", f"Open the handoff: {link}"]
    name = _contact_label(contact)
    subject = f"{'Escalated MQL' if escalated_from else 'New MQL'} for you: {name}"
    return Email(
        to=(rep.email if rep is not None else "") or "",
        subject=subject[:200],
        body="\n".join(lines),
        key=key,
    )


def _props(properties: Mapping[str, Any]) -> str:
    return " ".join(f"{key}={value}" for key, value in list(properties.items())[:4])


def handoff_link(handoff: Handoff) -> str:
    path = reverse("admin:agents_handoff_change", args=[handoff.pk])
    return f"{settings.COMO_BASE_URL.rstrip('/')}{path}"


# --- executing ---------------------------------------------------------------------------------


def handoff_execute(action: AgentAction, idempotency_key: str) -> dict[str, Any]:
    """The ``mql_handoff`` executor: start the handoff, notify the rep in the app and by email.

    Idempotent: the handoff is one row per action, the notification one per action and user,
    and the email is sent until it is recorded as sent (a crash between the two resends it
    with the same Message-ID, ``<como.handoff-action-<id>@…>``)."""
    payload = action.payload or {}
    now = timezone.now()
    with transaction.atomic():
        contact = (
            Contact.objects.filter(workspace_id=action.workspace_id, pk=int(payload["contact_id"]))
            .select_related("account")
            .first()
        )
        if contact is None:
            return {"skipped": "The contact no longer exists."}
        handoff = Handoff.objects.select_for_update().filter(action=action).first()
        if handoff is None:
            if contact.lifecycle_stage != LifecycleStage.MQL:
                return {"skipped": f"The contact is {contact.lifecycle_stage} now, not an MQL."}
            rep_id = payload.get("rep_id")
            rep = _users([rep_id]).get(rep_id) if rep_id else None
            if rep is None:
                raise ValueError("The rep chosen for this handoff no longer exists.")
            sla = timedelta(minutes=playbook_for(action.workspace).handoff_sla_minutes)
            route = payload.get("route") or {}
            territory_id = route.get("territory_id")
            if territory_id and not Territory.objects.filter(pk=territory_id).exists():
                territory_id = None
            handoff = Handoff.objects.create(
                workspace_id=action.workspace_id,
                contact=contact,
                action=action,
                territory_id=territory_id,
                route=route.get("via", ""),
                rep=rep,
                mql_at=datetime.fromisoformat(payload["mql_at"]),
                handed_at=now,
                sla_due_at=now + sla,
                assigned_at=now,
                due_at=now + sla,
            )
        first_rep_id = payload.get("rep_id")
        notified = False
        if (
            first_rep_id
            and not Notification.objects.filter(action=action, user_id=first_rep_id).exists()
        ):
            # One per action and user (a unique constraint): a second run creates none.
            Notification.objects.bulk_create(
                [
                    Notification(
                        workspace_id=action.workspace_id,
                        user_id=first_rep_id,
                        action=action,
                        title=f"New MQL for you: {_contact_label(contact)}"[:200],
                        body=action.rationale,
                        link=handoff_link(handoff),
                    )
                ],
                ignore_conflicts=True,
            )
            notified = True
    result: dict[str, Any] = {
        "handoff_id": handoff.pk,
        "rep_id": first_rep_id,
        "due_at": handoff.sla_due_at.isoformat(),
        "notification": "created" if notified else "exists",
    }
    result["email"] = _email_first_rep(action, handoff, contact, first_rep_id, idempotency_key)
    return result


def _email_first_rep(
    action: AgentAction, handoff: Handoff, contact: Contact, rep_id: int | None, key: str
) -> dict[str, Any]:
    if handoff.emailed_at is not None:
        return {"status": "sent before", "message_id": handoff.email_message_id}
    rep = _users([rep_id]).get(rep_id) if rep_id else None
    if rep is None or not rep.email:
        return {"status": "no address"}
    sla_minutes = int((handoff.sla_due_at - handoff.handed_at).total_seconds() // 60)
    link = handoff_link(handoff)
    email = _handoff_email(
        contact, action.payload, rep, sla_minutes, link, key=f"handoff-action-{key}"
    )
    try:
        message_id = send_email(email)  # TransientError propagates: the action is retried
    except EmailRejected as error:
        return {"status": "rejected", "to": email.to, "error": str(error)}
    Handoff.objects.filter(pk=handoff.pk, emailed_at__isnull=True).update(
        emailed_at=timezone.now(), email_message_id=message_id
    )
    return {"status": "sent", "to": email.to, "message_id": message_id}


# --- escalating --------------------------------------------------------------------------------

_OVERDUE = Q(due_at__isnull=False, first_touch_at__isnull=True, decided_at__isnull=True)


def handoffs_escalate(*, now: datetime | None = None, limit: int = 200) -> list[int]:
    """Escalate every handoff whose timer ran out untouched; returns their ids.

    Each one in a transaction of its own, claimed with ``FOR UPDATE SKIP LOCKED`` (another
    escalator's rows are skipped) and re-checked, so running this twice, or concurrently,
    escalates each step once. The breach is recorded at the first step only. A mail server
    that is down leaves that handoff for the next run."""
    now = now or timezone.now()
    due = list(
        Handoff.objects.filter(_OVERDUE, due_at__lte=now)
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    escalated: list[int] = []
    for pk in due:
        try:
            with transaction.atomic():
                handoff = (
                    Handoff.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("workspace", "contact__account", "rep", "action")
                    .filter(_OVERDUE, pk=pk, due_at__lte=now)
                    .first()
                )
                if handoff is None:
                    continue
                _escalate(handoff, now)
        except TransientError as error:
            logger.warning("handoff %s not escalated yet: %s", pk, error)
            continue
        escalated.append(pk)
    return escalated


def _escalate(handoff: Handoff, now: datetime) -> None:
    sla_minutes = playbook_for(handoff.workspace).handoff_sla_minutes
    if handoff.breached_at is None:
        handoff.breached_at = handoff.sla_due_at
    earlier = set(
        HandoffEscalation.objects.filter(handoff=handoff).values_list("from_user_id", "to_user_id")
    )
    had = {user_id for pair in earlier for user_id in pair if user_id} | {handoff.rep_id}
    target, role = _next_assignee(handoff, had)
    level = handoff.level + 1
    missed = handoff.due_at
    assert missed is not None
    previous = handoff.rep
    who = _user_label(previous) if previous is not None else "Nobody"
    if target is None:
        why = (
            f"Not touched by {missed:%Y-%m-%d %H:%M:%S} UTC; nobody is left to escalate to, "
            f"{who} keeps it."
        )
    else:
        why = (
            f"Not touched within the {sla_minutes}-minute SLA (due {missed:%Y-%m-%d %H:%M:%S} "
            f"UTC): passed from {who} to {_user_label(target)} ({role})."
        )
    HandoffEscalation.objects.create(
        workspace_id=handoff.workspace_id,
        handoff=handoff,
        level=level,
        from_user=previous,
        to_user=target,
        at=now,
        why=why,
    )
    handoff.level = level
    if target is None:
        handoff.due_at = None
        handoff.save(update_fields=["level", "due_at", "breached_at", "updated_at"])
        return
    handoff.rep = target
    handoff.assigned_at = now
    handoff.due_at = now + timedelta(minutes=sla_minutes)
    handoff.save(
        update_fields=["level", "rep", "assigned_at", "due_at", "breached_at", "updated_at"]
    )
    contact = handoff.contact
    Notification.objects.create(
        workspace_id=handoff.workspace_id,
        user=target,
        title=f"Escalated MQL for you: {_contact_label(contact)}"[:200],
        body=why,
        link=handoff_link(handoff),
    )
    if target.email:
        email = _handoff_email(
            contact,
            handoff.action.payload,
            target,
            sla_minutes,
            handoff_link(handoff),
            key=f"handoff-{handoff.pk}-level-{level}",
            escalated_from=who,
        )
        try:
            # Inside the transaction: a mail server that is down rolls this step back (the
            # next run repeats it, with the same Message-ID should the first one have gone).
            send_email(email)
        except EmailRejected as error:
            logger.warning("escalation email of handoff %s refused: %s", handoff.pk, error)


def _next_assignee(handoff: Handoff, had: set[int | None]) -> tuple[Any, str]:
    """Level 0 → the territory's next rep (after the current one, in order), or its manager
    when there is none; level 1 → the manager; after that nobody."""
    territory = (
        Territory.objects.filter(pk=handoff.territory_id).first() if handoff.territory_id else None
    )
    if territory is None:
        return None, ""
    if handoff.level == 0:
        eligible = _eligible(handoff.workspace_id)
        ring = [
            user_id
            for user_id in TerritoryRep.objects.filter(territory=territory)
            .order_by("position", "pk")
            .values_list("user_id", flat=True)
            if user_id in eligible
        ]
        start = ring.index(handoff.rep_id) + 1 if handoff.rep_id in ring else 0
        for user_id in ring[start:] + ring[:start]:
            if user_id not in had:
                return _users([user_id])[user_id], "next rep"
    if handoff.level <= 1 and territory.manager_id and territory.manager_id != handoff.rep_id:
        return _users([territory.manager_id])[territory.manager_id], "manager"
    return None, ""


# --- feedback ----------------------------------------------------------------------------------


def _may_handle(user: Any, handoff: Handoff) -> None:
    if not principal_for_user(user).can(Permission.HANDLE_HANDOFF, handoff.workspace_id):
        raise PermissionDenied("You may not work handoffs in this workspace.")


def _touch(handoff: Handoff, user: Any, at: datetime) -> None:
    if handoff.first_touch_at is not None:
        return
    handoff.first_touch_at = at
    handoff.touched_by = user
    if handoff.breached_at is None and at > handoff.sla_due_at:
        handoff.breached_at = handoff.sla_due_at  # late: the breach is recorded all the same


@transaction.atomic
def handoff_touch(*, handoff: Handoff, user: Any, at: datetime | None = None) -> Handoff:
    """The rep reached out (called, emailed): the SLA timer stops. Only the first counts."""
    _may_handle(user, handoff)
    locked = Handoff.objects.select_for_update().get(pk=handoff.pk)
    if locked.first_touch_at is None:
        _touch(locked, user, at or timezone.now())
        locked.save(update_fields=["first_touch_at", "touched_by", "breached_at", "updated_at"])
    return locked


@transaction.atomic
def handoff_accept(
    *, handoff: Handoff, user: Any, note: str = "", at: datetime | None = None
) -> Handoff:
    """Sales accepts the MQL: the contact becomes an SQL (recorded as this member's move)."""
    return _decide(handoff, user, HandoffOutcome.ACCEPTED, "", note, at)


@transaction.atomic
def handoff_reject(
    *, handoff: Handoff, user: Any, reason: str, note: str = "", at: datetime | None = None
) -> Handoff:
    """Sales rejects the MQL with a reason (``other`` needs a note): the contact is recycled."""
    if reason not in RejectReason.values:
        raise ValidationError({"reason": [f"Choose one of: {', '.join(RejectReason.values)}."]})
    if reason == RejectReason.OTHER and not note.strip():
        raise ValidationError({"note": ["Say why the lead is rejected."]})
    return _decide(handoff, user, HandoffOutcome.REJECTED, reason, note, at)


def _decide(
    handoff: Handoff, user: Any, outcome: str, reason: str, note: str, at: datetime | None
) -> Handoff:
    _may_handle(user, handoff)
    locked = Handoff.objects.select_for_update().select_related("workspace").get(pk=handoff.pk)
    if locked.outcome:
        if locked.outcome == outcome and locked.reason == reason:
            return locked  # the same decision again: nothing changes
        raise ValidationError(f"This handoff was {locked.outcome} already.")
    at = at or timezone.now()
    _touch(locked, user, at)
    locked.outcome = outcome
    locked.reason = reason
    locked.note = note.strip()
    locked.decided_at = at
    locked.decided_by = user
    locked.save()
    if outcome == HandoffOutcome.ACCEPTED:
        to_stage, why = LifecycleStage.SQL, "Accepted by sales"
    else:
        to_stage = LifecycleStage.RECYCLED
        why = f"Rejected by sales: {RejectReason(reason).label}"
    contact_stage_change(
        workspace=locked.workspace,
        contact_ids=[locked.contact_id],
        to_stage=to_stage,
        from_stages=[LifecycleStage.MQL],
        reason=f"{why} (handoff {locked.pk}){': ' + locked.note if locked.note else ''}.",
        actor_kind=LeadActorKind.MEMBER,
        actor_id=user.pk,
        at=at,
    )
    return locked
