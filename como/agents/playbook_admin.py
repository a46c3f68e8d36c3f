"""The playbook in the admin: each setting with where its value comes from.

Every setting shows its effective value; a "use the vertical's value" box next to it says
whether the workspace chose it or follows its vertical (or the built-in default), and the page
lists each setting's source. Saving goes through :func:`como.agents.playbooks.playbook_update`,
so the agents' schedules follow; a setting the form did not send is left as it was.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.postgres.forms import SimpleArrayField
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from como import verticals
from como.jsonsafe import JSONFormField
from como.workspaces.admin_base import WorkspaceScopedAdmin
from como.workspaces.roles import Permission

from .models import HandoffRouting, Playbook
from .playbook_settings import (
    SETTINGS,
    PlaybookSettings,
    Source,
    settings_errors,
    sources,
    vertical_defaults,
)
from .playbooks import playbook_update
from .registry import registered_agents

_AGENT_FIELD_PREFIX = "agent__"
_INHERIT_PREFIX = "inherit__"
#: Settings whose blank input means "follow the vertical" (blank is no value they can take).
_BLANK_INHERITS = frozenset(
    {"handoff_sla_minutes", "handoff_routing", "inventory_removal_hold_share"}
)


class PrettyJSONField(JSONFormField):
    """JSON shown indented, one setting a line."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, indent=2, ensure_ascii=False, cls=self.encoder)


def _json_area(rows: int, help_text: str) -> PrettyJSONField:
    return PrettyJSONField(
        required=False,
        widget=forms.Textarea(attrs={"rows": rows, "cols": 80, "style": "font-family: monospace"}),
        help_text=help_text,
    )


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
            for name, problems in settings_errors(layered).items():
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
    return type("PlaybookForm", (PlaybookForm,), {**switches, **inherit})


@admin.register(Playbook)
class PlaybookAdmin(WorkspaceScopedAdmin):
    """A workspace's approval policy, handoff SLA, agents and markets, each shown with where
    its value comes from. Saved through :func:`como.agents.playbooks.playbook_update`."""

    write_permission = Permission.CONFIGURE_PLAYBOOK
    list_display = [
        "workspace",
        "auto_approve_kinds",
        "two_approver_kinds",
        "two_approver_spend_above",
        "handoff_sla_minutes",
        "chosen_settings",
        "updated_at",
    ]
    list_filter = ["workspace"]
    list_select_related = ["workspace"]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        kwargs["form"] = playbook_form_class()
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Each setting's "not chosen" box right under it.
        form = self.get_form(request, obj, fields=None)
        names = [name for name in form.base_fields if not name.startswith(_INHERIT_PREFIX)]
        fields: list[str] = []
        for name in [*names, *self.get_readonly_fields(request, obj)]:
            if name in fields:
                continue
            fields.append(name)
            if name in SETTINGS:
                fields.append(f"{_INHERIT_PREFIX}{name}")
        return fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # One playbook per workspace, for good: it is not moved to another.
        if obj is None:
            return ["updated_at"]
        return ["workspace", "setting_sources", "updated_at"]

    @admin.display(description="chosen by the workspace")
    def chosen_settings(self, obj: Playbook) -> str:
        return ", ".join(name for name in SETTINGS if name in (obj.overrides or {})) or "-"

    @admin.display(description="where each setting comes from")
    def setting_sources(self, obj: Playbook) -> SafeString:
        vertical = obj.workspace.vertical
        name = verticals.get(vertical).name if verticals.is_registered(vertical) else vertical
        label = {
            Source.WORKSPACE: "chosen by the workspace",
            Source.VERTICAL: f"the {name} vertical's default",
            Source.BUILT_IN: "built-in default",
        }
        values = obj.effective.model_dump(mode="json")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
            (
                (setting, json.dumps(values[setting], default=str), label[source])
                for setting, source in sources(vertical, obj.overrides or {}).items()
            ),
        )
        return format_html(
            "<table><tr><th>setting</th><th>value</th><th>from</th></tr>{}</table>", rows
        )

    def save_model(self, request: HttpRequest, obj: Playbook, form: Any, change: bool) -> None:
        # The form has validated the choices against the workspace's vertical.
        playbook_update(playbook=obj, inherit=form.inherited, **form.chosen)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
