"""Tenancy end to end: with workspace A's credentials nothing of workspace B is reachable.

Routes and admin pages are discovered, never listed by hand: an API view or a ModelAdmin is
covered the moment it is registered, and fails here until it is built on the scoped bases
(``WorkspaceScopedViewSet``, ``WorkspaceScopedAdmin``) and ``tenants()`` seeds rows for it.

Every string of workspace B's data carries ``MARKER``. Each check is made twice: B's own
credentials must see the marker (so B's rows would be noticed if they leaked), and A's must not.
"""

from __future__ import annotations

import base64
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.test import APIClient

from como.agents.models import (
    AgentAction,
    Handoff,
    Notification,
    Playbook,
    Territory,
    TerritoryRep,
)
from como.agents.playbooks import playbook_update
from como.agents.services import ActionDraft, action_approve, action_propose
from como.audiences.models import SavedAudience
from como.campaigns.models import (
    AttributionCredit,
    AttributionRun,
    Campaign,
    CampaignTarget,
    CatalogItem,
    ChannelMetric,
)
from como.channels.models import ChannelAccount, Message, SandboxRequest
from como.consent.services import consent_grant, consent_revoke, contact_erase
from como.deals.models import Opportunity, OpportunityTransition
from como.leads.models import (
    Account,
    AnonymousId,
    Contact,
    ContactScore,
    Event,
    LifecycleTransition,
)
from como.scoring.services import (
    scoring_model_activate,
    scoring_model_active,
    scoring_model_create_version,
)
from como.sequences.models import MemberStep, Sequence, SequenceMember, SequenceVersion
from como.workspaces.admin_base import WorkspaceScopedAdmin
from como.workspaces.api_base import WorkspaceScopedViewSet
from como.workspaces.models import ApiKey, Membership, Workspace
from como.workspaces.scoping import WorkspaceScopedQuerySet
from como.workspaces.services import api_key_create, membership_add, workspace_create
from tests.factories import UserFactory
from tests.verticals.b2b.abm_setup import play_row
from verticals.automotive.ads.models import AdBreach, CreativeTemplate, VehicleAd
from verticals.automotive.coop.models import CoopCampaign, CoopClaim, CoopProgram
from verticals.automotive.dms.models import DmsImport, VehicleOwnership
from verticals.automotive.inventory.models import (
    InventoryImport,
    InventorySource,
    Rooftop,
    Vehicle,
    VehicleChange,
)
from verticals.automotive.parts.models import PartsItem
from verticals.b2b.accounts.models import AccountLinkRun, CommitteeMember
from verticals.b2b.intent.models import IntentSignal, IntentWebhook

pytestmark = pytest.mark.usefixtures("fast_passwords")

MARKER = "zqxv"
API_PREFIX = "api/v1/"
#: views under /api/v1/ that serve no workspace data
NOT_WORKSPACE_DATA = (SpectacularAPIView, SpectacularSwaggerView)
METHODS = ("get", "put", "patch", "delete")


# --- discovery -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    path: str
    name: str
    kwargs: frozenset[str]
    view_class: type[Any]
    actions: dict[str, str]

    def __str__(self) -> str:
        return self.path

    @property
    def is_scoped(self) -> bool:
        return issubclass(self.view_class, WorkspaceScopedViewSet)

    def url(self, **kwargs: Any) -> str:
        return reverse(self.name, kwargs=kwargs)


def _walk(
    patterns: list[URLPattern | URLResolver], prefix: str, namespace: str, kwargs: frozenset[str]
) -> Iterator[Route]:
    for entry in patterns:
        groups = kwargs | frozenset(entry.pattern.regex.groupindex)
        path = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, path, inner, groups)
            continue
        if not path.startswith(API_PREFIX):
            continue
        callback = entry.callback
        view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        assert view_class is not None, f"{path}: a function view; build it on the scoped bases"
        assert entry.name, f"{path}: every API route needs a name"
        yield Route(
            path=path,
            name=namespace + entry.name,
            kwargs=groups,
            view_class=view_class,
            actions=dict(getattr(callback, "actions", None) or {}),
        )


