"""The touches attribution runs over: a read of the events, never a table of its own.

A touch is something a person did that a channel or a campaign can be credited with:

- ``email_click`` / ``sms_click``: a tracked click (``email_clicked``, ``sms_clicked``);
- ``ad_click``: any touch whose channel is an ad channel (a paid UTM medium, or an ad
  platform's click id in the properties: gclid/gbraid/wbraid/msclkid, fbclid/ttclid, li_fat_id);
- ``landing``: a page (``page_view``, or a vertical's page types, ``VerticalProfile.touch_types``)
  that starts a visit (no page of theirs in the 30 minutes before, as Google Analytics cuts
  sessions) or arrives with a campaign (UTM or click id), as a new campaign starts a new visit;
- ``form``: a form sent (``form_submitted``, or a vertical's form types);
- ``offline``: a trade show, roundtable or dinner attended (``offline_touch``, recorded by
  :mod:`como.ingest.offline` with its campaign);
- ``other``: any other event that carries a UTM, a click id or a campaign id.

Opens, bounces, complaints and deliveries are never touches, campaign or not: a machine opens
mail (Apple's Mail Privacy Protection fetches every pixel) and a bounce is no interest.

A touch is **direct** when nothing names where the person came from: a landing or form with
no UTM, no click id, no campaign and no referrer. Its channel is then ``direct``; otherwise
the UTM's (:func:`~.leads.channel_of`, as campaign performance reads it), the click id's, or
``email``/``sms``/``offline`` for those touches. Its campaign is the ``campaign_id`` property
when it names one of the workspace's campaigns (by id, or by one of its ``utm_campaigns``),
else the campaign whose ``utm_campaigns`` hold the event's ``utm_campaign``.

Why a selector and not a table filled at ingest (docs/architecture.md, "Deals and touches"):
a campaign's tracking codes and the channel rules change after the events arrive, and a
stored touch would keep the old answer; ingest is the hottest path and still short of its
target, so it takes no extra write per event; attribution reads touches in set-based batches
when a deal closes, not per request, and one indexed read per batch of contacts is cheap.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from django.db import connection

from como import verticals
from como.leads.models import Event
from como.rawsql import raw_cursor
from como.workspaces.models import Workspace

from ..models import Campaign
from .leads import OTHER, channel_of

#: como's own touch types; a vertical adds its pages and forms (VerticalProfile.touch_types).
TOUCH_TYPES = {
    "page_view": "landing",
    "form_submitted": "form",
    "email_clicked": "email_click",
    "sms_clicked": "sms_click",
    "offline_touch": "offline",
}
#: Never touches, whatever they carry.
NOT_TOUCHES = (
    "email_opened",
    "email_bounced",
    "email_complained",
    "email_delivered",
    "email_unsubscribed",
    "sms_delivered",
)
#: An ad platform's click id in a landing's properties → the channel it belongs to.
CLICK_IDS = {
    "gclid": "paid_search",
    "gbraid": "paid_search",
    "wbraid": "paid_search",
    "msclkid": "paid_search",
    "fbclid": "paid_social",
    "ttclid": "paid_social",
    "li_fat_id": "linkedin",
}
AD_CHANNELS = frozenset({"paid_search", "paid_social", "linkedin"})
FIXED_CHANNELS = {"email_click": "email", "sms_click": "sms", "offline": "offline"}
DIRECT = "direct"
#: A page this long after the person's previous page starts a new visit.
VISIT_GAP = timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class Touch:
    event_id: int  # the Event row's id
    contact_id: int
    occurred_at: datetime
    channel: str
    campaign_id: int | None
    touch_type: str
    is_direct: bool
    #: the vehicle the touch was about (a VDP view, a vehicle ad's click), else ""
    vin: str = ""
    #: what kind of offline touch (trade_show, roundtable, dinner …) or form, else ""
    detail: str = ""


_SQL = """
WITH candidates AS (
    SELECT e.id, e.contact_id, e.occurred_at, e.type, e.utm_source, e.utm_medium,
           e.utm_campaign, e.properties,
           e.type = ANY(%(pages)s) AS is_page,
           e.utm_source <> '' OR e.utm_medium <> '' OR e.utm_campaign <> ''
               OR e.properties ?| %(click_ids)s AS tagged
    FROM {event} e
    WHERE e.workspace_id = %(workspace)s
      AND e.contact_id = ANY(%(contacts)s::bigint[])
      AND e.occurred_at >= %(since)s - %(gap)s AND e.occurred_at < %(until)s
      AND NOT e.type = ANY(%(never)s)
      AND (e.type = ANY(%(types)s) OR e.utm_source <> '' OR e.utm_medium <> ''
           OR e.utm_campaign <> '' OR e.properties ?| %(click_ids)s
           OR e.properties ? 'campaign_id')
), marked AS (
    SELECT c.*,
           lag(c.occurred_at) OVER (
               PARTITION BY c.contact_id, c.is_page ORDER BY c.occurred_at, c.id
           ) AS previous_at
    FROM candidates c
)
SELECT m.id, m.contact_id, m.occurred_at{as_text},
       ((extract(epoch FROM m.occurred_at) * 1000000)::bigint),
       m.type, m.utm_source, m.utm_medium, m.utm_campaign,
       m.tagged, m.properties ->> 'campaign_id',
       coalesce(m.properties ->> 'referrer', '') <> '',
       CASE WHEN m.properties ?| %(click_ids)s THEN
           (SELECT k FROM unnest(%(click_ids)s::text[]) AS k WHERE m.properties ? k LIMIT 1)
       END
       {details}
