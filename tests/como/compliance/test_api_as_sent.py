"""``POST /api/v1/compliance/check`` lints a draft as its channel will send it: the platform's
limits on the copy (never the placement or account it was not given), and what the channel adds
(the email channel's unsubscribe headers and footer)."""

from __future__ import annotations

from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from como.workspaces.models import Workspace

URL = "/api/v1/compliance/check"
HEADLINES = ["Honda Accord in stock", "Test drive today", "Lakeside Honda"]
DESCRIPTIONS = ["New and used Hondas at Lakeside.", "Visit our showroom on Main Street."]
#: 31 characters: one past Google's 30.
LONG_HEADLINE = "Certified Honda Accord in stock"


def rules(response: Any) -> list[tuple[str, str]]:
    assert response.status_code == 200, response.content
    return sorted((f["rule"], f["severity"]) for f in response.json()["findings"])


def rsa(**fields: Any) -> dict[str, Any]:
    return {
        "channel": "paid_search",
        "fields": {"headlines": HEADLINES, "descriptions": DESCRIPTIONS, **fields},
    }


def test_a_31_character_headline_blocks(api: APIClient) -> None:
    assert len(LONG_HEADLINE) == 31
    response = api.post(URL, rsa(headlines=[LONG_HEADLINE, *HEADLINES[1:]]), format="json")

    assert rules(response) == [("paid_search.payload", "block")]
    (finding,) = response.json()["findings"]
    assert finding["message"] == "headlines[0]: At most 30 characters (31 given)."
    assert finding["evidence"] == {"field": "headlines[0]"}
    assert response.json()["blocking"] is True


def test_headlines_one_per_line_are_read_like_a_list(api: APIClient) -> None:
    text = "\n".join([*HEADLINES[:2], LONG_HEADLINE])
    response = api.post(URL, rsa(headlines=text), format="json")

    assert [f["message"] for f in response.json()["findings"]] == [
        "headlines[2]: At most 30 characters (31 given)."
    ]


def test_copy_without_an_account_or_ad_group_raises_no_account_findings(api: APIClient) -> None:
    # No ad group, no customer id, no final URL: the copy alone fits Google's limits.
    response = api.post(URL, rsa(path1="honda", path2="accord"), format="json")

    assert rules(response) == []
    assert "paid_search.payload" not in {f["rule"] for f in response.json()["findings"]}


def test_the_counts_of_headlines_and_descriptions_are_the_platforms(api: APIClient) -> None:
    response = api.post(
        URL, rsa(headlines=HEADLINES[:2], descriptions=DESCRIPTIONS * 3), format="json"
    )

    assert sorted(f["message"] for f in response.json()["findings"]) == [
        "descriptions: Give 2 to 4 items (6 given).",
        "headlines: Give 3 to 15 items (2 given).",
    ]


def test_a_final_url_given_must_be_https(api: APIClient) -> None:
    response = api.post(URL, rsa(final_url="http://lakeside.example"), format="json")

    assert [f["message"] for f in response.json()["findings"]] == [
        "final_urls[0]: Must be an https:// URL."
    ]


def test_meta_text_blocks_past_its_limits_and_warns_past_its_advice(api: APIClient) -> None:
    fields = {"primary_text": "x" * 2201, "headline": "y" * 41}
    response = api.post(URL, {"channel": "paid_social", "fields": fields}, format="json")

    assert rules(response) == [
        ("paid_social.payload", "block"),
        ("paid_social.payload.recommended", "warn"),
        ("paid_social.payload.recommended", "warn"),
    ]
    assert response.json()["findings"][0]["message"] == (
        "primary_text: At most 2200 characters (2201 given)."
    )


def test_meta_copy_without_an_ad_set_or_page_is_clean(api: APIClient) -> None:
    fields = {"primary_text": "Spring service special.", "headline": "Lakeside Honda"}
    response = api.post(URL, {"channel": "paid_social", "fields": fields}, format="json")

    assert rules(response) == []


