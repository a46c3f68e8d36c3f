"""The Celery task that imports a source's feed: it fetches through the fetchers' contract
(``verticals.automotive.inventory.fetch``; they are tested against real HTTPS and SFTP servers
in their own module) and records a refused or failed fetch as a failed import."""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest

from verticals.automotive.inventory.importing.tasks import TASK_NAME, import_source
from verticals.automotive.inventory.models import InventoryImport, InventorySource, Rooftop

from .feeds import feed, line

pytestmark = pytest.mark.django_db


class Refused(Exception):
    pass


class Failed(Exception):
    pass


@pytest.fixture
def fetched(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The fetch module's contract, answering what the test puts in ``answer``."""
    answer: dict[str, Any] = {}
    module = types.ModuleType("verticals.automotive.inventory.fetch")

    def fetch_source(source: InventorySource) -> tuple[str, bytes]:
        answer["asked"] = source.pk
        if isinstance(answer.get("raise"), Exception):
            raise answer["raise"]
        return answer["file"]

    module.FetchRefused = Refused  # type: ignore[attr-defined]
    module.FetchFailed = Failed  # type: ignore[attr-defined]
    module.fetch_source = fetch_source  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "verticals.automotive.inventory.fetch", module)
    return answer


def source_make(rooftop: Rooftop, **fields: Any) -> InventorySource:
    values = {"kind": "https", "url": "https://feeds.example/lakeside.csv", "full": True}
    return InventorySource.objects.create(
        workspace_id=rooftop.workspace_id, rooftop=rooftop, **(values | fields)
    )


def test_the_task_is_registered_under_its_shared_name() -> None:
    assert import_source.name == TASK_NAME == "verticals.automotive.import_inventory_source"


def test_a_source_is_fetched_and_imported(rooftop: Rooftop, fetched: dict[str, Any]) -> None:
    source = source_make(rooftop)
    fetched["file"] = ("lakeside.csv", feed([line(1), line(2)]))
    import_id = import_source(source.pk)
    record = InventoryImport.objects.get(pk=import_id)
    assert (record.source_id, record.full, record.file_name) == (source.pk, True, "lakeside.csv")
    assert record.counts["created"] == 2
    source.refresh_from_db()
    assert source.last_fetched_at is not None


@pytest.mark.parametrize("error", [Refused("10.0.0.1 is a private address"), Failed("timed out")])
def test_a_fetch_that_fails_is_a_failed_import(
    rooftop: Rooftop, fetched: dict[str, Any], error: Exception
) -> None:
    source = source_make(rooftop)
    fetched["raise"] = error
    record = InventoryImport.objects.get(pk=import_source(source.pk))
    assert record.status == "failed"
    assert str(error) in record.message
    assert record.finished_at is not None


def test_a_disabled_or_deleted_source_does_nothing(
    rooftop: Rooftop, fetched: dict[str, Any]
) -> None:
    source = source_make(rooftop, enabled=False)
    assert import_source(source.pk) is None
    assert import_source(999_999) is None
    assert "asked" not in fetched
    assert not InventoryImport.objects.exists()