API_ROUTES = list(_walk(get_resolver().url_patterns, "", "", frozenset()))
SCOPED_ROUTES = [route for route in API_ROUTES if route.is_scoped]
ADMINS = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def _admin_id(item: tuple[type[models.Model], admin.ModelAdmin[Any]]) -> str:
    return item[0]._meta.label


def test_discovery_finds_the_api_and_the_admin() -> None:
    names = {route.name for route in API_ROUTES}
    assert {"api:contact-list", "api:contact-detail", "api:contact-events"} <= names
    assert {"api:account-list", "api:workspace-list", "api:schema", "api:docs"} <= names
    assert {"api:contact-score", "api:scoring-model-list", "api:scoring-model-detail"} <= names
    assert {"api:action-list", "api:action-detail", "api:action-approve"} <= names
    assert {Contact, Account, Event, Workspace, Membership, ApiKey} <= {m for m, _ in ADMINS}
    # A vertical's routes and pages are walked as well (como mounts them, never names them).
    assert {"api:rooftop-list", "api:rooftop-detail", "api:vehicle-list", "api:vehicle-detail"} <= (
        names
    )
    assert {"api:inventory-import-list", "api:inventory-import-detail"} <= names
    assert {Rooftop, Vehicle, InventorySource, InventoryImport} <= {m for m, _ in ADMINS}


@pytest.mark.parametrize("route", API_ROUTES, ids=str)
def test_every_api_view_is_workspace_scoped(route: Route) -> None:
    if issubclass(route.view_class, NOT_WORKSPACE_DATA):
        return
    assert route.is_scoped, (
        f"{route.path} is served by {route.view_class.__name__}, which is not a "
        "WorkspaceScopedViewSet: its rows would not be scoped to the caller's workspaces"
    )


# --- data --------------------------------------------------------------------------------------


@dataclass
class Tenants:
    a: Workspace
    b: Workspace
    a_key: str
    b_key: str
    alice: Any  # staff member of A only
    bruno: Any  # staff member of B only


