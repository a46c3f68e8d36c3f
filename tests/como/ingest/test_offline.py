"""``POST/GET /api/v1/offline-touches`` and ``manage.py import_attendees``: attendees as
offline touches of a campaign, bad attendees named by index or row, the good ones kept."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from como.campaigns.models import Campaign
from como.leads.models import Event
from como.workspaces.models import Workspace

pytestmark = pytest.mark.django_db
URL = "/api/v1/offline-touches"


def body(campaign: int, *emails: str) -> dict[str, object]:
    return {
        "campaign": campaign,
        "kind": "trade_show",
        "name": "Data Summit 2026 booth",
        "occurred_at": "2026-09-10T15:00:00Z",
        "attendees": [{"email": email} for email in emails],
    }


def test_attendees_become_touches_and_a_bad_one_is_named(
    api: APIClient, workspace: Workspace, other_workspace: Workspace
) -> None:
    campaign = Campaign.objects.create(workspace=workspace, name="Summit")
    response = api.post(URL, body(campaign.pk, "a@x.example", "nope"), format="json")
    assert response.status_code == 400
    answer = response.json()
    assert (answer["created"], answer["rejected"]) == (1, 1)
    assert answer["results"][1]["index"] == 1
    assert "contact.email" in answer["results"][1]["errors"]
    stored = Event.objects.get(workspace=workspace, type="offline_touch")
    assert stored.properties == {
        "campaign_id": campaign.pk,
        "kind": "trade_show",
        "name": "Data Summit 2026 booth",
    }
    again = api.post(URL, body(campaign.pk, "a@x.example"), format="json")
    assert (again.status_code, again.json()["duplicates"]) == (200, 1)
    assert [row["type"] for row in api.get(URL).json()["results"]] == ["offline_touch"]
    foreign = Campaign.objects.create(workspace=other_workspace, name="Theirs")
    refused = api.post(URL, body(foreign.pk, "a@x.example"), format="json")
    assert refused.status_code == 400
    assert refused.json() == {"campaign": ["No such campaign in this workspace."]}
    assert api.post(URL, body(campaign.pk), format="json").status_code == 400


def test_the_command_reads_an_attendee_list(workspace: Workspace, tmp_path: Path) -> None:
    campaign = Campaign.objects.create(workspace=workspace, name="Roundtables")
    path = tmp_path / "attendees.csv"
    path.write_text("First Name,Email Address,Company\nAna,ana@x.example,X\nBo,,Y\n")
    out = StringIO()
    call_command(
        "import_attendees",
        str(path),
        workspace=workspace.slug,
        campaign=campaign.pk,
        kind="roundtable",
        name="CFO roundtable",
        date="2026-10-01",
        stdout=out,
    )
    assert "row 3 email: Give the attendee's email." in out.getvalue()
    assert "created 1, duplicate 0, rejected 1" in out.getvalue()
    with pytest.raises(CommandError):
        call_command(
            "import_attendees",
            str(path),
            workspace=workspace.slug,
            campaign=campaign.pk + 99,
            kind="roundtable",
            name="x",
            date="2026-10-01",
            stdout=out,
        )
