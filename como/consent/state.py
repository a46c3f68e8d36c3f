"""A contact's consent for one channel at one instant, as the ledger says: pure data.

The compliance checks read these; they never query the ledger themselves, so a check runs in
microseconds and a bulk audience is resolved with one query (:mod:`como.consent.selectors`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from dateutil.relativedelta import relativedelta


class Channel(StrEnum):
    """The channels consent is recorded for (a send channel maps onto one of these)."""

    EMAIL = "email"
    SMS = "sms"
    PHONE = "phone"
    ADS = "ads"  # ad audiences: sale/sharing of the person's data (CCPA)


class Basis(StrEnum):
    EXPRESS_WRITTEN = "express_written"
    EXPRESS = "express"
    IMPLIED_PURCHASE = "implied_purchase"
    IMPLIED_INQUIRY = "implied_inquiry"
    LEGITIMATE_INTEREST = "legitimate_interest"


#: Bases that count as express consent (CASL s.10(1), GDPR art. 6(1)(a)).
EXPRESS_BASES = frozenset({Basis.EXPRESS_WRITTEN, Basis.EXPRESS})
#: CASL implied consent: how long it lasts after the purchase or inquiry (CASL s.10(10)), in
#: calendar terms: an inquiry on 31 August lapses on 28 February (or 29th), never later.
IMPLIED_TERMS: dict[str, relativedelta] = {
    Basis.IMPLIED_PURCHASE: relativedelta(years=2),
    Basis.IMPLIED_INQUIRY: relativedelta(months=6),
}


@dataclass(frozen=True, slots=True)
class ConsentState:
    """The latest ledger entry for a contact and channel, read at an instant.

    ``granted`` is False when there is no entry, the latest entry is a revocation, or the
    grant has expired by then."""

    channel: str
    granted: bool
    basis: str = ""
    jurisdiction: str = ""
    source: str = ""
    wording: str = ""
    recorded_at: datetime | None = None
    expires_at: datetime | None = None
    revoked: bool = False
    expired: bool = False
    record_id: int | None = None

    @property
    def on_record(self) -> bool:
        """Some entry exists for this channel (granted, revoked or expired)."""
        return self.record_id is not None


def no_consent(channel: str) -> ConsentState:
    return ConsentState(channel=channel, granted=False)
