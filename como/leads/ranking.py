"""How leads asks a higher floor for contacts' current scores, without importing it.

Scores are computed by scoring, which sits above leads. Scoring registers a
:class:`ContactScorer` from its ``AppConfig.ready()``; the contacts API uses it for the
``score`` of each contact and for ``?ordering=-score``. Without one, contacts have no score and
that ordering is refused.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from django.db.models import QuerySet

from como.registry import Registry

if TYPE_CHECKING:
    from .models import Account, Contact


class ContactScorer(Protocol):
    def rank(
        self,
        contacts: QuerySet[Contact],
        *,
        workspace_ids: Collection[int],
        at: datetime,
        offset: int,
        limit: int,
    ) -> list[tuple[int, float]]:
        """``(id, score at at)`` of ``contacts`` ranked by score at ``at``, highest first
        (ties: newest id first), rows ``offset`` to ``offset + limit``."""
        ...

    def scores(self, contacts: Sequence[Contact], at: datetime) -> dict[int, float]:
        """Each contact's score at ``at`` (contacts never scored are absent)."""
        ...


#: Scores are shown rounded to this many decimals (half to even); stored values are exact.
SCORE_DECIMALS = 2

#: At most one scorer, under the one key ``score`` (the contacts API's field and ordering).
SCORERS: Registry[ContactScorer] = Registry("contact scorer")


def register_contact_scorer(scorer: ContactScorer) -> None:
    SCORERS.register("score", scorer)


def contact_scorer() -> ContactScorer | None:
    return SCORERS.find("score")


class AccountScorer(Protocol):
    """What the accounts API asks a vertical that scores accounts (the B2B one), as above."""

    def rank(
        self,
        accounts: QuerySet[Account],
        *,
        workspace_ids: Collection[int],
        at: datetime,
        offset: int,
        limit: int,
    ) -> list[tuple[int, float]]: ...

    def scores(self, accounts: Sequence[Account], at: datetime) -> dict[int, float]: ...


#: At most one account scorer, under the key ``score`` (the accounts API's field and ordering).
ACCOUNT_SCORERS: Registry[AccountScorer] = Registry("account scorer")


def register_account_scorer(scorer: AccountScorer) -> None:
    ACCOUNT_SCORERS.register("score", scorer)


def account_scorer() -> AccountScorer | None:
    return ACCOUNT_SCORERS.find("score")
