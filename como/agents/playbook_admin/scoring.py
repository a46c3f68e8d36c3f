"""The scoring section of the playbook editor: the active scoring model as a form.

The threshold, the minimum fit and the decay are fields; fit rules, intent rules and negative
signals (intent rules worth negative points) are one row each, a rule's condition as JSON (the
rule language of :mod:`como.scoring.rules`, which nests). The rows become a model definition
that the scoring app validates; pydantic's errors go back onto the row and field they name. The
same form feeds the preview (:func:`como.scoring.preview.scoring_change_preview`) and the save
(:func:`como.agents.playbooks.playbook_scoring_update`).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from django import forms
from django.forms import formset_factory
from pydantic import ValidationError

from como.scoring.rules import ScoringModel as RulesSchema

from ..models import Playbook
from .model_forms import json_area


class ThresholdForm(forms.Form):
    threshold = forms.FloatField(help_text="A contact is an MQL when its score reaches this.")
    min_fit = forms.FloatField(
        required=False, help_text="…and, if set, its fit reaches this (blank: no minimum)."
    )
    rate_per_quarter = forms.FloatField(
        label="decay per quarter",
        help_text="Share of intent lost per quarter of inactivity (0.25 = 25 %; 0: no decay).",
    )
    note = forms.CharField(
        max_length=500, required=False, help_text="What changed, and why (kept on the version)."
    )


class _RuleForm(forms.Form):
    key = forms.CharField(required=False, max_length=64)
    label = forms.CharField(required=False, max_length=200)
    points = forms.FloatField(required=False)


class FitRuleForm(_RuleForm):
    when = json_area(3, 'e.g. {"attr": "contact.title", "regex": "\\\\b(vp|chief)\\\\b"}')


class IntentRuleForm(_RuleForm):
    event_type = forms.CharField(required=False, max_length=100)
    when = json_area(2, 'Optional, e.g. {"property": "path", "starts_with": "/pricing"}')
    cap_count = forms.IntegerField(required=False, label="cap: count")
    cap_per_days = forms.FloatField(required=False, label="cap: per days")


FitRuleFormSet = formset_factory(FitRuleForm, extra=1, can_delete=True, max_num=200)
IntentRuleFormSet = formset_factory(IntentRuleForm, extra=1, can_delete=True, max_num=200)

#: The row groups, in the order their rules are written to the definition.
GROUPS = (
    ("fit", "Fit rules", FitRuleFormSet),
    ("intent", "Intent rules", IntentRuleFormSet),
    ("negative", "Negative signals", IntentRuleFormSet),
)


def _rows(definition: Mapping[str, Any], group: str) -> list[dict[str, Any]]:
    if group == "fit":
        return [dict(rule) for rule in definition.get("fit", [])]
    negative = group == "negative"
    rows = []
    for rule in definition.get("intent", []):
        if (rule.get("points", 0) < 0) != negative:
            continue
        row = {k: v for k, v in rule.items() if k != "cap"}
        if rule.get("cap"):
            row["cap_count"] = rule["cap"].get("count")
            row["cap_per_days"] = rule["cap"].get("per_days")
        rows.append(row)
    return rows


class ScoringRulesForm:
    """The threshold form and the three rule formsets, validated as one scoring model."""

    def __init__(
        self, playbook: Playbook, current: Mapping[str, Any], data: Mapping[str, Any] | None
    ) -> None:
        self.playbook, self.current = playbook, current
        decay = current.get("decay") or {}
        self.main = ThresholdForm(
            data,
            initial={
                "threshold": current.get("threshold"),
                "min_fit": current.get("min_fit"),
                "rate_per_quarter": decay.get("rate_per_quarter", 0.25),
            },
        )
        self.groups = [
            (key, title, formset_class(data, prefix=key, initial=_rows(current, key)))
            for key, title, formset_class in GROUPS
        ]
        self.definition: dict[str, Any] | None = None
        self.errors: list[str] = []

    def is_valid(self) -> bool:
        valid = self.main.is_valid()
        for _, _, formset in self.groups:
            valid = formset.is_valid() and valid
        if not valid:
            return False
        definition, places = self._assemble()
        try:
            RulesSchema.model_validate(definition)
        except ValidationError as error:
            for problem in error.errors(include_url=False):
                self._place(problem["loc"], problem["msg"].removeprefix("Value error, "), places)
            return False
        self.definition = definition
        return True

    def _assemble(self) -> tuple[dict[str, Any], dict[tuple[str, int], forms.Form]]:
        """The definition, and which row form each ``fit[i]`` / ``intent[i]`` came from."""
        cleaned = self.main.cleaned_data
        definition = copy.deepcopy(dict(self.current))
        definition["threshold"] = cleaned["threshold"]
        # A default the definition left out stays out, so the version's diff shows only edits.
        if cleaned["min_fit"] is not None or "min_fit" in definition:
            definition["min_fit"] = cleaned["min_fit"]
        if cleaned["rate_per_quarter"] != 0.25 or "decay" in definition:
            definition["decay"] = {"rate_per_quarter": cleaned["rate_per_quarter"]}
        places: dict[tuple[str, int], forms.Form] = {}
        rules: dict[str, list[dict[str, Any]]] = {"fit": [], "intent": []}
        for key, _, formset in self.groups:
            target = "fit" if key == "fit" else "intent"
            for form in formset.forms:
                row = form.cleaned_data
                if not row or row.get("DELETE") or (not form.has_changed() and not form.initial):
                    continue
                rule = {
                    name: row[name]
                    for name in ("key", "label", "event_type", "points", "when")
                    if name in row and row[name] not in (None, "")
                }
                if target == "intent" and (row.get("cap_count") or row.get("cap_per_days")):
                    rule["cap"] = {
                        "count": row.get("cap_count"),
                        "per_days": row.get("cap_per_days"),
                    }
                places[(target, len(rules[target]))] = form
                rules[target].append(rule)
        definition.update({k: v for k, v in rules.items() if v or k in definition})
        return definition, places

    def _place(
        self, loc: tuple[Any, ...], message: str, places: Mapping[tuple[str, int], forms.Form]
    ) -> None:
        if len(loc) >= 2 and isinstance(loc[1], int) and (str(loc[0]), loc[1]) in places:
            form = places[(str(loc[0]), loc[1])]
            field = str(loc[2]) if len(loc) > 2 else None
            if field == "cap":
                field = "cap_per_days" if "per_days" in loc[3:] else "cap_count"
            rest = ".".join(str(part) for part in loc[3:])
            if field not in form.fields:
                field = None
                rest = ".".join(str(part) for part in loc[2:])
            form.add_error(field, f"{rest}: {message}" if rest else message)
            return
        head = ".".join(str(part) for part in loc[:2])
        name = "rate_per_quarter" if head == "decay.rate_per_quarter" else None
        name = name or (str(loc[0]) if loc and str(loc[0]) in self.main.fields else None)
        where = ".".join(str(part) for part in loc)
        self.main.add_error(name, message if name or not where else f"{where}: {message}")

    @property
    def note(self) -> str:
        return str(self.main.cleaned_data.get("note") or "")

    def error_lines(self) -> list[str]:
        """Every error as a line naming its place (for the preview's answer)."""
        lines = [
            f"{name if name != '__all__' else 'scoring'}: {message}"
            for name, problems in self.main.errors.items()
            for message in problems
        ]
        for _, title, formset in self.groups:
            lines += [f"{title}: {message}" for message in formset.non_form_errors()]
            for i, form in enumerate(formset.forms, start=1):
                lines += [
                    f"{title}, row {i}, {name if name != '__all__' else 'rule'}: {message}"
                    for name, problems in form.errors.items()
                    for message in problems
                ]
        return lines