def test_linkedin_commentary_past_600_blocks(api: APIClient) -> None:
    fields = {"commentary": "z" * 601, "headline": "Fleet offers"}
    response = api.post(URL, {"channel": "linkedin", "fields": fields}, format="json")

    assert rules(response) == [("linkedin.payload", "block")]
    assert response.json()["findings"][0]["message"] == (
        "commentary: At most 600 characters (601 given)."
    )


def test_a_text_past_twilios_1600_characters_blocks(api: APIClient) -> None:
    body = "Acme: service special. Reply STOP to opt out. " + "x" * 1600
    response = api.post(
        URL,
        {"channel": "sms", "text": body, "recipient": {"phone": "+13125550123", "country": "US"}},
        format="json",
    )

    assert ("sms.payload", "block") in rules(response)


def email(body: str, **more: Any) -> dict[str, Any]:
    return {"channel": "email", "fields": {"subject": "Spring service", "body": body}, **more}


PLACEHOLDER_BODY = "Book your service.\n\nUnsubscribe: {{ unsubscribe_url }}"


def test_the_unsubscribe_placeholder_is_the_channels_link(api: APIClient) -> None:
    response = api.post(URL, email(PLACEHOLDER_BODY), format="json")

    assert rules(response) == []
    assert "canspam" in response.json()["checked"]


def test_as_sent_the_channel_adds_header_footer_and_address(api: APIClient) -> None:
    # The email channel appends the footer (postal address, unsubscribe link) and the
    # List-Unsubscribe headers to every message, so copy without them is not blamed.
    response = api.post(URL, email("Book your service."), format="json")

    assert rules(response) == []


def test_without_the_channel_a_body_without_the_link_is_flagged(api: APIClient) -> None:
    raw = api.post(URL, email("Book your service.", as_sent=False), format="json")
    placeholder = api.post(URL, email(PLACEHOLDER_BODY, as_sent=False), format="json")

    assert rules(raw) == [("canspam.postal_address", "block"), ("canspam.unsubscribe", "block")]
    # Not sent by the channel, the placeholder is not a link either.
    assert ("canspam.unsubscribe", "block") in rules(placeholder)


def test_the_footer_cannot_print_an_address_the_workspace_lacks(
    api: APIClient, workspace: Workspace
) -> None:
    workspace.postal_address = ""
    workspace.save(update_fields=["postal_address"])

    response = api.post(URL, email(PLACEHOLDER_BODY), format="json")

    assert rules(response) == [("canspam.postal_address", "block")]


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"headlines": ["ok", 3]}, {"fields": {"headlines": ["Give a text or a list of texts."]}}),
        ({"headlines": {"a": "b"}}, {"fields": {"headlines": ["Give a text or a list of texts."]}}),
        ({"headlines": ["h"] * 51}, {"fields": {"headlines": ["At most 50 texts."]}}),
    ],
)
def test_bad_fields_are_400(api: APIClient, fields: dict[str, Any], errors: Any) -> None:
    response = api.post(URL, {"channel": "paid_search", "fields": fields}, format="json")

    assert response.status_code == 400
    assert response.json() == errors


def test_the_schema_documents_the_new_fields(db: Any) -> None:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    check = components["ComplianceCheckRequest"]["properties"]

    assert {"vehicle", "vehicle_id", "as_sent"} <= set(check)
    assert check["fields"]["additionalProperties"]["oneOf"][1]["type"] == "array"
    vehicle = components["VehicleInRequest"]["properties"]
    assert {
        "vin", "year", "make", "model", "trim", "condition", "certified", "price", "msrp",
        "status", "sold_at", "dealer_fees", "rebates", "licence_plate",
    } <= set(vehicle)  # fmt: skip
    assert components["DealerFeeInRequest"]["properties"]["mandatory"]["type"] == "boolean"
