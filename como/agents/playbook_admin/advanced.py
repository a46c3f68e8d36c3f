"""The playbook's "advanced" view: every setting on one page, with where its value comes from.

Every setting shows its effective value; a "use the vertical's value" box next to it says
whether the workspace chose it or follows its vertical (or the built-in default), and the page
lists each setting's source. Saving goes through :func:`como.agents.playbooks.playbook_update`,
so the agents' schedules follow; a setting the form did not send is left as it was. The
section pages (:mod:`.sections`) are the everyday editor; this one also adds a playbook.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib.postgres.forms import SimpleArrayField
from django.utils.html import format_html

from ..models import HandoffRouting, Playbook
from ..playbook_settings import (
    SETTINGS,
    PlaybookSettings,
    settings_errors,
    vertical_defaults,
)
from ..registry import registered_agents
from .model_forms import PrettyJSONField, json_area

_AGENT_FIELD_PREFIX = "agent__"
_INHERIT_PREFIX = "inherit__"
#: Settings whose blank input means "follow the vertical" (blank is no value they can take).
_BLANK_INHERITS = frozenset(
    {"handoff_sla_minutes", "handoff_routing", "inventory_removal_hold_share"}
)


def _json_area(rows: int, help_text: str) -> PrettyJSONField:
    return json_area(rows, help_text)


def _kinds(help_text: str) -> SimpleArrayField:
    return SimpleArrayField(forms.CharField(max_length=64), required=False, help_text=help_text)


class PlaybookForm(forms.ModelForm):
    """The settings, a switch per registered agent, and the agents' other settings (schedules)
    as JSON. A switch sets its agent's ``enabled``; everything is checked as
    :func:`como.agents.playbook_settings.settings_errors` describes."""

    auto_approve_kinds = _kinds("Action kinds approved on proposal, e.g. ad_pause, mql_handoff.")
    two_approver_kinds = _kinds("Action kinds that need two different approvers.")
    two_approver_spend_above = forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        help_text="Actions spending more than this need two approvers (blank: no limit).",
    )
    handoff_sla_minutes = forms.IntegerField(
        min_value=1,
        required=False,
        help_text="Minutes sales has to touch an MQL before the handoff escalates.",
    )
    handoff_routing = forms.ChoiceField(
        choices=[("", "the vertical's default"), *HandoffRouting.choices],
        required=False,
        help_text="Who gets an MQL.",
    )
    agents = _json_area(
        8,
        'Per agent key, e.g. {"scoring_refit": {"every_days": 7}}: every_days, every_hours or '
        "crontab for agents that run on a schedule. The switches above set enabled.",
    )
    jurisdictions = SimpleArrayField(
        forms.CharField(max_length=6),
        required=False,
        help_text="Markets the workspace sells in: US, CA, EU, US-CA …",
    )
    quiet_hours = _json_area(
        3, 'The workspace\'s own contact window, e.g. {"start": "08:00", "end": "21:00"}.'
    )
    market_radius_miles = forms.IntegerField(
        min_value=1, required=False, help_text="The dealer's market radius (blank: none)."
    )
    inventory_removal_hold_share = forms.DecimalField(
        min_value=0,
        max_value=1,
        decimal_places=3,
        required=False,
        help_text="A full inventory feed removing more than this share of a rooftop's "
        "available vehicles is held for approval (0.30 = 30 %).",
    )

    merchandising = _json_area(
        12,
        "What catalog-driven agents advertise (the automotive inventory ads: conditions, "
        "rooftops, min_photos, price_required, exclude_pending, age_bands, channels, "
        "placements). Checked against the vertical's rules when saved.",
    )
    intent = _json_area(
        6,
        "How intent signals count towards an account (B2B: surge_bar, points_per_score, "
        "max_surges_per_week, create_accounts). Checked against the vertical's model when saved.",
    )
    accounts = _json_area(
        12,
        "B2B accounts and buying committees (create_accounts_from_email, committee roles, "
        "engagement window and bar). Checked against the vertical's model when saved.",
    )

    programs = _json_area(
        8,
        "Per default program key, its settings (the automotive service reminders: "
        "interval_months, interval_miles, lead_days, lapsed_months). Checked against the "
        "vertical's programs when saved.",
    )

    class Meta:
        model = Playbook
        fields = ["workspace"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        has_workspace = self.instance.workspace_id is not None
        current = self.instance.effective if has_workspace else PlaybookSettings()
        chosen = self.instance.overrides or {}
        vertical = self.instance.workspace.vertical if has_workspace else ""
        defaults = vertical_defaults(vertical)
        shown = current.model_dump(mode="json")
        for name in SETTINGS:
            field = self.fields[name]
            field.initial = shown[name]
            origin = f"the {vertical} vertical's" if name in defaults else "the built-in"
            inherited = defaults.get(
                name, PlaybookSettings.model_fields[name].get_default(call_default_factory=True)
            )
            field.help_text = format_html(
                "{} Not chosen: {} value, <code>{}</code>.",
                field.help_text,
                origin,
                json.dumps(inherited, default=str),
            )
            self.fields[f"{_INHERIT_PREFIX}{name}"].initial = name not in chosen
        agents = shown["agents"]
        for name in self.agent_fields:
            entry = agents.get(name.removeprefix(_AGENT_FIELD_PREFIX))
            enabled = entry.get("enabled", True) if isinstance(entry, dict) else True
            self.fields[name].initial = bool(enabled)

    @property
    def agent_fields(self) -> list[str]:
        return [name for name in self.fields if name.startswith(_AGENT_FIELD_PREFIX)]

    def _sent(self, name: str) -> bool:
        return self.add_prefix(name) in self.data

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.chosen: dict[str, Any] = {}
        self.inherited: set[str] = set()
        for name in SETTINGS:
            if cleaned.get(f"{_INHERIT_PREFIX}{name}"):
                self.inherited.add(name)
            elif name == "agents":
                continue  # below, with the switches
            elif not self._sent(name) or name not in cleaned:
                continue  # not sent (left as it was), or already an error of its own
            elif name in _BLANK_INHERITS and cleaned[name] in (None, ""):
                self.inherited.add(name)
            else:
                self.chosen[name] = cleaned[name]
        if "agents" not in self.inherited and (self._sent("agents") or self._switched()):
            self._clean_agents(cleaned)
        workspace = cleaned.get("workspace") or (
            self.instance.workspace if self.instance.workspace_id is not None else None
        )
        if workspace is not None and not self.errors:
            kept = {
                name: value
                for name, value in (self.instance.overrides or {}).items()
                if name not in self.inherited
            }
            layered = {**vertical_defaults(workspace.vertical), **kept, **self.chosen}
            for name, problems in settings_errors(layered, workspace.vertical).items():
                self.add_error(name if name in self.fields else None, problems)
        return cleaned

    def _switched(self) -> bool:
        return any(self._sent(name) for name in self.agent_fields)

    def _clean_agents(self, cleaned: dict[str, Any]) -> None:
        agents = cleaned.get("agents")
        if agents is None:
            agents = {}
        if not isinstance(agents, dict):
            self.add_error("agents", "Give a JSON object: agent key → settings.")
            return
        agents = dict(agents)
        for name in self.agent_fields:
            if name in cleaned:
                key = name.removeprefix(_AGENT_FIELD_PREFIX)
                entry = agents.get(key)
                agents[key] = {
                    **(entry if isinstance(entry, dict) else {}),
                    "enabled": cleaned[name],
                }
        self.chosen["agents"] = agents


def playbook_form_class() -> type[PlaybookForm]:
    """The form with one switch per agent registered now (agents register at start-up)."""
    switches = {
        f"{_AGENT_FIELD_PREFIX}{spec.key}": forms.BooleanField(
            required=False,
            label=f"{spec.name} ({spec.key})",
            help_text=f"{spec.description} Proposes: {', '.join(spec.kinds) or '-'}.",
        )
        for spec in registered_agents()
    }
    inherit = {
        f"{_INHERIT_PREFIX}{name}": forms.BooleanField(
            required=False,
            label=f"{name}: not chosen",
            help_text="Ticked: this setting follows the vertical (or the built-in default); "
            "its value above is ignored when saving.",
        )
        for name in SETTINGS
    }
    # Settings added after this form (those the section pages edit) as JSON here.
    plain = {
        name: _json_area(3, "JSON; the section pages edit it field by field.")
        for name in SETTINGS
        if name not in PlaybookForm.base_fields
    }
    return type("PlaybookForm", (PlaybookForm,), {**switches, **inherit, **plain})
