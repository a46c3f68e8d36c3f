"""The reports' tables as data: one :class:`Table` per report, which the page renders and the
CSV export writes (through :mod:`como.csvsafe`), so both show the same cells.

The figures come from the selectors the API serves: attribution side by side
(:func:`como.campaigns.attribution.report.side_by_side`), the funnel
(:func:`como.campaigns.selectors.funnel.funnel`) and the VIN report
(:func:`como.campaigns.attribution.vin.vin_sales`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from como.campaigns.attribution.credit import MODELS
from como.campaigns.attribution.report import Row, side_by_side
from como.campaigns.attribution.vin import vin_sales
from como.campaigns.models import Campaign
from como.campaigns.selectors.funnel import By, funnel
from como.workspaces.models import Workspace

#: The model a page shows until the member picks another.
DEFAULT_MODEL = "w_shaped"
DAY_SECONDS = 86_400


@dataclass(frozen=True)
class Table:
    name: str
    headers: list[str]
    rows: list[list[Any]]
    #: Chart.js data for the page, when the table has a chart
    chart: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _percent(value: Decimal | None) -> str:
    return "" if value is None else f"{value * 100:.2f} %"


def _days(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds / DAY_SECONDS:.1f}"


ATTRIBUTION_HEADERS = [
    "Model",
    "Key",
    "Name",
    "Attributed MQLs",
    "Pipeline",
    "Revenue",
    "Spend",
    "Cost per MQL",
    "ROI",
]


def attribution_rows(
    workspace: Workspace,
    *,
    by: str,
    since: date,
    until: date,
    campaign: Campaign | None = None,
    models: Sequence[str] | None = None,
) -> list[Row]:
    return side_by_side(
        workspace,
        by="campaign" if by == "campaign" else "channel",
        since=since,
        until=until,
        campaign=campaign,
        models=models,
    )


def attribution(rows: list[Row], *, model: str) -> Table:
    """Every model's rows (the CSV), the chosen model's detail and a revenue-per-model chart."""
    keys: dict[str, str] = {}
    for row in rows:
        keys.setdefault(row.key, row.label)
    ordered = sorted(keys, key=lambda key: (keys[key].lower(), key))
    models = [m for m in MODELS if any(row.model == m for row in rows)]
    by_model = {(row.model, row.key): row for row in rows}
    chart = {
        "labels": [keys[key] for key in ordered],
        "datasets": [
            {
                "label": MODELS[m].label,
                "model": m,
                "data": [
                    float(by_model[(m, k)].revenue) if (m, k) in by_model else 0.0 for k in ordered
                ],
            }
            for m in models
        ],
    }
    compare = [
        {
            "key": key,
            "label": keys[key],
            "revenue": [
                _money(by_model[(m, key)].revenue) if (m, key) in by_model else "" for m in models
            ],
            "mqls": [str(by_model[(m, key)].mqls) if (m, key) in by_model else "" for m in models],
        }
        for key in ordered
    ]
    detail = [_attribution_cells(row)[1:] for row in rows if row.model == model]
    detail.sort(key=lambda cells: (str(cells[1]).lower(), cells[0]))
    return Table(
        name="attribution",
        headers=ATTRIBUTION_HEADERS,
        rows=[_attribution_cells(row) for row in rows],
        chart=chart,
        extra={
            "detail": detail,
            "compare": compare,
            "models": [{"key": m, "label": MODELS[m].label} for m in models],
        },
    )


def _attribution_cells(row: Row) -> list[Any]:
    return [
        row.model,
        row.key,
        row.label,
        f"{row.mqls:.2f}",
        _money(row.pipeline),
        _money(row.revenue),
        _money(row.spend),
        _money(row.cost_per_mql),
        _percent(row.roi),
    ]


FUNNEL_HEADERS = [
    "Group",
    "Name",
    "Stage",
    "Reached",
    "Went on",
    "Conversion to next",
    "Median days in stage",
]


def funnel_table(workspace: Workspace, *, by: By, since: date, until: date) -> Table:
    found = funnel(workspace=workspace, by=by, since=since, until=until)
    rows = [
        [
            group.key,
            group.label,
            stage.label,
            stage.reached,
            "" if stage.converted is None else stage.converted,
            _percent(stage.rate),
            _days(stage.median_seconds),
        ]
        for group in found.groups
        for stage in group.stages
    ]
    groups = [
        {"key": group.key, "label": group.label, "rows": [r[2:] for r in rows if r[0] == group.key]}
        for group in found.groups
    ]
    return Table(
        name="funnel",
        headers=FUNNEL_HEADERS,
        rows=rows,
        extra={"groups": groups, "contacts": found.contacts, "threshold": found.threshold},
    )


VIN_HEADERS = [
    "VIN",
    "Sold at",
    "Amount",
    "Contact",
    "Sold by channel",
    "Sold by ad",
    "Touches about the VIN",
    "Other touches",
    "First touch",
    "Days to sale",
]


def vin_table(workspace: Workspace, *, since: date, until: date) -> Table:
    rows = []
    for sale in vin_sales(workspace, since=since, until=until):
        about = "; ".join(
            f"{t.at:%Y-%m-%d %H:%M} {t.kind} {t.channel}{f' ad {t.ad_id}' if t.ad_id else ''}"
            for t in sale.vin_touches
        )
        rows.append(
            [
                sale.vin,
                f"{sale.sold_at:%Y-%m-%d %H:%M}",
                _money(sale.amount),
                "" if sale.contact_id is None else sale.contact_id,
                sale.credited_channel or "",
                sale.credited_ad or "",
                about,
                sale.other_touches,
                "" if sale.first_touch_at is None else f"{sale.first_touch_at:%Y-%m-%d %H:%M}",
                "" if sale.days_to_sale is None else sale.days_to_sale,
            ]
        )
    return Table(name="vin", headers=VIN_HEADERS, rows=rows)
