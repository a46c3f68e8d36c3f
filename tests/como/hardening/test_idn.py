"""Issue 10, defect 8: an internationalised domain and its punycode form are one domain, so one
contact, one account and one suppression, wherever an address is normalised or hashed."""

from __future__ import annotations

import hashlib
import importlib
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from como.consent.hashing import suppression_digest
from como.consent.models import Suppression
from como.consent.selectors import suppressed_channels
from como.leads.models import Account, Contact
from como.leads.normalize import email_domain, normalize_domain, normalize_email
from como.scoring.predicates import _is_free_email
from como.workspaces.models import Workspace
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

UNICODE = "idn1@\u0430lpha-corp.com"  # a Cyrillic "a" (U+0430) in the domain
PUNYCODE = "idn1@xn--lpha-corp-zyh.com"


@pytest.mark.parametrize(
    "typed",
    [UNICODE, PUNYCODE, " IDN1@XN--LPHA-CORP-ZYH.COM ", "idn1@\u0410LPHA-CORP.COM"],
    ids=["unicode", "punycode", "punycode, upper case", "unicode, upper case"],
)
def test_every_form_of_an_address_normalises_to_the_a_label(typed: str) -> None:
    assert normalize_email(typed) == PUNYCODE


def test_domains_share_the_form_and_look_alikes_stay_apart() -> None:
    assert normalize_domain("https://www.B\u00fccher.example/shop") == "xn--bcher-kva.example"
    assert normalize_domain("xn--bcher-kva.example") == "xn--bcher-kva.example"
    assert normalize_email("ana@\uff21\uff22\uff23.example") == "ana@abc.example"  # full width
    assert normalize_email(UNICODE) != normalize_email("idn1@alpha-corp.com")  # DNS differs
    assert email_domain("ana@B\u00fccher.example.") == "xn--bcher-kva.example"
    assert _is_free_email("ana@GMAIL.com") is True


@pytest.mark.parametrize("bad", ["x@xn--zz.example", "x@-bad\u00e9.example", "x@a..\u00e9.com"])
def test_a_domain_that_is_not_valid_idna_is_refused(bad: str) -> None:
    with pytest.raises(ValidationError):
        normalize_email(bad)


def _event(event_id: str, email: str) -> dict[str, Any]:
    return {
        "id": event_id,
        "type": "page_view",
        "occurred_at": "2026-01-01T10:00:00Z",
        "contact": {"email": email},
    }


def test_both_forms_are_one_contact_and_opting_out_one_suppresses_the_other(
    api: APIClient, workspace: Workspace
) -> None:
    ingested = api.post(
        "/api/v1/events",
        {"events": [_event("e1", UNICODE), _event("e2", PUNYCODE)]},
        format="json",
    )
    assert ingested.status_code == 200, ingested.content
    [contact] = Contact.objects.filter(workspace=workspace)
    assert contact.email == PUNYCODE

    created = api.post("/api/v1/contacts", {"email": PUNYCODE.upper()}, format="json")
    assert created.status_code == 400, created.content
    assert "email" in created.json()
    assert api.get("/api/v1/contacts", {"email": UNICODE}).json()["results"][0]["id"] == contact.pk

    typed = api.post(
        f"/api/v1/contacts/{contact.pk}/opt-out",
        {"channels": ["email"], "source": "api"},
        format="json",
    )
    assert typed.status_code == 200, typed.content
    for form in (UNICODE, PUNYCODE):
        listed = api.get("/api/v1/suppressions", {"address": form}).json()
        assert listed["channels"] == ["email"], form
        check = api.post(
            "/api/v1/compliance/check",
            {
                "channel": "email",
                "subject": "Hello",
                "text": "Hi",
                "recipient": {"email": form, "country": "US"},
            },
            format="json",
        )
        assert check.status_code == 200, check.content
        found = {f["rule"] for f in check.json()["findings"]}
        assert "suppression.suppressed" in found, (form, found)


def test_a_suppression_hashed_from_the_unicode_form_before_the_fix_still_matches(
    workspace: Workspace,
) -> None:
    # Only the digest of an erased person's address is kept: it cannot be rehashed.
    typed = UNICODE.lower()
    legacy = hashlib.sha256(f"{workspace.pk}:email:{typed}".encode()).hexdigest()
    Suppression.objects.create(workspace=workspace, digest=legacy, channel="*", reason="erased")
    contact = ContactFactory.create(workspace=workspace, email=PUNYCODE)

    found = suppressed_channels(workspace_id=workspace.pk, addresses={contact.pk: [PUNYCODE]})

    assert found[contact.pk] == {"*"}


def test_accounts_are_one_per_domain_in_either_form(api: APIClient, workspace: Workspace) -> None:
    first = api.post(
        "/api/v1/accounts", {"name": "B\u00fccher", "domain": "b\u00fccher.example"}, format="json"
    )
    second = api.post(
        "/api/v1/accounts", {"name": "Again", "domain": "xn--bcher-kva.example"}, format="json"
    )
    assert first.status_code == 201, first.content
    assert first.json()["domain"] == "xn--bcher-kva.example"
    assert second.status_code == 400
    listed = api.get("/api/v1/accounts", {"domain": "www.B\u00fccher.example"}).json()
    assert [row["name"] for row in listed["results"]] == ["B\u00fccher"]


def _migration(app: str, name: str) -> Any:
    return importlib.import_module(f"como.{app}.migrations.{name}")


def test_the_data_migration_rewrites_rows_and_copies_suppressions(workspace: Workspace) -> None:
    # Rows as the code before the fix stored them (as typed, lower-cased).
    stored = ContactFactory.create(workspace=workspace, email="ana@b\u00fccher.example")
    twin_unicode = ContactFactory.create(workspace=workspace, email=UNICODE)
    twin_puny = ContactFactory.create(workspace=workspace, email=PUNYCODE)
    plain = ContactFactory.create(workspace=workspace, email="bob@example.com")
    account = Account.objects.create(workspace=workspace, name="B", domain="b\u00fccher.example")
    legacy = hashlib.sha256(f"{workspace.pk}:email:ana@b\u00fccher.example".encode()).hexdigest()
    Suppression.objects.create(workspace=workspace, digest=legacy, channel="email", reason="admin")

    _migration("leads", "0006_idna_domains").forwards(apps, None)
    _migration("consent", "0004_idna_suppression_digests").forwards(apps, None)

    for row in (stored, twin_unicode, twin_puny, plain, account):
        row.refresh_from_db()
    assert stored.email == "ana@xn--bcher-kva.example"
    assert (twin_unicode.email, twin_puny.email) == (UNICODE, PUNYCODE)  # kept, not crashed
    assert plain.email == "bob@example.com"
    assert account.domain == "xn--bcher-kva.example"
    new = suppression_digest(workspace.pk, stored.email)
    assert Suppression.objects.filter(workspace=workspace, digest=new, channel="email").exists()
