"""Linking a workspace's existing contacts to accounts in the background, with progress.

:func:`link_run_start` records an :class:`~.models.AccountLinkRun` (or returns the unfinished
one) and enqueues ``verticals.b2b.link_accounts`` once it commits. The task calls
:func:`link_run_execute`, which walks the contacts in id order, a batch per transaction: link
(:func:`.linking.contacts_link_accounts`), tell leads the linked contacts changed (so they are
re-scored: fit may read the account), sync every batch contact's committee member, and advance
``done`` and the checkpoint with a conditional UPDATE. As the scoring re-score runs do
(``como.scoring.rescoring``): a worker claims the run with a short lease each batch renews, a
killed worker loses only its batch in flight, a redelivered message resumes after the
checkpoint once the lease lapses (the claim is :mod:`como.leases`, shared with them), and a
slice stops between batches after its time budget so the task can enqueue the next.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from como.leads.models import Contact
from como.leads.reactions import contacts_changed
from como.leases import lease_claim, lease_drive, lease_finish, lease_lapses_in
from como.workspaces.models import Workspace

from .committee import members_sync
from .linking import contacts_link_accounts
from .models import AccountLinkRun
from .settings import accounts_settings

BATCH_SIZE = 1_000
LEASE = timedelta(seconds=60)
Status = AccountLinkRun.Status


@dataclass(frozen=True)
class Slice:
    status: str | None
    looked_at: int
    #: carry on with a new task after this many seconds; None when nothing is left
    resume_in: float | None = None


def link_run_start(*, workspace: Workspace) -> AccountLinkRun:
    """The workspace's unfinished link run, or a new one enqueued when this commits."""
    with transaction.atomic():
        current = AccountLinkRun.objects.filter(
            workspace=workspace, status__in=AccountLinkRun.UNFINISHED
        ).first()
        if current is not None:
            return current
        try:
            with transaction.atomic():
                run = AccountLinkRun.objects.create(
                    workspace=workspace,
                    total=Contact.objects.filter(workspace=workspace).count(),
                )
        except IntegrityError:  # a concurrent start won: its run is the one
            return AccountLinkRun.objects.get(
                workspace=workspace, status__in=AccountLinkRun.UNFINISHED
            )
        transaction.on_commit(lambda: _enqueue(run.pk), robust=True)
        return run


def _enqueue(run_id: int) -> None:
    from .tasks import link_accounts  # the task module imports this one

    link_accounts.delay(run_id)


def link_run_execute(
    *, run_id: int, batch_size: int = BATCH_SIZE, budget_seconds: float | None = None
) -> Slice:
    """Claim the run and carry it on from its checkpoint until no contact is left (succeeded)
    or ``budget_seconds`` have passed (``resume_in`` 0). Idempotent: a finished run is left as
    it is; a held one is left to its holder until the lease lapses."""
    now = timezone.now()
    claimed = lease_claim(
        AccountLinkRun.objects.all(),
        pk=run_id,
        unfinished=AccountLinkRun.UNFINISHED,
        lease=LEASE,
        now=now,
    )
    run = AccountLinkRun.objects.select_related("workspace").filter(pk=run_id).first()
    if run is None or not claimed:
        if run is None or run.status not in AccountLinkRun.UNFINISHED:
            return Slice(None if run is None else run.status, 0)
        return Slice(run.status, 0, resume_in=lease_lapses_in(run.lease_expires_at, now))
    looked_at, paused = lease_drive(
        lambda: _batch(run, batch_size),
        budget_seconds=budget_seconds,
        pause=lambda: _release(run),
        fail=lambda error: _finish(run, Status.FAILED, error=f"{type(error).__name__}: {error}"),
    )
    if paused:
        return Slice(Status.RUNNING, looked_at, resume_in=0)
    return Slice(Status.SUCCEEDED, looked_at)


def _batch(run: AccountLinkRun, batch_size: int) -> int | None:
    with transaction.atomic():
        ids = list(
            Contact.objects.filter(workspace_id=run.workspace_id, pk__gt=run.last_contact_id)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            _finish(run, Status.SUCCEEDED)
            return None
        workspace = run.workspace
        settings = accounts_settings(workspace)
        linked = contacts_link_accounts(
            workspace_id=workspace.pk, contact_ids=ids, create=settings.create_from_email
        )
        contacts_changed(workspace, list(linked.contacts))
        members_sync(workspace=workspace, contact_ids=ids, settings=settings)
        advanced = AccountLinkRun.objects.filter(
            pk=run.pk, status=Status.RUNNING, last_contact_id=run.last_contact_id
        ).update(
            done=F("done") + len(ids),
            linked=F("linked") + len(linked.contacts),
            accounts_created=F("accounts_created") + len(linked.accounts_created),
            last_contact_id=ids[-1],
            lease_expires_at=timezone.now() + LEASE,
        )
        if not advanced:  # another worker took the run over: undo this batch
            transaction.set_rollback(True)
            return None
    run.last_contact_id = ids[-1]
    return len(ids)


def _release(run: AccountLinkRun) -> None:
    AccountLinkRun.objects.filter(pk=run.pk, status=Status.RUNNING).update(lease_expires_at=None)


def _finish(run: AccountLinkRun, status: str, *, error: str = "") -> None:
    runs = AccountLinkRun.objects.all()
    lease_finish(runs, pk=run.pk, status=status, now=timezone.now(), error=error)
