"""Accounts ranked by their current score, exactly: the contacts' ranking machinery
(:func:`como.scoring.ranking.contacts_ranked`) on the accounts' own score columns and their
``account_score_rank`` index, registered for ``GET /api/v1/accounts?ordering=-score``."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from django.db.models import QuerySet

from como.leads.models import Account
from como.scoring.decay import decayed
from como.scoring.ranking import contacts_ranked
from como.workspaces.models import Workspace

from ..intent.selectors import intent_rate


def accounts_current_scores(accounts: Sequence[Account], at: datetime) -> dict[int, float]:
    """Each scored account's score at ``at`` from its stored state (no history read). A state
    stored ahead of ``at`` shows undecayed, as a contact's does."""
    scored = [a for a in accounts if a.score_as_of is not None]
    rates = {
        pk: intent_rate(workspace)
        for pk, workspace in {a.workspace_id: a.workspace for a in scored}.items()
    }
    out: dict[int, float] = {}
    for account in scored:
        as_of = account.score_as_of
        assert as_of is not None
        rate = rates[account.workspace_id]
        out[account.pk] = account.score_fit + decayed(
            account.score_intent, rate, as_of, max(at, as_of)
        )
    return out


class AccountScores:
    """The B2B vertical's answer to leads' :class:`~como.leads.ranking.AccountScorer`."""

    def rank(
        self,
        accounts: QuerySet[Account],
        *,
        workspace_ids: Collection[int],
        at: datetime,
        offset: int,
        limit: int,
    ) -> list[tuple[int, float]]:
        workspaces = Workspace.objects.filter(pk__in=sorted(workspace_ids)).order_by("pk")
        return contacts_ranked(
            accounts, workspaces=list(workspaces), at=at, offset=offset, limit=limit
        )

    def scores(self, accounts: Sequence[Account], at: datetime) -> dict[int, float]:
        return accounts_current_scores(accounts, at)


ACCOUNT_SCORES = AccountScores()
