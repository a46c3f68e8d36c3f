"""The playbook editor's committee roles as rows of inputs (key, label, required, weight, the
HubSpot buying roles), instead of one JSON box.

Registered for the ``accounts.roles`` setting (:data:`como.agents.playbook_admin.model_forms.
SETTING_WIDGETS`). The widget only changes how the list is typed: it reads the rows back into
the same JSON list the box would hold (a blank row is no role, a ticked "remove" drops one;
the defaults shown for a setting never chosen and sent back unchanged stay unchosen), and
:class:`.settings.AccountsSettings` validates it, so errors land on the roles' field with the
row's position named (``1.weight: …``). A client that posts the JSON itself under the field's
name is taken as it is. Each row's title rules (``infer``) stay JSON, in a box of their own.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, get_args

from django import forms

from .settings import DEFAULT_ROLES, CommitteeRole, HsBuyingRole

HS_BUYING_ROLES: tuple[str, ...] = get_args(HsBuyingRole)
#: empty rows offered for new roles
BLANK_ROWS = 2
_FIELDS = ("key", "label", "weight", "infer")


class CommitteeRolesWidget(forms.Widget):
    template_name = "admin/vertical_b2b/committee_roles_widget.html"

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        try:
            roles = json.loads(value) if isinstance(value, str) else value
        except ValueError:
            roles = []
        if not roles:  # the setting follows the defaults: show them
            roles = [role.model_dump(mode="json") for role in DEFAULT_ROLES]
        rows = [
            {
                "key": role.get("key", ""),
                "label": role.get("label", ""),
                "required": bool(role.get("required", True)),
                "weight": role.get("weight", "1"),
                "hs": list(role.get("hs_buying_roles") or []),
                "infer": json.dumps(role.get("infer") or []),
            }
            for role in (roles if isinstance(roles, list) else [])
            if isinstance(role, Mapping)
        ]
        blank = {"key": "", "label": "", "required": True, "weight": "", "hs": [], "infer": "[]"}
        context["widget"]["rows"] = [*rows, *([blank] * BLANK_ROWS)]
        context["widget"]["hs_choices"] = HS_BUYING_ROLES
        return context

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        if name in data:
            return data[name]
        roles: list[dict[str, Any]] = []
        n = 0
        while f"{name}-{n}-key" in data:
            prefix = f"{name}-{n}-"
            n += 1
            given = {field: (data.get(prefix + field) or "").strip() for field in _FIELDS}
            if data.get(prefix + "remove") or not (given["key"] or given["label"]):
                continue
            try:
                infer: Any = json.loads(given["infer"] or "[]")
            except ValueError:
                infer = given["infer"]  # the model names it: "infer: Input should be a list"
            roles.append(
                {
                    "key": given["key"],
                    "label": given["label"],
                    "required": bool(data.get(prefix + "required")),
                    "weight": given["weight"] or "1",
                    "hs_buying_roles": data.getlist(prefix + "hs")
                    if hasattr(data, "getlist")
                    else [],
                    "infer": infer,
                }
            )
        # The defaults sent back unchanged stay "not chosen" (blank), so the setting keeps
        # following them, as an untouched JSON box left blank would.
        return "" if _are_defaults(roles) else json.dumps(roles)

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and f"{name}-0-key" not in data


def _are_defaults(roles: list[dict[str, Any]]) -> bool:
    try:
        return [CommitteeRole.model_validate(role) for role in roles] == list(DEFAULT_ROLES)
    except ValueError:
        return False
