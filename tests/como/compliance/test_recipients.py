"""Resolving contacts into recipients: a contact without a country must still fall under some
jurisdiction's checks, or the gate would fail open."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from como.compliance.drafts import Draft, Sender
from como.compliance.engine import run_checks
from como.compliance.selectors import recipients_for
from como.leads.models import Contact
from tests.factories import WorkspaceFactory

pytestmark = pytest.mark.django_db

#: 07:00 UTC: 03:00 in Miami, 02:00 in Chicago.
NIGHT = datetime(2026, 6, 11, 7, 0, tzinfo=UTC)


def test_a_contact_without_a_country_is_placed_by_its_phone() -> None:
    workspace = WorkspaceFactory.create(country="DE")
    contact = Contact.objects.create(workspace=workspace, phone="+13055550123")

    (recipient,) = recipients_for(workspace_id=workspace.pk, contacts=[contact], at=NIGHT)
    report = run_checks(
        Draft(
            channel="sms",
            sender=Sender.of(workspace),
            at=NIGHT,
            fields={"body": f"{workspace.name}: 20% off. Reply STOP to opt out."},
            recipient=recipient,
        )
    )

    assert recipient.country == "US"
    assert {f.rule for f in report.findings} >= {
        "tcpa.written_consent",
        "tcpa.quiet_hours.outside_window",
    }


def test_with_neither_country_nor_phone_the_workspaces_country_applies() -> None:
    workspace = WorkspaceFactory.create(country="CA")
    contact = Contact.objects.create(workspace=workspace, email="ana@example.org")

    (recipient,) = recipients_for(workspace_id=workspace.pk, contacts=[contact], at=NIGHT)
    report = run_checks(
        Draft(
            channel="email",
            sender=Sender.of(workspace),
            at=NIGHT,
            fields={"subject": "Winter tyres", "body": "20% off."},
            recipient=recipient,
        )
    )

    assert recipient.country == "CA"
    assert "casl.consent" in {f.rule for f in report.findings if f.severity == "block"}


def test_the_contacts_own_country_wins() -> None:
    workspace = WorkspaceFactory.create(country="US")
    contact = Contact.objects.create(
        workspace=workspace, country="DE", phone="+13125550123", email="ana@example.org"
    )

    (recipient,) = recipients_for(workspace_id=workspace.pk, contacts=[contact], at=NIGHT)

    assert recipient.jurisdictions == frozenset({"DE", "EU"})
