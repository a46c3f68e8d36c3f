"""Rate limits against the real Redis: per IP before any view, per key and per person in the API,
bulk ingest counted in events. The suite runs with the limits off; these tests turn them on.

Each test charges addresses and keys of its own (random), so the counters of another run, or of
another test within the same window, are never in the way.
"""

from __future__ import annotations

import secrets
import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import redis
from django.conf import settings
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from como.leads.models import Event
from como.workspaces.models import Workspace
from como.workspaces.ratelimits import rate_charge, rate_parse
from como.workspaces.throttling import client_ip
from tests.factories import UserFactory


@pytest.fixture
def limits_on(settings: Any) -> Any:
    settings.COMO_RATE_LIMITS = True
    return settings


def _ip() -> str:
    """A random documentation-range IPv6 address: nobody else's counters."""
    return f"2001:db8::{secrets.randbelow(0xFFFF):x}:{secrets.randbelow(0xFFFF):x}"


def _retry_after(response: Any, most: int) -> int:
    assert response.status_code == 429, response.content
    wait = int(response["Retry-After"])
    assert 1 <= wait <= most
    return wait


@pytest.mark.django_db
def test_300_random_keys_from_one_address_start_getting_429(limits_on: Any) -> None:
    """The probe's 300 random keys, at the default limit (30 failures a minute)."""
    assert settings.COMO_RATE_AUTH_FAILURES == "30/m"
    client, ip = APIClient(), _ip()
    statuses = [
        client.get(
            "/api/v1/contacts",
            HTTP_AUTHORIZATION=f"Bearer como_{secrets.token_urlsafe(32)}",
            REMOTE_ADDR=ip,
        )
        for _ in range(300)
    ]
    assert [r.status_code for r in statuses[:30]] == [401] * 30
    assert {r.status_code for r in statuses[30:]} == {429}
    _retry_after(statuses[-1], 60)
    # Another address is not blocked by this one's failures.
    other = client.get("/api/v1/contacts", HTTP_AUTHORIZATION="Bearer nope", REMOTE_ADDR=_ip())
    assert other.status_code == 401


@pytest.mark.django_db
def test_each_api_key_has_its_own_request_budget(
    limits_on: Any, workspace: Workspace, key_client: Callable[[Workspace], APIClient]
) -> None:
    limits_on.COMO_RATE_API = "3/m"
    first, second = key_client(workspace), key_client(workspace)
    ip = _ip()
    assert [first.get("/api/v1/contacts", REMOTE_ADDR=ip).status_code for _ in range(3)] == [
        200
    ] * 3
    refused = first.get("/api/v1/contacts", REMOTE_ADDR=ip)
    _retry_after(refused, 60)
    assert refused.json()["detail"].startswith("Request was throttled")
    assert second.get("/api/v1/contacts", REMOTE_ADDR=ip).status_code == 200


