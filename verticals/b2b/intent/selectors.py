"""Reading accounts' intent: every account of a set at one instant, in a constant number of
queries (the playbook, the active scoring model, the signals, the accounts of unlinked
domains), whatever the number of accounts or signals.

An account's signals are those linked to it, and those not yet linked whose domain is its
domain (see :mod:`.services`); the engine (:mod:`.engine`) does the arithmetic.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import datetime

from django.db.models import Q

from como.agents.services import playbook_for
from como.leads.models import Account
from como.scoring.inputs import compiled
from como.scoring.services import scoring_model_active
from como.workspaces.models import Workspace

from .engine import AccountIntent, SignalReading, account_intent_at
from .models import IntentSignal
from .playbook import IntentSettings, intent_settings


def workspace_intent_settings(workspace: Workspace) -> IntentSettings:
    return intent_settings(playbook_for(workspace).intent)


def intent_rate(workspace: Workspace) -> float:
    """The decay rate contact intent uses in ``workspace`` (its active scoring model's)."""
    return compiled(scoring_model_active(workspace=workspace)).rate_per_quarter


def accounts_intent_at(
    *, workspace: Workspace, at: datetime, account_ids: Collection[int] | None = None
) -> dict[int, AccountIntent]:
    """Each account's intent at ``at``, explained: every account of ``account_ids`` (an empty
    one for an account with no signals), or, when None, every account of the workspace with a
    signal by then. Signals occurring after ``at`` are left out."""
    settings = workspace_intent_settings(workspace)
    rate = intent_rate(workspace)
    signals = IntentSignal.objects.filter(workspace=workspace, occurred_at__lte=at)
    if account_ids is not None:
        ids = sorted(set(account_ids))
        domains = Account.objects.filter(workspace=workspace, pk__in=ids).exclude(domain="")
        signals = signals.filter(
            Q(account_id__in=ids) | Q(account__isnull=True, domain__in=domains.values("domain"))
        )
    else:
        ids = []
        every = Account.objects.filter(workspace=workspace).exclude(domain="")
        signals = signals.filter(
            Q(account__isnull=False) | Q(account__isnull=True, domain__in=every.values("domain"))
        )
    rows = list(
        signals.values_list(
            "id",
            "account_id",
            "domain",
            "provider",
            "topic",
            "score",
            "buying_stage",
            "week",
            "occurred_at",
        )
    )
    unlinked = {domain for _, account, domain, *_ in rows if account is None}
    by_domain = dict(
        Account.objects.filter(workspace=workspace, domain__in=unlinked).values_list("domain", "pk")
        if unlinked
        else ()
    )
    grouped: dict[int, list[SignalReading]] = defaultdict(list)
    for pk, account, domain, provider, topic, score, stage, week, occurred in rows:
        owner = account if account is not None else by_domain[domain]
        grouped[owner].append(SignalReading(pk, provider, topic, score, stage, week, occurred))
    return {
        account: account_intent_at(grouped.get(account, ()), at, settings, rate)
        for account in (ids if account_ids is not None else sorted(grouped))
    }
