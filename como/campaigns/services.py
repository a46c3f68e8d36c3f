"""Writes of campaigns: the daily metrics, from the channels' own logs (sync) or from the
platforms' reports (import).

Both replace rather than add, so running either twice gives the same numbers:

- :func:`metrics_sync` asks every registered adapter for a day's counts and replaces that
  day's *synced* rows of its channel;
- :func:`metrics_import` stores a report's rows (summed per campaign, channel and day within
  the file) over whatever that day held; a row it cannot read is reported by number and field
  and the others are still stored.

Both write the one row per campaign, channel and day, so who owns a row is decided by channel:
email and SMS are counted from como's own message log (:data:`COUNTED_FROM_LOG`), so their
reports are refused and their sync replaces the whole day; every other channel's numbers are
the platform's, and there an imported row is the platform's word that a sync never overwrites.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.dateparse import parse_date

from como import jsonsafe
from como.channels.base import MetricRow, registered_adapters
from como.channels.email import CHANNEL as EMAIL
from como.channels.sms import CHANNEL as SMS
from como.workspaces.column_limits import column_errors
from como.workspaces.models import Workspace

from .models import (
    COUNTERS,
    Campaign,
    CampaignTarget,
    ChannelMetric,
    MetricSource,
    TargetMetric,
)

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
#: Report columns and the names platforms export them under.
ALIASES = {
    "date": ("date", "day", "reporting_starts"),
    "campaign": ("campaign", "campaign_name", "campaign_id"),
    "impressions": ("impressions", "impr.", "impr"),
    "clicks": ("clicks",),
    "spend": ("spend", "cost", "amount_spent", "amount spent (usd)"),
}
REQUIRED = ("date", "campaign", "impressions", "clicks", "spend")
MAX_IMPORT_ROWS = 100_000
#: Channels whose every figure como counts itself from the messages it sent: no report is
#: imported for them, and a recount is never blocked by one.
COUNTED_FROM_LOG = frozenset({EMAIL, SMS})
#: Imported figures per upsert statement.
IMPORT_BATCH = 2_000


# --- sync ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SyncResult:
    rows: int
    by_channel: Mapping[str, int]
    failed: Mapping[str, str] = field(default_factory=dict)


def metrics_sync(
    *, workspace_id: int, day: date, channels: Collection[str] | None = None
) -> SyncResult:
    """Every adapter's counts for the day replace the day's synced rows of its channel
    (only ``channels``' adapters when given).

    Each channel is replaced in its own transaction: one broken adapter leaves its old rows
    and is reported, the others still sync."""
    by_channel: dict[str, int] = {}
    failed: dict[str, str] = {}
    for adapter in registered_adapters():
        if channels is not None and adapter.key not in channels:
            continue
        try:
            rows = adapter.sync_metrics(workspace_id=workspace_id, day=day)
            by_channel[adapter.key] = _replace_synced(
                workspace_id=workspace_id, channel=adapter.key, day=day, rows=rows
            )
        except Exception as error:  # one platform's outage must not stop the others
            logger.exception("metrics sync of %s failed", adapter.key)
            failed[adapter.key] = repr(error)
    return SyncResult(rows=sum(by_channel.values()), by_channel=by_channel, failed=failed)


@transaction.atomic
def _replace_synced(
    *, workspace_id: int, channel: str, day: date, rows: Sequence[MetricRow]
) -> int:
    known = set(
        Campaign.objects.filter(
            workspace_id=workspace_id, pk__in=[r.campaign_id for r in rows if r.campaign_id]
        ).values_list("pk", flat=True)
    )
    totals: dict[int | None, dict[str, Any]] = {}
    for row in rows:
        if row.channel != channel or row.day != day:
            raise ValueError(f"{channel} returned a row for {row.channel} on {row.day}.")
        # A send of a deleted campaign still counts, as campaign-less.
        campaign = row.campaign_id if row.campaign_id in known else None
        counts = totals.setdefault(campaign, {name: 0 for name in COUNTERS} | {"spend": CENT * 0})
        for name, value in row.counts.items():
            if name not in counts:
                raise ValueError(f"{channel} returned an unknown metric {name!r}.")
            counts[name] += value
    day_rows = ChannelMetric.objects.filter(workspace_id=workspace_id, channel=channel, day=day)
    if channel in COUNTED_FROM_LOG:
        # The log is the whole truth here: even an imported row (stored before such imports
        # were refused) gives way to the recount.
        day_rows.delete()
    else:
        day_rows.filter(source=MetricSource.SYNC).delete()
    ChannelMetric.objects.bulk_create(
        [
            ChannelMetric(
                workspace_id=workspace_id,
                campaign_id=campaign,
                channel=channel,
                day=day,
                source=MetricSource.SYNC,
                **counts,
            )
            for campaign, counts in totals.items()
        ],
        # An imported report for the same campaign and day is the platform's word: it stays.
        ignore_conflicts=True,
    )
    # bulk_create returns the skipped objects too (without telling which): count what the
    # day's synced rows are now, in this transaction.
    return day_rows.filter(source=MetricSource.SYNC).count()


# --- import ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RowResult:
    #: 1-based, counting data rows only (a CSV's header is not a row).
    row: int
    stored: bool
    errors: Mapping[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"row": self.row, "status": "stored" if self.stored else "error"}
        if self.errors:
            data["errors"] = dict(self.errors)
        return data


@dataclass(frozen=True, slots=True)
class ImportResult:
    channel: str
    rows: list[RowResult]
    #: (campaign, day) figures written, after summing the file's rows per key.
    metrics: int

    @property
    def stored(self) -> int:
        return sum(1 for r in self.rows if r.stored)

    @property
    def errors(self) -> int:
        return sum(1 for r in self.rows if not r.stored)

    def as_dict(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "stored": self.stored,
            "errors": self.errors,
            "metrics": self.metrics,
            "rows": [r.as_dict() for r in self.rows],
        }


def report_rows(text: str) -> list[dict[str, str]]:
    """A report CSV as rows keyed by our column names; ValidationError when the header lacks
    one of them. Extra columns are ignored."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(reader)
    except StopIteration:
        raise ValidationError({"file": "The file is empty."}) from None
    except csv.Error as error:
        raise ValidationError({"file": f"Not a CSV file: {error}."}) from None
    names = [cell.strip().lower() for cell in header]
    where: dict[str, int] = {}
    for column, aliases in ALIASES.items():
        for alias in aliases:
            if alias in names:
                where[column] = names.index(alias)
                break
    missing = [c for c in REQUIRED if c not in where]
    if missing:
        raise ValidationError(
            {"file": f"Missing column(s): {', '.join(missing)} (header: {', '.join(names)})."}
        )
    rows = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            rows.append({c: cells[i] if i < len(cells) else "" for c, i in where.items()})
            if len(rows) > MAX_IMPORT_ROWS:
                raise ValidationError({"file": f"At most {MAX_IMPORT_ROWS} rows per import."})
    except csv.Error as error:
        raise ValidationError({"file": f"Unreadable CSV: {error}."}) from None
    return rows


def _count(value: Any) -> int:
    text = str(value).strip().replace(",", "") if value is not None else ""
    if isinstance(value, bool) or not text.isascii() or not text.isdigit():
        raise ValueError("Give a whole number of zero or more.")
    if len(text) > 30:  # int() refuses thousands of digits with a message about Python
        raise ValueError("Too large.")
    return int(text)


def _money(value: Any) -> Decimal:
    text = str(value).strip().replace(",", "").lstrip("$") if value is not None else ""
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError("Give an amount, e.g. 12.50.") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError("Give an amount of zero or more.")
    try:
        return amount.quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more digits than the context holds: far past any column
        raise ValueError("Too large.") from None


_FIGURES = ("impressions", "clicks", "spend")
_NO_FIGURES: Mapping[str, Any] = {"impressions": 0, "clicks": 0, "spend": CENT * 0}


def _too_large(errors: Mapping[str, list[str]], alone: bool) -> dict[str, str]:
    where = "" if alone else " once added to this campaign's earlier rows of the day"
    return {name: f"Too large{where}: {' '.join(messages)}" for name, messages in errors.items()}


def _day(value: Any) -> date:
    try:
        parsed = parse_date(str(value).strip()) if value is not None else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValueError("Give a date as YYYY-MM-DD.")
    return parsed


def _campaign(value: Any, by_name: Mapping[str, int], ids: set[int]) -> int:
    text = str(value).strip() if value is not None else ""
    if not text:
        raise ValueError("Give the campaign's name or id.")
    if text in by_name:
        return by_name[text]
    if text.isdigit() and int(text) in ids:
        return int(text)
    raise ValueError(f"No campaign {text!r} in this workspace.")


@transaction.atomic
def metrics_import(
    *,
    workspace: Workspace,
    channel: str,
    rows: Iterable[Mapping[str, Any]] | None = None,
    csv_text: str | None = None,
) -> ImportResult:
    """Store a platform report's daily rows for one channel (from ``rows`` or ``csv_text``).

    Each row names a date, a campaign (name or id), impressions, clicks and spend. Rows of
    one campaign and day are summed (a report broken down by ad group), and the sum replaces
    that day's figures: importing the same report twice changes nothing."""
    channel = channel.strip()
    if channel not in {adapter.key for adapter in registered_adapters()}:
        raise ValidationError({"channel": f"No channel {channel!r}."})
    if channel in COUNTED_FROM_LOG:
        raise ValidationError(
            {
                "channel": f"{channel} figures are counted from the messages como sent "
                "(the daily sync), not imported from a report."
            }
        )
    if (rows is None) == (csv_text is None):
        raise ValidationError({"rows": "Give either rows or a CSV file."})
    data = list(rows) if rows is not None else report_rows(csv_text or "")
    if len(data) > MAX_IMPORT_ROWS:
        raise ValidationError({"rows": f"At most {MAX_IMPORT_ROWS} rows per import."})
    campaigns = list(Campaign.objects.filter(workspace=workspace).values_list("pk", "name"))
    by_name = {name: pk for pk, name in campaigns}
    ids = {pk for pk, _ in campaigns}
    results: list[RowResult] = []
    totals: dict[tuple[int, date], Mapping[str, Any]] = {}
    for number, raw in enumerate(data, start=1):
        if not isinstance(raw, Mapping):
            results.append(RowResult(number, False, {"row": "Must be an object."}))
            continue
        # NaN, lone surrogates, NUL: this row's problem, not the import's.
        if found := jsonsafe.problems(raw):
            results.append(RowResult(number, False, {k: " ".join(v) for k, v in found.items()}))
            continue
        errors: dict[str, str] = {}
        parsed: dict[str, Any] = {}
        for name, parse in (
            ("date", _day),
            ("campaign", lambda v: _campaign(v, by_name, ids)),
            ("impressions", _count),
            ("clicks", _count),
            ("spend", _money),
        ):
            try:
                parsed[name] = parse(raw.get(name))
            except ValueError as error:
                errors[name] = str(error)
        if errors:
            results.append(RowResult(number, False, errors))
            continue
        figures = totals.get((parsed["campaign"], parsed["date"]), _NO_FIGURES)
        summed = {name: figures[name] + parsed[name] for name in _FIGURES}
        # A row past the column (alone, or added to the campaign-day's earlier rows) is
        # refused by itself; the rows before it are stored.
        too_large = column_errors(ChannelMetric, summed)
        if too_large:
            results.append(RowResult(number, False, _too_large(too_large, figures is _NO_FIGURES)))
            continue
        totals[(parsed["campaign"], parsed["date"])] = summed
        results.append(RowResult(number, True))
    # One upsert (INSERT … ON CONFLICT DO UPDATE) per batch: the report's figures and source
    # replace the row's; counters a report does not carry (sent, opened, …) are left as they are.
    ChannelMetric.objects.bulk_create(
        [
            ChannelMetric(
                workspace=workspace,
                campaign_id=campaign,
                channel=channel,
                day=day,
                source=MetricSource.IMPORT,
                **figures,
            )
            for (campaign, day), figures in totals.items()
        ],
        batch_size=IMPORT_BATCH,
        update_conflicts=True,
        unique_fields=["workspace", "campaign", "channel", "day"],
        update_fields=["impressions", "clicks", "spend", "source", "updated_at"],
    )
    return ImportResult(channel=channel, rows=results, metrics=len(totals))


# --- campaigns -------------------------------------------------------------------------------


#: As long as the events' utm_campaign column.
UTM_MAX = 200


@dataclass(frozen=True, slots=True)
class TargetSpec:
    channel: str
    metric: str
    value: Decimal


def campaign_validate(
    *,
    workspace: Workspace,
    name: str,
    channels: Sequence[str],
    starts_on: date | None,
    ends_on: date | None,
    utm_campaigns: Sequence[Any] = (),
    instance: Campaign | None = None,
) -> None:
    """What a campaign must satisfy beyond its fields' types (shared by API and admin)."""
    errors: dict[str, str] = {}
    others = Campaign.objects.filter(workspace=workspace)
    if instance is not None:
        others = others.exclude(pk=instance.pk)
    if others.filter(name=name).exists():
        errors["name"] = "This workspace already has a campaign of that name."
    known = {adapter.key for adapter in registered_adapters()}
    unknown = [str(c) for c in channels if not isinstance(c, str) or c not in known]
    if unknown:
        errors["channels"] = f"Unknown channel(s): {', '.join(unknown)}."
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = "Ends before it starts."
    if utm := _utm_errors(utm_campaigns, others):
        errors["utm_campaigns"] = utm
    if errors:
        raise ValidationError(errors)


def _utm_errors(values: Sequence[Any], others: Any) -> str:
    if not isinstance(values, list | tuple):
        return "Give a list of utm_campaign values."
    bad = [v for v in values if not isinstance(v, str) or not v.strip() or len(v) > UTM_MAX]
    if bad:
        return f"Each value is a non-empty text of at most {UTM_MAX} characters."
    if len(set(values)) != len(values):
        return "A value is listed twice."
    # A touch counts for one campaign only: two campaigns sharing a value would both claim it.
    taken = {
        value: campaign
        for campaign, listed in others.values_list("name", "utm_campaigns")
        if isinstance(listed, list)
        for value in listed
    }
    clashes = [f"{v!r} ({taken[v]})" for v in values if v in taken]
    if clashes:
        return f"Already counted for another campaign: {', '.join(clashes)}."
    return ""


def target_errors(
    *, channels: Sequence[str], targets: Sequence[TargetSpec]
) -> dict[str, list[str]]:
    """Field errors of a campaign's targets, keyed ``targets``; {} when they are fine."""
    problems: list[str] = []
    seen: set[tuple[str, str]] = set()
    for number, target in enumerate(targets, start=1):
        if target.channel not in channels:
            problems.append(f"Target {number}: {target.channel!r} is not one of its channels.")
        if target.metric not in TargetMetric.values:
            problems.append(f"Target {number}: no metric {target.metric!r}.")
        if (target.channel, target.metric) in seen:
            problems.append(f"Target {number}: {target.channel} {target.metric} is set twice.")
        seen.add((target.channel, target.metric))
        if not target.value.is_finite() or target.value < 0:
            problems.append(f"Target {number}: give a value of zero or more.")
        elif column_errors(CampaignTarget, {"value": target.value}):
            problems.append(f"Target {number}: too large.")
    return {"targets": problems} if problems else {}


@transaction.atomic
def campaign_targets_set(*, campaign: Campaign, targets: Sequence[TargetSpec]) -> None:
    """Replace the campaign's targets with ``targets`` (ValidationError, nothing written, when
    one is wrong)."""
    if errors := target_errors(channels=list(campaign.channels or []), targets=targets):
        raise ValidationError(errors)
    CampaignTarget.objects.filter(campaign=campaign).delete()
    CampaignTarget.objects.bulk_create(
        CampaignTarget(campaign=campaign, channel=t.channel, metric=t.metric, value=t.value)
        for t in targets
    )
