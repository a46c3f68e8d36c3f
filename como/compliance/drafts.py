"""What the checks look at: a draft message or ad, its recipient(s) and its sender, as data.

The engine never touches the database; :mod:`como.compliance.selectors` resolves contacts and
their consent into :class:`Recipient` values once, and every check reads those.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from como.consent.state import ConsentState, no_consent
from como.workspaces.models import Workspace

#: EEA members and the UK (UK GDPR): recipients there fall under the "EU" rules.
GDPR_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
        "IS",
        "LI",
        "NO",
        "GB",
    ]
)


def jurisdictions_of(country: str, region: str = "") -> frozenset[str]:
    """``{"US", "US-FL"}``, ``{"CA", "CA-ON"}``, ``{"DE", "EU"}``…: ISO 3166 codes, plus
    ``EU`` for every country GDPR covers. Canada is ``CA``; California is ``US-CA``."""
    country = country.upper()
    if not country:
        return frozenset()
    codes = {country}
    if region:
        codes.add(f"{country}-{region.upper()}")
    if country in GDPR_COUNTRIES:
        codes.add("EU")
    return frozenset(codes)


@dataclass(frozen=True, slots=True)
class Recipient:
    contact_id: int | None = None
    email: str = ""
    #: E.164.
    phone: str = ""
    #: ISO 3166-1 alpha-2 and the subdivision code without the country ("FL", "ON").
    country: str = ""
    region: str = ""
    #: Consent by channel (email, sms, phone, ads) at the draft's instant.
    consents: Mapping[str, ConsentState] = field(default_factory=dict)
    #: Channels the suppression list bars this person from ("*": all of them).
    suppressed: frozenset[str] = frozenset()
    #: Marketing messages already sent to them on the draft's channel (TCPA: the first one
    #: must name the sender and say how to opt out).
    messages_sent: int = 0

    def consent(self, channel: str) -> ConsentState:
        return self.consents.get(channel) or no_consent(channel)

    def is_suppressed(self, channel: str) -> bool:
        return "*" in self.suppressed or channel in self.suppressed

    @property
    def jurisdictions(self) -> frozenset[str]:
        return jurisdictions_of(self.country, self.region)


@dataclass(frozen=True, slots=True)
class Sender:
    name: str
    postal_address: str = ""
    country: str = "US"

    @classmethod
    def of(cls, workspace: Workspace) -> Sender:
        """The workspace as the sender its messages and ads name."""
        return cls(workspace.name, workspace.postal_address, workspace.country)


@dataclass(frozen=True, slots=True)
class Draft:
    """A message or ad as it would go out.

    ``fields`` holds the creative as rendered text: ``subject`` and ``body`` for email,
    ``body`` for SMS, ``headlines``/``descriptions`` joined per line for ads…; checks look up
    the fields they understand and ignore the rest."""

    channel: str
    sender: Sender
    at: datetime
    kind: str = ""
    fields: Mapping[str, str] = field(default_factory=dict)
    recipient: Recipient | None = None
    audience: Sequence[Recipient] = ()
    #: Extra jurisdictions to check against (an ad's target market, a draft linted by hand).
    jurisdictions: frozenset[str] = frozenset()
    #: The workspace's vertical: vertical checks run only for their own vertical.
    vertical: str = ""
    #: For vehicle ads: the vehicle as data (the automotive vertical's checks read it).
    vehicle: Mapping[str, Any] | None = None
    #: OEM co-op rules as data: one program's, or ``{"programs": [...]}`` to match by the
    #: vehicle's make (the automotive vertical's co-op check reads it).
    coop: Mapping[str, Any] | None = None

    @property
    def all_jurisdictions(self) -> frozenset[str]:
        codes = set(self.jurisdictions)
        if self.recipient is not None:
            codes |= self.recipient.jurisdictions
        for member in self.audience:
            codes |= member.jurisdictions
        return frozenset(codes)
