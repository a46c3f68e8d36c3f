"""One vehicle's creative as it would go out now: the template editor's live preview and the
API's ``POST /vehicles/{id}/preview``.

Everything :func:`.checks.vehicle_creative` needs is read here for one vehicle: the vehicle
and its rooftop as plain data (:mod:`.context`, never ``cost``), the workspace as the sender,
the jurisdictions of the rooftop's address, the channel's account and the merchandising
placement of the channel. Unsaved edits of the sources render over the saved ones."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from como.channels.models import ChannelAccount
from como.compliance.drafts import Sender, jurisdictions_of
from como.workspaces.models import Workspace

from ...inventory.models import Rooftop, Vehicle
from ..rules import rules_for
from .checks import CreativeResult, vehicle_creative
from .context import ROOFTOP_FIELDS, VEHICLE_FIELDS, rooftop_data, vehicle_data
from .editing import spec_or_error
from .render import source_errors, templates_for


def workspace_data(workspace: Workspace) -> dict[str, Any]:
    """The template's ``workspace``: who the ads speak for."""
    return {
        "name": workspace.name,
        "slug": workspace.slug,
        "country": workspace.country,
        "postal_address": workspace.postal_address,
    }


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
    ``creative.render`` finding in the result, as it would be in a proposal."""
    spec = spec_or_error(kind)
    edits = dict(sources or {})
    errors = source_errors(spec, edits)
    if errors:
        raise ValidationError(errors)
    workspace = vehicle.workspace
    defaults = spec.defaults()
    merged = templates_for(workspace)[spec.key]
    for name, source in edits.items():
        merged[name] = source if source.strip() else defaults[name]
    now = at or timezone.now()
    row = Vehicle.objects.filter(pk=vehicle.pk).values(*VEHICLE_FIELDS).get()
    rooftop = Rooftop.objects.filter(pk=vehicle.rooftop_id).values(*ROOFTOP_FIELDS).get()
    placement: dict[str, Any] = {}
    chosen = getattr(rules_for(workspace).placements, spec.channel, None)
    if chosen is not None:
        placement = chosen.model_dump(exclude_none=True)
    account = ChannelAccount.objects.filter(workspace=workspace, channel=spec.channel).first()
    return vehicle_creative(
        spec,
        merged,
        vehicle=vehicle_data(row, now=now),
        rooftop=rooftop_data(rooftop),
        workspace=workspace_data(workspace),
        sender=Sender.of(workspace),
        vertical=workspace.vertical,
        jurisdictions=jurisdictions_of(
            str(rooftop.get("country") or workspace.country), str(rooftop.get("region") or "")
        ),
        at=now,
        placement=placement,
        account=account,
    )
