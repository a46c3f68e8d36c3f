"""Background re-score runs: a new active version re-scores the workspace, resumably.

The service is run directly (no Celery) for exact behaviour; tests/e2e/test_rescore_worker.py
runs it in a real worker. Expected scores are computed here from the rule points and
``w * 0.75 ** (days / 91.3)`` at each contact's stored ``score_as_of``, not by the engine.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from como.leads.models import Contact, LifecycleStage
from como.scoring import rescoring, tasks
from como.scoring.models import RescoreRun, ScoringModel
from como.scoring.rescoring import Slice, rescore_run_execute
from como.scoring.score_state import contacts_rescore
from como.scoring.services import (
    scoring_model_activate,
    scoring_model_active,
    scoring_model_create_version,
)
from como.workspaces.models import Workspace
from tests.como.scoring.expected import decayed
from tests.factories import ContactFactory, EventFactory, member_api_client, member_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

SEEN = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)  # when every test event happened


def model(fit_points: float, pricing_points: float, threshold: float) -> dict[str, Any]:
    return {
        "threshold": threshold,
        "fit": [
            {
                "key": "vp",
                "when": {"attr": "contact.title", "regex": r"(?i)\bvp\b"},
                "points": fit_points,
            }
        ],
        "intent": [
            {
                "key": "pricing",
                "event_type": "page_view",
                "when": {"property": "path", "starts_with": "/pricing"},
                "points": pricing_points,
            }
        ],
    }


V1 = model(fit_points=15, pricing_points=20, threshold=1_000)  # nobody is an MQL
V2 = model(fit_points=25, pricing_points=40, threshold=30)


@pytest.fixture
def enqueued(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, float]]:
    """(run id, countdown) of every message the code would publish; nothing is published."""
    sent: list[tuple[int, float]] = []
    monkeypatch.setattr(tasks.rescore_workspace, "delay", lambda run_id: sent.append((run_id, 0)))
    monkeypatch.setattr(
        tasks.rescore_workspace,
        "apply_async",
        lambda args, countdown=0: sent.append((args[0], countdown)),
    )
    return sent


def scored_contacts(workspace: Workspace, count: int) -> list[Contact]:
    """``count`` contacts scored with the workspace's version 1 (V1): contact i has i pricing
    page views, and every other one is a VP."""
    scoring_model_create_version(workspace=workspace, definition=V1, note="v1")
    contacts = [
        ContactFactory.create(workspace=workspace, title="VP Sales" if i % 2 else "Analyst")
        for i in range(count)
    ]
    for i, contact in enumerate(contacts):
        for _ in range(i):
            EventFactory.create(contact=contact, properties={"path": "/pricing"}, occurred_at=SEEN)
    contacts_rescore(workspace=workspace, contact_ids=[contact.pk for contact in contacts])
    for contact in contacts:
        contact.refresh_from_db()
    return contacts


def expected_v2(contact: Contact, index: int) -> tuple[float, float]:
    """(fit, intent) of contact ``index`` under V2, at its stored score_as_of."""
    assert contact.score.score_as_of is not None
    fit = 25.0 if index % 2 else 0.0
    return fit, index * decayed(40, SEEN, contact.score.score_as_of)


def assert_scored_with_v2(contacts: list[Contact]) -> None:
    for index, contact in enumerate(contacts):
        contact.refresh_from_db()
        fit, intent = expected_v2(contact, index)
        assert contact.score.score_model_version == 2, index
        assert contact.score.score_fit == fit, index
        assert contact.score.score_intent == pytest.approx(intent, rel=1e-12, abs=1e-12), index
        mql = fit + intent >= 30
        stage = LifecycleStage.MQL if mql else LifecycleStage.SUBSCRIBER
        assert contact.lifecycle_stage == stage, index


def run_of(version: ScoringModel) -> RescoreRun:
    (run,) = RescoreRun.objects.filter(scoring_model=version)
    return run


class Recorder:
    """Wraps contacts_rescore to record each batch's ids, and to fail on one call."""

    def __init__(self, fail_on_call: int | None = None, error: Exception | None = None) -> None:
        self.batches: list[list[int]] = []
        self.fail_on_call = fail_on_call
        self.error = error

    def __call__(self, **kwargs: Any) -> Any:
        ids = sorted(kwargs["contact_ids"])
        if len(self.batches) + 1 == self.fail_on_call:
            assert self.error is not None
            self.batches.append(ids)
            raise self.error
        self.batches.append(ids)
        return contacts_rescore(**kwargs)


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Recorder]:
    def install(**options: Any) -> Recorder:
        wrapped = Recorder(**options)
        monkeypatch.setattr(rescoring, "contacts_rescore", wrapped)
        return wrapped

    return install


