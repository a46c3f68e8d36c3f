"""The automotive retail vertical: dealers, dealer groups and OEM regions."""

from como.verticals import VerticalProfile

from .scoring import DEFAULT_SCORING_MODEL

PROFILE = VerticalProfile(
    slug="automotive",
    name="Automotive retail",
    description=(
        "Dealers and dealer groups: inventory-driven ads that pause when a vehicle sells, "
        "OEM co-op creative, pricing and lending disclosure checks, TCPA-safe SMS and a fast "
        "hand-off of in-market shoppers to the sales desk and service drive."
    ),
    default_scoring_model=DEFAULT_SCORING_MODEL,
    channels=("email", "sms", "paid_search", "paid_social", "direct_mail", "catalog_feed"),
    # Keys are playbook settings (como.agents.playbook_settings); the contract test checks them.
    playbook_defaults={
        "jurisdictions": ["US"],
        "market_radius_miles": 50,
        "handoff_sla_minutes": 5,
        "handoff_routing": "round_robin_by_territory",
        "quiet_hours": {"start": "08:00", "end": "21:00"},
        # A sold vehicle's ads pause without waiting for a person.
        "auto_approve_kinds": ["vehicle_ads_pause", "mql_handoff"],
        "two_approver_spend_above": 500,
        "agents": {"mql_handoff": {"enabled": True}},
        # A full feed dropping more than 30 % of a rooftop's cars is more likely truncated.
        "inventory_removal_hold_share": "0.30",
    },
    event_types={
        "page_view": "A page on the dealer site (VDP, SRP, specials, careers …).",
        "vdp_view": "A vehicle detail page; properties carry vin, stock_number, condition.",
        "payment_calculator": "The shopper used the payment calculator on a vehicle.",
        "trade_in_appraisal": "A trade-in value request (year, make, model, mileage).",
        "credit_application": "A finance pre-qualification or full credit application.",
        "test_drive_booked": "A test drive appointment on a vehicle.",
        "service_visit": "A repair order closed in the service drive (from the DMS import).",
        "vehicle_purchased": "A deal delivered, from the DMS import: VIN, price and terms.",
        "email_opened": "A marketing email was opened.",
        "email_clicked": "A link in a marketing email was clicked.",
        "email_bounced": "A hard bounce for the contact's address.",
    },
    # Attribution's touches (como.campaigns.selectors.touches): the dealer site's pages and forms.
    touch_types={
        "vdp_view": "landing",
        "trade_in_appraisal": "form",
        "credit_application": "form",
        "test_drive_booked": "form",
    },
)
