"""A playbook's settings: built-in < its vertical's defaults < the workspace's own choices."""

from __future__ import annotations

import importlib
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from como.agents.models import Playbook
from como.agents.playbook_settings import Source, settings_errors
from como.agents.playbooks import playbook_update
from como.agents.selectors import required_approvals
from como.agents.services import playbook_for
from como.workspaces.models import Workspace
from tests.factories import MembershipFactory, UserFactory


def test_a_new_workspaces_playbook_starts_from_its_verticals_defaults(
    other_workspace: Workspace,
) -> None:
    playbook = playbook_for(other_workspace)  # automotive

    assert playbook.overrides == {}
    assert playbook.auto_approve_kinds == ["vehicle_ads_pause", "mql_handoff"]
    assert playbook.two_approver_spend_above == Decimal("500")
    assert playbook.jurisdictions == ["US"]
    assert playbook.market_radius_miles == 50
    assert playbook.quiet_hours is not None
    assert str(playbook.quiet_hours.end) == "21:00:00"
    assert playbook.inventory_removal_hold_share == Decimal("0.30")
    assert required_approvals(playbook, "vehicle_ads_pause", None) == 0
    assert required_approvals(playbook, "budget_raise", Decimal("500.01")) == 2
    assert set(playbook.sources.values()) == {Source.VERTICAL, Source.BUILT_IN}


def test_an_existing_playbook_follows_the_vertical_where_it_never_chose(
    workspace: Workspace,
) -> None:
    # A row as the migration leaves one that had only its SLA changed.
    Playbook.objects.create(workspace=workspace, overrides={"handoff_sla_minutes": 3})
    playbook = playbook_for(workspace)

    assert playbook.handoff_sla_minutes == 3
    assert playbook.auto_approve_kinds == ["mql_handoff"]  # b2b's default
    assert playbook.handoff_routing == "account_owner"
    assert playbook.sources["handoff_sla_minutes"] == Source.WORKSPACE
    assert playbook.sources["auto_approve_kinds"] == Source.VERTICAL
    assert playbook.sources["market_radius_miles"] == Source.BUILT_IN
    assert playbook.inventory_removal_hold_share == Decimal("0.30")  # built in


def test_a_choice_wins_even_when_it_is_empty_and_inherit_gives_it_back(
    workspace: Workspace,
) -> None:
    playbook = playbook_for(workspace)

    playbook_update(playbook=playbook, auto_approve_kinds=[], two_approver_spend_above=None)
    playbook.refresh_from_db()
    assert playbook.auto_approve_kinds == []
    assert playbook.two_approver_spend_above is None  # no limit, chosen over b2b's 1000
    assert playbook.overrides == {"auto_approve_kinds": [], "two_approver_spend_above": None}

    playbook_update(playbook=playbook, inherit=["auto_approve_kinds"])
    playbook.refresh_from_db()
    assert playbook.auto_approve_kinds == ["mql_handoff"]
    assert playbook.overrides == {"two_approver_spend_above": None}


def test_choices_are_stored_validated_and_in_their_json_form(workspace: Workspace) -> None:
    playbook = playbook_for(workspace)

    playbook_update(
        playbook=playbook,
        inventory_removal_hold_share="0.25",
        quiet_hours={"start": "09:00", "end": "20:00"},
        two_approver_spend_above=Decimal("750"),
    )

    playbook.refresh_from_db()
    assert playbook.overrides == {
        "two_approver_spend_above": "750",
        "quiet_hours": {"start": "09:00:00", "end": "20:00:00"},
        "inventory_removal_hold_share": "0.25",
    }
    assert playbook.inventory_removal_hold_share == Decimal("0.25")


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"inventory_removal_hold_share": "1.5"}, "inventory_removal_hold_share"),
        ({"inventory_removal_hold_share": "0"}, "inventory_removal_hold_share"),
        ({"handoff_sla_minutes": 0}, "handoff_sla_minutes"),
        ({"handoff_routing": "by_dice"}, "handoff_routing"),
        ({"quiet_hours": {"start": "25:00", "end": "21:00"}}, "quiet_hours"),
        ({"quiet_hours": {"start": "08:00"}}, "quiet_hours"),
        ({"jurisdictions": ["us"]}, "jurisdictions"),
        ({"auto_approve_kinds": ["Not A Kind"]}, "auto_approve_kinds"),
        ({"two_approver_spend_above": "-1"}, "two_approver_spend_above"),
        ({"market_radius_miles": 0}, "market_radius_miles"),
    ],
)
def test_bad_choices_are_refused_by_setting_and_nothing_changes(
    workspace: Workspace, fields: dict[str, Any], key: str
) -> None:
    playbook = playbook_for(workspace)

    with pytest.raises(ValidationError) as raised:
        playbook_update(playbook=playbook, **fields)

    assert key in raised.value.message_dict
    playbook.refresh_from_db()
    assert playbook.overrides == {}


