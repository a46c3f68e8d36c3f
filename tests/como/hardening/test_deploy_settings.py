"""Production settings: `check --deploy` is clean, and no secret key means no start.

Each case runs ``manage.py`` in a fresh process with exactly the environment a deployment would
have (the Docker image's ``COMO_ENV=production``), against this run's database and Redis so the
embedded servers are never started.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[3]
#: The test run's own (tests/settings.py) and a developer's shell's settings: a deployment has
#: none of them unless it says so.
_CLEARED = ("COMO_", "DJANGO_")


def _database_url() -> str:
    from tests.e2e.celery_worker import database_url

    return database_url()


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(_CLEARED)}
    base.update(
        DJANGO_SETTINGS_MODULE="como.settings",
        DATABASE_URL=_database_url(),
        REDIS_URL=settings.REDIS_URL,
        # Set but empty wins over a developer's .env (read without overwriting).
        DJANGO_SECRET_KEY="",
        DJANGO_DEBUG="false",
        DJANGO_ALLOWED_HOSTS="como.example.com",
    )
    base.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _strong_key() -> str:
    return secrets.token_urlsafe(50)


def test_check_deploy_is_clean_with_the_production_settings() -> None:
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING", DJANGO_SECRET_KEY=_strong_key()
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    for warning in ("W004", "W008", "W012", "W016"):
        assert warning not in result.stdout + result.stderr


def test_production_is_the_default_environment() -> None:
    """With no COMO_ENV at all a deployment gets the production settings, not a dev mode."""
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings as s; print(s.COMO_ENV, s.SECURE_SSL_REDIRECT, "
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, "
        "s.COMO_RATE_LIMITS)",
        DJANGO_SECRET_KEY=_strong_key(),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-6:] == [
        "production",
        "True",
        "True",
        "True",
        "31536000",
        "True",
    ]


@pytest.mark.parametrize("extra", [{}, {"COMO_ENV": "production"}])
def test_no_secret_key_refuses_to_start(extra: dict[str, str]) -> None:
    result = _manage("check", **extra)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_a_development_machine_runs_without_a_secret() -> None:
    result = _manage("check", COMO_ENV="development")
    assert result.returncode == 0, result.stderr


def test_an_unknown_environment_is_refused() -> None:
    result = _manage("check", COMO_ENV="prod", DJANGO_SECRET_KEY=_strong_key())
    assert result.returncode != 0
    assert "COMO_ENV" in result.stderr


def test_settings_come_from_the_documented_variables() -> None:
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings as s; print(s.SECURE_HSTS_SECONDS, "
        "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, s.SECURE_PROXY_SSL_HEADER, "
        "s.SILENCED_SYSTEM_CHECKS, s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME, "
        "s.COMO_RATE_INGEST_EVENTS, s.COMO_TRUSTED_PROXIES, sep='|')",
        DJANGO_SECRET_KEY=_strong_key(),
        DJANGO_SECURE_HSTS_SECONDS="600",
        DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS="true",
        DJANGO_SECURE_HSTS_PRELOAD="true",
        DJANGO_SECURE_PROXY_SSL_HEADER="true",
        COMO_LOGIN_FAILURE_LIMIT="8",
        COMO_LOGIN_COOLOFF_MINUTES="2",
        COMO_RATE_INGEST_EVENTS="100000/h",
        COMO_TRUSTED_PROXIES="1",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split("|") == [
        "600",
        "True",
        "True",
        "('HTTP_X_FORWARDED_PROTO', 'https')",
        "[]",
        "8",
        "0:02:00",
        "100000/h",
        "1",
    ]


def test_a_mistyped_rate_refuses_to_start() -> None:
    result = _manage("check", DJANGO_SECRET_KEY=_strong_key(), COMO_RATE_API="lots")
    assert result.returncode != 0
    assert "Rate 'lots'" in result.stderr
