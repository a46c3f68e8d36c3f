"""The playbook editor: a form per section, each save a version with its diff, the scoring
preview counted with the real engine, all on the scoped admin base."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from como.agents.models import Playbook, PlaybookVersion
from como.agents.playbook_versions import BASELINE_NOTE, Change, SettingDiff, settings_diff
from como.agents.playbooks import playbook_update
from como.agents.services import playbook_for
from como.leads.models import Contact, Event
from como.scoring.models import ScoringModel
from como.scoring.preview import scoring_change_preview
from como.scoring.services import scoring_model_active, scoring_model_create_version
from como.workspaces.models import Workspace

from .proposals import person

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


def owner_client(workspace: Workspace, name: str = "olga") -> tuple[Client, Any]:
    user = person(workspace, "owner", name)
    client = Client()
    client.force_login(user)
    return client, user


def editor_url(playbook: Playbook, section: str) -> str:
    return reverse("admin:agents_playbook_change", args=[playbook.pk]) + f"?section={section}"


def shown(page: Any) -> dict[str, Any]:
    """The section form's fields as the page shows them, ready to post back."""
    form = page.context["form"]
    data: dict[str, Any] = {}
    for field in form:
        value = field.value()
        if value in (None, False):
            continue
        data[field.html_name] = value
    return data


def scoring_data(page: Any) -> dict[str, Any]:
    """The scoring page's fields and formsets as shown, to post back."""
    form = page.context["form"]
    data: dict[str, Any] = {}
    for bound in [form.main, *(formset for _, _, formset in form.groups)]:
        forms = [bound] if bound is form.main else [bound.management_form, *bound.forms]
        for each in forms:
            for field in each:
                value = field.value()
                if value not in (None, False):
                    data[field.html_name] = value
    return data


# --- sections ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "section",
    ["approval", "channels", "jurisdictions", "timing", "sequences", "agents", "scoring"],
)
def test_every_section_page_answers_with_the_workspace_name(
    workspace: Workspace, section: str
) -> None:
    client, _ = owner_client(workspace)
    page = client.get(editor_url(playbook_for(workspace), section))

    assert page.status_code == 200
    assert f"{workspace.name}: playbook" in page.content.decode()
    assert "playbook of" not in page.content.decode()


@pytest.mark.parametrize(
    ("section", "bad", "field"),
    [
        ("approval", {"handoff_sla_minutes": "0"}, "handoff_sla_minutes"),
        ("approval", {"two_approver_kinds": "Budget Raise"}, "two_approver_kinds"),
        ("approval", {"two_approver_spend_above": "-5"}, "two_approver_spend_above"),
        ("approval", {"inventory_removal_hold_share": "3"}, "inventory_removal_hold_share"),
        ("jurisdictions", {"jurisdictions": "usa"}, "jurisdictions"),
        ("jurisdictions", {"market_radius_miles": "0"}, "market_radius_miles"),
        ("channels", {"channels": "e mail"}, "channels"),
        ("timing", {"quiet_hours__start": "25:00"}, "quiet_hours__start"),
        (
            "timing",
            {"frequency_caps": '[{"channel": "email", "max_messages": 0, "per_days": 7}]'},
            "frequency_caps",
        ),
        ("timing", {"send_windows": '{"sms": {"start": "09:00"}}'}, "send_windows"),
        ("timing", {"send_windows": "[1, 2"}, "send_windows"),
        ("sequences", {"sequences_enabled": "Service!"}, "sequences_enabled"),
        (
            "agents",
            {"agents__scoring_refit__crontab": "-1 * * * *"},
            "agents__scoring_refit__crontab",
        ),
        (
            "agents",
            {"agents__scoring_refit__every_days": "0", "agents__scoring_refit__crontab": ""},
            "agents__scoring_refit__every_days",
        ),
    ],
)
def test_a_bad_value_is_an_error_on_its_field_and_nothing_is_saved(
    workspace: Workspace, section: str, bad: dict[str, str], field: str
) -> None:
    playbook = playbook_for(workspace)
    client, _ = owner_client(workspace)
    data = {**shown(client.get(editor_url(playbook, section))), **bad}

    response = client.post(editor_url(playbook, section), data)

    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field], response.context["form"].errors
    playbook.refresh_from_db()
    assert playbook.overrides == {}
    assert not PlaybookVersion.objects.filter(workspace=workspace).exists()


