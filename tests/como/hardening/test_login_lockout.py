"""The admin's login locks a username out from an address after repeated failures (django-axes)."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"
LOGIN = "/admin/login/?next=/admin/"


def _attempt(client: Client, username: str, password: str, ip: str) -> Any:
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def _signed_in(client: Client) -> bool:
    return client.get("/admin/", REMOTE_ADDR="192.0.2.250").status_code == 200


@pytest.mark.django_db
def test_fifty_wrong_passwords_lock_the_account_and_the_right_one_is_refused(
    fast_passwords: None,
) -> None:
    """The probe: 50 wrong passwords, then the right one, from one address."""
    UserFactory.create(username="ops", password=PASSWORD, is_superuser=True)
    client, ip = Client(), "192.0.2.10"
    limit = settings.AXES_FAILURE_LIMIT
    assert limit == 5
    answers = [_attempt(client, "ops", f"guess-{n}", ip).status_code for n in range(50)]
    # The form answers the first failures; the one that reaches the limit and every one after
    # it are refused outright.
    assert answers[: limit - 1] == [200] * (limit - 1)
    assert set(answers[limit - 1 :]) == {429}
    locked = _attempt(client, "ops", PASSWORD, ip)
    assert locked.status_code == 429
    assert not _signed_in(client)


@pytest.mark.django_db
def test_the_lockout_is_per_username_and_address(fast_passwords: None) -> None:
    UserFactory.create(username="ops", password=PASSWORD)
    UserFactory.create(username="maria", password=PASSWORD)
    for n in range(settings.AXES_FAILURE_LIMIT):
        _attempt(Client(), "ops", f"guess-{n}", "192.0.2.20")
    assert _attempt(Client(), "ops", PASSWORD, "192.0.2.20").status_code == 429
    # The same person from elsewhere, and someone else from the same address, still sign in.
    elsewhere = Client()
    assert _attempt(elsewhere, "ops", PASSWORD, "192.0.2.21").status_code == 302
    assert _signed_in(elsewhere)
    colleague = Client()
    assert _attempt(colleague, "maria", PASSWORD, "192.0.2.20").status_code == 302
    assert _signed_in(colleague)


@pytest.mark.django_db
def test_a_success_before_the_limit_clears_the_count(fast_passwords: None) -> None:
    UserFactory.create(username="ops", password=PASSWORD)
    ip = "192.0.2.30"
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _attempt(Client(), "ops", f"guess-{n}", ip).status_code == 200
    assert _attempt(Client(), "ops", PASSWORD, ip).status_code == 302
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _attempt(Client(), "ops", f"again-{n}", ip).status_code == 200


@pytest.mark.django_db
def test_the_lockout_ends_after_the_cool_off(settings: Any, fast_passwords: None) -> None:
    settings.AXES_COOLOFF_TIME = timedelta(seconds=1)
    UserFactory.create(username="ops", password=PASSWORD)
    ip = "192.0.2.40"
    for n in range(settings.AXES_FAILURE_LIMIT):
        _attempt(Client(), "ops", f"guess-{n}", ip)
    assert _attempt(Client(), "ops", PASSWORD, ip).status_code == 429
    time.sleep(1.2)
    client = Client()
    assert _attempt(client, "ops", PASSWORD, ip).status_code == 302
    assert _signed_in(client)
