"""The saved audiences' admin page: the rule validated by the service (errors by path), the
name checked in the workspace, and the audience's page counting who is in it now."""

from __future__ import annotations

import pytest
from django.urls import reverse

from como.audiences.models import SavedAudience
from como.workspaces.models import Workspace
from tests.factories import ContactFactory, member_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

ADD = reverse("admin:audiences_savedaudience_add")


def test_an_audience_is_added_checked_and_previewed_in_the_admin(workspace: Workspace) -> None:
    ContactFactory.create(workspace=workspace, email="ca@example.com", country="CA")
    ContactFactory.create(workspace=workspace, email="us@example.com", country="US")
    client = member_client(workspace, "marketer")
    base = {"workspace": workspace.pk, "name": "Canada", "description": ""}

    bad = client.post(ADD, {**base, "rule": '{"countries": ["canada"]}'})
    assert bad.status_code == 200
    assert b"rule.countries.0" in bad.content
    empty = client.post(ADD, {**base, "rule": "{}"})
    assert empty.status_code == 200
    assert "rule" in empty.context["adminform"].form.errors
    assert not SavedAudience.objects.exists()

    made = client.post(ADD, {**base, "rule": '{"countries": ["CA"]}'})
    assert made.status_code == 302, made.content
    audience = SavedAudience.objects.get()
    assert (audience.name, audience.rule) == ("Canada", {"countries": ["CA"]})

    page = client.get(reverse("admin:audiences_savedaudience_change", args=[audience.pk]))
    assert b"<strong>1</strong> people" in page.content
    assert b"ca@example.com" in page.content
    assert b"us@example.com" not in page.content

    taken = client.post(ADD, {**base, "rule": '{"countries": ["US"]}'})
    assert taken.status_code == 200
    assert b"An audience with this name exists in the workspace." in taken.content
    assert SavedAudience.objects.count() == 1


def test_a_viewer_reads_but_cannot_add(workspace: Workspace) -> None:
    viewer = member_client(workspace, "viewer")
    assert viewer.get(reverse("admin:audiences_savedaudience_changelist")).status_code == 200
    refused = viewer.post(
        ADD,
        {
            "workspace": workspace.pk,
            "name": "X",
            "description": "",
            "rule": '{"countries": ["US"]}',
        },
    )
    assert refused.status_code == 403
    assert not SavedAudience.objects.exists()
