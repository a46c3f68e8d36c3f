"""factory-boy factories. Workspaces are made through the service, as in production."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

from como.leads.models import Account, AnonymousId, Contact, ContactScore, Event
from como.workspaces.models import Membership, Workspace
from como.workspaces.services import workspace_create


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@staff.example.com")
    is_staff = True
    password = factory.django.Password("correct horse battery staple")


class WorkspaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workspace

    slug = factory.Sequence(lambda n: f"ws-{n}")
    name = factory.LazyAttribute(lambda w: f"Workspace {w.slug}")
    vertical = "b2b"
    time_zone = "America/Chicago"
    country = "US"
    postal_address = "1 Main St, Springfield, IL 62701"

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Workspace:
        return workspace_create(**kwargs)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    workspace = factory.SubFactory(WorkspaceFactory)
    user = factory.SubFactory(UserFactory)
    role = "marketer"


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Faker("company")
    domain = factory.Sequence(lambda n: f"company{n}.example.com")
    industry = "Software"
    employee_count = 250
    country = "US"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    workspace = factory.SubFactory(WorkspaceFactory)
    email = factory.Sequence(lambda n: f"person{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    country = "US"

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Contact:
        """Score fields given (``score_fit=…``, ``last_seen_at=…``) go to the contact's score
        row, which the database inserted with the contact."""
        names = {f.name for f in ContactScore._meta.concrete_fields} - {"contact", "workspace"}
        state = {name: kwargs.pop(name) for name in list(kwargs) if name in names}
        contact: Contact = super()._create(model_class, *args, **kwargs)
        if state:
            ContactScore.objects.filter(contact=contact).update(**state)
        return contact


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    contact = factory.SubFactory(ContactFactory)
    workspace = factory.LazyAttribute(lambda e: e.contact.workspace)
    event_id = factory.Sequence(lambda n: f"evt-{n}")
    type = "page_view"
    properties = factory.LazyFunction(lambda: {"path": "/pricing"})
    occurred_at = factory.LazyFunction(lambda: datetime(2026, 1, 1, 10, 0, tzinfo=UTC))
    received_at = factory.LazyFunction(lambda: datetime(2026, 1, 1, 10, 0, 1, tzinfo=UTC))
    source = "api"


class AnonymousIdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AnonymousId

    contact = factory.SubFactory(ContactFactory)
    workspace = factory.LazyAttribute(lambda a: a.contact.workspace)
    value = factory.Sequence(lambda n: f"anon-{n}")


def _member(workspace: Workspace, role: str) -> Any:
    user = UserFactory.create(username=f"{role}-of-{workspace.slug}")
    MembershipFactory.create(workspace=workspace, user=user, role=role)
    return user


def member_client(workspace: Workspace, role: str = "marketer") -> Client:
    """A Django test client logged in as a new member holding ``role`` in ``workspace``."""
    client = Client()
    client.force_login(_member(workspace, role))
    return client


def member_api_client(workspace: Workspace, role: str = "marketer") -> APIClient:
    """The same for the API, with the session (not an API key)."""
    client = APIClient()
    client.force_login(_member(workspace, role))
    return client


def channel_account_form(workspace: Workspace, **fields: Any) -> dict[str, Any]:
    """The admin's add form for a sandbox SMS channel account, with ``fields`` changed."""
    return {
        "workspace": workspace.pk,
        "channel": "sms",
        "transport": "sandbox",
        "base_url": "",
        "account_id": "AC123",
        "sender": "+13125550100",
        "new_credentials": "",
        "new_webhook_secret": "",
        "settings": "{}",
        **fields,
    }
