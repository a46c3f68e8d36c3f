"""The console's reports page (``/admin/reports/``), its sections re-rendered alone for htmx,
their CSV exports, and the attribution panel of a campaign's page with its model switch.

Access: the admin's login (``admin_view``) and the member's workspaces, as the dashboard
(:func:`como.console.dashboard.chosen_workspace`); a campaign is looked up among those the
member may view, so another workspace's is a 404. The period is checked by the funnel API's
serializer (:class:`como.campaigns.reports_api.PeriodSerializer`), the rest beside it: a bad
parameter is a 400 naming the field.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from rest_framework import serializers

from como import csvsafe
from como.campaigns.attribution.credit import MODELS
from como.campaigns.models import Campaign
from como.campaigns.reports_api import PeriodSerializer
from como.campaigns.selectors.funnel import GROUPINGS
from como.workspaces.models import Workspace
from como.workspaces.principal import principal_for_request

from ..dashboard import chosen_workspace
from ..panels import DEFAULT_DAYS, Panel, register_panel
from . import tables

SECTIONS = ("attribution", "funnel", "vin")
AUTOMOTIVE = "automotive"


class ReportQuerySerializer(PeriodSerializer):
    """The page's parameters: the period, attribution's grouping and model, the funnel's."""

    by = serializers.ChoiceField(choices=("channel", "campaign"), default="channel")
    model = serializers.ChoiceField(choices=list(MODELS), default=tables.DEFAULT_MODEL)
    funnel = serializers.ChoiceField(choices=GROUPINGS, default="channel")
    workspace = serializers.SlugField(required=False)


class BadQuery(Exception):
    def __init__(self, errors: Any) -> None:
        self.errors = errors


def _query(request: HttpRequest) -> dict[str, Any]:
    query = ReportQuerySerializer(data=request.GET)
    if not query.is_valid():
        raise BadQuery(query.errors)
    return dict(query.validated_data)


def _bad(errors: Any) -> HttpResponseBadRequest:
    lines = [f"{name}: {' '.join(str(e) for e in problems)}" for name, problems in errors.items()]
    return HttpResponseBadRequest("\n".join(lines), content_type="text/plain")


def _workspace(request: HttpRequest) -> tuple[list[Workspace], Workspace]:
    workspaces, workspace = chosen_workspace(request)
    if workspace is None:
        raise Http404("You are not a member of any workspace.")
    return workspaces, workspace


def _link(workspace: Workspace, query: dict[str, Any], target: str = "", **changes: Any) -> str:
    params = {
        "workspace": workspace.slug,
        "since": query["since"].isoformat(),
        "until": query["until"].isoformat(),
        "by": query["by"],
        "model": query["model"],
        "funnel": query["funnel"],
    } | changes
    kept = {name: value for name, value in params.items() if value is not None}
    return f"{target or reverse('console-reports')}?{urlencode(kept)}"


def _section(request: HttpRequest, name: str, workspace: Workspace, query: dict[str, Any]) -> str:
    since, until = query["since"], query["until"]
    context: dict[str, Any] = {"workspace": workspace, "query": query, "section": name}
    section_url = reverse("console-reports-section", args=[name])
    context["csv"] = _link(workspace, query, reverse("console-reports-export", args=[name]))
    if name == "attribution":
        rows = tables.attribution_rows(workspace, by=query["by"], since=since, until=until)
        table = tables.attribution(rows, model=query["model"])
        context |= {
            "table": table,
            "chart": json.dumps(table.chart),
            "model_label": MODELS[query["model"]].label,
            "choices": [(key, spec.label) for key, spec in MODELS.items()],
            "tabs": [
                (by, label, _link(workspace, query, section_url, by=by))
                for by, label in (("channel", "Per channel"), ("campaign", "Per campaign"))
            ],
            # The select adds the model it names.
            "switch_url": _link(workspace, query, section_url, model=None),
        }
    elif name == "funnel":
        table = tables.funnel_table(workspace, by=query["funnel"], since=since, until=until)
        context |= {
            "table": table,
            "tabs": [
                (by, label, _link(workspace, query, section_url, funnel=by))
                for by, label in (
                    ("channel", "Per channel"),
                    ("campaign", "Per campaign"),
                    ("score_band", "Per score band"),
                )
            ],
        }
    else:
        context["table"] = tables.vin_table(workspace, since=since, until=until)
    return render_to_string(f"console/reports/{name}.html", context, request=request)


def _sections(workspace: Workspace) -> list[str]:
    return [s for s in SECTIONS if s != "vin" or workspace.vertical == AUTOMOTIVE]


