"""A campaign's monitoring page: the panels registered for page ``"campaign"``, in order.

The URL, its scoping and the campaign come from the campaign admin
(``como.campaigns.admin.MONITORING``: campaigns sit below the console); this module draws the
page and registers the three panels it starts with: daily charts per channel, targets against
actuals, and the channels compared. A later capability (sequences, attribution) adds a panel of
page ``"campaign"`` from its own ``ready()`` and edits nothing here.

Every panel reads :func:`como.campaigns.selectors.performance.campaign_performance`, the
selector the API's ``/campaigns/{id}/performance`` serves, computed once per page and period.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.response import TemplateResponse

from como.campaigns.admin import MONITORING
from como.campaigns.models import Campaign
from como.campaigns.selectors.performance import (
    CampaignPerformance,
    ChannelFigures,
    campaign_performance,
)
from como.campaigns.serializers import CampaignPerformanceSerializer
from como.workspaces.principal import principal_for_request

from .panels import DEFAULT_DAYS, PERIODS, Panel, panels_for, register_panel, render_panels

#: Figures drawn on the left axis of a channel's chart, with their colours. Impressions dwarf
#: the rest, so they start hidden (a click on the legend shows them); spend is bars, on the
#: right axis, in money.
LINES = (
    ("sent", "Sent", "#94a3b8"),
    ("delivered", "Delivered", "#64748b"),
    ("opened", "Opened", "#0ea5e9"),
    ("clicked", "Clicked", "#6366f1"),
    ("impressions", "Impressions", "#cbd5e1"),
    ("clicks", "Clicks", "#6366f1"),
    ("leads", "Leads", "#f59e0b"),
    ("mqls", "MQLs", "#16a34a"),
)
SPEND_COLOUR = "rgba(147, 51, 234, 0.25)"


def performance(campaign: Campaign, days: int) -> CampaignPerformance:
    """The campaign's figures for ``days``, computed once however many panels ask."""
    cache: dict[int, CampaignPerformance] = campaign.__dict__.setdefault("_performance", {})
    if days not in cache:
        cache[days] = campaign_performance(campaign=campaign, days=days)
    return cache[days]


def _number(value: Any) -> float | int:
    return float(value) if isinstance(value, Decimal) else int(value)


def channel_chart(found: CampaignPerformance, channel: str) -> dict[str, Any]:
    """Chart.js data for one channel: a line per figure it has, spend as bars."""
    figures = found.series[channel]
    labels = [day.strftime("%b %d") for day in found.days]
    datasets: list[dict[str, Any]] = []
    for name, label, colour in LINES:
        values = figures[name]
        if not any(values):
            continue
        datasets.append(
            {
                "type": "line",
                "label": label,
                "data": [_number(v) for v in values],
                "borderColor": colour,
                "backgroundColor": colour,
                "borderWidth": 2,
                "pointRadius": 0,
                "tension": 0.25,
                "yAxisID": "y",
                "hidden": name == "impressions",
            }
        )
    if any(figures["spend"]):
        datasets.append(
            {
                "type": "bar",
                "label": "Spend",
                "data": [_number(v) for v in figures["spend"]],
                "backgroundColor": SPEND_COLOUR,
                "yAxisID": "y1",
            }
        )
    return {"labels": labels, "datasets": datasets}


CHART_OPTIONS = {
    "responsive": True,
    "maintainAspectRatio": False,
    "animation": False,
    "interaction": {"mode": "index", "intersect": False},
    "plugins": {"legend": {"position": "bottom", "align": "start"}},
    "scales": {
        "x": {"grid": {"display": False}, "ticks": {"maxTicksLimit": 8, "maxRotation": 0}},
        "y": {"beginAtZero": True, "position": "left", "grid": {}},
        # Shown only for a channel with spend.
        "y1": {
            "beginAtZero": True,
            "position": "right",
            "display": "auto",
            "grid": {"display": False},
        },
    },
}


def _percent(value: Decimal | None) -> str:
    return "\u2013" if value is None else f"{value * 100:.2f} %"


def _row(figures: ChannelFigures) -> dict[str, Any]:
    """A channel's figures with its ratios as the table prints them (percentages)."""
    return {
        "figures": figures,
        "ctr": _percent(figures.ctr),
        "open_rate": _percent(figures.open_rate),
        "share_of_spend": _percent(figures.share_of_spend),
    }


