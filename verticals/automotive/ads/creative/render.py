"""Rendering a creative's fields through :func:`como.creative.render_creative` (sandboxed,
time- and size-limited).

A creative has several fields; rendering each one on its own costs the sandbox's setup once
per field, which at 50,000 vehicles times two channels is most of the time. So the fields are
joined into one template with a separator no field can produce (``SEPARATOR``: a control
character removed from the data, and refused in the sources) and rendered once; only when
that fails is each field rendered alone, to say which field broke and on which line.

For many vehicles (:func:`.checks.vehicles_creative`) the rest of the fixed cost is paid once
too: the sources joined once per spec (:class:`Prepared`), the rooftop and the workspace cleaned
and copied into plain data once (:func:`shared_context`), each vehicle once for every channel
(:func:`vehicle_context`), and every creative of a vehicle rendered in one sandboxed call
(:class:`Combined`: a launch's Meta ad and Google ad are one render, not two)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from como.creative import (
    CreativeError,
    PlainContext,
    compile_creative,
    plain_context,
    render_creative,
)
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


def shared_context(rooftop: Mapping[str, Any], workspace: Mapping[str, Any]) -> PlainContext:
    """The rooftop and the workspace, cleaned of the separator and made plain once for many
    vehicles."""
    return plain_context({"rooftop": rooftop, "workspace": workspace}, strip=SEPARATOR)


def vehicle_context(vehicle: Mapping[str, Any], shared: PlainContext) -> PlainContext:
    """One vehicle's context, cleaned of the separator (a feed could carry one) and made plain
    in one pass, once for all its channels."""
    return plain_context({"vehicle": vehicle}, base=shared, strip=SEPARATOR)


@dataclass(frozen=True)
class Prepared:
    """A spec's sources in field order, and joined once (``None`` when a source carries the
    separator: then every field is rendered alone)."""

    spec: CreativeSpec
    ordered: tuple[str, ...]
    joined: str | None

    @classmethod
    def of(cls, spec: CreativeSpec, sources: Mapping[str, str]) -> Prepared:
        ordered = tuple(sources.get(f.name, f.default) for f in spec.fields)
        joined = None if any(SEPARATOR in s for s in ordered) else SEPARATOR.join(ordered)
        return cls(spec, ordered, joined)


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
    data = plain_context(dict(context), strip=SEPARATOR)
    return render_prepared(Prepared.of(spec, sources), data)


def render_prepared(prepared: Prepared, context: PlainContext) -> Rendered:
    """:func:`render_fields` for a prepared spec and a context from :func:`vehicle_context`
    (or :func:`shared_context`): cleaned of the separator and plain already."""
    spec = prepared.spec
    if prepared.joined is not None:
        try:
            joined = render_creative(
                prepared.joined, context, html=spec.html, max_output=MAX_OUTPUT
            )
        except CreativeError:
            pass  # rendered one by one below, to name the field
        else:
            texts = joined.split(SEPARATOR)
            if len(texts) == len(prepared.ordered):
                return _shaped(spec, texts)
    errors: dict[str, str] = {}
    texts = []
    for field, source in zip(spec.fields, prepared.ordered, strict=True):
        try:
            texts.append(render_creative(source, context, html=spec.html, max_output=MAX_OUTPUT))
        except CreativeError as error:
            errors[field.name] = str(error)
            texts.append("")
    if errors:
        raise FieldErrors(errors)
    return _shaped(spec, texts)


@dataclass(frozen=True)
class Combined:
    """Several specs' joined sources as one template, so a vehicle's creatives on every
    channel are one sandboxed render (the render's fixed cost, about a fifth of a vehicle's
    two renders, paid once).

    Each spec's part is wrapped in ``{% with %}``, so what one part sets (``{% set %}``, a
    macro) is not seen by the next: each part renders as it would alone. The parts are joined
    by :data:`SEPARATOR`, as the fields are. Made only when every part compiles on its own
    (an unclosed tag cannot swallow the next part) and all share one autoescape mode; the
    render keeps one creative's limits (time, output, work) for all the parts together, so a
    combined render that succeeds is within each part's own limits, and any failure (or a
    count of pieces that does not add up) falls back to rendering each spec alone, which names
    the broken field as before."""

    parts: tuple[Prepared, ...]
    source: str
    html: bool

    @classmethod
    def of(cls, parts: Sequence[Prepared]) -> Combined | None:
        if len(parts) < 2 or len({part.spec.html for part in parts}) != 1:
            return None
        joined = []
        for part in parts:
            if part.joined is None:
                return None
            try:
                compile_creative(part.joined, html=part.spec.html)
            except CreativeError:
                return None  # rendered alone, to name the field
            joined.append("{% with %}" + part.joined + "{% endwith %}")
        return cls(tuple(parts), SEPARATOR.join(joined), parts[0].spec.html)

    def render(self, context: PlainContext) -> list[Rendered] | None:
        """Every part's fields rendered with ``context``, in order; None when the parts must be
        rendered one by one (:func:`render_prepared`)."""
        try:
            texts = render_creative(
                self.source, context, html=self.html, max_output=MAX_OUTPUT
            ).split(SEPARATOR)
        except CreativeError:
            return None
        if len(texts) != sum(len(part.ordered) for part in self.parts):
            return None
        out: list[Rendered] = []
        start = 0
        for part in self.parts:
            end = start + len(part.ordered)
            out.append(_shaped(part.spec, texts[start:end]))
            start = end
        return out