@pytest.fixture
def tenants(db: Any) -> Tenants:
    """Two workspaces with rows in every model; B's strings all carry MARKER."""
    a = workspace_create(slug="acme", vertical="b2b", name="Acme Software")
    b = workspace_create(slug=f"rival-{MARKER}", vertical="automotive", name=f"Rival {MARKER}")
    alice = UserFactory.create(username="alice", email="alice@acme.example")
    bruno = UserFactory.create(username="bruno", email="bruno@rival.example")
    membership_add(workspace=a, user=alice, role="owner")
    membership_add(workspace=b, user=bruno, role="owner")
    membership_add(workspace=b, user=UserFactory.create(username=f"{MARKER}-seller"), role="sales")
    a_key = api_key_create(workspace=a, name="acme-integration").secret
    b_key = api_key_create(workspace=b, name=f"{MARKER}-integration").secret
    when = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)
    for workspace, tag in ((a, "acme"), (b, MARKER)):
        account = Account.objects.create(
            workspace=workspace, domain=f"{tag}-buyer.example", name=f"{tag} buyer"
        )
        contact = Contact.objects.create(
            workspace=workspace,
            email=f"ana@{tag}-buyer.example",
            first_name=f"{tag}-ana",
            external_id=f"{tag}-crm-1",
            account=account,
        )
        ContactScore.objects.filter(contact=contact).update(last_seen_at=when)
        AnonymousId.objects.create(workspace=workspace, contact=contact, value=f"{tag}-cookie")
        LifecycleTransition.objects.create(
            workspace=workspace,
            contact=contact,
            from_stage="subscriber",
            to_stage="lead",
            at=when,
            reason=f"{tag} handoff",
        )
        Event.objects.create(
            workspace=workspace,
            contact=contact,
            event_id=f"{tag}-evt-1",
            type="page_view",
            properties={"path": f"/{tag}/pricing"},
            occurred_at=when,
            received_at=when,
            utm_campaign=f"{tag}-spring",
        )
        Event.objects.create(
            workspace=workspace,
            contact=contact,
            event_id=f"{tag}-offline-1",
            type="offline_touch",
            properties={"kind": "dinner", "name": f"{tag} dinner"},
            occurred_at=when,
            received_at=when,
        )
        # Deals: an opportunity with its stage history.
        opportunity = Opportunity.objects.create(
            workspace=workspace,
            external_id=f"{tag}-opp-1",
            name=f"{tag} renewal",
            contact=contact,
            account=account,
            stage_name=f"{tag} discovery",
            opened_at=when,
        )
        OpportunityTransition.objects.create(
            workspace=workspace,
            opportunity=opportunity,
            to_status="open",
            to_stage_name=f"{tag} discovery",
            at=when,
            via="api",
        )
        # Attribution: the opportunity's stored credit and the run that wrote it.
        AttributionCredit.objects.create(
            workspace=workspace,
            kind="opportunity",
            opportunity=opportunity,
            converted_at=when,
            event_id=1,
            contact_id=contact.pk,
            touch_at=when,
            touch_type="landing",
            channel=f"{tag}-social",
            linear=1,
        )
        AttributionRun.objects.create(
            workspace=workspace, scope="all", settings={"tag": tag}, started_at=when
        )
        # Agents: a playbook, an action the agent proposed and the owner approved (with its
        # approval and audit trail), and a notification about it.
        owner = alice if workspace == a else bruno
        playbook = Playbook.objects.create(
            workspace=workspace, overrides={"auto_approve_kinds": [f"{tag}_pause"]}
        )
        # Its versions: the baseline and this save, the note carrying the tag.
        playbook_update(playbook=playbook, by=owner, note=f"{tag} policy", handoff_sla_minutes=9)
        proposed = action_propose(
            workspace=workspace,
            proposer=workspace.agent_user,
            draft=ActionDraft(
                agent=f"{tag}-agent",
                kind=f"{tag}_launch",
                channel="email",
                idempotency_key=f"{tag}-launch-1",
                rationale=f"{tag} launch",
                preview=f"{tag} preview",
                findings=[{"rule": f"{tag}_rule", "severity": "warn", "message": f"{tag} warning"}],
            ),
        ).action
        action_approve(action=proposed, user=owner, note=f"{tag} approved")
        # ... and one still waiting, for the approval inbox (it lists only those).
        action_propose(
            workspace=workspace,
            proposer=workspace.agent_user,
            draft=ActionDraft(
                agent=f"{tag}-agent",
                kind=f"{tag}_launch",
                idempotency_key=f"{tag}-waiting-1",
                rationale=f"{tag} waits",
                target_type="campaign",
                target_id=f"{tag}-7",
            ),
        )
        Notification.objects.create(
            workspace=workspace, user=owner, action=proposed, title=f"{tag} handoff"
        )
        # An account play waiting for its approver (its parts may be dropped over the API).
        play_row(workspace, tag)
        # The MQL handoff: a territory with the owner as rep and manager, and a handoff to them.
        north = Territory.objects.create(
            workspace=workspace, name=f"{tag} north", countries=["US"], manager=owner
        )
        TerritoryRep.objects.create(territory=north, user=owner)
        Handoff.objects.create(
            workspace=workspace,
            contact=contact,
            action=AgentAction.objects.create(
                workspace=workspace,
                agent="mql_handoff",
                kind="mql_handoff",
                idempotency_key=f"{tag}-handoff-1",
                rationale=f"{tag} became an MQL",
                proposed_by=workspace.agent_user,
                status="succeeded",
            ),
            territory=north,
            rep=owner,
            mql_at=when,
            handed_at=when,
            sla_due_at=when,
            assigned_at=when,
            note=f"{tag} handoff",
        )
        # Consent: a grant, a revocation (which suppresses the address), and an erasure of a
        # second person; channels: an account, a message, a sandboxed request; campaigns.
        consent_grant(
            contact=contact,
            channel="email",
            basis="express",
            source=f"{tag}_form",
            wording=f"{tag} wording",
            at=when,
        )
        consent_revoke(contact=contact, channel="sms", source=f"{tag}_stop")
        contact_erase(
            contact=Contact.objects.create(workspace=workspace, email=f"gone@{tag}.example"),
            reason=f"{tag} request",
        )
        ChannelAccount.objects.create(
            workspace=workspace, channel="sms", account_id=f"AC{tag}", sender=f"{tag}-sender"
        )
        Message.objects.create(
            workspace=workspace,
            channel="email",
            direction="out",
            purpose="marketing",
            contact=contact,
            idempotency_key=f"{tag}-message-1",
            to=contact.email,
            subject=f"{tag} subject",
            status="sent",
            sent_at=when,
        )
        SandboxRequest.objects.create(
            workspace=workspace,
            channel="sms",
            idempotency_key=f"{tag}-request-1",
            method="POST",
            url=f"https://api.example/{tag}",
            body=f"Body={tag}",
        )
        campaign = Campaign.objects.create(
            workspace=workspace,
            name=f"{tag} spring",
            channels=["paid_search"],
            utm_campaigns=[f"{tag}-spring"],
        )
        CampaignTarget.objects.create(
            campaign=campaign, channel="paid_search", metric="mqls", value=7
        )
        ChannelMetric.objects.create(
            workspace=workspace,
            campaign=campaign,
            channel="paid_search",
            day=when.date(),
            impressions=7,
        )
        CatalogItem.objects.create(
            workspace=workspace,
            item_id=f"{tag}-sku",
            title=f"{tag} rack",
            description=f"{tag} rack",
            url=f"https://{tag}.example/r",
            image_url=f"https://{tag}.example/r.jpg",
            price=1,
        )
        SavedAudience.objects.create(
            workspace=workspace, name=f"{tag} audience", rule={"stages": ["subscriber"]}
        )
        # Sequences: a sequence, its version, a member with a decision.
        sequence = Sequence.objects.create(workspace=workspace, key=f"{tag}-seq", name=f"{tag} seq")
        version = SequenceVersion.objects.create(
            workspace=workspace,
            sequence=sequence,
            number=1,
            program={
                "trigger": {"on": "manual"},
                "steps": [{"id": f"{tag}-w", "type": "wait", "minutes": 5}],
            },
        )
        member = SequenceMember.objects.create(
            workspace=workspace,
            sequence=sequence,
            version=version,
            contact=contact,
            current_step=f"{tag}-w",
            entered_at=when,
        )
        MemberStep.objects.create(
            workspace=workspace,
            member=member,
            version=version,
            step_id=f"{tag}-w",
            occurrence=0,
            outcome="waited",
            at=when,
        )
        # Automotive inventory: a rooftop, its feed, an import (with a bad row) and a vehicle
        # with its history.
        rooftop = Rooftop.objects.create(
            workspace=workspace,
            name=f"{tag} motors",
            store_code=f"{tag}-store",
            time_zone="America/Chicago",
            brands=[f"{tag}brand"],
        )
        source = InventorySource.objects.create(
            workspace=workspace,
            rooftop=rooftop,
            name=f"{tag} feed",
            kind="https",
            url=f"https://{tag}.example/feed.csv",
            credentials={"authorization": f"{tag}-secret"},
        )
        run = InventoryImport.objects.create(
            workspace=workspace,
            rooftop=rooftop,
            source=source,
            file_name=f"{tag}.csv",
            errors=[{"row": 2, "field": "vin", "message": f"{tag} bad"}],
        )
        vehicle = Vehicle.objects.create(
            workspace=workspace,
            rooftop=rooftop,
            vin="1HGCM82633A004352" if workspace == a else "1M8GDM9AXKP042788",
            stock_number=f"{tag}-1",
            make=f"{tag}make",
            condition="used",
            last_import=run,
        )
        VehicleChange.objects.create(
            workspace=workspace,
            vehicle=vehicle,
            inventory_import=run,
            kind="changed",
            changes={"trim": ["", f"{tag} trim"]},
        )
        # B2B intent: a signal on the account, and a provider's webhook.
        IntentSignal.objects.create(
            workspace=workspace,
            provider="bombora",
            account=account,
            domain=account.domain,
            topic=f"{tag} topic",
            score=70,
            week=date(2025, 12, 29),
            occurred_at=when,
            source="api",
            received_at=when,
        )
        IntentWebhook.objects.create(
            workspace=workspace,
            provider="bombora",
            name=f"{tag} surge feed",
            secret="whsec_" + base64.b64encode(tag.encode() * 8).decode(),
        )
        # DMS history: an import with a bad row, and the contact's vehicle it says.
        DmsImport.objects.create(
            workspace=workspace,
            rooftop=rooftop,
            kind="deals",
            file_name=f"{tag}-deals.csv",
            errors=[{"row": 2, "field": "vin", "message": f"{tag} bad"}],
        )
        VehicleOwnership.objects.create(
            workspace=workspace,
            contact=contact,
            rooftop=rooftop,
            vin=vehicle.vin,
            make=f"{tag}make",
            deal_number=f"{tag}-deal",
        )
        # B2B accounts: the contact on its account's buying committee, a link run.
        CommitteeMember.objects.create(
            workspace=workspace,
            contact=contact,
            account=account,
            role="champion",
            title=f"{tag} director",
        )
        AccountLinkRun.objects.create(workspace=workspace, status="failed", error=f"{tag} run")
        # The parts catalog: an item of the workspace's own.
        PartsItem.objects.create(
            workspace=workspace, sku=f"{tag}-sku", name=f"{tag} mats", price="10.00", make="Honda"
        )
        # Inventory ads: the vehicle's live ad, a breach of the 48-hour rule, an edited template.
        ad = VehicleAd.objects.create(
            workspace=workspace,
            vehicle=vehicle,
            channel="paid_social",
            state="live",
            external_id=f"{tag}-ad",
            changed_at=when,
            action=proposed,
        )
        AdBreach.objects.create(
            workspace=workspace,
            vehicle_ad=ad,
            vehicle=vehicle,
            channel="paid_social",
            sold_at=when,
            detected_at=when,
        )
        CreativeTemplate.objects.create(
            workspace=workspace, kind="meta_vehicle_ad", fields={"headline": f"{tag} headline"}
        )
        # Co-op: a program covering the rooftop's make, the campaign run under it, a claim.
        coop = CoopProgram.objects.create(
            workspace=workspace,
            key=f"{tag}-coop",
            name=f"{tag} co-op",
            oem=f"{tag} oem",
            brands=[f"{tag}make"],
            reimbursement_rate="0.5",
            accrual_amount="100.00",
            claim_window_days=90,
        )
        coop.rooftops.set([rooftop])
        CoopCampaign.objects.create(workspace=workspace, program=coop, campaign=campaign)
        CoopClaim.objects.create(
            workspace=workspace,
            program=coop,
            campaign=campaign,
            amount_claimed="1.00",
            invoice_refs=[f"{tag}-invoice"],
            note=f"{tag} claim",
        )
    # A runs its vertical's default model (active again after a trial version); B a version of
    # its own whose rule key (and so its score breakdown) and note carry the marker. Each
    # version replacing an active one starts a re-score run.
    a_default = scoring_model_active(workspace=a)
    scoring_model_create_version(workspace=a, definition={"threshold": 60}, note="acme trial")
    scoring_model_activate(model=a_default)
    scoring_model_active(workspace=b)
    scoring_model_create_version(
        workspace=b,
        definition={
            "threshold": 50,
            "intent": [
                {
                    "key": f"{MARKER}_pricing",
                    "event_type": "page_view",
                    "when": {"property": "path", "starts_with": f"/{MARKER}/"},
                    "points": 20,
                }
            ],
        },
        note=f"{MARKER} model",
    )
    return Tenants(a=a, b=b, a_key=a_key, b_key=b_key, alice=alice, bruno=bruno)


