"""Seeding the demo: two workspaces, their people, a few thousand events, logins and keys.

``demo_seed`` is idempotent. Workspaces, users, accounts and contacts are looked up before they
are created, and events go through the real ingest pipeline with deterministic ids, so a second
run reports every event as a duplicate and adds no row.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from como import verticals
from como.agents.handoff.services import territory_save
from como.agents.models import Territory
from como.agents.playbooks import playbook_update
from como.agents.services import playbook_for
from como.ingest.services import events_ingest
from como.leads.models import Account, Contact
from como.leads.services import account_create, contact_create
from como.workspaces import keys, users
from como.workspaces.models import ApiKey, Workspace
from como.workspaces.roles import Role
from como.workspaces.services import (
    api_key_create,
    api_key_revoke,
    membership_add,
    workspace_create,
)

from . import automotive, b2b, channels, deals, hooks, metrics
from .credentials import DemoCredentials, Login
from .dataset import Dataset, EventSeed, WorkspaceSpec

ADMIN_USERNAME = "admin"
API_KEY_NAME = "demo"
#: The ingest API's batch limit; seeding uses the same batches a sender would.
BATCH_SIZE = 1000

Builder = Callable[[datetime], Dataset]

#: The demo workspaces and the generators of their data.
DEMO_WORKSPACES: tuple[tuple[WorkspaceSpec, Builder], ...] = (
    (automotive.SPEC, automotive.build),
    (b2b.SPEC, b2b.build),
)


class DemoSeedError(Exception):
    pass


@dataclass
class WorkspaceSeeded:
    workspace: Workspace
    member: Login
    api_key: str
    accounts_created: int = 0
    contacts_created: int = 0
    #: ingest result status (created, duplicate, rejected) → count
    events: Counter[str] = field(default_factory=Counter)
    #: consent ledger entries written, campaign sends proposed (both 0 on a second seeding)
    consents_created: int = 0
    sends_proposed: int = 0
    #: the first few rejections, as (event id, errors), to show what went wrong
    rejections: list[tuple[str, Any]] = field(default_factory=list)
    #: what the verticals' demo seeders (:mod:`.hooks`) did, one line each
    notes: list[str] = field(default_factory=list)


@dataclass
class DemoSeeded:
    admin: Login
    credentials_path: Path
    workspaces: list[WorkspaceSeeded]
    skipped: list[str] = field(default_factory=list)


#: The demo's catch-all sales territory.
DEMO_TERRITORY = "Everywhere"


def _password() -> str:
    return secrets.token_urlsafe(12)


def demo_seed(
    *,
    credentials_path: Path | None = None,
    workspaces: Sequence[tuple[WorkspaceSpec, Builder]] | None = None,
    log: Callable[[str], None] = lambda message: None,
) -> DemoSeeded:
    """Create (or find) the demo data; return the logins and keys to print.

    ``workspaces`` defaults to :data:`DEMO_WORKSPACES`; tests pass smaller generators.
    """
    credentials = DemoCredentials.load(credentials_path)
    if credentials.history_ends_at is None:
        credentials.history_ends_at = timezone.now().replace(second=0, microsecond=0)
    admin_login = _admin_ensure(credentials)
    credentials.save()  # the admin password exists from here on: keep it even if a step fails

    result = DemoSeeded(admin=admin_login, credentials_path=credentials.path, workspaces=[])
    for spec, build in DEMO_WORKSPACES if workspaces is None else workspaces:
        if not verticals.is_registered(spec.vertical):
            result.skipped.append(f"{spec.slug} (vertical {spec.vertical!r} is not installed)")
            continue
        seeded = _workspace_ensure(spec, credentials)
        credentials.save()
        log(f"{spec.slug}: generating demo data")
        dataset = build(credentials.history_ends_at)
        seeded.accounts_created, seeded.contacts_created = _people_ensure(seeded.workspace, dataset)
        log(
            f"{spec.slug}: {seeded.accounts_created} accounts and "
            f"{seeded.contacts_created} contacts created; ingesting {len(dataset.events)} events"
        )
        for source, batch in _batches(dataset.events):
            for item, outcome in zip(
                batch,
                events_ingest(workspace=seeded.workspace, events=batch, source=source),
                strict=True,
            ):
                seeded.events[outcome.status] += 1
                if outcome.status == "rejected" and len(seeded.rejections) < 5:
                    seeded.rejections.append((str(item["id"]), getattr(outcome, "errors", None)))
        seeded.consents_created = channels.consent_ensure(
            seeded.workspace, now=credentials.history_ends_at
        )
        seeded.sends_proposed = channels.campaign_ensure(seeded.workspace)
        seeded.notes += metrics.metrics_ensure(seeded.workspace, now=credentials.history_ends_at)
        seeded.notes += deals.deals_ensure(seeded.workspace, now=credentials.history_ends_at)
        for seeder in hooks.seeders.all():
            seeded.notes += seeder(seeded.workspace, credentials.history_ends_at)
        # The seeders' own people (the B2B MQA story's) get their consent history too, now
        # rather than at the next seeding.
        seeded.consents_created += channels.consent_ensure(
            seeded.workspace, now=credentials.history_ends_at
        )
        result.workspaces.append(seeded)
    return result


@transaction.atomic
def _admin_ensure(credentials: DemoCredentials) -> Login:
    User = get_user_model()
    login = credentials.admin or Login(ADMIN_USERNAME, _password())
    user = User.objects.filter(username=login.username).first()
    if user is None:
        User.objects.create_superuser(
            username=login.username, email="admin@example.com", password=login.password
        )
    else:
        # The file is the demo's memory; make the database agree with what it will print.
        changed = not (user.is_superuser and user.is_staff and user.is_active)
        user.is_superuser = user.is_staff = user.is_active = True
        if not user.check_password(login.password):
            user.set_password(login.password)
            changed = True
        if changed:
            user.save()
    credentials.admin = login
    return login


@transaction.atomic
def _workspace_ensure(spec: WorkspaceSpec, credentials: DemoCredentials) -> WorkspaceSeeded:
    User = get_user_model()
    login = credentials.members.get(spec.slug) or Login(spec.member_username, _password())
    member = User.objects.filter(username=login.username).first()
    if member is None:
        member = User.objects.create_user(
            username=login.username,
            email=f"{login.username}@{spec.slug}.example",
            password=login.password,
            first_name=spec.member_first_name,
            last_name=spec.member_last_name,
            is_staff=True,  # may log in to the admin, where membership scopes what they see
        )
    elif not member.check_password(login.password) or not member.is_staff:
        member.set_password(login.password)
        member.is_staff = True
        member.save()
    credentials.members[spec.slug] = login

    workspace = Workspace.objects.filter(slug=spec.slug).first()
    if workspace is None:
        try:
            workspace = workspace_create(
                slug=spec.slug,
                vertical=spec.vertical,
                name=spec.name,
                time_zone=spec.time_zone,
                country=spec.country,
                postal_address=spec.postal_address,
            )
        except ValidationError as error:
            raise DemoSeedError(f"cannot create workspace {spec.slug!r}: {error}") from error
    elif workspace.vertical != spec.vertical:
        raise DemoSeedError(
            f"workspace {spec.slug!r} exists with vertical {workspace.vertical!r}, "
            f"not {spec.vertical!r}; remove it or use another database"
        )
    membership_add(workspace=workspace, user=member, role=Role.OWNER)
    _sales_territory_ensure(workspace, member)
    _demo_playbook_ensure(workspace)

    secret = credentials.api_keys.get(spec.slug, "")
    live = ApiKey.objects.filter(
        workspace=workspace, digest=keys.digest(secret), revoked_at__isnull=True
    )
    if not secret or not live.exists():
        # The secret is lost (or never made): retire the old key and issue one to remember.
        for stale in ApiKey.objects.filter(workspace=workspace, name__iexact=API_KEY_NAME):
            api_key_revoke(api_key=stale)
            stale.name = f"{API_KEY_NAME} (replaced {timezone.now():%Y-%m-%d %H:%M:%S})"
            stale.save(update_fields=["name"])
        admin = User.objects.filter(username=ADMIN_USERNAME).first()
        secret = api_key_create(workspace=workspace, name=API_KEY_NAME, created_by=admin).secret
        credentials.api_keys[spec.slug] = secret
    return WorkspaceSeeded(workspace=workspace, member=login, api_key=secret)


def _demo_playbook_ensure(workspace: Workspace) -> None:
    """The demo's one choice in its playbook: MQL handoffs wait for a person (so the approval
    queue has something to show); everything else follows the vertical's defaults, and the
    playbook's admin page shows both kinds of value."""
    playbook = playbook_for(workspace)
    kinds = [kind for kind in playbook.auto_approve_kinds if kind != "mql_handoff"]
    if playbook.overrides.get("auto_approve_kinds") != kinds:
        playbook_update(playbook=playbook, auto_approve_kinds=kinds)


