"""Saving a workspace's creative templates: validation keyed by field, compile errors naming
the line, an emptied field back to the default, and what the renderer then reads."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from como.workspaces.models import Workspace
from tests.factories import UserFactory
from verticals.automotive.ads.creative import SPECS, templates_for
from verticals.automotive.ads.creative.editing import creative_template_save
from verticals.automotive.ads.models import CreativeTemplate

from .editor_support import dealer_workspace

pytestmark = pytest.mark.django_db

META = SPECS.get("meta_vehicle_ad")


@pytest.fixture
def dealer() -> Workspace:
    return dealer_workspace()


def test_a_saved_field_is_read_over_the_default_and_the_others_stay_default(
    dealer: Workspace,
) -> None:
    user = UserFactory.create()

    row = creative_template_save(
        workspace=dealer,
        kind="meta_vehicle_ad",
        fields={"headline": "{{ vehicle.name }} at {{ rooftop.name }}"},
        user=user,
    )

    assert row.fields == {"headline": "{{ vehicle.name }} at {{ rooftop.name }}"}
    assert row.updated_by == user
    sources = templates_for(dealer)["meta_vehicle_ad"]
    assert sources["headline"] == "{{ vehicle.name }} at {{ rooftop.name }}"
    assert {k: v for k, v in sources.items() if k != "headline"} == {
        k: v for k, v in META.defaults().items() if k != "headline"
    }


def test_an_emptied_field_or_the_default_typed_back_resets_it(dealer: Workspace) -> None:
    creative_template_save(
        workspace=dealer,
        kind="meta_vehicle_ad",
        fields={"headline": "{{ vehicle.make }}", "description": "{{ vehicle.model }}"},
    )

    row = creative_template_save(
        workspace=dealer,
        kind="meta_vehicle_ad",
        fields={"headline": "  \n", "description": META.defaults()["description"]},
    )

    assert row.fields == {}
    assert templates_for(dealer)["meta_vehicle_ad"] == META.defaults()
    assert CreativeTemplate.objects.filter(workspace=dealer).count() == 1


def test_fields_not_given_keep_what_is_stored(dealer: Workspace) -> None:
    creative_template_save(
        workspace=dealer, kind="google_rsa", fields={"path1": "{{ vehicle.make }}"}
    )
    row = creative_template_save(
        workspace=dealer, kind="google_rsa", fields={"path2": "{{ vehicle.trim }}"}
    )

    assert row.fields == {"path1": "{{ vehicle.make }}", "path2": "{{ vehicle.trim }}"}


def test_a_syntax_error_is_a_field_error_naming_the_line_and_nothing_is_saved(
    dealer: Workspace,
) -> None:
    with pytest.raises(ValidationError) as refused:
        creative_template_save(
            workspace=dealer,
            kind="meta_vehicle_ad",
            fields={
                "headline": "{{ vehicle.name }}",
                "primary_text": "Line one\n{% if vehicle.price %}no end",
                "description": "{{ vehicle.price | no_such_filter }}",
            },
        )

    assert refused.value.message_dict == {
        "primary_text": [
            "Line 2: Unexpected end of template. Jinja was looking for the following tags: "
            "'elif' or 'else' or 'endif'. The innermost block that needs to be closed is 'if'."
        ],
        "description": ["Line 1: No filter named 'no_such_filter'."],
    }
    assert not CreativeTemplate.objects.filter(workspace=dealer).exists()


def test_loader_tags_are_refused_when_saved(dealer: Workspace) -> None:
    with pytest.raises(ValidationError) as refused:
        creative_template_save(
            workspace=dealer, kind="direct_mail_piece", fields={"body": "{% include 'x' %}"}
        )

    assert refused.value.message_dict == {
        "body": ["Line 1: include, import and extends are not available in creative templates"]
    }


@pytest.mark.parametrize(
    ("kind", "fields", "errors"),
    [
        (
            "no_such_kind",
            {},
            {
                "kind": [
                    "Not a creative: choose one of direct_mail_piece, "
                    "email_vehicle_block, google_rsa, meta_vehicle_ad."
                ]
            },
        ),
        ("meta_vehicle_ad", {"title": "x"}, {"title": ["Not a field of this creative."]}),
        ("meta_vehicle_ad", {"headline": 7}, {"headline": ["Must be text."]}),
        (
            "meta_vehicle_ad",
            {"headline": "a\x1eb"},
            {"headline": ["Control character U+001E is not allowed."]},
        ),
        (
            "meta_vehicle_ad",
            {"headline": "x" * 100_001},
            {"headline": ["the template is longer than 100000 characters"]},
        ),
    ],
    ids=["unknown kind", "unknown field", "not text", "separator", "too long"],
)
def test_malformed_input_is_refused_by_field(
    dealer: Workspace, kind: str, fields: dict[str, object], errors: dict[str, list[str]]
) -> None:
    with pytest.raises(ValidationError) as refused:
        creative_template_save(workspace=dealer, kind=kind, fields=fields)

    assert refused.value.message_dict == errors
    assert not CreativeTemplate.objects.exists()
