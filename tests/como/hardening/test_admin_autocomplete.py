"""An autocomplete field posted with a value that is no key (the probe after issue 10): the
form comes back with its error, and redrawing the widget looked the value up as given, so
``account=NaN`` was a 500. The shared admin base's widget leaves such values out of the lookup."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from como.consent.models import ConsentRecord
from como.leads.models import Contact
from como.workspaces.models import Workspace
from tests.factories import AccountFactory, ContactFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client() -> Client:
    client = Client()
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("value", ["NaN", "1.5", "abc", str(10**30), "-1"])
def test_a_contact_posted_with_an_account_that_is_no_key_is_a_form_error(
    client: Client, workspace: Workspace, value: str
) -> None:
    contact = ContactFactory.create(workspace=workspace, email="ana@example.com")
    url = reverse("admin:leads_contact_change", args=[contact.pk])
    response = client.post(
        url, {"workspace": workspace.pk, "email": "ana@example.com", "account": value}
    )

    assert response.status_code == 200  # the form again, with its error
    assert response.context["adminform"].form.errors["account"]
    contact.refresh_from_db()
    assert contact.account_id is None


def test_a_valid_account_is_still_shown_selected_on_a_redraw(
    client: Client, workspace: Workspace
) -> None:
    account = AccountFactory.create(workspace=workspace, name="Acme Motors")
    contact = ContactFactory.create(workspace=workspace, email="ana@example.com")
    url = reverse("admin:leads_contact_change", args=[contact.pk])
    # A bad email keeps the form on screen; the account it names must still be drawn selected.
    response = client.post(url, {"workspace": workspace.pk, "email": "no", "account": account.pk})

    assert response.status_code == 200
    assert b"Acme Motors" in response.content
    assert Contact.objects.get(pk=contact.pk).email == "ana@example.com"


def test_a_consent_record_posted_with_a_contact_that_is_no_key_is_a_form_error(
    client: Client, workspace: Workspace
) -> None:
    response = client.post(reverse("admin:consent_consentrecord_add"), {"contact": "NaN"})

    assert response.status_code in {200, 403}
    assert ConsentRecord.objects.count() == 0