FROM marked m
WHERE m.occurred_at >= %(since)s
  AND NOT (m.is_page AND NOT m.tagged AND m.previous_at IS NOT NULL
           AND m.occurred_at - m.previous_at < %(gap)s)
ORDER BY m.contact_id, m.occurred_at, m.id
"""
_DETAILS = """, m.properties ->> 'vin',
       coalesce(m.properties ->> 'kind', m.properties ->> 'form', '')"""

#: A touch as :func:`touch_rows` gives it: (event id, contact id, instant as PostgreSQL's
#: text, the instant in microseconds since the Unix epoch, touch type, channel, campaign id,
#: is direct).
TouchRow = tuple[int, int, str, int, str, str, int | None, bool]


def touch_types_of(workspace: Workspace) -> dict[str, str]:
    """Event type → touch type for the workspace: como's, then its vertical's."""
    types = dict(TOUCH_TYPES)
    if verticals.is_registered(workspace.vertical):
        types |= dict(verticals.get(workspace.vertical).touch_types)
    return types


def touches(
    *,
    workspace: Workspace,
    contact_ids: Collection[int],
    since: datetime,
    until: datetime,
) -> list[Touch]:
    """The touches of ``contact_ids`` in ``[since, until)``, ordered by contact, instant and
    event id: one read of the events (set-based) and one of the campaigns."""
    out: list[Touch] = []
    for row, (vin, detail) in _read(workspace, contact_ids, since, until, details=True):
        event_id, contact_id, at, _micros, kind, channel, campaign_id, direct = row
        out.append(
            Touch(
                event_id=event_id,
                contact_id=contact_id,
                occurred_at=at,
                channel=channel,
                campaign_id=campaign_id,
                touch_type=kind,
                is_direct=direct,
                vin=(vin or "")[:17],
                detail=detail[:100],
            )
        )
    return out


def touch_rows(
    *,
    workspace: Workspace,
    contact_ids: Collection[int],
    since: datetime,
    until: datetime,
) -> list[TouchRow]:
    """:func:`touches` as plain tuples, without the vehicle and detail: what attribution's
    recompute reads, a million at a time (no object per touch; the instant as integers to
    compute with and as text to COPY back)."""
    return [
        cast(TouchRow, row) for row, _ in _read(workspace, contact_ids, since, until, details=False)
    ]


def _read(
    workspace: Workspace,
    contact_ids: Collection[int],
    since: datetime,
    until: datetime,
    *,
    details: bool,
) -> Iterator[tuple[tuple[Any, ...], tuple[str | None, str]]]:
    if not contact_ids:
        return
    types = touch_types_of(workspace)
    pages = [name for name, kind in types.items() if kind == "landing"]
    params: dict[str, Any] = {
        "workspace": workspace.pk,
        "contacts": sorted(contact_ids),
        "since": since,
        "until": until,
        "gap": VISIT_GAP,
        "pages": pages,
        "types": list(types),
        "never": list(NOT_TOUCHES),
        "click_ids": list(CLICK_IDS),
    }
    query = _SQL.format(
        event=connection.ops.quote_name(Event._meta.db_table),
        details=_DETAILS if details else "",
        as_text="" if details else "::text",
    )
    # Binary: integers and instants arrive without text parsing.
    with raw_cursor() as cursor:
        cursor.execute(query, params, binary=True)
        rows = cursor.fetchall()
    by_id, by_utm = _campaigns(workspace)
    # What a row's columns make of it depends on few distinct values (type, UTM, named
    # campaign, …): classify each combination once.
    seen: dict[tuple[Any, ...], tuple[str, str, int | None, bool]] = {}
    no_details = (None, "")
    for row in rows:
        key = row[4:12]
        found = seen.get(key)
        if found is None:
            found = seen[key] = _classify(types, by_id, by_utm, *key)
        yield (
            (row[0], row[1], row[2], row[3], *found),
            (row[12], row[13]) if details else no_details,
        )


def _classify(
    types: dict[str, str],
    by_id: set[int],
    by_utm: dict[str, int],
    type_: str,
    source: str,
    medium: str,
    utm_campaign: str,
    tagged: bool,
    named: str | None,
    referred: bool,
    click_id: str | None,
) -> tuple[str, str, int | None, bool]:
    """(touch type, channel, campaign id, is direct) of an event's columns."""
    kind = types.get(type_, "other")
    campaign_id = _campaign(named, by_id, by_utm) or by_utm.get(utm_campaign)
    channel = FIXED_CHANNELS.get(kind)
    direct = False
    if channel is None:
        channel = channel_of(source, medium) if (source or medium) else OTHER
        if channel == OTHER and click_id:
            channel = CLICK_IDS[click_id]
        direct = not tagged and campaign_id is None and not referred
        if direct:
            channel = DIRECT
        elif channel in AD_CHANNELS:
            kind = "ad_click"
    return kind, channel, campaign_id, direct


def _campaigns(workspace: Workspace) -> tuple[set[int], dict[str, int]]:
    """The workspace's campaign ids, and utm_campaign → the (oldest) campaign carrying it."""
    ids: set[int] = set()
    by_utm: dict[str, int] = {}
    for pk, codes in (
        Campaign.objects.filter(workspace=workspace)
        .order_by("id")
        .values_list("id", "utm_campaigns")
    ):
        ids.add(pk)
        for code in codes or []:
            if isinstance(code, str) and code:
                by_utm.setdefault(code, pk)
    return ids, by_utm


def _campaign(named: str | None, by_id: set[int], by_utm: dict[str, int]) -> int | None:
    if not named:
        return None
    if named.isdigit() and int(named) in by_id:
        return int(named)
    return by_utm.get(named)
