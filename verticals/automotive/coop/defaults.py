"""Illustrative co-op programs for a few OEMs, from what is public about them (Ford's MSRP
share and split, Stellantis' per-unit amounts and windows, GM's 90 days, Toyota's 1:1
match). They are starting points, not the OEMs' terms: every seeded program is saved with
``confirmed=False`` and a note telling the dealer to check it against the program guide its
OEM gives it (rates, windows and brand rules change every model year).

Where nothing public states a value (GM's and Toyota's accrual), the program does not accrue
here (``none``): the dealer reads its balance from the OEM's portal rather than from a guess.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

ILLUSTRATIVE = (
    "Illustrative default seeded by como: confirm every value against your OEM's current "
    "co-op program guide, then tick 'confirmed'."
)
DIGITAL = ["paid_social", "paid_search", "email", "direct_mail"]

DEFAULT_PROGRAMS: dict[str, dict[str, Any]] = {
    "ford-coop": {
        "name": "Ford co-op (FDAF)",
        "oem": "Ford",
        "brands": ["Ford", "Lincoln"],
        "eligible_channels": DIGITAL,
        "eligible_media": ["digital", "traditional"],
        "required_disclaimers": {"*": ["See dealer for complete details."]},
        # Ford's strikes: rebate stacking, price against MSRP, dealer fees on website pricing.
        "prohibited_phrases": ["below invoice", "stackable rebates", "plus dealer fees"],
        "forbidden_claims": ["lowest price guaranteed"],
        "required_claims": [],
        "required_asset_ids": ["ford-oval-blue"],
        "preapproval_required": False,
        "reimbursement_rate": Decimal("0.5"),
        "accrual_basis": "msrp_share",
        "accrual_rate": Decimal("0.0005"),
        "accrual_split": {"traditional": "0.25", "digital": "0.75"},
        "claim_window_days": 90,
        "notes": "Accrues about MSRP x 0.0005, split 25/75 traditional/digital; needs a "
        "FordDirect site.",
    },
    "stellantis-coop": {
        "name": "Stellantis co-op",
        "oem": "Stellantis",
        "brands": ["Chrysler", "Dodge", "Jeep", "Ram", "Fiat", "Alfa Romeo"],
        "eligible_channels": DIGITAL,
        "eligible_media": ["digital"],
        "required_disclaimers": {"*": ["See dealer for details."]},
        "prohibited_phrases": ["employee pricing for everyone"],
        "forbidden_claims": ["number one dealer"],
        "required_claims": [],
        "required_asset_ids": [],
        "preapproval_required": True,
        "reimbursement_rate": Decimal("0.5"),
        "accrual_basis": "per_unit",
        # $160 base + $120 bonus per new unit sold (the bonus assumed earned).
        "accrual_amount": Decimal("280.00"),
        "claim_window_days": 60,
        "notes": "$160 base + $120 bonus per new unit sold; 60 days to claim, 30 more to "
        "complete the claim.",
    },
    "gm-coop": {
        "name": "GM co-op",
        "oem": "General Motors",
        "brands": ["Chevrolet", "Buick", "GMC", "Cadillac"],
        "eligible_channels": DIGITAL,
        "eligible_media": ["digital"],
        "required_disclaimers": {},
        "prohibited_phrases": [],
        "forbidden_claims": [],
        "required_claims": [],
        "required_asset_ids": [],
        "preapproval_required": False,
        "reimbursement_rate": Decimal("0.5"),
        "accrual_basis": "none",
        "claim_window_days": 90,
        "notes": "Claims within 90 days of the ad running.",
    },
    "toyota-cmtp": {
        "name": "Toyota CMTP",
        "oem": "Toyota",
        "brands": ["Toyota"],
        "eligible_channels": DIGITAL,
        "eligible_media": ["digital"],
        "required_disclaimers": {},
        "prohibited_phrases": [],
        "forbidden_claims": [],
        "required_claims": [],
        "required_asset_ids": [],
        "preapproval_required": False,
        # Matched 1:1: the OEM pays a dollar for each dollar the dealer pays, half of the spend.
        "reimbursement_rate": Decimal("0.5"),
        "accrual_basis": "none",
        "claim_window_days": 90,
        "notes": "Billed quarterly and matched 1:1.",
    },
}
