"""The ledger's invariants: append-only (model and database), CASL expiry, suppression."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction

from como.consent.models import ConsentRecord, Suppression
from como.consent.selectors import consent_states, suppressed_channels
from como.consent.services import consent_grant, consent_revoke
from como.consent.state import no_consent
from como.leads.models import Contact
from como.workspaces.models import Workspace
from tests.factories import ContactFactory, UserFactory

pytestmark = pytest.mark.django_db

T = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TICK = timedelta(microseconds=1)


@pytest.fixture
def contact(workspace: Workspace) -> Contact:
    return ContactFactory.create(workspace=workspace, email="ana@example.com", phone="+13125550123")


def test_saving_an_existing_entry_again_is_refused(contact: Contact) -> None:
    record = consent_grant(contact=contact, channel="email", basis="express", source="web_form")
    record.wording = "changed afterwards"

    with pytest.raises(ValueError, match="append-only"):
        record.save()

    assert ConsentRecord.objects.get(pk=record.pk).wording == ""


@pytest.mark.parametrize(
    "change",
    [{"action": "revoke"}, {"wording": "rewritten"}, {"at": T}, {"channel": "sms"}],
    ids=lambda change: next(iter(change)),
)
def test_the_database_refuses_updates_made_past_the_model(
    contact: Contact, change: dict[str, object]
) -> None:
    record = consent_grant(
        contact=contact, channel="email", basis="express", source="web_form", wording="Yes!"
    )
    before = ConsentRecord.objects.filter(pk=record.pk).values().get()

    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        ConsentRecord.objects.filter(pk=record.pk).update(**change)

    assert ConsentRecord.objects.filter(pk=record.pk).values().get() == before


def test_deleting_still_works_so_erasure_can_cascade(contact: Contact) -> None:
    consent_grant(contact=contact, channel="email", basis="express", source="web_form")
    consent_revoke(contact=contact, channel="email", source="unsubscribe_link")

    contact.delete()

    assert ConsentRecord.objects.count() == 0


def test_deleting_the_member_who_recorded_an_entry_only_forgets_who(contact: Contact) -> None:
    member = UserFactory.create(username="clerk")
    record = consent_grant(
        contact=contact, channel="sms", basis="express_written", source="desk", recorded_by=member
    )

    member.delete()

    stored = ConsentRecord.objects.get(pk=record.pk)
    assert stored.recorded_by_id is None
    assert (stored.channel, stored.basis, stored.source) == ("sms", "express_written", "desk")
    # but nothing else can ride on that exception
    other = UserFactory.create(username="other")
    with pytest.raises(IntegrityError), transaction.atomic():
        ConsentRecord.objects.filter(pk=record.pk).update(recorded_by=other)


@pytest.mark.parametrize(
    ("basis", "at", "end"),
    [
        # Two years after a purchase, six calendar months after an inquiry (CASL s.10(10)).
        ("implied_purchase", T, T.replace(year=T.year + 2)),
        ("implied_inquiry", T, T.replace(month=T.month + 6)),
        # The 31st has no counterpart six months on: the last day of that month, not later.
        (
            "implied_inquiry",
            T.replace(month=8, day=31),
            T.replace(year=T.year + 1, month=2, day=28),
        ),
        # 29 February plus two years: 28 February.
        (
            "implied_purchase",
            T.replace(year=2028, month=2, day=29),
            T.replace(year=2030, month=2, day=28),
        ),
    ],
)
def test_casl_implied_consent_expires_exactly(
    contact: Contact, basis: str, at: datetime, end: datetime
) -> None:
    record = consent_grant(
        contact=contact, channel="email", basis=basis, source="purchase", jurisdiction="CA", at=at
    )

    def state_at(at: datetime) -> tuple[bool, bool]:
        state = consent_states(workspace_id=contact.workspace_id, contact_ids=[contact.pk], at=at)
        email = state[contact.pk].get("email", no_consent("email"))
        return email.granted, email.expired

    assert record.expires_at == end
    assert state_at(at - TICK) == (False, False)  # nothing on record yet
    assert state_at(at) == (True, False)
    assert state_at(end - TICK) == (True, False)
    assert state_at(end) == (False, True)
    assert state_at(end + timedelta(days=1)) == (False, True)


def test_express_consent_does_not_expire(contact: Contact) -> None:
    record = consent_grant(contact=contact, channel="email", basis="express", source="form", at=T)
    later = T + timedelta(days=3650)

    state = consent_states(workspace_id=contact.workspace_id, contact_ids=[contact.pk], at=later)

    assert record.expires_at is None
    assert state[contact.pk]["email"].granted is True


def test_a_revocation_suppresses_the_address_and_ends_consent(contact: Contact) -> None:
    consent_grant(contact=contact, channel="sms", basis="express_written", source="form", at=T)
    consent_revoke(contact=contact, channel="sms", source="sms_keyword", reason="stop", at=T + TICK)

    state = consent_states(
        workspace_id=contact.workspace_id, contact_ids=[contact.pk], at=T + timedelta(seconds=1)
    )
    # the suppression is keyed by address: another contact with the same phone is covered too
    twin = ContactFactory.create(workspace=contact.workspace, email="", phone="+13125550123")
    suppressed = suppressed_channels(
        workspace_id=contact.workspace_id,
        addresses={contact.pk: (contact.email, contact.phone), twin.pk: ("", "(312) 555-0123")},
    )

    assert state[contact.pk]["sms"].granted is False
    assert state[contact.pk]["sms"].revoked is True
    assert suppressed == {contact.pk: frozenset({"sms"}), twin.pk: frozenset({"sms"})}
    assert list(Suppression.objects.values_list("channel", "reason")) == [("sms", "stop")]