def _api_client(kind: str, key: str, user: Any) -> APIClient:
    client = APIClient()
    if kind == "api_key":
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    else:
        client.force_login(user)
    return client


@pytest.fixture(params=["api_key", "member"])
def callers(request: pytest.FixtureRequest, tenants: Tenants) -> tuple[APIClient, APIClient]:
    """(A's caller, B's caller), as an integration key or as a logged-in member."""
    return (
        _api_client(request.param, tenants.a_key, tenants.alice),
        _api_client(request.param, tenants.b_key, tenants.bruno),
    )


def _rows(queryset: Any, workspace: Workspace) -> list[Any]:
    assert isinstance(queryset, WorkspaceScopedQuerySet), type(queryset)
    return list(queryset.all().for_workspace(workspace.pk))


def _seeded(model: type[models.Model], rows: list[Any], workspace: Workspace) -> list[Any]:
    assert rows, (
        f"no {model._meta.label} rows in {workspace.slug}: seed some in tenants() "
        "(tests/test_tenancy.py) so this check is not vacuous"
    )
    return rows


# --- API ---------------------------------------------------------------------------------------


def _lookup(route: Route) -> tuple[str, str]:
    view = route.view_class
    field = view.lookup_field
    kwarg = view.lookup_url_kwarg or field
    assert route.kwargs == {kwarg}, (
        f"{route.path}: cannot fill its URL arguments {sorted(route.kwargs)}; teach "
        "tests/test_tenancy.py how to build this route"
    )
    return field, kwarg


