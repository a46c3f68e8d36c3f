"""Django form fields generated from a pydantic model, and pydantic's errors put back on them.

The playbook editor's section forms are built here from the types the settings already have
(:class:`como.agents.playbook_settings.PlaybookSettings`, or the model a vertical registered for
a setting, such as automotive ``merchandising``), so a vertical's section gets a form without a
line of form code and the form cannot drift from what is validated. Scalars, choices and lists
of choices become inputs; nested models become groups of inputs named ``outer__inner``; shapes
a form cannot show plainly (lists of objects, free-form objects) become one JSON box each,
unless a widget is registered for the setting's path (:data:`SETTING_WIDGETS`).
"""

from __future__ import annotations

import enum
import types
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from django import forms
from pydantic import BaseModel, ValidationError

from como.jsonsafe import PrettyJSONField
from como.registry import Registry

SEP = "__"
#: A widget of its own for one setting's JSON box, by dotted path (``accounts.roles``): a
#: vertical shows a list of objects as rows of inputs; the value stays the same JSON, so the
#: setting's model validates it exactly as it validates a typed one.
SETTING_WIDGETS: Registry[type[forms.Widget]] = Registry("setting widget")


def json_area(rows: int = 6, help_text: str = "") -> PrettyJSONField:
    return PrettyJSONField(
        required=False,
        widget=forms.Textarea(attrs={"rows": rows, "cols": 80, "class": "font-mono"}),
        help_text=help_text,
    )


@dataclass(frozen=True)
class Leaf:
    """One form field and where its value goes in the data."""

    path: tuple[str, ...]
    kind: str  # "scalar", "bool", "list", "json"
    optional: bool

    @property
    def name(self) -> str:
        return SEP.join(self.path)


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """The annotation without ``Annotated`` and ``None``, and whether None was allowed."""
    optional = False
    while True:
        if get_origin(annotation) is Annotated:
            annotation = get_args(annotation)[0]
            continue
        if get_origin(annotation) in (Union, types.UnionType):
            args = [arg for arg in get_args(annotation) if arg is not type(None)]
            optional = optional or len(args) < len(get_args(annotation))
            if len(args) == 1:
                annotation = args[0]
                continue
        return annotation, optional


def _choices(annotation: Any) -> list[str] | None:
    if get_origin(annotation) is Literal:
        return [str(value) for value in get_args(annotation)]
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [str(member.value) for member in annotation]
    return None


def _label(name: str) -> str:
    return name.replace("_", " ")


def build_fields(
    model: type[BaseModel],
    names: Iterable[str],
    prefix: tuple[str, ...] = (),
    overrides: Mapping[str, type[BaseModel]] | None = None,
) -> tuple[dict[str, forms.Field], list[Leaf]]:
    """Form fields for ``names`` of ``model``; ``overrides`` gives the model to use for a
    field whose own type is free-form (a setting whose shape a vertical registered)."""
    out: dict[str, forms.Field] = {}
    leaves: list[Leaf] = []
    for name in names:
        info = model.model_fields[name]
        path = (*prefix, name)
        annotation, optional = _unwrap(info.annotation)
        optional = optional or (bool(prefix) and not info.is_required())
        nested = (overrides or {}).get(name)
        if nested is None and isinstance(annotation, type) and issubclass(annotation, BaseModel):
            nested = annotation
        help_text = info.description or ""
        if nested is not None:
            inner, inner_leaves = build_fields(nested, nested.model_fields, path)
            out.update(inner)
            leaves += inner_leaves
            continue
        label = " / ".join(_label(part) for part in path)
        field, kind = _field(annotation, optional, label, help_text)
        widget = SETTING_WIDGETS.find(".".join(path))
        if widget is not None and kind == "json":
            field.widget = widget()
        out[SEP.join(path)] = field
        leaves.append(Leaf(path, kind, optional))
    return out, leaves