@pytest.mark.django_db
def test_a_signed_in_person_has_a_request_budget(limits_on: Any, workspace: Workspace) -> None:
    limits_on.COMO_RATE_API = "2/m"
    user = UserFactory.create(username=f"rate-{uuid.uuid4().hex[:8]}")
    workspace.memberships.create(user=user, role="marketer")
    redis.Redis.from_url(settings.REDIS_URL).delete(f"como:rate:api:user:{user.pk}")
    client = APIClient()
    client.force_login(user)
    codes = [client.get("/api/v1/contacts", REMOTE_ADDR=_ip()).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def _events(count: int, tag: str) -> dict[str, Any]:
    return {
        "events": [
            {
                "id": f"{tag}-{n}",
                "type": "page_view",
                "occurred_at": "2026-01-01T10:00:00Z",
                "contact": {"anonymous_id": f"anon-{tag}-{n % 7}"},
            }
            for n in range(count)
        ]
    }


@pytest.mark.django_db
def test_bulk_ingest_is_counted_in_events_and_a_refused_batch_stores_nothing(
    limits_on: Any, workspace: Workspace, api: APIClient
) -> None:
    limits_on.COMO_RATE_INGEST_EVENTS = "1500/m"
    assert api.post("/api/v1/events", _events(1000, "a"), format="json").status_code == 200
    refused = api.post("/api/v1/events", _events(600, "b"), format="json")
    _retry_after(refused, 60)
    assert not Event.objects.filter(workspace=workspace, event_id__startswith="b-").exists()
    # The refused batch did not spend the budget: 500 more still fit, then not one.
    assert api.post("/api/v1/events", _events(500, "c"), format="json").status_code == 200
    single = _events(1, "d")["events"][0]
    _retry_after(api.post("/api/v1/events", single, format="json"), 60)
    assert Event.objects.filter(workspace=workspace).count() == 1500


@pytest.mark.django_db
def test_requests_without_credentials_are_limited_per_address(limits_on: Any) -> None:
    """Webhooks, tracked links and the API without a key share one budget per address."""
    limits_on.COMO_RATE_ANON = "3/m"
    client, ip = Client(), _ip()
    answered = [
        client.post("/hooks/email/nobody/events", b"{}", "application/json", REMOTE_ADDR=ip),
        client.get("/t/o/not-a-token.gif", REMOTE_ADDR=ip),
        client.get("/api/v1/contacts", REMOTE_ADDR=ip),
    ]
    assert all(r.status_code != 429 for r in answered)
    _retry_after(client.get("/t/o/not-a-token.gif", REMOTE_ADDR=ip), 60)
    assert client.get("/t/o/not-a-token.gif", REMOTE_ADDR=_ip()).status_code == 200


def test_charges_are_atomic_under_concurrency(limits_on: Any) -> None:
    """Eight threads race for 50 units: exactly 50 are granted (a get-then-set grants more)."""
    ident, granted, lock = uuid.uuid4().hex, [], threading.Lock()

    def race() -> None:
        for _ in range(25):
            if rate_charge(scope="test", ident=ident, rate="50/m") is None:
                with lock:
                    granted.append(1)

    threads = [threading.Thread(target=race) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(granted) == 50


def test_a_cost_above_the_whole_rate_is_refused_for_a_period(limits_on: Any) -> None:
    assert rate_charge(scope="test", ident=uuid.uuid4().hex, rate="10/h", cost=11) == 3600


def test_an_unreachable_redis_lets_requests_through(limits_on: Any) -> None:
    limits_on.REDIS_URL = "redis://127.0.0.1:1/0"
    assert rate_charge(scope="test", ident="x", rate="1/m", cost=5) is None


def test_limits_off_charge_nothing(settings: Any) -> None:
    settings.COMO_RATE_LIMITS = False
    assert rate_charge(scope="test", ident=uuid.uuid4().hex, rate="1/m", cost=5) is None


@pytest.mark.parametrize(
    ("text", "count", "seconds"),
    [("600/m", 600, 60), ("10/s", 10, 1), ("5/hour", 5, 3600), (" 7 / d ", 7, 86400)],
)
def test_rates_parse(text: str, count: int, seconds: int) -> None:
    rate = rate_parse(text)
    assert (rate.count, rate.seconds) == (count, seconds)


@pytest.mark.parametrize("text", ["", "600", "0/m", "-1/m", "x/m", "10/week", "10/"])
def test_bad_rates_are_refused(text: str) -> None:
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        rate_parse(text)


@pytest.mark.parametrize(
    ("hops", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "192.0.2.1"),  # no proxy trusted: the header is the client's word
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # a forged left entry is ignored
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (2, "203.0.113.9", "192.0.2.1"),  # fewer hops than proxies: not through them
        (1, "203.0.113.9:443", "192.0.2.1"),  # not an address: the peer's
        (1, "\x00<script>", "192.0.2.1"),
    ],
)
def test_client_address_behind_trusted_proxies(
    settings: Any, hops: int, forwarded: str, expected: str
) -> None:
    settings.COMO_TRUSTED_PROXIES = hops
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected
