"""The leads services directly: what the API and the admin both rely on."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from como.leads import services
from como.leads.models import Account, Contact
from como.workspaces.models import Workspace
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_contact_create_normalises_and_stores(workspace: Workspace) -> None:
    contact = services.contact_create(
        workspace=workspace,
        email=" Ana@Example.com",
        phone="312.555.0123",
        country="us",
        external_id=" crm-7 ",
    )

    contact.refresh_from_db()
    assert (contact.email, contact.phone, contact.country, contact.external_id) == (
        "ana@example.com",
        "+13125550123",
        "US",
        "crm-7",
    )
    assert contact.attributes == {}
    assert contact.lifecycle_stage == "subscriber"


def test_contact_update_changes_only_what_it_is_given(workspace: Workspace) -> None:
    contact = ContactFactory.create(
        workspace=workspace, email="ana@example.com", first_name="Ana", title="CTO"
    )

    services.contact_update(contact=contact, title="CEO", phone="")

    contact.refresh_from_db()
    assert (contact.email, contact.first_name, contact.title, contact.phone) == (
        "ana@example.com",
        "Ana",
        "CEO",
        "",
    )


def test_an_account_must_be_in_the_contacts_workspace(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    foreign = AccountFactory.create(workspace=other_workspace)

    with pytest.raises(ValidationError) as raised:
        services.contact_create(workspace=workspace, email="a@example.com", account=foreign)

    assert raised.value.message_dict == {"account": ["This account belongs to another workspace."]}


def test_a_lost_uniqueness_race_is_still_a_field_error(workspace: Workspace) -> None:
    # Two requests can both pass the duplicate check before either inserts; the constraint
    # catches the second, and the service reports it like the check would have.
    ContactFactory.create(workspace=workspace, email="ana@example.com")
    loser = Contact(workspace=workspace, email="ana@example.com")

    with transaction.atomic():
        with pytest.raises(ValidationError) as raised:
            services._save(loser)
        # the savepoint kept the surrounding transaction usable
        assert Contact.objects.filter(workspace=workspace).count() == 1

    assert raised.value.message_dict == {
        "email": ["Another contact in this workspace has this email."]
    }


def test_a_lost_account_domain_race_is_a_field_error(workspace: Workspace) -> None:
    AccountFactory.create(workspace=workspace, domain="acme.com")

    with pytest.raises(ValidationError) as raised:
        services._save(Account(workspace=workspace, domain="acme.com"))

    assert raised.value.message_dict == {
        "domain": ["Another account in this workspace has this domain."]
    }


def test_account_update_may_clear_the_domain_when_it_has_a_name(workspace: Workspace) -> None:
    account = AccountFactory.create(workspace=workspace, domain="acme.com", name="Acme")

    services.account_update(account=account, domain="")

    account.refresh_from_db()
    assert (account.domain, account.name) == ("", "Acme")

    with pytest.raises(ValidationError) as raised:
        services.account_update(account=account, name="")
    assert raised.value.message_dict == {"__all__": ["An account needs a name or a domain."]}
    account.refresh_from_db()
    assert account.name == "Acme"


def test_over_long_values_are_field_errors(workspace: Workspace) -> None:
    with pytest.raises(ValidationError) as raised:
        services.contact_create(workspace=workspace, email="a@example.com", first_name="x" * 101)

    assert raised.value.message_dict == {
        "first_name": ["Ensure this value has at most 100 characters (it has 101)."]
    }