@pytest.mark.parametrize("route", [r for r in SCOPED_ROUTES if not r.kwargs], ids=str)
def test_lists_never_include_foreign_rows(
    route: Route, callers: tuple[APIClient, APIClient]
) -> None:
    if "get" not in route.actions:
        return
    a_caller, b_caller = callers

    seen_by_b = b_caller.get(route.url())
    seen_by_a = a_caller.get(route.url())

    assert seen_by_b.status_code == 200, seen_by_b.content
    assert MARKER in seen_by_b.content.decode(), f"{route.path}: B's rows are not recognisable"
    assert seen_by_a.status_code == 200, seen_by_a.content
    assert MARKER not in seen_by_a.content.decode(), f"{route.path} shows B's rows to A"


def _text(response: Any) -> str:
    """The body as text; a ZIP (a co-op claim package) as the text of its files."""
    if response.get("Content-Type") == "application/zip":
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            return "\n".join(archive.read(name).decode() for name in archive.namelist())
    return str(response.content.decode())


@pytest.mark.parametrize("route", [r for r in SCOPED_ROUTES if r.kwargs], ids=str)
def test_foreign_objects_are_404_on_every_detail_route(
    route: Route, tenants: Tenants, callers: tuple[APIClient, APIClient]
) -> None:
    a_caller, b_caller = callers
    field, kwarg = _lookup(route)
    queryset = route.view_class.queryset
    model = queryset.model
    own = _seeded(model, _rows(queryset, tenants.a), tenants.a)
    foreign = _seeded(model, _rows(queryset, tenants.b), tenants.b)

    if "get" in route.actions:
        for obj in own:
            response = a_caller.get(route.url(**{kwarg: getattr(obj, field)}))
            assert response.status_code == 200, f"{route.path}: A cannot read its own {obj!r}"
            assert MARKER not in _text(response), f"{route.path} leaks into {obj!r}"
        for obj in foreign:
            response = b_caller.get(route.url(**{kwarg: getattr(obj, field)}))
            assert response.status_code == 200
            assert MARKER in _text(response)

    before = [model_values(obj) for obj in foreign]
    for obj in foreign:
        url = route.url(**{kwarg: getattr(obj, field)})
        for method in METHODS:
            response = getattr(a_caller, method)(url, {}, format="json")
            expected = 404 if method in route.actions else 405
            assert response.status_code == expected, (
                f"{method.upper()} {url} as A answered {response.status_code}, not {expected}"
            )
            assert MARKER not in response.content.decode()
    # nothing of B's was changed or deleted by the attempts
    assert [model_values(obj) for obj in foreign] == before