def _field(annotation: Any, optional: bool, label: str, help_text: str) -> tuple[Any, str]:
    choices = _choices(annotation)
    if annotation is bool:
        return forms.BooleanField(required=False, label=label, help_text=help_text), "bool"
    if choices is not None:
        options = [("", "—"), *((c, c) for c in choices)]
        return forms.ChoiceField(
            choices=options, required=False, label=label, help_text=help_text
        ), "scalar"
    simple: dict[Any, type[forms.Field]] = {
        int: forms.IntegerField,
        float: forms.FloatField,
        Decimal: forms.DecimalField,
        str: forms.CharField,
        time: forms.TimeField,
    }
    if annotation in simple:
        return simple[annotation](required=False, label=label, help_text=help_text), "scalar"
    if get_origin(annotation) is list:
        item, _ = _unwrap(get_args(annotation)[0])
        item_choices = _choices(item)
        if item_choices is not None:
            return forms.MultipleChoiceField(
                choices=[(c, c) for c in item_choices],
                required=False,
                widget=forms.CheckboxSelectMultiple,
                label=label,
                help_text=help_text,
            ), "list"
        if item is str:
            return forms.CharField(
                required=False,
                label=label,
                help_text=(help_text + " Comma-separated." if help_text else "Comma-separated."),
            ), "list"
    return json_area(help_text=help_text or "JSON."), "json"


def initial_values(
    leaves: Iterable[Leaf], data: Mapping[str, Any], fields: Mapping[str, forms.Field]
) -> dict[str, Any]:
    """The fields' initial values from data shaped like the model's JSON dump."""
    initial: dict[str, Any] = {}
    for leaf in leaves:
        value: Any = data
        for part in leaf.path:
            value = value.get(part) if isinstance(value, Mapping) else None
        if isinstance(value, list) and isinstance(fields[leaf.name], forms.CharField):
            value = ", ".join(str(item) for item in value)
        initial[leaf.name] = value
    return initial


def assemble(
    leaves: Iterable[Leaf], cleaned: Mapping[str, Any], fields: Mapping[str, forms.Field]
) -> dict[str, Any]:
    """The data the cleaned fields stand for. A blank nested value is left out (the model's
    default applies; an optional group left blank is absent); a blank top-level value is None."""
    data: dict[str, Any] = {}
    for leaf in leaves:
        if leaf.name not in cleaned:
            continue
        value = cleaned[leaf.name]
        if leaf.kind == "list" and isinstance(fields[leaf.name], forms.CharField):
            items = [part.strip() for part in (value or "").split(",") if part.strip()]
            value = None if not items and leaf.optional and len(leaf.path) == 1 else items
        elif leaf.kind == "list":
            value = list(value or [])
        elif leaf.kind != "bool" and value in (None, ""):
            # Blank: absent when nested or when None is no value the setting takes (the
            # model's default, or the setting as it stands); None otherwise.
            if len(leaf.path) > 1 or not leaf.optional:
                continue
            value = None
        if isinstance(value, time):
            value = value.isoformat()
        target = data
        for part in leaf.path[:-1]:
            target = target.setdefault(part, {})
        target[leaf.path[-1]] = value
    return data


def error_targets(
    error: ValidationError, leaves: Iterable[Leaf], prefix: tuple[str, ...] = ()
) -> list[tuple[str | None, str]]:
    """(field name or None, message) for each of pydantic's errors: on the deepest field its
    location reaches, else on the form with the location spelled out."""
    by_path = {leaf.path: leaf.name for leaf in leaves}
    out: list[tuple[str | None, str]] = []
    for problem in error.errors(include_url=False):
        loc = (*prefix, *(str(part) for part in problem["loc"]))
        message = problem["msg"].removeprefix("Value error, ")
        target = None
        for end in range(len(loc), 0, -1):
            if loc[:end] in by_path:
                target = by_path[loc[:end]]
                rest = loc[end:]
                if rest:
                    message = f"{'.'.join(rest)}: {message}"
                break
        if target is None and loc:
            message = f"{'.'.join(loc)}: {message}"
        out.append((target, message))
    return out
