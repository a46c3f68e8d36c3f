"""The B2B vertical: software and services sold to buying committees."""

from como.verticals import VerticalProfile

from .scoring import DEFAULT_SCORING_MODEL

PROFILE = VerticalProfile(
    slug="b2b",
    name="B2B software and services",
    description=(
        "Companies selling to buying committees of about seven people: account-level scoring "
        "across the committee, third-party intent by account domain, MQL and MQA hand-off to "
        "the account owner, GDPR/CASL-aware email and LinkedIn programs."
    ),
    default_scoring_model=DEFAULT_SCORING_MODEL,
    channels=("email", "linkedin", "paid_search", "paid_social"),
    # Keys are playbook settings (como.agents.playbook_settings); the contract test checks them.
    playbook_defaults={
        "jurisdictions": ["US", "CA", "EU"],
        "handoff_sla_minutes": 5,
        "handoff_routing": "account_owner",
        "auto_approve_kinds": ["mql_handoff"],
        "two_approver_spend_above": 1000,
        "agents": {
            "mql_handoff": {"enabled": True},
            "scoring_refit": {"enabled": True, "crontab": "0 6 * * 1"},
        },
    },
    event_types={
        "page_view": "A page on the company site (pricing, blog, careers …).",
        "form_submitted": "A form was submitted (contact sales, gated asset, newsletter).",
        "asset_downloaded": "A gated asset was downloaded (comparison guide, whitepaper …).",
        "webinar_attended": "The contact attended a webinar; properties say if it was a live demo.",
        "case_study_viewed": "A customer case study was read.",
        "trial_started": "A product trial was started.",
        "email_opened": "A marketing email was opened.",
        "email_clicked": "A link in a marketing email was clicked.",
        "email_bounced": "A hard bounce for the contact's address.",
    },
)
