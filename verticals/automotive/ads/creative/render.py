"""Rendering a creative's fields through :func:`como.creative.render_creative` (sandboxed,
time- and size-limited).

A creative has several fields; rendering each one on its own costs the sandbox's setup once
per field, which at 50,000 vehicles times two channels is most of the time. So the fields are
joined into one template with a separator no field can produce (``SEPARATOR``: a control
character removed from the data, and refused in the sources) and rendered once; only when
that fails is each field rendered alone, to say which field broke and on which line."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from como.creative import CreativeError, render_creative
from como.workspaces.models import Workspace

from ..models import CreativeTemplate
from .specs import SPECS, CreativeSpec, Rendered

SEPARATOR = "\x1e"  # ASCII record separator
#: Output cap per creative: a Meta primary text may be 2,200 characters, a description 5,000.
MAX_OUTPUT = 20_000


class FieldErrors(Exception):
    """Fields that could not be rendered: ``{field: editor-facing message}``."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


def templates_for(workspace: Workspace) -> dict[str, dict[str, str]]:
    """Every creative's field sources for the workspace: its own where it edited them, the
    vertical's defaults elsewhere."""
    own = {
        row.kind: row.fields
        for row in CreativeTemplate.objects.filter(workspace=workspace)
        if isinstance(row.fields, dict)
    }
    return {
        spec.key: {
            f.name: str((own.get(spec.key) or {}).get(f.name, f.default)) for f in spec.fields
        }
        for spec in SPECS.all()
    }


def source_errors(spec: CreativeSpec, sources: Mapping[str, Any]) -> dict[str, str]:
    """What is wrong with edited sources before anything renders (unknown fields, not text)."""
    names = {f.name for f in spec.fields}
    errors = {key: "Not a field of this creative." for key in sources if key not in names}
    for key, value in sources.items():
        if key in names and not isinstance(value, str):
            errors[key] = "Must be text."
        elif key in names and SEPARATOR in value:
            errors[key] = "Control character U+001E is not allowed."
    return errors


def _clean(value: Any) -> Any:
    """The data without the separator (a feed could carry one)."""
    if isinstance(value, str):
        return value.replace(SEPARATOR, "") if SEPARATOR in value else value
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _shaped(spec: CreativeSpec, texts: list[str]) -> dict[str, str | list[str]]:
    out: dict[str, str | list[str]] = {}
    for field, text in zip(spec.fields, texts, strict=True):
        if field.shape == "lines":
            out[field.name] = [line.strip() for line in text.splitlines() if line.strip()]
        else:
            out[field.name] = text.strip()
    return out


def render_fields(
    spec: CreativeSpec, sources: Mapping[str, str], context: Mapping[str, Any]
) -> Rendered:
    """The spec's fields rendered with ``context``; :class:`FieldErrors` when any fails."""
    data = _clean(dict(context))
    ordered = [sources.get(f.name, f.default) for f in spec.fields]
    if not any(SEPARATOR in source for source in ordered):
        try:
            joined = render_creative(
                SEPARATOR.join(ordered), data, html=spec.html, max_output=MAX_OUTPUT
            )
        except CreativeError:
            pass  # rendered one by one below, to name the field
        else:
            texts = joined.split(SEPARATOR)
            if len(texts) == len(ordered):
                return _shaped(spec, texts)
    errors: dict[str, str] = {}
    texts = []
    for field, source in zip(spec.fields, ordered, strict=True):
        try:
            texts.append(render_creative(source, data, html=spec.html, max_output=MAX_OUTPUT))
        except CreativeError as error:
            errors[field.name] = str(error)
            texts.append("")
    if errors:
        raise FieldErrors(errors)
    return _shaped(spec, texts)