def _inputs(
    request: HttpRequest, name: str | None = None
) -> HttpResponse | tuple[dict[str, Any], list[Workspace], Workspace]:
    """The parameters and the workspaces, or the 400 to answer; a report the workspace does
    not have (the VIN report outside automotive) is a 404."""
    try:
        query = _query(request)
    except BadQuery as bad:
        return _bad(bad.errors)
    workspaces, workspace = _workspace(request)
    if name is not None and name not in _sections(workspace):
        raise Http404("No such report.")
    return query, workspaces, workspace


def reports_page(request: HttpRequest, admin_site: Any) -> HttpResponse:
    found = _inputs(request)
    if isinstance(found, HttpResponse):
        return found
    query, workspaces, workspace = found
    sections = [_section(request, name, workspace, query) for name in _sections(workspace)]
    context = {
        **admin_site.each_context(request),
        "title": "Reports",
        "workspaces": workspaces,
        "workspace": workspace,
        "query": query,
        "sections": sections,
        "switch": [(w, _link(w, query)) for w in workspaces],
    }
    return TemplateResponse(request, "console/reports/page.html", context)


def reports_section(request: HttpRequest, name: str) -> HttpResponse:
    found = _inputs(request, name)
    if isinstance(found, HttpResponse):
        return found
    query, _, workspace = found
    return HttpResponse(_section(request, name, workspace, query))


def reports_export(request: HttpRequest, name: str) -> HttpResponse:
    """The section's table as CSV, every cell formula-safe; attribution: every model."""
    found = _inputs(request, name)
    if isinstance(found, HttpResponse):
        return found
    query, _, workspace = found
    since, until = query["since"], query["until"]
    if name == "attribution":
        rows = tables.attribution_rows(workspace, by=query["by"], since=since, until=until)
        table = tables.attribution(rows, model=query["model"])
        suffix = query["by"]
    elif name == "funnel":
        table = tables.funnel_table(workspace, by=query["funnel"], since=since, until=until)
        suffix = query["funnel"]
    else:
        table = tables.vin_table(workspace, since=since, until=until)
        suffix = "sales"
    out = io.StringIO()
    writer = csvsafe.writer(out)
    writer.writerow(table.headers)
    writer.writerows(table.rows)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    filename = f"{workspace.slug}-{name}-{suffix}-{since:%Y%m%d}-{until:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- the campaign page's panel --------------------------------------------------------------


def campaign_attribution_context(
    *, principal: Any, workspace: Any, obj: Any = None, days: int = DEFAULT_DAYS, model: str = ""
) -> dict[str, Any]:
    """The campaign's touches credited per channel by one model over the page's period."""
    if not isinstance(obj, Campaign):
        raise TypeError("The attribution panel needs the page's campaign.")
    model = model if model in MODELS else tables.DEFAULT_MODEL
    until = datetime.now(UTC).date()
    since = until - timedelta(days=days - 1)
    rows = tables.attribution_rows(
        obj.workspace, by="channel", since=since, until=until, campaign=obj, models=[model]
    )
    table = tables.attribution(rows, model=model)
    return {
        "campaign_id": obj.pk,
        "model": model,
        "model_label": MODELS[model].label,
        "choices": [(key, spec.label) for key, spec in MODELS.items()],
        "detail": table.extra["detail"],
        "chart": json.dumps(table.chart),
        "switch_url": reverse("console-campaign-attribution", args=[obj.pk]),
        "since": since,
        "until": until,
    }


def campaign_attribution(request: HttpRequest, pk: int) -> HttpResponse:
    """The panel alone, for the model switch (htmx)."""
    principal = principal_for_request(request)
    campaign = Campaign.objects.visible_to(principal).filter(pk=pk).first()
    if campaign is None:
        raise Http404("No such campaign.")
    raw = request.GET.get("days", str(DEFAULT_DAYS))
    model = request.GET.get("model", tables.DEFAULT_MODEL)
    if not raw.isdigit() or not 1 <= int(raw) <= 366 or model not in MODELS:
        return _bad({"days" if model in MODELS else "model": ["Not a valid choice."]})
    days = int(raw)
    context = campaign_attribution_context(
        principal=principal, workspace=campaign.workspace, obj=campaign, days=days, model=model
    )
    return render(request, "console/reports/campaign_attribution.html", {**context, "days": days})


CAMPAIGN_PANEL = Panel(
    "campaign.attribution",
    "campaign",
    "Attribution per channel",
    40,
    "console/reports/campaign_attribution.html",
    campaign_attribution_context,
)


def register_campaign_panel() -> None:
    register_panel(CAMPAIGN_PANEL)
