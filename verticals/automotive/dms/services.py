"""Import a DMS export into como: each good row an event through the ingest path, and the
vehicle ownership it says; every bad row named with its field.

Rows become ``vehicle_purchased`` (deals) and ``service_visit`` (repair orders) events with
``events_ingest``, so identity resolution, scoring and the ingest's reactions are the same as
for any sender. Each event's id is ``dms:deal:<rooftop id>:<deal number>`` (or ``dms:ro:…``):
ingest stores an id once, so a re-import adds no event, and ownership is only written for the
events just created, so it adds nothing there either. Every deal is also a won opportunity
of its buyer (:mod:`.deals`), upserted by the same id, so a re-import changes none. Imports
of one workspace run one at a time (an advisory lock), so two files about the same vehicle
cannot race on its ownership.

People are named by email, as ingest resolves them. A row with only a phone goes to the
workspace's contact with that phone when that contact has an email or external id; otherwise
to a contact whose external id is ``phone:<E.164>`` (created on first sight). The row's name,
phone and postal code fill the contact's blanks, never overwrite what it has.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone

from como.ingest.services import events_ingest
from como.leads.models import Contact

from ..inventory.formats.base import RowError
from ..inventory.models import Rooftop
from .deals import deals_to_opportunities
from .models import DmsImport
from .ownership import ownerships_apply
from .presets import DmsKind
from .reader import read
from .rows import DealData, Record, validate

EVENT_TYPES = {DmsKind.DEALS: "vehicle_purchased", DmsKind.REPAIR_ORDERS: "service_visit"}
SOURCE = "dms"
BATCH = 1000
#: The advisory lock's first key ("dms"); the second is the workspace id.
_LOCK_SPACE = 0x646D73
#: An event's instant: the record's day at noon in the rooftop's time zone (a DMS gives days).
_NOON = time(12)
_CONTACT_BLANKS = ("first_name", "last_name", "phone", "postal_code")


def dms_import(
    *,
    rooftop: Rooftop,
    kind: str,
    data: bytes,
    file_name: str = "",
    preset_key: str = "",
    user: Any = None,
    now: datetime | None = None,
) -> DmsImport:
    """Import ``data`` (a CSV export of ``kind``) into ``rooftop``; the import's record."""
    now = now or timezone.now()
    zone = ZoneInfo(rooftop.time_zone)
    reading = read(data, kind=kind, preset_key=preset_key)
    codes = frozenset(
        code.lower() for code in (rooftop.store_code, rooftop.dealer_id, str(rooftop.pk)) if code
    )
    records, errors = validate(
        reading.rows, kind=kind, today=now.astimezone(zone).date(), rooftop_codes=codes
    )
    errors = reading.errors + errors
    counts = {"rows": len(reading.rows), "created": 0, "duplicate": 0, "rejected": 0}
    ownerships = opportunities = 0
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_SPACE, rooftop.workspace_id]
            )
        refs = _refs(rooftop.workspace_id, records)
        for start in range(0, len(records), BATCH):
            batch = records[start : start + BATCH]
            events = [_event(rooftop, kind, record, refs[record.row], zone) for record in batch]
            results = events_ingest(
                workspace=rooftop.workspace, events=events, source=SOURCE, received_at=now
            )
            created: list[Record] = []
            sold: list[tuple[dict[str, str], DealData, str, datetime]] = []
            for record, event, result in zip(batch, events, results, strict=True):
                if result.status == "created":
                    created.append(record)
                elif result.status == "duplicate":
                    counts["duplicate"] += 1
                else:
                    errors.extend(_ingest_errors(record.row, result.errors or {}))
                    continue
                if isinstance(record, DealData):
                    sold.append((refs[record.row], record, event["id"], event["occurred_at"]))
            changed, refused = deals_to_opportunities(rooftop=rooftop, deals=sold)
            opportunities += changed
            errors.extend(refused)
            counts["created"] += len(created)
            contact_of = _contacts(rooftop.workspace_id, [refs[r.row] for r in created])
            pairs = [(contact_of(refs[record.row]), record) for record in created]
            ownerships += ownerships_apply(
                workspace=rooftop.workspace, rooftop=rooftop, records=pairs
            )
            _fill_blanks(pairs)
        counts["rejected"] = len({error.row for error in errors if error.row})
        return DmsImport.objects.create(
            workspace_id=rooftop.workspace_id,
            rooftop=rooftop,
            kind=kind,
            preset=reading.preset.key if reading.preset else "",
            file_name=file_name[:255],
            counts=counts | {"ownerships": ownerships, "opportunities": opportunities},
            errors=[{"row": e.row, "field": e.field, "message": e.message} for e in errors],
            started_at=now,
            finished_at=timezone.now(),
            created_by=user,
        )


