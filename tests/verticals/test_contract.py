"""Every registered vertical honours the same VerticalProfile contract."""

from __future__ import annotations

import dataclasses
import importlib
import re
from typing import Any

import pytest
from django.apps import apps

from como import verticals
from como.agents.playbook_settings import SETTINGS, settings_errors
from como.scoring.engine import compile_model
from como.verticals import VerticalProfile

PROFILES = verticals.all_profiles()
SNAKE = re.compile(r"[a-z][a-z0-9_]*")


def test_the_configured_verticals_registered() -> None:
    installed = {
        config.name.removeprefix("verticals.")
        for config in apps.get_app_configs()
        if config.name.startswith("verticals.")
    }
    assert {"automotive", "b2b"} <= installed
    assert verticals.slugs() == sorted(installed)


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.slug)
def test_vertical_profile_contract(profile: VerticalProfile) -> None:
    # registered under its own slug, from its own package (verticals/<slug>/vertical.py)
    assert verticals.get(profile.slug) is profile
    assert importlib.import_module(f"verticals.{profile.slug}.vertical").PROFILE is profile
    assert SNAKE.fullmatch(profile.slug)

    # frozen, mappings included: one profile is shared by every workspace of the vertical
    assert dataclasses.is_dataclass(profile)
    with pytest.raises(dataclasses.FrozenInstanceError):
        profile.name = "changed"  # type: ignore[misc]
    mapping: Any
    for mapping in (profile.playbook_defaults, profile.default_scoring_model, profile.event_types):
        with pytest.raises(TypeError):
            mapping["injected"] = True

    # described
    assert profile.name.strip() == profile.name != ""
    assert len(profile.description.strip()) >= 40

    # channels: non-empty, unique snake_case keys
    assert profile.channels
    assert len(set(profile.channels)) == len(profile.channels)
    assert all(SNAKE.fullmatch(channel) for channel in profile.channels)

    # event types: non-empty, snake_case, each with a meaning
    assert profile.event_types
    for event_type, meaning in profile.event_types.items():
        assert SNAKE.fullmatch(event_type), event_type
        assert meaning.strip(), event_type

    # playbook defaults: settings the playbook reads, each valid (a key nothing reads fails)
    assert settings_errors(profile.playbook_defaults) == {}
    assert set(profile.playbook_defaults) <= set(SETTINGS)
    # the MQL hand-off SLA (sales should call within 5 minutes)
    sla = profile.playbook_defaults["handoff_sla_minutes"]
    assert isinstance(sla, int)
    assert not isinstance(sla, bool)
    assert 1 <= sla <= 5

    # a default scoring model that validates and scores only the vertical's own event types
    model = compile_model(profile.default_scoring_model)
    assert model.definition.threshold > 0
    assert {rule.event_type for rule in model.definition.intent} <= set(profile.event_types)
    assert model.definition.fit
    assert model.definition.intent


def test_a_profile_rejects_a_bad_slug() -> None:
    with pytest.raises(ValueError, match="vertical slug must be lowercase"):
        VerticalProfile(slug="Marine", name="Marine", description="Boats.")


def test_registering_another_profile_under_a_taken_slug_fails() -> None:
    (profile, *_) = PROFILES
    impostor = dataclasses.replace(profile, name="Impostor")

    with pytest.raises(ValueError, match="already registered with another profile"):
        verticals.register(impostor)
    assert verticals.get(profile.slug) is profile


@pytest.mark.parametrize(
    ("defaults", "key"),
    [
        ({"approval": {"auto_approve": ["mql_handoff"]}}, "approval"),  # the old nested shape
        ({"committee": {"mqa_min_roles": 3}}, "committee"),  # nothing reads it
        ({"agents": {"sold_vehicle_pause": {"enabled": True}}}, "agents"),  # no such agent
        ({"handoff_sla_minutes": "5"}, "handoff_sla_minutes"),
        ({"inventory_removal_hold_share": 1.5}, "inventory_removal_hold_share"),
        ({"quiet_hours": {"start": "8am", "end": "21:00"}}, "quiet_hours"),
        ({"jurisdictions": ["usa"]}, "jurisdictions"),
    ],
)
def test_playbook_defaults_nothing_reads_or_cannot_hold_fail_the_contract(
    defaults: dict[str, Any], key: str
) -> None:
    profile = VerticalProfile(
        slug="marine", name="Marine", description="Boats.", playbook_defaults=defaults
    )

    assert key in settings_errors(profile.playbook_defaults)


def test_the_system_check_names_a_bad_vertical_default(monkeypatch: pytest.MonkeyPatch) -> None:
    from como.agents.checks import playbook_defaults_check

    assert playbook_defaults_check() == []
    bad = VerticalProfile(
        slug="marine", name="Marine", description="Boats.", playbook_defaults={"radius": 5}
    )
    monkeypatch.setattr(verticals, "all_profiles", lambda: [*PROFILES, bad])

    (error,) = playbook_defaults_check()
    assert error.id == "agents.E001"
    assert "'marine'" in error.msg
    assert "'radius'" in error.msg


def test_the_automotive_defaults_auto_approve_pausing_a_sold_vehicles_ads() -> None:
    defaults = verticals.get("automotive").playbook_defaults
    assert "vehicle_ads_pause" in defaults["auto_approve_kinds"]
    assert defaults["inventory_removal_hold_share"] == "0.30"
