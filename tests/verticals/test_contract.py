"""Every registered vertical honours the same VerticalProfile contract."""

from __future__ import annotations

import dataclasses
import importlib
import re
from typing import Any

import pytest
from django.apps import apps

from como import verticals
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

    # playbook defaults: the MQL hand-off SLA (sales should call within 5 minutes)
    handoff = profile.playbook_defaults["handoff"]
    sla = handoff["sla_minutes"]
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