def test_merchandising_gets_a_form_generated_from_the_verticals_model(
    other_workspace: Workspace,
) -> None:
    playbook = playbook_for(other_workspace)
    client, _ = owner_client(other_workspace)
    page = client.get(editor_url(playbook, "merchandising"))
    form = page.context["form"]
    assert {
        "merchandising__conditions",
        "merchandising__min_photos",
        "merchandising__price_required",
        "merchandising__age_bands",
        "merchandising__placements__paid_search__ad_group",
    } <= set(form.fields)

    data = {**shown(page), "merchandising__min_photos": "-1"}
    data["merchandising__placements__paid_search__ad_group"] = "not-an-id"
    response = client.post(editor_url(playbook, "merchandising"), data)

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {
        "merchandising__min_photos",
        "merchandising__placements__paid_search__ad_group",
    }
    assert errors["merchandising__min_photos"] == ["Input should be greater than or equal to 0"]

    data = {**shown(page), "merchandising__min_photos": "6", "merchandising__conditions": ["used"]}
    response = client.post(editor_url(playbook, "merchandising"), data)
    assert response.status_code == 302
    playbook.refresh_from_db()
    assert playbook.merchandising["min_photos"] == 6
    assert playbook.merchandising["conditions"] == ["used"]


# --- versions ---------------------------------------------------------------------------------