def model_values(obj: models.Model) -> dict[str, Any]:
    """The row as stored now (it must still exist), minus bookkeeping timestamps."""
    fresh = type(obj)._default_manager.get(pk=obj.pk)
    return {
        field.attname: getattr(fresh, field.attname)
        for field in obj._meta.concrete_fields
        if field.attname not in ("updated_at", "last_used_at")
    }


def test_writes_land_in_the_callers_workspace_and_cannot_reference_foreign_rows(
    tenants: Tenants, callers: tuple[APIClient, APIClient]
) -> None:
    a_caller, _ = callers
    foreign_account = Account.objects.get(workspace=tenants.b)

    attached = a_caller.post(
        "/api/v1/contacts",
        {"email": "new@acme.example", "account": foreign_account.pk, "workspace": tenants.b.pk},
        format="json",
    )
    created = a_caller.post(
        "/api/v1/contacts",
        {"email": f"ana@{MARKER}-buyer.example", "workspace": tenants.b.pk},
        format="json",
    )
    filtered = a_caller.get(f"/api/v1/contacts?account={foreign_account.pk}")

    assert attached.status_code == 400
    assert attached.json() == {
        "account": [f'Invalid pk "{foreign_account.pk}" - object does not exist.']
    }
    # B already has this address; A may have it too, and learns nothing about B.
    assert created.status_code == 201, created.content
    assert Contact.objects.get(pk=created.json()["id"]).workspace_id == tenants.a.pk
    assert filtered.status_code == 200
    assert filtered.json()["results"] == []


