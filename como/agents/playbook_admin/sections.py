"""The playbook editor's sections: which settings each page edits, and the form of each.

A section form shows the settings in effect and saves through
:func:`como.agents.playbooks.playbook_update` (so a save is a version with its diff). A setting
the workspace never chose and the form sends back unchanged keeps following its vertical; a
changed one becomes the workspace's choice. Errors are pydantic's, put on the field they name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from pydantic import BaseModel, ValidationError

from ..models import Playbook
from ..playbook_settings import SECTIONS as SETTING_MODELS
from ..playbook_settings import (
    VERTICAL_CHECKS,
    VERTICAL_OWNED,
    PlaybookSettings,
    vertical_defaults,
)
from ..registry import registered_agents
from ..schedules import SCHEDULE_KEYS, SCHEDULES, agents_settings_errors
from .model_forms import SEP, Leaf, assemble, build_fields, error_targets, initial_values


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    settings: tuple[str, ...] = ()
    help: str = ""


#: In the editor's tab order. "scoring" edits the scoring model; "versions" lists versions.
SECTIONS: tuple[Section, ...] = (
    Section(
        "approval",
        "Approval policy",
        (
            "auto_approve_kinds",
            "two_approver_kinds",
            "two_approver_spend_above",
            "handoff_sla_minutes",
            "handoff_routing",
            "inventory_removal_hold_share",
        ),
        "Which actions are approved on proposal, which need two people, and the MQL handoff.",
    ),
    Section(
        "channels",
        "Channels",
        ("channels",),
        "The channel keys the workspace uses; blank: its vertical's.",
    ),
    Section(
        "jurisdictions",
        "Jurisdictions",
        ("jurisdictions", "market_radius_miles"),
        "Markets the workspace sells in (US, CA, EU, US-CA …) and the dealer's radius.",
    ),
    Section(
        "timing",
        "Quiet hours and frequency caps",
        ("quiet_hours", "send_windows", "frequency_caps"),
        "The workspace's own contact window, each channel's local send window "
        '({"sms": {"start": "09:00", "end": "20:00"}}) and at most N marketing messages per '
        'person per channel in a rolling window ([{"channel": "email", "max_messages": 3, '
        '"per_days": 7}]). Send windows and caps are enforced once sequences arrive.',
    ),
    Section("merchandising", "Merchandising rules", ("merchandising",)),
    Section(
        "intent",
        "Intent data",
        ("intent",),
        "How third-party intent signals (6sense, Bombora) count towards an account.",
    ),
    Section(
        "accounts",
        "Accounts and buying committees",
        ("accounts",),
        "Accounts found from work email domains, the buying committee's roles (required, "
        "weight, HubSpot buying roles, the departments and levels a title infers them from) "
        "and when a member counts as engaged.",
    ),
    Section(
        "sequences",
        "Sequences",
        ("sequences_enabled", "programs"),
        "The vertical's programs switched on (switching one on proposes its sequence for "
        "approval; off ends it) and each program's settings.",
    ),
    Section(
        "attribution",
        "Attribution",
        ("attribution",),
        'How touches share a conversion\'s credit: {"lookback_days": 90, "u_shape": '
        '"40/20/40" (or "50/0/50"), "half_life_days": "7"}. A change recomputes the stored '
        "credit in the background.",
    ),
    Section("agents", "Agent schedules", ("agents",), "Each agent on or off, and when it runs."),
    Section(
        "scoring",
        "Scoring rules",
        help="Fit and intent rules, negative signals, decay and the MQL threshold. Saving makes "
        "a new scoring model version and re-scores the workspace in the background.",
    ),
)
SECTION_KEYS = frozenset(section.key for section in SECTIONS)
SETTING_SECTION = {name: s.key for s in SECTIONS for name in s.settings}


def section(key: str) -> Section:
    return next(s for s in SECTIONS if s.key == key)


def shown_sections() -> list[Section]:
    """The sections whose settings something installed reads (a vertical-owned setting needs
    its model)."""
    return [
        s
        for s in SECTIONS
        if not any(n in VERTICAL_OWNED and not SETTING_MODELS.find(n) for n in s.settings)
    ]


class SettingsSectionForm(forms.Form):
    """One section's settings as fields generated from their types."""

    note = forms.CharField(
        max_length=500, required=False, help_text="What changed, and why (kept on the version)."
    )

    def __init__(self, *args: Any, playbook: Playbook, section: Section, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.playbook, self.section = playbook, section
        overrides = {
            name: model
            for name in section.settings
            if (model := SETTING_MODELS.find(name)) is not None
        }
        fields, self.leaves = build_fields(PlaybookSettings, section.settings, (), overrides)
        self.overrides = overrides
        self.fields.update(fields)
        self.fields["note"] = self.fields.pop("note")  # last
        current = playbook.effective.model_dump(mode="json")
        for name, value in initial_values(self.leaves, current, self.fields).items():
            self.fields[name].initial = value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        values = assemble(self.leaves, cleaned, self.fields)
        for name, model in self.overrides.items():
            self._check(model, values.get(name) or {}, (name,))
        chosen = dict(self.playbook.overrides or {})
        layered = {**vertical_defaults(self.playbook.workspace.vertical), **chosen, **values}
        if not self.errors:
            resolved = self._check(PlaybookSettings, layered, ())
            vertical = self.playbook.workspace.vertical
            for check in VERTICAL_CHECKS.all() if resolved is not None else ():
                for name, problems in check(vertical, layered).items():
                    self.add_error(name if name in self.fields else None, list(problems))
            if resolved is not None and not self.errors:
                now = self.playbook.effective.model_dump(mode="json")
                after = resolved.model_dump(mode="json")
                # An untouched setting the workspace never chose keeps following its vertical.
                self.chosen = {
                    name: values[name]
                    for name in self.section.settings
                    if name in chosen or after[name] != now[name]
                }
        return cleaned

    def _check(
        self, model: type[BaseModel], data: Mapping[str, Any], prefix: tuple[str, ...]
    ) -> BaseModel | None:
        try:
            return model.model_validate(data)
        except ValidationError as error:
            for field, message in error_targets(error, self.leaves, prefix):
                self.add_error(field if field in self.fields else None, message)
            return None


class AgentsSectionForm(forms.Form):
    """Per registered agent: on or off, and for a scheduled one its cadence (one of every
    N days, every N hours, or a crontab; all blank: its default)."""

    note = SettingsSectionForm.base_fields["note"]

    def __init__(self, *args: Any, playbook: Playbook, section: Section, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.playbook, self.section = playbook, section
        self.leaves: list[Leaf] = []
        current = playbook.effective.agents
        for spec in registered_agents():
            entry = current.get(spec.key)
            entry = entry if isinstance(entry, Mapping) else {}
            self.fields[f"agents{SEP}{spec.key}{SEP}enabled"] = forms.BooleanField(
                required=False,
                initial=bool(entry.get("enabled", True)),
                label=f"{spec.name}: on",
                help_text=f"{spec.description} Proposes: {', '.join(spec.kinds) or '-'}.",
            )
            schedule = SCHEDULES.find(spec.key)
            if schedule is None:
                continue
            for key in SCHEDULE_KEYS:
                field_class = forms.CharField if key == "crontab" else forms.IntegerField
                self.fields[f"agents{SEP}{spec.key}{SEP}{key}"] = field_class(
                    required=False,
                    initial=entry.get(key),
                    label=f"{spec.name}: {key.replace('_', ' ')}",
                    help_text=f"Blank for all three: its default, {schedule.default}."
                    if key == "crontab"
                    else "",
                )
        self.fields["note"] = self.fields.pop("note")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        current = self.playbook.effective.agents
        agents: dict[str, Any] = {}
        for spec in registered_agents():
            kept = current.get(spec.key)
            entry = {
                name: value
                for name, value in (kept if isinstance(kept, Mapping) else {}).items()
                if name not in SCHEDULE_KEYS
            }
            entry["enabled"] = bool(cleaned.get(f"agents{SEP}{spec.key}{SEP}enabled"))
            for key in SCHEDULE_KEYS:
                value = cleaned.get(f"agents{SEP}{spec.key}{SEP}{key}")
                if value not in (None, ""):
                    entry[key] = value
                    # Each value checked alone, so its messages belong to its own field.
                    for problem in agents_settings_errors({spec.key: {key: value}}):
                        self.add_error(f"agents{SEP}{spec.key}{SEP}{key}", problem)
            given = [key for key in SCHEDULE_KEYS if key in entry]
            if len(given) > 1:
                self.add_error(
                    f"agents{SEP}{spec.key}{SEP}{given[-1]}",
                    f"give one of {', '.join(SCHEDULE_KEYS)}, not several",
                )
            agents[spec.key] = entry
        self.chosen = {"agents": agents}
        return cleaned


def section_form(
    playbook: Playbook, key: str, data: Mapping[str, Any] | None = None
) -> SettingsSectionForm | AgentsSectionForm:
    form_class = AgentsSectionForm if key == "agents" else SettingsSectionForm
    return form_class(data, playbook=playbook, section=section(key))
