"""The account play's settings in the playbook editor (the ``accounts`` section's ``play``):
editable field by field, validated, role keys checked against the committee."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from como.agents.services import playbook_for
from como.workspaces.models import Workspace
from tests.factories import member_client
from verticals.b2b.accounts.settings import accounts_settings

pytestmark = pytest.mark.usefixtures("fast_passwords")


def test_the_editor_edits_and_validates_the_account_play(workspace: Workspace) -> None:
    playbook = playbook_for(workspace)
    client = member_client(workspace, role="owner")
    url = reverse("admin:agents_playbook_change", args=[playbook.pk]) + "?section=accounts"
    form = client.get(url).context["form"]
    names = {
        "accounts__play__parts",
        "accounts__play__sla_hours",
        "accounts__play__sequences",
        "accounts__play__audience",
        "accounts__play__linkedin_segment",
        "accounts__play__surge_window_days",
    }
    assert names <= set(form.fields)
    shown: dict[str, object] = {}
    for field in form:
        value = field.value()
        if value in (None, False):
            continue
        if isinstance(value, dict | list) and field.html_name != "accounts__play__parts":
            value = json.dumps(value)
        shown[field.html_name] = value

    refused = client.post(url, {**shown, "accounts__play__sla_hours": "0"})
    assert refused.status_code == 400
    assert list(refused.context["form"].errors) == ["accounts__play__sla_hours"]
    unknown = client.post(
        url, {**shown, "accounts__play__sequences": json.dumps({"janitor": "welcome"})}
    )
    assert unknown.status_code == 400
    assert "janitor" in unknown.content.decode()

    saved = client.post(
        url,
        {
            **shown,
            "accounts__play__sla_hours": "12",
            "accounts__play__parts": ["handoff", "audience"],
            "accounts__play__audience": "contacts",
            "accounts__play__linkedin_segment": "998877",
            "accounts__play__sequences": json.dumps({"champion": "champion-nurture"}),
        },
    )
    assert saved.status_code == 302, saved.content.decode()[:2000]
    play = accounts_settings(workspace).play
    assert (play.sla_hours, play.parts, play.audience, play.linkedin_segment) == (
        12,
        ["handoff", "audience"],
        "contacts",
        "998877",
    )
    assert play.sequences == {"champion": "champion-nurture"}