# --- admin -------------------------------------------------------------------------------------


def _admin_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _admin_url(model: type[models.Model], view: str, *args: Any) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def _answer(response: Any) -> tuple[int, str | None]:
    return response.status_code, response.get("Location")


def _object_views(model_admin: admin.ModelAdmin[Any]) -> list[str]:
    """The page's own views of one object beyond Django's (a campaign's monitoring page), by
    the suffix of their URL names: found in ``get_urls()``, never listed by hand."""
    prefix = f"{model_admin.opts.app_label}_{model_admin.opts.model_name}_"
    standard = {"change", "delete", "history", "changelist", "add"}
    return [
        pattern.name.removeprefix(prefix)
        for pattern in model_admin.get_urls()
        if isinstance(pattern, URLPattern)
        and pattern.name
        and pattern.name.startswith(prefix)
        and pattern.name.removeprefix(prefix) not in standard
        and "object_id" in pattern.pattern.converters
    ]


def _is_denied(response: Any) -> bool:
    """A redirect to the index (Django's "does not exist"), a 404, or a 403 for everyone."""
    return response.status_code in (403, 404) or (
        response.status_code == 302 and response["Location"] == reverse("admin:index")
    )


@pytest.mark.parametrize("entry", ADMINS, ids=_admin_id)
def test_admin_changelists_show_no_foreign_rows(
    entry: tuple[type[models.Model], admin.ModelAdmin[Any]], tenants: Tenants
) -> None:
    model, model_admin = entry
    alice, bruno = _admin_client(tenants.alice), _admin_client(tenants.bruno)
    url = _admin_url(model, "changelist")
    owned = isinstance(model._default_manager.all(), WorkspaceScopedQuerySet)

    if not isinstance(model_admin, WorkspaceScopedAdmin):
        assert not owned, f"{model._meta.label} is workspace data behind an unscoped admin"
        # Global models (users, schedules) are for superusers; workspace staff are refused.
        assert alice.get(url).status_code == 403
        return

    foreign = _seeded(model, _rows(model._default_manager.all(), tenants.b), tenants.b)
    _seeded(model, _rows(model._default_manager.all(), tenants.a), tenants.a)
    seen_by_b = bruno.get(url)
    seen_by_a = alice.get(url)

    assert seen_by_b.status_code == 200
    assert MARKER in seen_by_b.content.decode(), f"{url}: B's rows are not recognisable"
    assert seen_by_a.status_code == 200
    listed = {obj.pk for obj in seen_by_a.context["cl"].result_list}
    assert listed, f"{url}: A sees none of its own rows"
    assert listed.isdisjoint(obj.pk for obj in foreign)
    assert MARKER not in seen_by_a.content.decode(), f"{url} shows B's data to A"
    # searching for B's strings finds nothing either
    if model_admin.search_fields:
        searched = alice.get(url, {"q": MARKER})
        assert list(searched.context["cl"].result_list) == []