# --- starting a run ----------------------------------------------------------------------------


def test_a_version_replacing_the_active_one_starts_a_run_enqueued_on_commit(
    workspace: Workspace,
    other_workspace: Workspace,
    enqueued: list[tuple[int, float]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    scored_contacts(other_workspace, 2)
    scored_contacts(workspace, 5)
    assert not RescoreRun.objects.exists()  # a first version has nothing to redo

    with django_capture_on_commit_callbacks(execute=True):
        v2 = scoring_model_create_version(workspace=workspace, definition=V2)

    run = run_of(v2)
    assert (run.workspace_id, run.status, run.total, run.done, run.last_contact_id) == (
        workspace.pk,
        "queued",
        5,
        0,
        0,
    )
    assert (run.started_at, run.finished_at, run.lease_expires_at, run.error) == (
        None,
        None,
        None,
        "",
    )
    assert enqueued == [(run.pk, 0)]


def test_only_a_change_of_the_active_version_starts_a_run(
    workspace: Workspace, django_capture_on_commit_callbacks: Any, enqueued: list[Any]
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        v1 = scoring_model_active(workspace=workspace)  # the lazy default
        v2 = scoring_model_create_version(workspace=workspace, definition=V2, activate=False)
        scoring_model_activate(model=v1)  # already active
    assert not RescoreRun.objects.exists()
    assert enqueued == []

    with django_capture_on_commit_callbacks(execute=True):
        scoring_model_activate(model=v2)
        scoring_model_activate(model=v1)  # a roll back is a change too

    first, second = RescoreRun.objects.order_by("pk")
    assert (first.scoring_model_id, first.status) == (v2.pk, "superseded")
    assert first.finished_at is not None
    assert (second.scoring_model_id, second.status) == (v1.pk, "queued")
    assert enqueued == [(first.pk, 0), (second.pk, 0)]


# --- executing a run -------------------------------------------------------------------------


def test_a_run_rescores_every_contact_with_the_new_version(
    workspace: Workspace, other_workspace: Workspace, recorder: Callable[..., Recorder]
) -> None:
    (rival,) = scored_contacts(other_workspace, 1)
    contacts = scored_contacts(workspace, 5)
    v2 = scoring_model_create_version(workspace=workspace, definition=V2)
    calls = recorder()

    outcome = rescore_run_execute(run_id=run_of(v2).pk, batch_size=2)

    assert outcome == Slice(status="succeeded", rescored=5, resume_in=None)
    ids = [contact.pk for contact in contacts]
    assert calls.batches == [ids[0:2], ids[2:4], ids[4:5]]
    run = run_of(v2)
    assert (run.status, run.total, run.done, run.last_contact_id) == ("succeeded", 5, 5, ids[-1])
    assert run.started_at is not None
    assert run.finished_at is not None
    assert run.started_at <= run.finished_at
    assert (run.lease_expires_at, run.error, run.percent) == (None, "", 100.0)
    assert_scored_with_v2(contacts)
    rival_before = rival.score.score_as_of
    rival.refresh_from_db()
    assert (rival.score.score_model_version, rival.score.score_as_of) == (1, rival_before)


def test_a_run_of_an_empty_workspace_succeeds_at_once(workspace: Workspace) -> None:
    scoring_model_active(workspace=workspace)
    v2 = scoring_model_create_version(workspace=workspace, definition=V2)

    assert rescore_run_execute(run_id=run_of(v2).pk) == Slice("succeeded", 0)
    run = run_of(v2)
    assert (run.total, run.done, run.percent) == (0, 0, 100.0)


def test_an_interrupted_run_resumes_after_its_checkpoint(
    workspace: Workspace, recorder: Callable[..., Recorder]
) -> None:
    contacts = scored_contacts(workspace, 6)
    ids = [contact.pk for contact in contacts]
    v2 = scoring_model_create_version(workspace=workspace, definition=V2)
    run_id = run_of(v2).pk
    # The database connection drops during the third batch: as if the worker died there.
    crashing = recorder(fail_on_call=3, error=OperationalError("server closed the connection"))

    with pytest.raises(OperationalError):
        rescore_run_execute(run_id=run_id, batch_size=2)

    run = run_of(v2)
    assert (run.status, run.done, run.last_contact_id) == ("running", 4, ids[3])
    assert run.percent == pytest.approx(400 / 6)
    assert run.lease_expires_at is not None
    assert run.lease_expires_at > timezone.now()
    versions = Contact.objects.filter(pk__in=ids).order_by("pk")
    assert list(versions.values_list("score__score_model_version", flat=True)) == [2, 2, 2, 2, 1, 1]
    assert crashing.batches == [ids[0:2], ids[2:4], ids[4:6]]

    # Delivered again at once, the run is still held: nothing is done, look again later.
    again = recorder()
    early = rescore_run_execute(run_id=run_id, batch_size=2)
    assert early.status == "running"
    assert early.rescored == 0
    assert early.resume_in is not None
    assert 55 <= early.resume_in <= 60
    assert again.batches == []

    # Once the lease has lapsed, the run resumes after the checkpoint: nothing redone.
    RescoreRun.objects.filter(pk=run_id).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert rescore_run_execute(run_id=run_id, batch_size=2) == Slice("succeeded", 2)
    assert again.batches == [ids[4:6]]
    run = run_of(v2)
    assert (run.status, run.done, run.last_contact_id) == ("succeeded", 6, ids[5])
    assert_scored_with_v2(contacts)


def test_a_finished_run_does_nothing_when_delivered_again(
    workspace: Workspace, recorder: Callable[..., Recorder]
) -> None:
    scored_contacts(workspace, 3)
    v2 = scoring_model_create_version(workspace=workspace, definition=V2)
    rescore_run_execute(run_id=run_of(v2).pk)
    finished = run_of(v2)
    calls = recorder()

    assert rescore_run_execute(run_id=finished.pk) == Slice("succeeded", 0)
    assert rescore_run_execute(run_id=finished.pk + 1000) == Slice(None, 0)  # gone
    assert calls.batches == []
    run = run_of(v2)
    assert (run.done, run.finished_at) == (3, finished.finished_at)


def test_slices_end_after_their_budget_and_the_task_enqueues_the_next(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, enqueued: list[tuple[int, float]]
) -> None:
    contacts = scored_contacts(workspace, 3)
    v2 = scoring_model_create_version(workspace=workspace, definition=V2)
    run_id = run_of(v2).pk
    monkeypatch.setattr(tasks, "SLICE_SECONDS", 0)  # every slice ends after one batch

    tasks.rescore_workspace(run_id)

    run = run_of(v2)
    assert (run.status, run.done, run.lease_expires_at) == ("running", 3, None)  # released
    assert enqueued == [(run_id, 0)]
    assert_scored_with_v2(contacts)
    started = run.started_at

    tasks.rescore_workspace(run_id)  # the next slice claims at once, finds no contact left

    run = run_of(v2)
    assert (run.status, run.done, run.started_at) == ("succeeded", 3, started)
    assert enqueued == [(run_id, 0)]  # nothing more to enqueue


def test_a_newer_version_supersedes_the_run_between_slices(
    workspace: Workspace, recorder: Callable[..., Recorder]
) -> None:
    contacts = scored_contacts(workspace, 4)
    v2 = scoring_model_create_version(workspace=workspace, definition=V2)
    assert rescore_run_execute(run_id=run_of(v2).pk, batch_size=2, budget_seconds=0) == Slice(
        "running", 2, resume_in=0
    )

    v3 = scoring_model_create_version(workspace=workspace, definition=V1, note="back to v1 rules")
    calls = recorder()

    assert rescore_run_execute(run_id=run_of(v2).pk, batch_size=2) == Slice("superseded", 0)
    assert calls.batches == []
    old, new = run_of(v2), run_of(v3)
    assert (old.status, old.done) == ("superseded", 2)
    assert old.finished_at is not None
    assert old.lease_expires_at is None
    assert (new.status, new.total) == ("queued", 4)
    assert rescore_run_execute(run_id=new.pk) == Slice("succeeded", 4)
    versions = Contact.objects.filter(pk__in=[c.pk for c in contacts])
    assert set(versions.values_list("score__score_model_version", flat=True)) == {3}


def test_a_newer_version_activated_before_a_batch_stops_the_run(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, recorder: Callable[..., Recorder]
) -> None:
    contacts = scored_contacts(workspace, 2)
    v2 = scoring_model_create_version(workspace=workspace, definition=V2)
    claim = rescoring._claim

    def claim_then_activate_v1(run_id: int) -> RescoreRun | None:
        claimed = claim(run_id)
        scoring_model_activate(model=ScoringModel.objects.get(workspace=workspace, version=1))
        return claimed

    monkeypatch.setattr(rescoring, "_claim", claim_then_activate_v1)
    calls = recorder()

    assert rescore_run_execute(run_id=run_of(v2).pk) == Slice("superseded", 0)
    assert calls.batches == []
    assert run_of(v2).done == 0
    versions = Contact.objects.filter(pk__in=[c.pk for c in contacts])
    assert set(versions.values_list("score__score_model_version", flat=True)) == {1}


def test_a_run_that_fails_records_why(
    workspace: Workspace, recorder: Callable[..., Recorder]
) -> None:
    scored_contacts(workspace, 3)
    v2 = scoring_model_create_version(workspace=workspace, definition=V2)
    recorder(fail_on_call=2, error=ValueError("no such rule"))

    with pytest.raises(ValueError, match="no such rule"):
        rescore_run_execute(run_id=run_of(v2).pk, batch_size=2)

    run = run_of(v2)
    assert (run.status, run.done, run.error) == ("failed", 2, "ValueError: no such rule")
    assert run.finished_at is not None
    assert run.lease_expires_at is None


def test_the_old_version_still_answers_after_the_run(workspace: Workspace, api: APIClient) -> None:
    (_, vp) = scored_contacts(workspace, 2)  # the VP has one pricing view
    v2 = scoring_model_create_version(workspace=workspace, definition=V2)
    rescore_run_execute(run_id=run_of(v2).pk)
    at = SEEN + timedelta(days=91.3)

    old = api.get(f"/api/v1/contacts/{vp.pk}/score", {"at": at.isoformat(), "version": "1"})
    new = api.get(f"/api/v1/contacts/{vp.pk}/score", {"at": at.isoformat()})

    assert old.status_code == 200, old.content
    assert (old.json()["model_version"], old.json()["fit"], old.json()["intent"]) == (1, 15, 15)
    assert (new.json()["model_version"], new.json()["fit"], new.json()["intent"]) == (2, 25, 30)
    assert (old.json()["is_mql"], new.json()["is_mql"]) == (False, True)


# --- two workers at once ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_version_activated_during_a_batch_rolls_that_batch_back(
    monkeypatch: pytest.MonkeyPatch, enqueued: list[Any]
) -> None:
    from tests.factories import WorkspaceFactory

    workspace = WorkspaceFactory.create(slug="racing")
    contacts = scored_contacts(workspace, 4)
    ids = [contact.pk for contact in contacts]
    v2 = scoring_model_create_version(workspace=workspace, definition=V2)

    def activate_v1_elsewhere() -> None:
        try:
            v1 = ScoringModel.objects.get(workspace=workspace, version=1)
            scoring_model_activate(model=v1)
        finally:
            connection.close()

    def rescore_racing(**kwargs: Any) -> Any:
        if kwargs["contact_ids"] == ids[2:4]:
            # A member activates v1 from another connection while this batch is under way.
            other = threading.Thread(target=activate_v1_elsewhere)
            other.start()
            other.join()
        return contacts_rescore(**kwargs)

    monkeypatch.setattr(rescoring, "contacts_rescore", rescore_racing)

    assert rescore_run_execute(run_id=run_of(v2).pk, batch_size=2) == Slice("superseded", 2)

    run = run_of(v2)
    assert (run.status, run.done, run.last_contact_id) == ("superseded", 2, ids[1])
    versions = Contact.objects.filter(pk__in=ids).order_by("pk")
    # The second batch was rolled back: those contacts keep v1's state until v1's run.
    assert list(versions.values_list("score__score_model_version", flat=True)) == [2, 2, 1, 1]
    v1_run = RescoreRun.objects.get(scoring_model__version=1, scoring_model__workspace=workspace)
    assert (v1_run.status, v1_run.total) == ("queued", 4)
    assert enqueued == [(run.pk, 0), (v1_run.pk, 0)]  # each committed start publishes once


# --- admin and API ---------------------------------------------------------------------------


def change_url(version: ScoringModel) -> str:
    return reverse("admin:scoring_scoringmodel_change", args=[version.pk])


def test_editing_in_the_admin_starts_a_rescore_shown_on_the_version_page(
    workspace: Workspace,
    enqueued: list[tuple[int, float]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    contacts = scored_contacts(workspace, 3)
    v1 = scoring_model_active(workspace=workspace)
    client = member_client(workspace, "owner")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            change_url(v1), {"definition": json.dumps(V2), "note": "v2 rules"}, follow=True
        )

    v2 = ScoringModel.objects.get(workspace=workspace, version=2)
    run = run_of(v2)
    assert enqueued == [(run.pk, 0)]
    assert response.redirect_chain == [(change_url(v2), 302)]
    (message,) = [str(m) for m in response.context["messages"]]
    assert f"Re-scoring its 3 contacts in the background (run {run.pk})" in message
    page = response.content.decode()
    assert f"Run {run.pk}</a>: Queued" in page
    assert "0 / 3 (0 %)" in page
    # The old version still answers, and says it started no run.
    assert (
        "None: this version has not replaced an active one."
        in client.get(change_url(v1)).content.decode()
    )

    rescore_run_execute(run_id=run.pk)

    page = client.get(change_url(v2)).content.decode()
    assert f"Run {run.pk}</a>: Succeeded" in page
    assert '<progress value="100" max="100"' in page
    assert "3 / 3 (100 %)" in page
    assert_scored_with_v2(contacts)


def test_the_runs_admin_lists_progress_and_is_read_only(workspace: Workspace) -> None:
    scored_contacts(workspace, 4)
    v2 = scoring_model_create_version(workspace=workspace, definition=V2)
    rescore_run_execute(run_id=run_of(v2).pk, batch_size=3, budget_seconds=0)
    run = run_of(v2)
    client = member_client(workspace, "owner")

    listing = client.get(reverse("admin:scoring_rescorerun_changelist"))
    detail = client.get(reverse("admin:scoring_rescorerun_change", args=[run.pk]))

    assert listing.status_code == 200
    assert [row.pk for row in listing.context["cl"].result_list] == [run.pk]
    body = listing.content.decode()
    assert '<progress value="75" max="100"' in body
    assert "3 / 4 (75 %)" in body
    assert "v2" in body
    assert "Running" in body
    assert detail.status_code == 200
    assert detail.context["has_change_permission"] is False
    assert client.get(reverse("admin:scoring_rescorerun_add")).status_code == 403
    deleted = client.post(reverse("admin:scoring_rescorerun_delete", args=[run.pk]), {"post": 1})
    assert deleted.status_code == 403
    assert RescoreRun.objects.filter(pk=run.pk).exists()


def test_activating_an_older_version_in_the_admin_starts_a_run(workspace: Workspace) -> None:
    scored_contacts(workspace, 2)
    v1 = ScoringModel.objects.get(workspace=workspace, version=1)
    scoring_model_create_version(workspace=workspace, definition=V2)
    client = member_client(workspace, "marketer")

    response = client.post(
        reverse("admin:scoring_scoringmodel_changelist"),
        {"action": "activate", "_selected_action": [v1.pk]},
        follow=True,
    )

    run = run_of(v1)
    (message,) = [str(m) for m in response.context["messages"]]
    assert message.startswith(f"Version 1 is now {workspace}'s active model. Re-scoring its 2 ")
    assert (run.status, run.total) == ("queued", 2)


def test_the_api_answers_a_new_version_with_its_run(workspace: Workspace) -> None:
    scored_contacts(workspace, 2)
    api = member_api_client(workspace, "owner")

    active = api.post("/api/v1/scoring-models", {"definition": V2}, format="json")
    inactive = api.post(
        "/api/v1/scoring-models", {"definition": V2, "activate": False}, format="json"
    )

    assert active.status_code == 201, active.content
    run = run_of(ScoringModel.objects.get(workspace=workspace, version=2))
    assert active.json()["rescore_run"] == {"id": run.pk, "status": "queued", "total": 2, "done": 0}
    assert inactive.status_code == 201, inactive.content
    assert inactive.json()["rescore_run"] is None
