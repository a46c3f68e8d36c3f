"""The automotive default scoring model: a shopper's funnel, weighted by how close each step is
to a sale, with negatives for people who are not retail buyers in the dealer's market.

Weights follow the funnel: a VDP view is browsing, a payment calculation is budgeting, a
trade-in appraisal and a credit application are buying, and a booked test drive is the
strongest signal short of a visit. Caps keep a shopper who refreshes a VDP twenty times from
looking like one who books a drive. ``market`` is left empty: the playbook fills in the
dealer's ZIP and ``market_radius_miles`` and the ``out_of_market``/``in_market`` rules wake up.
"""

from __future__ import annotations

from typing import Any

#: Wholesale buyers, auctions and instant-offer buyers: they shop inventory to buy, not to own.
WHOLESALER_DOMAINS = (
    "manheim.com",
    "adesa.com",
    "acvauctions.com",
    "americasautoauction.com",
    "copart.com",
    "iaai.com",
    "carmax.com",
    "carvana.com",
    "vroom.com",
    "carbravo.com",
)

#: What a VDP event's ``fuel_type`` says of an electric vehicle (equals is case-insensitive).
EV_FUEL_TYPES = ("electric", "ev", "bev", "battery electric")
#: The tag every link of the EV education emails carries (programs/ev.py).
EV_EDUCATION_UTM = "utm_campaign=ev-education"

DEFAULT_SCORING_MODEL: dict[str, Any] = {
    "threshold": 60,
    "min_fit": None,
    "decay": {"rate_per_quarter": 0.25},
    "market": None,
    "fit": [
        {
            "key": "reachable_by_phone",
            "label": "Has a phone number (the sales desk calls within 5 minutes)",
            "when": {"attr": "contact.phone", "missing": False},
            "points": 5,
        },
        {
            "key": "in_market",
            "label": "Lives within the dealer's market radius",
            "when": {"attr": "contact.postal_code", "in_market": True},
            "points": 10,
        },
        {
            "key": "out_of_market",
            "label": "Lives outside the dealer's market radius",
            "when": {"attr": "contact.postal_code", "in_market": False},
            "points": -25,
        },
        {
            "key": "wholesaler",
            "label": "Wholesaler, auction or instant-offer buyer",
            "when": {
                "any": [
                    {"attr": "contact.email_domain", "in": list(WHOLESALER_DOMAINS)},
                    {"attr": "contact.title", "regex": r"\bwholesale"},
                    {"attr": "contact.attributes.customer_type", "equals": "wholesale"},
                ]
            },
            "points": -40,
        },
    ],
    "intent": [
        {
            "key": "vdp_view",
            "label": "Viewed a vehicle detail page",
            "event_type": "vdp_view",
            "points": 5,
            "cap": {"count": 5, "per_days": 7},
        },
        {
            # On top of vdp_view: an EV shopper's consideration set is new to them (EV
            # education, verticals/automotive/programs/ev.py), and the intent is stronger.
            "key": "ev_vdp_view",
            "label": "Viewed an electric vehicle's detail page",
            "event_type": "vdp_view",
            "when": {"property": "fuel_type", "in": list(EV_FUEL_TYPES)},
            "points": 5,
            "cap": {"count": 3, "per_days": 7},
        },
        {
            "key": "shopping_pages",
            "label": "Browsed inventory, specials or finance pages",
            "event_type": "page_view",
            "when": {
                "any": [
                    {"property": "path", "starts_with": prefix}
                    for prefix in (
                        "/new-vehicles",
                        "/used-vehicles",
                        "/specials",
                        "/finance",
                        "/value-your-trade",
                    )
                ]
            },
            "points": 2,
            "cap": {"count": 5, "per_days": 7},
        },
        {
            "key": "payment_calculator",
            "label": "Used the payment calculator",
            "event_type": "payment_calculator",
            "points": 15,
            "cap": {"count": 2, "per_days": 30},
        },
        {
            "key": "trade_in_appraisal",
            "label": "Asked for a trade-in appraisal",
            "event_type": "trade_in_appraisal",
            "points": 20,
            "cap": {"count": 1, "per_days": 30},
        },
        {
            "key": "credit_application",
            "label": "Applied for credit or pre-qualification",
            "event_type": "credit_application",
            "points": 35,
            "cap": {"count": 1, "per_days": 30},
        },
        {
            "key": "test_drive_booked",
            "label": "Booked a test drive",
            "event_type": "test_drive_booked",
            "points": 40,
            "cap": {"count": 1, "per_days": 30},
        },
        {
            "key": "service_visit",
            "label": "Had the vehicle serviced (equity and loyalty signal)",
            "event_type": "service_visit",
            "points": 10,
            "cap": {"count": 1, "per_days": 30},
        },
        {
            "key": "email_click",
            "label": "Clicked a marketing email",
            "event_type": "email_clicked",
            "points": 3,
            "cap": {"count": 3, "per_days": 30},
        },
        {
            "key": "ev_education_click",
            "label": "Clicked a link in an EV education email",
            "event_type": "email_clicked",
            "when": {"property": "url", "contains": EV_EDUCATION_UTM},
            "points": 5,
            "cap": {"count": 2, "per_days": 30},
        },
        {
            "key": "careers_page",
            "label": "Looked at job openings (a job seeker, not a buyer)",
            "event_type": "page_view",
            "when": {"property": "path", "starts_with": "/careers"},
            "points": -15,
            "cap": {"count": 3, "per_days": 30},
        },
        {
            "key": "email_bounced",
            "label": "Email address hard-bounced",
            "event_type": "email_bounced",
            "points": -20,
            "cap": {"count": 1, "per_days": 365},
        },
    ],
}
