"""The B2B default scoring model: fit by seniority, company size, industry and geography;
intent weighted towards evaluation (pricing, comparison, live demo, sales form) over research
(blog, reports); negatives for people who will never buy.

``min_fit`` keeps a student or a competitor who reads everything from becoming an MQL. The
competitor list is the playbook's to fill; the two demo competitors are the starting point.
"""

from __future__ import annotations

from typing import Any

#: Competitors' email domains; the playbook replaces these with the workspace's own.
COMPETITOR_DOMAINS = ("snowdriftdata.example", "quarryanalytics.example")
TARGET_INDUSTRIES = (
    "Software",
    "Financial Services",
    "Healthcare",
    "Insurance",
    "Logistics",
    "Manufacturing",
)
#: Where the company sells: US, Canada and the larger EU/EEA markets (+ UK).
TARGET_COUNTRIES = ("US", "CA", "GB", "IE", "DE", "FR", "NL", "SE", "DK", "ES", "IT")


def _path(prefix: str) -> dict[str, Any]:
    return {"property": "path", "starts_with": prefix}


DEFAULT_SCORING_MODEL: dict[str, Any] = {
    "threshold": 70,
    "min_fit": 10,
    "decay": {"rate_per_quarter": 0.25},
    "fit": [
        # Seniority: one rung per title (the patterns do not overlap on common titles).
        {
            "key": "title_c_level",
            "label": "C-level, president or founder",
            "when": {
                "attr": "contact.title",
                "regex": r"\b(chief|c[eitfo]o|cdo|president|founder)\b",
            },
            "points": 20,
        },
        {
            "key": "title_vp",
            "label": "VP or head of a function",
            "when": {"attr": "contact.title", "regex": r"\b(vp|vice president|head of)\b"},
            "points": 15,
        },
        {
            "key": "title_director",
            "label": "Director",
            "when": {"attr": "contact.title", "regex": r"\bdirector\b"},
            "points": 10,
        },
        {
            "key": "title_manager",
            "label": "Manager or lead",
            "when": {"attr": "contact.title", "regex": r"\b(manager|lead)\b"},
            "points": 5,
        },
        {
            "key": "company_mid_market",
            "label": "Company of 201-1,000 employees",
            "when": {"attr": "contact.company_size", "range": {"min": 201, "max": 1000}},
            "points": 10,
        },
        {
            "key": "company_enterprise",
            "label": "Company of more than 1,000 employees",
            "when": {"attr": "contact.company_size", "range": {"min": 1001}},
            "points": 15,
        },
        {
            "key": "company_tiny",
            "label": "Company of fewer than 20 employees",
            "when": {"attr": "contact.company_size", "range": {"max": 19}},
            "points": -5,
        },
        {
            "key": "target_industry",
            "label": "In a target industry",
            "when": {
                "any": [
                    {"attr": "contact.industry", "in": list(TARGET_INDUSTRIES)},
                    {"attr": "account.industry", "in": list(TARGET_INDUSTRIES)},
                ]
            },
            "points": 10,
        },
        {
            "key": "target_geography",
            "label": "In a market we sell to",
            "when": {"attr": "contact.country", "in": list(TARGET_COUNTRIES)},
            "points": 5,
        },
        {
            "key": "competitor",
            "label": "Works for a competitor",
            "when": {"attr": "contact.email_domain", "in": list(COMPETITOR_DOMAINS)},
            "points": -50,
        },
        {
            "key": "free_email",
            "label": "Uses a free email provider",
            "when": {"attr": "contact.email_domain", "free_email_domain": True},
            "points": -10,
        },
        {
            "key": "student",
            "label": "Student or academic address",
            "when": {
                "any": [
                    {"attr": "contact.title", "regex": r"\b(student|intern)\b"},
                    {"attr": "contact.email_domain", "regex": r"\.edu$|\.ac\.[a-z]{2}$"},
                ]
            },
            "points": -30,
        },
        {
            "key": "job_seeker",
            "label": "Says they are looking for a job",
            "when": {
                "attr": "contact.title",
                "regex": r"\b(job seeker|seeking|open to work|looking for)\b",
            },
            "points": -20,
        },
    ],
    "intent": [
        {
            "key": "pricing_page",
            "label": "Viewed the pricing page",
            "event_type": "page_view",
            "when": _path("/pricing"),
            "points": 20,
            "cap": {"count": 3, "per_days": 30},
        },
        {
            "key": "comparison_page",
            "label": "Viewed a comparison page",
            "event_type": "page_view",
            "when": _path("/compare"),
            "points": 10,
            "cap": {"count": 2, "per_days": 30},
        },
        {
            "key": "comparison_guide",
            "label": "Downloaded the comparison guide",
            "event_type": "asset_downloaded",
            "when": {"property": "asset_type", "equals": "comparison_guide"},
            "points": 25,
            "cap": {"count": 1, "per_days": 30},
        },
        {
            "key": "research_asset",
            "label": "Downloaded a report, whitepaper or buyer's guide",
            "event_type": "asset_downloaded",
            "when": {
                "property": "asset_type",
                "in": ["buyers_guide", "whitepaper", "report"],
            },
            "points": 8,
            "cap": {"count": 2, "per_days": 30},
        },
        {
            "key": "live_demo_webinar",
            "label": "Attended a live demo webinar",
            "event_type": "webinar_attended",
            "when": {"property": "live_demo", "equals": True},
            "points": 30,
            "cap": {"count": 1, "per_days": 30},
        },
        {
            "key": "webinar",
            "label": "Attended a (non-demo) webinar",
            "event_type": "webinar_attended",
            "when": {"not": {"property": "live_demo", "equals": True}},
            "points": 10,
            "cap": {"count": 2, "per_days": 30},
        },
        {
            "key": "case_study",
            "label": "Read a customer case study",
            "event_type": "case_study_viewed",
            "points": 10,
            "cap": {"count": 3, "per_days": 30},
        },
        {
            "key": "sales_form",
            "label": "Asked for sales or a demo",
            "event_type": "form_submitted",
            "when": {"property": "form", "in": ["contact_sales", "demo_request"]},
            "points": 40,
            "cap": {"count": 1, "per_days": 30},
        },
        {
            "key": "trial_started",
            "label": "Started a product trial",
            "event_type": "trial_started",
            "points": 30,
            "cap": {"count": 1, "per_days": 90},
        },
        {
            "key": "blog_read",
            "label": "Read a blog post (at most 3 count per 30 days)",
            "event_type": "page_view",
            "when": _path("/blog"),
            "points": 2,
            "cap": {"count": 3, "per_days": 30},
        },
        {
            "key": "email_click",
            "label": "Clicked a marketing email",
            "event_type": "email_clicked",
            "points": 3,
            "cap": {"count": 3, "per_days": 30},
        },
        {
            "key": "careers_page",
            "label": "Looked at job openings",
            "event_type": "page_view",
            "when": _path("/careers"),
            "points": -10,
            "cap": {"count": 3, "per_days": 30},
        },
        {
            "key": "email_bounced",
            "label": "Email address hard-bounced",
            "event_type": "email_bounced",
            "points": -15,
            "cap": {"count": 1, "per_days": 365},
        },
    ],
}
