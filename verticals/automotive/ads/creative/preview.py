"""One vehicle's creative as it would go out now: the template editor's live preview and the
API's ``POST /vehicles/{id}/preview``.

Everything :func:`.checks.vehicle_creative` needs is read here for one vehicle: the vehicle
and its rooftop as plain data (:mod:`.context`, never ``cost``), the workspace as the sender,
the jurisdictions of the playbook and of the rooftop's address, the channel's account and
the merchandising placement of the channel. Unsaved edits of the sources render over the
saved ones."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from como.compliance.drafts import jurisdictions_of

from ...inventory.models import Vehicle
from ..studio import Studio, rooftop_rows, vehicle_rows
from .checks import CreativeResult, vehicle_creative
from .context import rooftop_data, vehicle_data
from .editing import spec_or_error
from .render import source_errors


def vehicle_preview(
    *,
    vehicle: Vehicle,
    kind: str,
    sources: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> CreativeResult:
    """``kind``'s creative for ``vehicle`` with the workspace's templates, ``sources`` (unsaved
    edits; an empty one reads the default, as saving it would) over them. Malformed edits are
    a ValidationError keyed by field; a template that does not render is a blocking
    ``creative.render`` finding in the result, as it would be in a proposal.

    The context is the inventory-ads agent's own (:class:`..studio.Studio`: sender, playbook
    jurisdictions, placement, account), so the preview is what a proposal would show."""
    spec = spec_or_error(kind)
    edits = dict(sources or {})
    errors = source_errors(spec, edits)
    if errors:
        raise ValidationError(errors)
    workspace = vehicle.workspace
    studio = Studio.of(workspace)
    defaults = spec.defaults()
    merged = dict(studio.templates[spec.key])
    for name, source in edits.items():
        merged[name] = source if source.strip() else defaults[name]
    now = at or timezone.now()
    row = vehicle_rows(workspace, [vehicle.pk])[vehicle.pk]
    rooftop = rooftop_rows(workspace, [row["rooftop_id"]])[row["rooftop_id"]]
    return vehicle_creative(
        spec,
        merged,
        vehicle=vehicle_data(row, now=now),
        rooftop=rooftop_data(rooftop),
        workspace=studio.workspace_data,
        sender=studio.sender,
        vertical=workspace.vertical,
        jurisdictions=studio.jurisdictions
        | jurisdictions_of(str(rooftop.get("country") or ""), str(rooftop.get("region") or "")),
        at=now,
        placement=studio.placement(spec.channel),
        account=studio.account(spec.channel),
    )