@pytest.mark.parametrize("entry", ADMINS, ids=_admin_id)
def test_admin_object_pages_deny_foreign_rows(
    entry: tuple[type[models.Model], admin.ModelAdmin[Any]], tenants: Tenants
) -> None:
    model, model_admin = entry
    if not isinstance(model_admin, WorkspaceScopedAdmin):
        return  # refused wholesale, see the changelist test
    alice = _admin_client(tenants.alice)
    foreign = _seeded(model, _rows(model._default_manager.all(), tenants.b), tenants.b)
    own = _seeded(model, _rows(model._default_manager.all(), tenants.a), tenants.a)

    extra = _object_views(model_admin)
    for obj in own:
        for view in ("change", *extra):
            page = alice.get(_admin_url(model, view, quote(obj.pk)))
            assert page.status_code in (200, 405), (view, obj, page.status_code)
            # Bytes: a view may answer a file (a claim's zip package).
            assert MARKER.encode() not in page.content, (
                f"{model._meta.label} {obj.pk} {view} leaks B"
            )
    # B's rows must be answered exactly like rows that do not exist at all.
    missing = quote(model._default_manager.order_by("-pk").values_list("pk", flat=True)[0] + 1000)
    for obj in foreign:
        pk = quote(obj.pk)
        before = model_values(obj)
        for view in ("change", "delete", "history", *extra):
            response = alice.get(_admin_url(model, view, pk))
            # A POST-only view refuses every GET alike (the next line), telling nothing.
            assert _is_denied(response) or response.status_code == 405, (view, obj, response)
            assert _answer(response) == _answer(alice.get(_admin_url(model, view, missing)))
        for view, data in (("change", {}), ("delete", {"post": "yes"})):
            response = alice.post(_admin_url(model, view, pk), data)
            assert _is_denied(response), (view, obj, response.status_code)
            assert _answer(response) == _answer(alice.post(_admin_url(model, view, missing), data))
        assert model_values(obj) == before


@pytest.mark.parametrize("entry", ADMINS, ids=_admin_id)
def test_admin_forms_and_autocomplete_offer_no_foreign_rows(
    entry: tuple[type[models.Model], admin.ModelAdmin[Any]], tenants: Tenants
) -> None:
    model, model_admin = entry
    if not isinstance(model_admin, WorkspaceScopedAdmin):
        return
    alice = _admin_client(tenants.alice)

    add = alice.get(_admin_url(model, "add"))
    assert add.status_code in (200, 403)
    assert MARKER not in add.content.decode(), f"{model._meta.label} add form offers B's rows"

    for field in model_admin.autocomplete_fields:
        query = {
            "app_label": model._meta.app_label,
            "model_name": str(model._meta.model_name),
            "field_name": field,
            "term": "",
        }
        response = alice.get(reverse("admin:autocomplete"), query)
        assert response.status_code in (200, 403), (field, response.status_code)
        assert MARKER not in response.content.decode(), f"autocomplete {field} offers B's rows"


def test_admin_index_lists_no_foreign_data(tenants: Tenants) -> None:
    page = _admin_client(tenants.alice).get(reverse("admin:index"))

    assert page.status_code == 200
    assert MARKER not in page.content.decode()


def test_ingest_knows_nothing_of_another_workspaces_event_ids_or_people(
    tenants: Tenants, callers: tuple[APIClient, APIClient]
) -> None:
    # POST-only routes are not walked above; ingest is the one that matches by identifiers.
    a_caller, _ = callers
    b_contact = Contact.objects.get(workspace=tenants.b)
    b_events = Event.objects.filter(workspace=tenants.b).count()

    response = a_caller.post(
        "/api/v1/events",
        {
            "events": [
                {
                    "id": f"{MARKER}-evt-1",
                    "type": "page_view",
                    "occurred_at": "2026-01-02T10:00:00Z",
                    "contact": {"email": b_contact.email, "anonymous_id": f"{MARKER}-cookie"},
                }
            ]
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["results"] == [
        {"index": 0, "id": f"{MARKER}-evt-1", "status": "created"}
    ]
    stored = Event.objects.get(workspace=tenants.a, event_id=f"{MARKER}-evt-1")
    assert stored.contact.workspace_id == tenants.a.pk
    assert stored.contact_id != b_contact.pk
    assert Event.objects.filter(workspace=tenants.b).count() == b_events
    assert AnonymousId.objects.get(workspace=tenants.b).contact_id == b_contact.pk
