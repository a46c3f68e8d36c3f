"""JSON typed into the admin for a column of one shape (the probe after issue 10): a
campaign's ``channels`` of ``null`` was an IntegrityError (NOT NULL), ``5`` a TypeError and
``[{}]`` an unhashable lookup, all 500s. A column defaulting to ``{}`` or ``[]`` now takes
only that shape (``como.jsonsafe.JSONFormField(shape=…)``, set for every admin page by the
shared base), and a channel that is no string is an unknown channel."""

from __future__ import annotations

import pytest

from como.campaigns.models import Campaign
from como.leads.models import Contact
from como.workspaces.models import Workspace
from tests.factories import member_client

pytestmark = pytest.mark.django_db


def _campaign_form(workspace: Workspace, channels: str) -> dict[str, str]:
    return {
        "workspace": str(workspace.pk),
        "name": "Spring",
        "status": "draft",
        "channels": channels,
        "starts_on": "",
        "ends_on": "",
        "budget": "",
    }


@pytest.mark.parametrize(
    ("channels", "error"),
    [
        ("null", "Must be a JSON list, not null."),
        ("5", "Must be a JSON list, not int."),
        ('{"a": 1}', "Must be a JSON list, not dict."),
        ("[{}]", "Unknown channel(s): {}."),
        ("[1]", "Unknown channel(s): 1."),
    ],
)
def test_a_campaigns_channels_of_another_shape_are_a_form_error(
    workspace: Workspace, channels: str, error: str
) -> None:
    client = member_client(workspace, "owner")
    response = client.post("/admin/campaigns/campaign/add/", _campaign_form(workspace, channels))
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Campaign.objects.filter(name="Spring").exists()


def test_valid_channels_pass_the_form(workspace: Workspace) -> None:
    client = member_client(workspace, "owner")
    response = client.post("/admin/campaigns/campaign/add/", _campaign_form(workspace, '["email"]'))
    assert "channels" not in response.context["adminform"].form.errors


def test_contact_attributes_must_be_an_object(workspace: Workspace) -> None:
    contact = Contact.objects.create(workspace=workspace, email="a@example.com")
    client = member_client(workspace, "owner")
    page = client.get(f"/admin/leads/contact/{contact.pk}/change/")
    form = page.context["adminform"].form
    assert form.fields["attributes"].shape is dict