SHARE_OPTIONS = {
    "indexAxis": "y",
    "responsive": True,
    "maintainAspectRatio": False,
    "animation": False,
    "plugins": {"legend": {"display": False}},
    "datasets": {"bar": {"maxBarThickness": 24}},
    "scales": {
        "x": {"beginAtZero": True, "max": 100, "grid": {}},
        "y": {"grid": {"display": False}},
    },
}


def _campaign_of(obj: Any) -> Campaign:
    if not isinstance(obj, Campaign):
        raise TypeError("A campaign panel needs the page's campaign.")
    return obj


def charts_context(
    *, principal: Any, workspace: Any, obj: Any = None, days: int = DEFAULT_DAYS
) -> Mapping[str, Any]:
    found = performance(_campaign_of(obj), days)
    charts = [
        {
            "channel": channel,
            "data": json.dumps(channel_chart(found, channel)),
            "empty": not any(any(values) for values in found.series[channel].values()),
        }
        for channel in found.series
    ]
    return {
        "charts": charts,
        "options": json.dumps(CHART_OPTIONS),
        "since": found.since,
        "until": found.until,
        # The figures as the API serves them, for scripts and for the test that both agree.
        "figures": CampaignPerformanceSerializer(found).data,
    }


def targets_context(
    *, principal: Any, workspace: Any, obj: Any = None, days: int = DEFAULT_DAYS
) -> Mapping[str, Any]:
    found = performance(_campaign_of(obj), days)
    rows = []
    for target in found.targets:
        share = target.progress if target.progress is not None else Decimal(0)
        expected = None
        if target.expected is not None and target.target:
            expected = min(target.expected / target.target * 100, Decimal(100))
        rows.append(
            {
                "target": target,
                "width": f"{min(share * 100, Decimal(100)):.1f}",
                "expected_at": None if expected is None else f"{expected:.1f}",
            }
        )
    return {"rows": rows, "pace": found.pace}


def channels_context(
    *, principal: Any, workspace: Any, obj: Any = None, days: int = DEFAULT_DAYS
) -> Mapping[str, Any]:
    found = performance(_campaign_of(obj), days)
    spend = [c for c in found.channels if c.spend]
    chart = {
        "labels": [c.channel for c in spend],
        "datasets": [
            {
                "label": "Share of spend (%)",
                "data": [float((c.share_of_spend or 0) * 100) for c in spend],
                "backgroundColor": "var(--color-primary-600)",
            }
        ],
    }
    return {
        "channels": [_row(c) for c in found.channels],
        "total": _row(found.total),
        "spend_chart": json.dumps(chart) if spend else "",
        "spend_options": json.dumps(SHARE_OPTIONS),
        "spend_height": 48 + 36 * len(spend),
    }


CAMPAIGN_PANELS = (
    Panel(
        "campaign.daily",
        "campaign",
        "Daily, per channel",
        10,
        "console/campaign/daily.html",
        charts_context,
    ),
    Panel(
        "campaign.targets",
        "campaign",
        "Targets against actuals to date",
        20,
        "console/campaign/targets.html",
        targets_context,
    ),
    Panel(
        "campaign.channels",
        "campaign",
        "Channels compared",
        30,
        "console/campaign/channels.html",
        channels_context,
    ),
)


def campaign_page(request: HttpRequest, campaign: Campaign, model_admin: Any) -> HttpResponse:
    """The page: the campaign's panels for the chosen period (7, 30 or 90 days)."""
    given = request.GET.get("days", str(DEFAULT_DAYS))
    if given not in {str(days) for days in PERIODS}:
        periods = ", ".join(str(days) for days in PERIODS)
        return HttpResponseBadRequest(f"days: give one of {periods}.", content_type="text/plain")
    days = int(given)
    panels = render_panels(
        panels_for("campaign"),
        request,
        principal=principal_for_request(request),
        workspace=campaign.workspace,
        obj=campaign,
        days=days,
    )
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "original": campaign,
        "title": f"{campaign.name}: monitoring",
        "campaign": campaign,
        "panels": panels,
        "days": days,
        "periods": PERIODS,
    }
    return TemplateResponse(request, "console/campaign/page.html", context)


def register_campaign_page() -> None:
    MONITORING.register("page", campaign_page)
    for panel in CAMPAIGN_PANELS:
        register_panel(panel)
