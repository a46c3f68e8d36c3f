"""Playbook versions: what a playbook resolves to, recording a version, and the diff of two.

:func:`playbook_version_record` is called by the playbook services (:mod:`como.agents.playbooks`)
inside their transaction, holding the playbook's row lock. :func:`settings_diff` is pure: the
admin's version page and the API show what it returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Max

from como.jsonsafe import loads as json_loads
from como.scoring.models import ScoringModel
from como.scoring.services import scoring_model_active
from como.workspaces.users import User

from .models import Playbook, PlaybookVersion

#: The key the scoring model's rules take in a version's settings.
SCORING = "scoring"
#: The note of the version recorded for how a playbook stood before its first recorded save.
BASELINE_NOTE = "As the playbook stood before its first recorded change."

ChangeKind = Literal["added", "removed", "changed"]


def resolved_settings(playbook: Playbook) -> dict[str, Any]:
    """Every setting in effect, in its JSON form, and the active scoring model's rules."""
    settings = playbook.effective.model_dump(mode="json")
    settings[SCORING] = scoring_model_active(workspace=playbook.workspace).definition
    return _json(settings)


def _json(value: Any) -> Any:
    """As stored and read back (decimals and times as text), so equal states compare equal."""
    return json_loads(DjangoJSONEncoder().encode(value))


def playbook_version_record(
    *,
    playbook: Playbook,
    before: Mapping[str, Any],
    by: User | None,
    note: str,
    scoring_model: ScoringModel | None = None,
) -> PlaybookVersion | None:
    """Record the playbook as it now resolves; ``before`` is how it resolved before the save
    (recorded first as the baseline when the playbook has no version yet). None when the save
    changed nothing. Call it holding the playbook's row lock."""
    versions = PlaybookVersion.objects.filter(workspace_id=playbook.workspace_id)
    latest = versions.order_by("-number").first()
    if latest is None:
        latest = PlaybookVersion.objects.create(
            workspace_id=playbook.workspace_id, number=1, settings=_json(before), note=BASELINE_NOTE
        )
    after = resolved_settings(playbook)
    if after == latest.settings:
        return None
    number = (versions.aggregate(top=Max("number"))["top"] or 0) + 1
    return PlaybookVersion.objects.create(
        workspace_id=playbook.workspace_id,
        number=number,
        settings=after,
        note=note[:500],
        created_by=by if by is not None and by.pk else None,
        scoring_model=scoring_model,
    )


@dataclass(frozen=True)
class Change:
    """One value that differs: its path inside the setting ("" for the setting itself)."""

    path: str
    kind: ChangeKind
    before: Any = None
    after: Any = None


@dataclass(frozen=True)
class SettingDiff:
    setting: str
    changes: tuple[Change, ...]


def settings_diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[SettingDiff]:
    """Per setting that differs (in ``after``'s order, then settings only ``before`` has), the
    values added, removed and changed. Objects are compared key by key and lists of objects
    with a ``key`` (scoring rules) rule by rule, as ``fit[senior_title].points``; other lists
    are one value."""
    names = [*after, *(name for name in before if name not in after)]
    out: list[SettingDiff] = []
    for name in names:
        old = _flatten(before[name], "") if name in before else {}
        new = _flatten(after[name], "") if name in after else {}
        changes: list[Change] = []
        for path in [*new, *(path for path in old if path not in new)]:
            if path not in old:
                changes.append(Change(path, "added", after=new[path]))
            elif path not in new:
                changes.append(Change(path, "removed", before=old[path]))
            elif old[path] != new[path]:
                changes.append(Change(path, "changed", old[path], new[path]))
        if changes:
            out.append(SettingDiff(name, tuple(changes)))
    return out


def _flatten(value: Any, path: str) -> dict[str, Any]:
    if isinstance(value, Mapping) and value:
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(_flatten(item, f"{path}.{key}" if path else str(key)))
        return flat
    if _keyed(value):
        flat = {}
        for item in value:
            rest = {k: v for k, v in item.items() if k != "key"}
            flat.update(_flatten(rest, f"{path}[{item['key']}]"))
        return flat
    return {path: value}


def _keyed(value: Any) -> bool:
    if not isinstance(value, list) or not value:
        return False
    if not all(isinstance(item, Mapping) and isinstance(item.get("key"), str) for item in value):
        return False
    return len({item["key"] for item in value}) == len(value)


def version_diff(version: PlaybookVersion) -> list[SettingDiff]:
    """The version against the one before it (the first against nothing: all added)."""
    previous = (
        PlaybookVersion.objects.filter(workspace_id=version.workspace_id, number__lt=version.number)
        .order_by("-number")
        .values_list("settings", flat=True)
        .first()
    )
    return settings_diff(previous or {}, version.settings)
