"""A CRM's deals export (CSV) into opportunities: the layout recognised from the header row,
each row turned into the API's item and judged by the same serializer, every bad row named.

Layouts: the canonical field names; a Salesforce-style opportunity report (Opportunity ID,
Account Name, Contact Email, Amount, Currency, Stage, Created Date, Close Date, Won, Closed,
Lead Source); a HubSpot-style deals export (Record ID, Deal Name, Amount, Deal Stage, Create
Date, Close Date, Associated Contact email, Associated Company). The column names are
modelled on what those CRMs' exports commonly hold, not a vendor's published schema; a file
that differs uses the canonical names. The reading is :mod:`como.csvread`'s.

The status comes from a ``status`` column (open, won, lost) when there is one, else from the
won and closed flags, else from the stage's name ("Closed Won", ``closedwon``, "Closed
Lost"…). Dates without an offset are the workspace's local time; a day alone is its noon.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from como import csvread
from como.csvread import LayoutError, Row, RowError, header_key, instant, read_rows
from como.workspaces.models import Workspace
from como.workspaces.principal import Principal

from .models import OpportunityStatus
from .services import Outcome, opportunities_check, opportunities_upsert

VIA = "csv"
MIN_SCORE = 3
#: The canonical fields of a row, as the canonical layout names its columns.
FIELDS = (
    "external_id",
    "name",
    "contact_email",
    "contact_external_id",
    "account_name",
    "account_domain",
    "account_external_id",
    "amount",
    "currency",
    "status",
    "stage",
    "won",
    "closed",
    "opened_at",
    "closed_at",
    "source",
    "vin",
)
REQUIRED = ("external_id", "opened_at")


@dataclass(frozen=True)
class CrmLayout:
    key: str
    label: str
    columns: Mapping[str, tuple[str, ...]]
    distinctive: frozenset[str]
    keys: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "keys", frozenset(map(header_key, self.distinctive)))


LAYOUTS: tuple[CrmLayout, ...] = (
    CrmLayout(
        key="canonical",
        label="Canonical field names (external_id, status, opened_at, …)",
        columns={name: (name,) for name in FIELDS},
        distinctive=frozenset(name for name in FIELDS if "_" in name),
    ),
    CrmLayout(
        key="salesforce",
        label="Salesforce-style opportunity report (Opportunity ID, Stage, Close Date, Won)",
        columns={
            "external_id": ("Opportunity ID", "Opportunity Id", "Id"),
            "name": ("Opportunity Name",),
            "contact_email": ("Contact Email", "Contact: Email", "Primary Contact Email", "Email"),
            "contact_external_id": ("Contact ID", "Primary Contact ID"),
            "account_name": ("Account Name",),
            "account_external_id": ("Account ID",),
            "account_domain": ("Website", "Account Website"),
            "amount": ("Amount",),
            "currency": ("Opportunity Currency", "Currency", "Amount Currency"),
            "stage": ("Stage",),
            "won": ("Won",),
            "closed": ("Closed",),
            "opened_at": ("Created Date",),
            "closed_at": ("Close Date",),
            "source": ("Lead Source",),
            "vin": ("VIN",),
        },
        distinctive=frozenset(
            {
                "Opportunity ID",
                "Opportunity Name",
                "Account Name",
                "Stage",
                "Created Date",
                "Won",
                "Closed",
                "Lead Source",
            }
        ),
    ),
    CrmLayout(
        key="hubspot",
        label="HubSpot-style deals export (Record ID, Deal Name, Deal Stage, Create Date)",
        columns={
            "external_id": ("Record ID", "Deal ID"),
            "name": ("Deal Name",),
            "contact_email": ("Associated Contact email", "Associated Contact Email", "Email"),
            "contact_external_id": ("Associated Contact ID", "Associated Contact IDs"),
            "account_name": ("Associated Company", "Company name"),
            "account_domain": ("Associated Company domain", "Company Domain Name"),
            "account_external_id": ("Associated Company ID", "Associated Company IDs"),
            "amount": ("Amount",),
            "currency": ("Currency", "Deal currency code"),
            "stage": ("Deal Stage",),
            "won": ("Is Closed Won", "Is closed won"),
            "closed": ("Is Deal Closed?", "Is Closed"),
            "opened_at": ("Create Date",),
            "closed_at": ("Close Date",),
            "source": ("Original Source Type", "Original Source", "Lead Source"),
            "vin": ("VIN",),
        },
        distinctive=frozenset(
            {
                "Record ID",
                "Deal Name",
                "Deal Stage",
                "Create Date",
                "Pipeline",
                "Associated Company",
                "Associated Contact email",
                "Deal owner",
            }
        ),
    ),
)
BY_KEY = {layout.key: layout for layout in LAYOUTS}

_TRUE = frozenset({"true", "1", "yes", "y", "t"})
_FALSE = frozenset({"false", "0", "no", "n", "f", ""})
_MONEY = re.compile(r"[\s$€£¥,]|[A-Za-z]{3}$|^[A-Za-z]{3}")


@dataclass
class ImportReport:
    layout: str
    rows: int = 0
    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(("created", "updated", "unchanged", "rejected"), 0)
    )
    errors: list[RowError] = field(default_factory=list)


def opportunities_import(
    *,
    workspace: Workspace,
    data: bytes,
    layout_key: str = "",
    actor: Principal | None = None,
) -> ImportReport:
    """Import a deals CSV; the report names every bad row and field (row 0: the file)."""
    report = ImportReport(layout="")
    zone = ZoneInfo(workspace.time_zone)

    def columns_for(headers: list[str]) -> Mapping[str, tuple[str, ...]]:
        if layout_key:
            layout = BY_KEY.get(layout_key)
            if layout is None:
                raise LayoutError(f"{layout_key!r} is not a deals layout.")
        else:
            found = csvread.recognise(LAYOUTS, headers, canonical=FIELDS, min_score=MIN_SCORE)
            if found is None:
                raise LayoutError(
                    "The header row fits no deals layout (canonical, Salesforce-style, "
                    "HubSpot-style); rename the columns to the canonical names."
                )
            layout = found
        report.layout = layout.key
        return layout.columns

    rows: list[int] = []
    items: list[dict[str, Any]] = []
    for entry in read_rows(data, columns_for=columns_for, required=REQUIRED):
        if isinstance(entry, RowError):
            report.errors.append(entry)
            continue
        report.rows += 1
        item, problems = row_item(entry, zone)
        if problems:
            report.errors += problems
            report.counts["rejected"] += 1
            continue
        rows.append(entry.number)
        items.append(item)
    good, rejected = opportunities_check(items)
    outcomes: list[Outcome] = list(rejected)
    if good:
        outcomes += opportunities_upsert(workspace=workspace, items=good, via=VIA, actor=actor)
    for outcome in outcomes:
        report.counts[outcome.status] += 1
        if outcome.errors:
            report.errors += _row_errors(rows[outcome.index], outcome.errors)
    report.errors.sort(key=lambda error: (error.row, error.field))
    return report


def row_item(row: Row, zone: ZoneInfo) -> tuple[dict[str, Any], list[RowError]]:
    """The API item a row says, or the row's problems with the dates and flags."""
    cells = row.fields
    problems: list[RowError] = []
    item: dict[str, Any] = {
        "external_id": cells.get("external_id", ""),
        "name": cells.get("name", ""),
        "stage": cells.get("stage", ""),
        "source": cells.get("source", ""),
        "vin": cells.get("vin", ""),
    }
    if currency := cells.get("currency", ""):
        item["currency"] = currency
    if amount := cells.get("amount", ""):
        item["amount"] = _MONEY.sub("", amount)
    contact = {
        "email": cells.get("contact_email", ""),
        "external_id": cells.get("contact_external_id", ""),
    }
    if any(contact.values()):
        item["contact"] = contact
    account = {
        "name": cells.get("account_name", ""),
        "domain": cells.get("account_domain", ""),
        "external_id": cells.get("account_external_id", ""),
    }
    if any(account.values()):
        item["account"] = account
    for name in ("opened_at", "closed_at"):
        text = cells.get(name, "")
        if not text:
            continue
        try:
            item[name] = instant(text, zone).isoformat()
        except ValueError:
            problems.append(
                RowError(row.number, name, f"{text[:40]!r} is not a date (e.g. 2026-03-31).")
            )
    try:
        item["status"] = _status(cells)
    except ValueError as error:
        problems.append(RowError(row.number, str(error), "Give true or false."))
    return item, problems


def _flag(cells: Mapping[str, str], name: str) -> bool | None:
    if name not in cells:
        return None
    value = cells[name].strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(name)


def _status(cells: Mapping[str, str]) -> str:
    explicit = cells.get("status", "").strip().lower()
    if explicit:
        return explicit  # the serializer names a wrong one
    won, closed = _flag(cells, "won"), _flag(cells, "closed")
    if won:
        return OpportunityStatus.WON
    if closed is False:
        return OpportunityStatus.OPEN
    if closed and won is False:
        return OpportunityStatus.LOST
    stage = header_key(cells.get("stage", ""))
    if "won" in stage:
        return OpportunityStatus.WON
    if "lost" in stage or closed:
        return OpportunityStatus.LOST
    return OpportunityStatus.OPEN


def _row_errors(row: int, errors: Mapping[str, Any], prefix: str = "") -> list[RowError]:
    out: list[RowError] = []
    for key, value in errors.items():
        name = f"{prefix}{key}" if key not in {"non_field_errors", "detail"} else prefix[:-1]
        if isinstance(value, Mapping):
            out += _row_errors(row, value, f"{name}_")
        else:
            out += [RowError(row, name, str(message)) for message in value]
    return out
