"""``POST /api/v1/compliance/check``: the engine's report for a draft, scoped to the caller."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from rest_framework.test import APIClient

from como.consent.services import consent_grant, consent_revoke, suppress
from como.leads.models import Contact
from como.workspaces.models import Workspace
from tests.factories import ContactFactory, member_api_client

URL = "/api/v1/compliance/check"
GRANTED_AT = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
#: 14:00 in Chicago (CDT).
AFTERNOON = "2026-06-10T19:00:00Z"
#: 22:30 in Chicago: quiet hours.
NIGHT = "2026-06-11T03:30:00Z"
SMS_BODY = "Workspace acme: 20% off service this week. Reply STOP to opt out."

pytestmark = pytest.mark.usefixtures("fast_passwords")


@pytest.fixture
def ana(workspace: Workspace) -> Contact:
    contact = ContactFactory.create(
        workspace=workspace,
        email="ana@example.com",
        phone="+13125550123",
        country="US",
        region="IL",
    )
    consent_grant(
        contact=contact,
        channel="sms",
        basis="express_written",
        source="web_form",
        wording="Yes, text me offers from Acme.",
        at=GRANTED_AT,
    )
    return contact


def rules(response: Any) -> list[tuple[str, str]]:
    assert response.status_code == 200, response.content
    return sorted((f["rule"], f["severity"]) for f in response.json()["findings"])


def test_an_allowed_text_has_no_findings(api: APIClient, ana: Contact) -> None:
    response = api.post(
        URL,
        {"channel": "sms", "text": SMS_BODY, "recipient": {"contact_id": ana.pk}, "at": AFTERNOON},
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["findings"] == []
    assert body["blocking"] is False
    assert body["defer_until"] is None
    assert body["jurisdictions"] == ["US", "US-IL"]
    assert {"suppression", "consent.revoked", "tcpa", "tcpa.quiet_hours"} <= set(body["checked"])
    assert "canspam" not in body["checked"]


def test_a_text_at_night_is_deferred_to_eight_local(api: APIClient, ana: Contact) -> None:
    response = api.post(
        URL,
        {"channel": "sms", "text": SMS_BODY, "recipient": {"contact_id": ana.pk}, "at": NIGHT},
        format="json",
    )

    body = response.json()
    assert rules(response) == [("tcpa.quiet_hours.outside_window", "defer")]
    assert body["blocking"] is False
    assert body["defer_until"] == "2026-06-11T13:00:00+00:00"
    assert body["findings"][0]["defer_until"] == "2026-06-11T13:00:00+00:00"
    assert body["findings"][0]["citation"] == "47 CFR 64.1200(c)(1)"


def test_a_revoked_contact_is_blocked(api: APIClient, ana: Contact) -> None:
    consent_revoke(contact=ana, channel="sms", source="sms_keyword", at=GRANTED_AT)
    payload = {"channel": "sms", "text": SMS_BODY, "recipient": {"contact_id": ana.pk}}

    later = api.post(URL, {**payload, "at": AFTERNOON}, format="json")
    before = api.post(URL, {**payload, "at": "2026-01-01T19:00:00Z"}, format="json")

    assert later.json()["blocking"] is True
    assert rules(later) == [
        ("consent.revoked.latest", "block"),
        ("suppression.suppressed", "block"),
        ("tcpa.written_consent", "block"),
    ]
    # Before the grant the ledger had nothing, but the suppression list holds regardless.
    assert rules(before) == [
        ("suppression.suppressed", "block"),
        ("tcpa.written_consent", "block"),
    ]


def test_copy_linted_without_recipient_is_checked_for_the_workspaces_country(
    api: APIClient, workspace: Workspace
) -> None:
    response = api.post(
        URL,
        {
            "channel": "email",
            "fields": {"subject": "RE: your car", "body": "Come see us."},
            # The fields exactly as given (as sent, the email channel adds header and footer).
            "as_sent": False,
        },
        format="json",
    )

    assert rules(response) == [
        ("canspam.postal_address", "block"),
        ("canspam.subject", "warn"),
        ("canspam.unsubscribe", "block"),
    ]
    assert response.json()["jurisdictions"] == ["US"]
    address = next(f for f in response.json()["findings"] if f["rule"] == "canspam.postal_address")
    assert address["evidence"] == {"postal_address": workspace.postal_address}


def test_given_jurisdictions_add_their_country_and_the_eu(api: APIClient) -> None:
    response = api.post(
        URL,
        {
            "channel": "email",
            "text": "Hello",
            "recipient": {"email": "jo@example.de"},
            "jurisdictions": ["us-ca", "DE"],
        },
        format="json",
    )

    body = response.json()
    assert body["jurisdictions"] == ["DE", "EU", "US", "US-CA"]
    assert {"canspam", "gdpr"} <= set(body["checked"])
    assert ("gdpr.consent", "block") in rules(response)


def test_an_inline_recipient_is_checked_against_the_suppression_list(
    api: APIClient, workspace: Workspace
) -> None:
    suppress(workspace_id=workspace.pk, addresses=["+13055550123"], channel="sms", reason="stop")

    response = api.post(
        URL,
        {
            "channel": "sms",
            "text": SMS_BODY,
            "recipient": {"phone": "+1 305 555 0123", "country": "US", "region": "FL"},
            "at": AFTERNOON,
        },
        format="json",
    )

    assert rules(response) == [
        ("suppression.suppressed", "block"),
        ("tcpa.written_consent", "block"),
    ]


def test_an_audience_upload_lists_the_opted_out(
    api: APIClient, workspace: Workspace, ana: Contact
) -> None:
    opted_out = ContactFactory.create(workspace=workspace, email="gpc@example.com")
    consent_revoke(contact=opted_out, channel="ads", source="gpc", reason="gpc", at=GRANTED_AT)

    response = api.post(
        URL,
        {
            "channel": "paid_social",
            "kind": "paid_social_audience_upload",
            "audience": [ana.pk, opted_out.pk],
            "at": AFTERNOON,
        },
        format="json",
    )

    assert rules(response) == [("ccpa.opted_out", "block")]
    assert response.json()["findings"][0]["evidence"] == {
        "contact_ids": [opted_out.pk],
        "count": 1,
    }


def test_another_workspaces_contact_is_never_read(
    api: APIClient, ana: Contact, other_workspace: Workspace
) -> None:
    foreign = ContactFactory.create(workspace=other_workspace, phone="+13125550199")
    missing = foreign.pk + 1000

    as_recipient = api.post(
        URL, {"channel": "sms", "text": "x", "recipient": {"contact_id": foreign.pk}}, format="json"
    )
    nonexistent = api.post(
        URL, {"channel": "sms", "text": "x", "recipient": {"contact_id": missing}}, format="json"
    )
    in_audience = api.post(
        URL,
        {"channel": "linkedin", "kind": "audience_upload", "audience": [ana.pk, foreign.pk]},
        format="json",
    )

    assert as_recipient.status_code == 400
    assert as_recipient.json() == {
        "recipient": {"contact_id": [f"No contact {foreign.pk} in workspace 'acme'."]}
    }
    assert nonexistent.json() == {
        "recipient": {"contact_id": [f"No contact {missing} in workspace 'acme'."]}
    }
    assert in_audience.status_code == 400
    assert in_audience.json() == {"audience": [f"No contacts {foreign.pk} in workspace 'acme'."]}


def test_the_other_workspace_checks_with_its_own_contact(
    key_client: Callable[[Workspace], APIClient], other_workspace: Workspace
) -> None:
    foreign = ContactFactory.create(workspace=other_workspace, email="bo@example.com")

    response = key_client(other_workspace).post(
        URL,
        {"channel": "email", "text": "x", "recipient": {"contact_id": foreign.pk}},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert "canspam" in response.json()["checked"]


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({}, {"channel": ["This field is required."]}),
        ({"channel": "fax"}, {"channel": ['"fax" is not a valid choice.']}),
        (
            {"channel": "sms", "recipient": {"contact_id": 1, "email": "a@b.example"}},
            {
                "recipient": {
                    "contact_id": ["Give a contact_id or an inline recipient (email), not both."]
                }
            },
        ),
        (
            {"channel": "sms", "recipient": {}},
            {
                "recipient": {
                    "non_field_errors": [
                        "Give a contact_id, or the recipient's email or phone and country."
                    ]
                }
            },
        ),
        (
            {"channel": "sms", "recipient": {"phone": "call me"}},
            {"recipient": {"phone": ["Give the number in E.164, e.g. +13125550123."]}},
        ),
        (
            {"channel": "sms", "recipient": {"phone": "+13125550123", "country": "ZZ"}},
            {"recipient": {"country": ["'ZZ' is not an ISO 3166-1 alpha-2 country code."]}},
        ),
        (
            {"channel": "sms", "recipient": {"contact_id": 2**63}},
            {
                "recipient": {
                    "contact_id": [f"Ensure this value is less than or equal to {2**63 - 1}."]
                }
            },
        ),
        (
            {"channel": "email", "jurisdictions": ["US-"]},
            {
                "jurisdictions": [
                    '\'US-\' is not a jurisdiction: give "EU", a country ("US", "CA") or a '
                    'country and subdivision ("US-CA").'
                ]
            },
        ),
        (
            {"channel": "email", "at": "2026-06-10T19:00:00"},
            {"at": ["Give a timezone: end with Z or an offset like +01:00."]},
        ),
        (
            {"channel": "email", "at": "9999-12-31T23:00:00Z"},
            {"at": ["Give a date between 1970 and 2999."]},
        ),
        (
            {"channel": "sms", "text": "a", "fields": {"body": "b"}},
            {"text": ["Give the body in text or in fields.body, not both."]},
        ),
        (
            {"channel": "paid_search", "vehicle": [1, 2]},
            {"vehicle": ["Give the vehicle as an object."]},
        ),
        (
            {"channel": "sms", "text": "nul \x00 byte"},
            {"text": ["Null characters are not allowed."]},
        ),
    ],
)
def test_bad_input_is_400_with_field_messages(
    api: APIClient, payload: dict[str, Any], errors: dict[str, Any]
) -> None:
    response = api.post(URL, payload, format="json")

    assert response.status_code == 400, response.content
    assert response.json() == errors


def test_a_body_that_is_not_an_object_is_400(api: APIClient) -> None:
    listed = api.post(URL, [{"channel": "sms"}], format="json")
    broken = api.post(URL, "{nope", content_type="application/json")

    assert listed.status_code == 400
    assert listed.json() == {
        "non_field_errors": ["Invalid data. Expected a dictionary, but got list."]
    }
    assert broken.status_code == 400
    assert "JSON parse error" in broken.json()["detail"]


def test_any_member_who_can_view_may_lint(workspace: Workspace) -> None:
    viewer = member_api_client(workspace, role="viewer")

    response = viewer.post(URL, {"channel": "sms", "text": SMS_BODY}, format="json")

    assert response.status_code == 200, response.content
    assert [f["rule"] for f in response.json()["findings"]] == []


def test_only_json_is_read(api: APIClient) -> None:
    response = api.post(URL, {"channel": "sms", "text": "x"})  # multipart

    assert response.status_code == 415


def test_strangers_are_refused(db: Any) -> None:
    response = APIClient().post(URL, {"channel": "sms", "text": "x"}, format="json")

    assert response.status_code in (401, 403)


def test_the_operation_is_in_the_schema(api: APIClient) -> None:
    schema = api.get("/api/v1/schema?format=json").json()

    operation = schema["paths"]["/api/v1/compliance/check"]["post"]
    assert set(operation["responses"]) >= {"200", "400"}
    assert list(schema["paths"]["/api/v1/compliance/check"]) == ["post"]