def test_unknown_settings_are_refused_including_in_inherit(workspace: Workspace) -> None:
    with pytest.raises(TypeError, match="committee"):
        playbook_update(playbook=playbook_for(workspace), inherit=["committee"])


def test_a_changed_vertical_is_followed_where_nothing_was_chosen(workspace: Workspace) -> None:
    playbook = playbook_for(workspace)
    playbook_update(playbook=playbook, handoff_sla_minutes=4)
    workspace.vertical = "automotive"
    workspace.save()

    playbook = playbook_for(workspace)
    assert playbook.handoff_routing == "round_robin_by_territory"
    assert playbook.handoff_sla_minutes == 4


def _owner_client(workspace: Workspace) -> Client:
    user = UserFactory.create(username="olga", is_staff=True)
    MembershipFactory.create(workspace=workspace, user=user, role="owner")
    client = Client()
    client.force_login(user)
    return client


def test_the_admin_shows_where_each_value_comes_from_and_saves_choices(
    other_workspace: Workspace,
) -> None:
    playbook = playbook_for(other_workspace)
    playbook_update(playbook=playbook, handoff_sla_minutes=3)
    client = _owner_client(other_workspace)
    url = reverse("admin:agents_playbook_change", args=[playbook.pk]) + "?section=advanced"

    page = client.get(url).content.decode()

    assert "<td>handoff_sla_minutes</td><td><code>3</code></td><td>chosen by the workspace" in page
    assert (
        "<td>auto_approve_kinds</td><td><code>[&quot;vehicle_ads_pause&quot;, "
        "&quot;mql_handoff&quot;]</code></td><td>the Automotive retail vertical&#x27;s default"
    ) in page
    assert "<td>market_radius_miles</td><td><code>50</code>" in page

    # Keep the form as shown, but choose a radius and let the SLA follow the vertical again.
    form = client.get(url).context["adminform"].form
    data = {
        name: form[name].value() for name in form.fields if form[name].value() not in (None, False)
    }
    data = {
        name: ",".join(value) if isinstance(value, list) else value for name, value in data.items()
    }
    data["agents"] = '{"mql_handoff": {"enabled": true}}'
    data["quiet_hours"] = '{"start": "08:00:00", "end": "21:00:00"}'
    data["market_radius_miles"] = "80"
    del data["inherit__market_radius_miles"]  # unticked: chosen
    data["inherit__handoff_sla_minutes"] = "on"
    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    playbook.refresh_from_db()
    assert playbook.market_radius_miles == 80
    assert playbook.handoff_sla_minutes == 5  # automotive's
    assert playbook.sources["market_radius_miles"] == Source.WORKSPACE
    assert playbook.sources["handoff_sla_minutes"] == Source.VERTICAL
    assert playbook.sources["jurisdictions"] == Source.VERTICAL  # its box was ticked


class _Row:
    """A playbook row as migration 0005 finds it (the old columns)."""

    overrides: dict[str, Any]
    saved: bool

    def __init__(self, **columns: Any) -> None:
        defaults: dict[str, Any] = {
            "auto_approve_kinds": [],
            "two_approver_kinds": [],
            "two_approver_spend_above": None,
            "handoff_sla_minutes": 5,
            "agents": {},
            "handoff_routing": "",
        }
        self.__dict__.update({**defaults, **columns, "overrides": {}, "saved": False})

    def save(self, **kwargs: Any) -> None:
        self.saved = True


def test_the_migration_keeps_chosen_values_and_lets_old_defaults_follow_the_vertical() -> None:
    migration = importlib.import_module("como.agents.migrations.0005_playbook_overrides")
    untouched = _Row()
    chosen = _Row(auto_approve_kinds=["ad_pause"], two_approver_spend_above=Decimal("250.00"))
    rows = [untouched, chosen]
    model = SimpleNamespace(
        objects=SimpleNamespace(all=lambda: SimpleNamespace(iterator=lambda: rows))
    )

    migration.columns_to_overrides(SimpleNamespace(get_model=lambda *_: model), None)

    assert (untouched.overrides, untouched.saved) == ({}, False)
    assert chosen.overrides == {
        "auto_approve_kinds": ["ad_pause"],
        "two_approver_spend_above": "250.00",
    }
    # What it stored reads back as a valid choice.
    assert settings_errors(chosen.overrides) == {}
