"""``manage.py create_workspace``: scripts read the API key from the last line."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from rest_framework.test import APIClient

from como.workspaces.models import ApiKey, Workspace

ROOT = Path(__file__).resolve().parents[3]


def authenticates(secret: str) -> list[str]:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = client.get("/api/v1/workspaces")
    assert response.status_code == 200, response.content
    return [row["slug"] for row in response.json()["results"]]


@pytest.mark.django_db
def test_prints_the_key_alone_on_the_last_line() -> None:
    out = StringIO()

    call_command(
        "create_workspace",
        "northwind",
        "--vertical",
        "automotive",
        "--name",
        "Northwind Motors",
        "--country",
        "CA",
        stdout=out,
    )

    lines = out.getvalue().splitlines()
    assert lines[-1].startswith("como_")
    assert lines[-1] == lines[-1].strip()
    workspace = Workspace.objects.get(slug="northwind")
    assert (workspace.name, workspace.vertical, workspace.country) == (
        "Northwind Motors",
        "automotive",
        "CA",
    )
    assert workspace.agent_user.username == "agent@northwind"
    assert ApiKey.objects.get(workspace=workspace).name == "default"
    assert authenticates(lines[-1]) == ["northwind"]


@pytest.mark.django_db
def test_an_unknown_vertical_is_refused_by_name() -> None:
    with pytest.raises(CommandError) as raised:
        call_command("create_workspace", "harbour", "--vertical", "marine", stdout=StringIO())

    assert "'marine' is not a registered vertical" in str(raised.value)
    assert "automotive, b2b" in str(raised.value)
    assert not Workspace.objects.filter(slug="harbour").exists()


@pytest.mark.django_db
def test_a_taken_slug_is_refused(workspace: Workspace) -> None:
    with pytest.raises(CommandError) as raised:
        call_command("create_workspace", "acme", "--vertical", "b2b", stdout=StringIO())

    assert str(raised.value) == "slug: Workspace with this Slug already exists."


def database_url(db: dict[str, Any]) -> str:
    """The test database as a DATABASE_URL (django-environ takes a socket directory as path)."""
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    credentials = f"{quote(db['USER'], safe='')}{password}@"
    if db["HOST"].startswith("/"):
        return f"postgres://{credentials}/{quote(db['HOST'], safe='')}/{db['NAME']}"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}{db['HOST'] or 'localhost'}{port}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_the_last_line_of_the_real_command_is_the_key() -> None:
    # As a script runs it: a separate process, stdout captured, nothing else on the last line.
    env = {**os.environ, "DATABASE_URL": database_url(connection.settings_dict)}

    result = subprocess.run(
        [sys.executable, "manage.py", "create_workspace", "fjord", "--vertical", "b2b"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    key = result.stdout.splitlines()[-1]
    assert key.startswith("como_")
    assert authenticates(key) == ["fjord"]