def _refs(workspace_id: int, records: list[Record]) -> dict[int, dict[str, str]]:
    """Each record's person as ingest names one, by row number (see the module docstring)."""
    phones = {r.customer.phone for r in records if not r.customer.email and r.customer.phone}
    known: dict[str, dict[str, str]] = {}
    if phones:
        for contact in (
            Contact.objects.filter(workspace_id=workspace_id, phone__in=phones)
            .exclude(email="", external_id="")
            .order_by("id")
        ):
            ref = (
                {"email": contact.email} if contact.email else {"external_id": contact.external_id}
            )
            known.setdefault(contact.phone, ref)
    refs = {}
    for record in records:
        customer = record.customer
        if customer.email:
            refs[record.row] = {"email": customer.email}
        else:
            refs[record.row] = known.get(customer.phone) or {
                "external_id": f"phone:{customer.phone}"
            }
    return refs


def _event(
    rooftop: Rooftop, kind: str, record: Record, ref: dict[str, str], zone: ZoneInfo
) -> dict[str, Any]:
    vehicle = record.vehicle
    properties: dict[str, Any] = {
        "rooftop_id": rooftop.pk,
        "vin": vehicle.vin,
        "year": vehicle.year,
        "make": vehicle.make,
        "model": vehicle.model,
    }
    # Money and rates as decimal strings: exact, where a JSON number would be a float.
    if isinstance(record, DealData):
        prefix = "deal"
        properties |= {
            "deal_number": record.number,
            "purchased_on": record.on.isoformat(),
            "condition": record.condition,
            "price": _exact(record.price),
            "amount_financed": _exact(record.amount_financed),
            "apr": _exact(record.apr),
            "term_months": record.term_months,
            "odometer": record.odometer,
        }
    else:
        prefix = "ro"
        properties |= {
            "ro_number": record.number,
            "mileage": record.mileage,
            "op_codes": list(record.op_codes),
            "services": list(record.services),
            "amount": _exact(record.amount),
        }
    return {
        "id": f"dms:{prefix}:{rooftop.pk}:{record.number}",
        "type": EVENT_TYPES[DmsKind(kind)],
        "occurred_at": datetime.combine(record.on, _NOON, zone).astimezone(UTC),
        "contact": ref,
        "properties": properties,
    }


def _exact(value: object) -> str | None:
    return None if value is None else str(value)


def _ingest_errors(row: int, errors: dict[str, list[str]]) -> list[RowError]:
    return [
        RowError(row, key.rsplit(".", 1)[-1], message)
        for key, messages in errors.items()
        for message in messages
    ]


def _contacts(workspace_id: int, refs: list[dict[str, str]]) -> Callable[[dict[str, str]], int]:
    """Who each ref resolved to, read back in one query per identifier kind."""
    emails = {ref["email"] for ref in refs if "email" in ref}
    external = {ref["external_id"] for ref in refs if "external_id" in ref}
    scoped = Contact.objects.filter(workspace_id=workspace_id)
    by_email = dict(scoped.filter(email__in=emails).values_list("email", "id")) if emails else {}
    by_external = (
        dict(scoped.filter(external_id__in=external).values_list("external_id", "id"))
        if external
        else {}
    )

    def contact_of(ref: dict[str, str]) -> int:
        if "email" in ref:
            return by_email[ref["email"]]
        return by_external[ref["external_id"]]

    return contact_of


def _fill_blanks(pairs: list[tuple[int, Record]]) -> None:
    """The rows' name, phone and postal code where the contact has none."""
    given: dict[int, dict[str, str]] = {}
    for contact_id, record in pairs:
        values = given.setdefault(contact_id, {})
        for name in _CONTACT_BLANKS:
            if value := getattr(record.customer, name):
                values[name] = value  # the latest row wins among the file's
    if not given:
        return
    contacts = Contact.objects.filter(pk__in=given).select_for_update()
    changed = []
    for contact in contacts:
        fills = {n: v for n, v in given[contact.pk].items() if not getattr(contact, n)}
        if fills:
            for name, value in fills.items():
                setattr(contact, name, value)
            contact.updated_at = timezone.now()  # bulk_update skips auto_now
            changed.append(contact)
    if changed:
        Contact.objects.bulk_update(changed, [*_CONTACT_BLANKS, "updated_at"])
