"""The touches selector: which events are touches, their type, channel, campaign and whether
they are direct, ordered, within the window, for the contacts asked; offline touches from an
attendee list through the ingest path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from como.campaigns.models import Campaign
from como.campaigns.selectors.touches import Touch, touches
from como.ingest.offline import offline_touches_record
from como.ingest.services import events_ingest
from como.leads.models import Contact, Event
from como.workspaces.models import Workspace
from tests.factories import WorkspaceFactory

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 9, 1, 14, 0, tzinfo=UTC)


def ingest(workspace: Workspace, *events: dict[str, Any]) -> None:
    results = events_ingest(workspace=workspace, events=list(events))
    assert {result.status for result in results} == {"created"}, results


def event(
    key: str, type_: str, at: datetime, email: str = "ana@x.example", **extra: Any
) -> dict[str, Any]:
    return {"id": key, "type": type_, "occurred_at": at.isoformat(), "contact": {"email": email}}


def brief(found: list[Touch]) -> list[tuple[Any, ...]]:
    ids = dict(Event.objects.values_list("id", "event_id"))
    return [
        (ids[t.event_id], t.touch_type, t.channel, t.campaign_id, t.is_direct, t.detail)
        for t in found
    ]


def test_a_journey_reads_as_its_touches(workspace: Workspace) -> None:
    search = Campaign.objects.create(
        workspace=workspace, name="Spring search", utm_campaigns=["spring-search"]
    )
    dinners = Campaign.objects.create(
        workspace=workspace, name="CIO dinners", utm_campaigns=["dinner-series"]
    )
    utm = {"source": "google", "medium": "cpc", "campaign": "spring-search"}
    ingest(
        workspace,
        event("e1", "page_view", T0) | {"utm": utm},
        event("e2", "page_view", T0 + timedelta(minutes=5)),  # the same visit
        event("e3", "page_view", T0 + timedelta(hours=2)),  # a new visit, nothing named
        event("e4", "form_submitted", T0 + timedelta(hours=2, minutes=1))
        | {"properties": {"form": "demo_request"}},
        event("e5", "email_opened", T0 + timedelta(days=1))
        | {"properties": {"campaign_id": search.pk}},
        event("e6", "email_clicked", T0 + timedelta(days=1, minutes=1))
        | {"properties": {"campaign_id": search.pk}},
        event("e7", "page_view", T0 + timedelta(days=2)) | {"properties": {"fbclid": "IwAR"}},
        event("e8", "page_view", T0 + timedelta(days=3))
        | {"properties": {"referrer": "https://g2.example/compare"}},
        event("e10", "page_view", T0 + timedelta(days=5))
        | {"utm": {"source": "newsletter", "medium": "email", "campaign": "dinner-series"}},
        event("e11", "page_view", T0 + timedelta(days=9)) | {"utm": utm},  # after the window
        event("b1", "page_view", T0 - timedelta(minutes=10), email="bob@x.example"),
        event("b2", "page_view", T0 + timedelta(minutes=5), email="bob@x.example"),
        event("b3", "page_view", T0 + timedelta(hours=1), email="bob@x.example"),
        event("c1", "page_view", T0 + timedelta(hours=1), email="cy@x.example") | {"utm": utm},
    )
    results = offline_touches_record(
        campaign=dinners,
        kind="dinner",
        name="CIO dinner, Chicago",
        occurred_at=T0 + timedelta(days=4),
        attendees=[{"email": "ana@x.example"}, {"email": "not an address"}],
    )
    assert [r.status for r in results] == ["created", "rejected"]
    ana = Contact.objects.get(email="ana@x.example")
    bob = Contact.objects.get(email="bob@x.example")
    found = touches(
        workspace=workspace,
        contact_ids=[bob.pk, ana.pk],
        since=T0,
        until=T0 + timedelta(days=6),
    )
    offline_id = Event.objects.get(type="offline_touch").event_id
    assert brief(found) == [
        ("e1", "ad_click", "paid_search", search.pk, False, ""),
        ("e3", "landing", "direct", None, True, ""),
        ("e4", "form", "direct", None, True, "demo_request"),
        ("e6", "email_click", "email", search.pk, False, ""),
        ("e7", "ad_click", "paid_social", None, False, ""),
        ("e8", "landing", "other", None, False, ""),
        (offline_id, "offline", "offline", dinners.pk, False, "dinner"),
        ("e10", "landing", "email", dinners.pk, False, ""),
        # bob: b2 continues the visit b1 began before the window; b3 starts a new one.
        ("b3", "landing", "direct", None, True, ""),
    ]
    assert [t.contact_id for t in found] == [ana.pk] * 8 + [bob.pk]
    assert found[0].occurred_at == T0
    again = offline_touches_record(
        campaign=dinners,
        kind="dinner",
        name="CIO dinner, Chicago",
        occurred_at=T0 + timedelta(days=4),
        attendees=[{"email": "ANA@x.example"}],
    )
    assert [r.status for r in again] == ["duplicate"]


def test_a_verticals_pages_are_landings_with_their_vin(db: Any) -> None:
    dealer = WorkspaceFactory.create(slug="dealer", vertical="automotive")
    ingest(
        dealer,
        event("v1", "vdp_view", T0) | {"properties": {"vin": "1HGCM82633A004352", "gclid": "Cj0"}},
        event("v2", "credit_application", T0 + timedelta(hours=1)),
        event("v3", "payment_calculator", T0 + timedelta(hours=1, minutes=1)),
    )
    found = touches(
        workspace=dealer,
        contact_ids=list(Contact.objects.values_list("pk", flat=True)),
        since=T0,
        until=T0 + timedelta(days=1),
    )
    assert [(t.touch_type, t.channel, t.vin, t.is_direct) for t in found] == [
        ("ad_click", "paid_search", "1HGCM82633A004352", False),
        ("form", "direct", "", True),
    ]
    assert touches(workspace=dealer, contact_ids=[], since=T0, until=T0) == []
