"""``/api/v1/inventory/imports``: the upload answers the report; reads are workspace-scoped."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from como.workspaces.models import Workspace
from tests.verticals.automotive.inventory.factories import rooftop_make
from verticals.automotive.inventory.models import Rooftop, Vehicle

from .feeds import feed, line

pytestmark = [
    pytest.mark.django_db,
]
URL = "/api/v1/inventory/imports"


@pytest.fixture
def client(dealer: Workspace, key_client: Callable[[Workspace], APIClient]) -> APIClient:
    return key_client(dealer)


def upload(client: APIClient, rooftop_id: int, data: bytes, **fields: Any) -> Any:
    body = {"rooftop": rooftop_id, "file": SimpleUploadedFile("feed.csv", data), **fields}
    return client.post(URL, body, format="multipart")


def test_the_upload_answers_the_report(client: APIClient, rooftop: Rooftop) -> None:
    response = upload(client, rooftop.pk, feed([line(1), line(2, price="")]))
    assert response.status_code == 201, response.content
    report = response.json()
    assert set(report) >= {"id", "status", "counts", "errors", "phases", "progress"}
    assert report["status"] == "succeeded"
    assert report["counts"] == {
        "rows": 2, "created": 1, "changed": 0, "sold": 0,
        "removed": 0, "returned": 0, "unchanged": 0, "rejected": 1,
    }  # fmt: skip
    assert report["errors"] == [
        {"row": 3, "field": "price", "message": report["errors"][0]["message"]}
    ]
    assert report["format"] == "csv-fullpath"
    assert report["file_name"] == "feed.csv"
    again = client.get(f"{URL}/{report['id']}")
    assert again.status_code == 200
    assert again.json() == report


def test_a_json_body_with_the_feeds_text(client: APIClient, rooftop: Rooftop) -> None:
    body = {"rooftop": rooftop.pk, "content": feed([line(1)]).decode(), "full": True}
    response = client.post(URL, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["counts"]["created"] == 1
    assert response.json()["full"] is True


def test_the_list_is_cursor_paginated_and_scoped(
    client: APIClient,
    rooftop: Rooftop,
    other_workspace: Workspace,
    key_client: Callable[[Workspace], APIClient],
) -> None:
    for serial in (1, 2, 3):
        assert upload(client, rooftop.pk, feed([line(serial)])).status_code == 201
    page = client.get(URL).json()
    assert set(page) >= {"next", "previous", "results"}
    assert [r["counts"]["created"] for r in page["results"]] == [1, 1, 1]
    ids = [r["id"] for r in page["results"]]
    assert ids == sorted(ids, reverse=True)
    assert client.get(URL, {"cursor": "not-a-cursor"}).status_code in {400, 404}
    rival = key_client(other_workspace)
    assert rival.get(URL).json()["results"] == []
    assert rival.get(f"{URL}/{page['results'][0]['id']}").status_code == 404


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"format": "no-such-format"}, "format"),
        ({"full": "perhaps"}, "full"),
    ],
)
def test_bad_fields_are_400_with_the_field(
    client: APIClient, rooftop: Rooftop, fields: dict[str, Any], field: str
) -> None:
    response = upload(client, rooftop.pk, feed([line(1)]), **fields)
    assert response.status_code == 400
    assert field in response.json()
    assert not Vehicle.objects.exists()


def test_another_workspaces_rooftop_is_refused(
    client: APIClient, other_workspace: Workspace
) -> None:
    theirs = rooftop_make(other_workspace)
    response = upload(client, theirs.pk, feed([line(1)]))
    assert response.status_code == 400
    assert "rooftop" in response.json()
    assert not Vehicle.objects.exists()


def test_neither_file_nor_content_is_400(client: APIClient, rooftop: Rooftop) -> None:
    response = client.post(URL, {"rooftop": rooftop.pk}, format="json")
    assert response.status_code == 400
    assert "file" in response.json()


def test_an_oversized_file_is_400(client: APIClient, rooftop: Rooftop, settings: Any) -> None:
    settings.COMO_INVENTORY_MAX_BYTES = 100
    response = upload(client, rooftop.pk, feed([line(1), line(2)]))
    assert response.status_code == 400
    assert "file" in response.json()


def test_an_unreadable_file_is_a_failed_import_not_an_error(
    client: APIClient, rooftop: Rooftop
) -> None:
    response = upload(client, rooftop.pk, b"\xff\xfe\x00garbage\x00")
    assert response.status_code == 201
    assert response.json()["status"] == "failed"
    assert response.json()["errors"][0]["row"] == 0