def _sales_territory_ensure(workspace: Workspace, member: users.User) -> None:
    """A default territory with the demo member as its rep and manager, made before any event
    is seeded, so the MQLs the history produces are proposed to someone: their handoffs wait
    in the approval queue (the demo playbook does not auto-approve them). Saved through the
    service, so proposals waiting for a rep are re-routed as when a person saves it."""
    territory = Territory.objects.filter(workspace=workspace, name=DEMO_TERRITORY).first()
    if territory is None:
        territory = Territory(
            workspace=workspace, name=DEMO_TERRITORY, is_default=True, manager=member
        )
    territory_save(territory=territory, reps=[member])


@transaction.atomic
def _people_ensure(workspace: Workspace, dataset: Dataset) -> tuple[int, int]:
    """Create the accounts and contacts the workspace does not have yet (matched by domain
    and email); return how many of each were created."""
    accounts = {
        account.domain: account
        for account in Account.objects.for_workspace(workspace.pk).exclude(domain="")
    }
    accounts_created = 0
    for seed in dataset.accounts:
        if seed.domain in accounts:
            continue
        accounts[seed.domain] = account_create(
            workspace=workspace,
            domain=seed.domain,
            name=seed.name,
            industry=seed.industry,
            employee_count=seed.employee_count,
            annual_revenue=seed.annual_revenue,
            country=seed.country,
            region=seed.region,
            postal_code=seed.postal_code,
            attributes=seed.attributes,
        )
        accounts_created += 1

    known = set(
        Contact.objects.for_workspace(workspace.pk)
        .filter(email__in=[seed.email for seed in dataset.contacts])
        .values_list("email", flat=True)
    )
    contacts_created = 0
    for person in dataset.contacts:
        if person.email in known:
            continue
        contact_create(
            workspace=workspace,
            email=person.email,
            phone=person.phone,
            first_name=person.first_name,
            last_name=person.last_name,
            title=person.title,
            company_size=person.company_size,
            industry=person.industry,
            country=person.country,
            region=person.region,
            postal_code=person.postal_code,
            external_id=person.external_id,
            account=accounts.get(person.account_domain) if person.account_domain else None,
            lifecycle_stage=person.lifecycle_stage,
            attributes=person.attributes,
        )
        contacts_created += 1
    return accounts_created, contacts_created


def _batches(events: Sequence[EventSeed]) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Each source system's events in time order, in batches the API would accept."""
    by_source: dict[str, list[EventSeed]] = {}
    for event in events:
        by_source.setdefault(event.source, []).append(event)
    for source, items in by_source.items():
        items.sort(key=lambda event: (event.occurred_at, str(event.payload["id"])))
        for start in range(0, len(items), BATCH_SIZE):
            yield source, [event.payload for event in items[start : start + BATCH_SIZE]]