def test_a_save_is_a_version_whose_diff_says_exactly_what_changed(workspace: Workspace) -> None:
    playbook = playbook_for(workspace)
    client, olga = owner_client(workspace)
    data = shown(client.get(editor_url(playbook, "approval")))
    data.update(handoff_sla_minutes="7", two_approver_kinds="budget_raise", note="Faster handoff")

    response = client.post(editor_url(playbook, "approval"), data)

    assert response.status_code == 302
    playbook.refresh_from_db()
    # Only what changed became the workspace's choice; the rest still follows the vertical.
    assert playbook.overrides == {"handoff_sla_minutes": 7, "two_approver_kinds": ["budget_raise"]}
    baseline, saved = PlaybookVersion.objects.filter(workspace=workspace).order_by("number")
    assert (baseline.number, baseline.note, baseline.created_by) == (1, BASELINE_NOTE, None)
    assert (saved.number, saved.note, saved.created_by) == (2, "Faster handoff", olga)
    assert saved.settings["handoff_sla_minutes"] == 7
    assert saved.settings["scoring"] == scoring_model_active(workspace=workspace).definition

    page = client.get(reverse("admin:agents_playbookversion_change", args=[saved.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert (
        '<tr class="diff-changed"><td>two_approver_kinds</td><td>(the setting)</td>'
        "<td>changed</td><td><code>[]</code></td><td>→</td>"
        "<td><code>[&quot;budget_raise&quot;]</code></td></tr>"
    ) in html
    assert (
        '<tr class="diff-changed"><td>handoff_sla_minutes</td><td>(the setting)</td>'
        "<td>changed</td><td><code>5</code></td><td>→</td><td><code>7</code></td></tr>"
    ) in html

    # The same form sent again changes nothing: no new version.
    client.post(editor_url(playbook, "approval"), data)
    assert PlaybookVersion.objects.filter(workspace=workspace).count() == 2


def test_the_diff_compares_rules_by_key_and_objects_key_by_key() -> None:
    before = {
        "quiet_hours": None,
        "scoring": {
            "threshold": 60,
            "fit": [
                {"key": "vp", "points": 10, "when": {"attr": "contact.title", "contains": "vp"}}
            ],
        },
    }
    after = {
        "quiet_hours": {"start": "08:00:00", "end": "21:00:00"},
        "scoring": {
            "threshold": 50,
            "fit": [
                {"key": "vp", "points": 15, "when": {"attr": "contact.title", "contains": "vp"}},
                {"key": "ceo", "points": 30, "when": {"attr": "contact.title", "contains": "ceo"}},
            ],
        },
    }

    assert settings_diff(before, after) == [
        SettingDiff(
            "quiet_hours",
            (
                Change("start", "added", after="08:00:00"),
                Change("end", "added", after="21:00:00"),
                Change("", "removed", before=None),
            ),
        ),
        SettingDiff(
            "scoring",
            (
                Change("threshold", "changed", 60, 50),
                Change("fit[vp].points", "changed", 10, 15),
                Change("fit[ceo].points", "added", after=30),
                Change("fit[ceo].when.attr", "added", after="contact.title"),
                Change("fit[ceo].when.contains", "added", after="ceo"),
            ),
        ),
    ]


def test_the_api_lists_the_callers_versions_with_their_changes(
    workspace: Workspace, other_workspace: Workspace, key_client: Any
) -> None:
    playbook_update(playbook=playbook_for(workspace), handoff_sla_minutes=8, note="eight")
    playbook_update(playbook=playbook_for(other_workspace), handoff_sla_minutes=2, note="theirs")

    response = key_client(workspace).get("/api/v1/playbook/versions")

    assert response.status_code == 200
    results = response.json()["results"]
    assert [(v["number"], v["note"]) for v in results] == [(2, "eight"), (1, BASELINE_NOTE)]
    assert results[0]["changes"] == [
        {
            "setting": "handoff_sla_minutes",
            "path": "",
            "kind": "changed",
            "before": 5,
            "after": 8,
        }
    ]


# --- scoring ----------------------------------------------------------------------------------

MODEL: dict[str, Any] = {
    "threshold": 50,
    "fit": [
        {"key": "vp", "when": {"attr": "contact.title", "contains": "vp"}, "points": 30},
        {"key": "ceo", "when": {"attr": "contact.title", "contains": "ceo"}, "points": 60},
    ],
    "intent": [
        {"key": "demo", "event_type": "demo_request", "points": 20},
        {"key": "bounce", "event_type": "email_bounced", "points": -40},
    ],
}


@pytest.fixture
def scored(workspace: Workspace) -> dict[str, Contact]:
    """Contacts whose scores under MODEL are known: fit from titles, intent from a demo
    request an hour ago (20 points decayed by an hour: 19.99…)."""
    scoring_model_create_version(workspace=workspace, definition=MODEL)
    people = {
        "vp_lead": ("VP Sales", "lead"),  # 30: over 30, under 50
        "vp_customer": ("VP Ops", "customer"),  # 30, past the lead stage
        "vp_subscriber": ("VP IT", "subscriber"),  # 30
        "demo": ("Analyst", "lead"),  # 0 + 19.99 intent
        "ceo": ("CEO", "mql"),  # 60: an MQL now
        "nobody": ("Intern", "lead"),  # 0
    }
    contacts = {
        name: Contact.objects.create(
            workspace=workspace,
            email=f"{name}@acme.example",
            first_name=name,
            title=title,
            lifecycle_stage=stage,
        )
        for name, (title, stage) in people.items()
    }
    Event.objects.create(
        workspace=workspace,
        contact=contacts["demo"],
        event_id="demo-1",
        type="demo_request",
        properties={},
        occurred_at=timezone.now() - timedelta(hours=1),
        received_at=timezone.now(),
    )
    return contacts


def test_the_preview_counts_who_would_cross_the_threshold(
    workspace: Workspace, scored: dict[str, Contact]
) -> None:
    lower = {**MODEL, "threshold": 30}
    preview = scoring_change_preview(workspace=workspace, definition=lower)

    assert (preview.contacts, preview.mqls_before, preview.mqls_after) == (6, 1, 4)
    assert (preview.rising, preview.promoted, preview.falling) == (3, 2, 0)
    assert sorted(c.email for c in preview.rising_sample) == [
        "vp_customer@acme.example",
        "vp_lead@acme.example",
        "vp_subscriber@acme.example",
    ]
    assert {(c.before, c.after) for c in preview.rising_sample} == {(30.0, 30.0)}

    # Worth more points, the demo request lifts its contact too; the CEO drops if worth less.
    changed = {
        **MODEL,
        "threshold": 30,
        "fit": [MODEL["fit"][0], {**MODEL["fit"][1], "points": 20}],
        "intent": [{**MODEL["intent"][0], "points": 40}, MODEL["intent"][1]],
    }
    preview = scoring_change_preview(workspace=workspace, definition=changed)
    assert (preview.rising, preview.promoted, preview.falling) == (4, 3, 1)
    (ceo,) = preview.falling_sample
    assert (ceo.email, ceo.stage, ceo.before, ceo.after) == ("ceo@acme.example", "mql", 60, 20)
    demo = next(c for c in preview.rising_sample if c.email == "demo@acme.example")
    assert 19.99 < demo.before < 20
    assert 39.99 < demo.after < 40
    # Nothing was written.
    assert ScoringModel.objects.filter(workspace=workspace).count() == 1
    assert Contact.objects.get(pk=scored["vp_lead"].pk).lifecycle_stage == "lead"


def test_the_scoring_page_previews_then_saves_a_version_linked_to_the_scoring_model(
    workspace: Workspace, scored: dict[str, Contact]
) -> None:
    playbook = playbook_for(workspace)
    client, _ = owner_client(workspace)
    data = scoring_data(client.get(editor_url(playbook, "scoring")))
    assert data["fit-0-key"] == "vp"
    assert data["negative-0-key"] == "bounce"
    data["threshold"] = "30"
    preview_url = reverse("admin:agents_playbook_scoring_preview", args=[playbook.pk])

    answer = client.post(preview_url, data)

    assert answer.status_code == 200
    assert 'data-promoted="2" data-rising="3" data-falling="0"' in answer.content.decode()
    assert 'This change would make <strong class="promoted-count">2</strong> leads MQLs' in (
        answer.content.decode()
    )

    bad = client.post(preview_url, {**data, "fit-1-points": "lots", "threshold": ""})
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "threshold: This field is required." in text
    assert "Fit rules, row 2, points: Enter a number." in text

    duplicate = client.post(preview_url, {**data, "fit-1-key": "vp"})
    assert duplicate.status_code == 400
    assert "duplicate rule key &#x27;vp&#x27; (also fit[0])" in duplicate.content.decode()

    saved = client.post(editor_url(playbook, "scoring"), {**data, "note": "Lower bar"})

    assert saved.status_code == 302
    active = scoring_model_active(workspace=workspace)
    assert (active.version, active.definition["threshold"], active.note) == (2, 30.0, "Lower bar")
    version = PlaybookVersion.objects.filter(workspace=workspace).order_by("-number").first()
    assert version is not None
    assert version.scoring_model == active
    page = client.get(reverse("admin:agents_playbookversion_change", args=[version.pk]))
    assert (
        '<tr class="diff-changed"><td>scoring</td><td>threshold</td><td>changed</td>'
        "<td><code>50</code></td><td>→</td><td><code>30.0</code></td></tr>"
    ) in page.content.decode()


def test_another_workspaces_playbook_is_neither_shown_nor_previewed(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    theirs = playbook_for(other_workspace)
    client, _ = owner_client(workspace)
    missing = theirs.pk + 1000

    page = client.get(editor_url(theirs, "scoring"))
    assert page.status_code == 302
    assert page["Location"] == reverse("admin:index")
    preview = reverse("admin:agents_playbook_scoring_preview", args=[theirs.pk])
    assert client.post(preview, {"threshold": "1"}).status_code == 404
    absent = reverse("admin:agents_playbook_scoring_preview", args=[missing])
    assert client.post(absent, {"threshold": "1"}).status_code == 404
