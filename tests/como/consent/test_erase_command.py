"""``manage.py erase_contact``: erases like the API, and says exactly what it did not find."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from como.consent.hashing import suppression_digest
from como.consent.models import Erasure, Suppression
from como.leads.models import Contact
from como.workspaces.models import Workspace
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact(workspace: Workspace) -> Contact:
    return ContactFactory.create(workspace=workspace, email="ana@example.com", phone="+13125550123")


def erase(*args: str) -> str:
    out = StringIO()
    call_command("erase_contact", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    "who",
    [("--email", "Ana@Example.com"), ("--phone", "(312) 555-0123"), ("--contact-id", "{pk}")],
    ids=lambda who: who[0],
)
def test_erases_by_each_identifier(
    contact: Contact, workspace: Workspace, who: tuple[str, str]
) -> None:
    flag, value = who

    out = erase("--workspace", "acme", flag, value.format(pk=contact.pk), "--reason", "ticket 7")

    erasure = Erasure.objects.get()
    assert out == (
        f"Erased contact {contact.pk} of 'acme': erasure {erasure.pk}, "
        "2 address(es) suppressed on every channel.\n"
    )
    assert (erasure.source, erasure.reason, erasure.actor_id) == ("command", "ticket 7", None)
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert set(Suppression.objects.values_list("digest", "channel")) == {
        (suppression_digest(workspace.pk, "ana@example.com"), "*"),
        (suppression_digest(workspace.pk, "+13125550123"), "*"),
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--workspace", "nope", "--email", "ana@example.com"], "No workspace with slug 'nope'."),
        (
            ["--workspace", "acme", "--email", "zed@example.com"],
            "No contact with email 'zed@example.com' in workspace 'acme'.",
        ),
        (
            ["--workspace", "acme", "--phone", "+13125550100"],
            "No contact with phone '+13125550100' in workspace 'acme'.",
        ),
        (
            ["--workspace", "acme", "--contact-id", "999999"],
            "No contact with id 999999 in workspace 'acme'.",
        ),
        (
            ["--workspace", "acme", "--email", "not-an-email"],
            "'not-an-email' is not an email address.",
        ),
        (["--workspace", "acme", "--phone", "12"], "'12' is not a phone number."),
    ],
)
def test_names_what_it_did_not_find(contact: Contact, args: list[str], message: str) -> None:
    with pytest.raises(CommandError) as raised:
        erase(*args)

    assert str(raised.value) == message
    assert Contact.objects.filter(pk=contact.pk).exists()
    assert Erasure.objects.count() == Suppression.objects.count() == 0


def test_another_workspaces_contact_is_not_found(
    contact: Contact, other_workspace: Workspace
) -> None:
    with pytest.raises(CommandError, match=f"No contact with id {contact.pk} in workspace 'rival'"):
        erase("--workspace", "rival", "--contact-id", str(contact.pk))

    assert Contact.objects.filter(pk=contact.pk).exists()


def test_a_shared_phone_needs_the_contact_id(contact: Contact, workspace: Workspace) -> None:
    ContactFactory.create(workspace=workspace, email="spouse@example.com", phone="+13125550123")

    with pytest.raises(CommandError) as raised:
        erase("--workspace", "acme", "--phone", "+13125550123")

    assert str(raised.value) == (
        "Several contacts in workspace 'acme' have phone '+13125550123': name one with "
        "--contact-id."
    )


def test_exactly_one_identifier_is_required(contact: Contact) -> None:
    with pytest.raises(CommandError, match="one of the arguments --email --phone --contact-id"):
        erase("--workspace", "acme")
    with pytest.raises(CommandError, match="not allowed with argument"):
        erase("--workspace", "acme", "--email", "ana@example.com", "--contact-id", "1")
