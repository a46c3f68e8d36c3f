"""A link run started through the API is carried out by a real Celery worker: existing
contacts linked to accounts by email domain, with the run's progress recorded."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from como.leads.models import Contact
from tests.celery_queues import private_queue
from tests.e2e.celery_worker import EFFECT_TIMEOUT, start_worker, stop_worker
from tests.factories import ContactFactory, WorkspaceFactory, member_api_client
from verticals.b2b.accounts.models import AccountLinkRun, CommitteeMember

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_passwords"),
]


@pytest.fixture
def queue() -> Iterator[str]:
    with private_queue() as name:
        yield name


def test_a_link_run_is_carried_out_by_a_real_worker(queue: str, tmp_path: Path) -> None:
    workspace = WorkspaceFactory.create(slug="link-worker", vertical="b2b")
    for n in range(4):
        ContactFactory.create(workspace=workspace, email=f"p{n}@acme.com", title="IT Director")
    ContactFactory.create(workspace=workspace, email="someone@gmail.com")
    api = member_api_client(workspace, "owner")

    response = api.post("/api/v1/account-link-runs")

    assert response.status_code == 202, response.content
    run = AccountLinkRun.objects.get(pk=response.json()["id"])
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        worker = start_worker(queue, log)
        try:
            deadline = time.monotonic() + EFFECT_TIMEOUT
            while time.monotonic() < deadline and worker.poll() is None:
                run.refresh_from_db()
                if run.status not in AccountLinkRun.UNFINISHED:
                    break
                time.sleep(0.2)
        finally:
            exit_code = stop_worker(worker)

    output = log_path.read_text(errors="replace")
    assert run.status == "succeeded", f"run {run.status} ({run.error}); worker output:\n{output}"
    assert (run.total, run.done, run.linked, run.accounts_created) == (5, 5, 4, 1)
    linked = Contact.objects.filter(workspace=workspace, account__domain="acme.com")
    assert linked.count() == 4
    roles = set(CommitteeMember.objects.filter(workspace=workspace).values_list("role", "level"))
    assert roles == {("champion", "director")}
    assert "verticals.b2b.link_accounts" in output
    assert exit_code == 0
