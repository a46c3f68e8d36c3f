"""Demo data for a B2B software company: Northwind Cloud sells a cloud data platform to buying
committees at ~70 target accounts; some accounts are in market, most are researching or cold,
and a few visitors are students, job seekers and competitors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from .dataset import (
    AccountSeed,
    Builder,
    Campaigns,
    ContactSeed,
    Dataset,
    Step,
    WorkspaceSpec,
    ascii_slug,
    pick,
    utm,
)

SPEC = WorkspaceSpec(
    slug="northwind-cloud",
    name="Northwind Cloud",
    vertical="b2b",
    time_zone="America/New_York",
    country="US",
    postal_address="Northwind Cloud, Inc.\n250 Hudson Commons, 9th Floor\nNew York, NY 10013",
    member_username="sam.patel",
    member_first_name="Sam",
    member_last_name="Patel",
    event_prefix="demo-nw",
    seed=20260202,
)

_PREFIXES = (
    "Blue Ridge",
    "Summit",
    "Pioneer",
    "Crescent",
    "Ironwood",
    "Redwood",
    "Granite",
    "Beacon",
    "Northstar",
    "Meridian",
    "Harbor",
    "Cobalt",
    "Evergreen",
    "Keystone",
    "Lighthouse",
    "Silverline",
    "Tidewater",
    "Riverbend",
    "Copperleaf",
    "Westbrook",
    "Brightwater",
    "Stonegate",
    "Oakline",
    "Clearview",
    "Highpoint",
    "Sagebrush",
    "Lakeshore",
    "Foxglove",
    "Juniper",
    "Bluestem",
)
_INDUSTRIES: dict[str, tuple[str, ...]] = {
    "Software": ("Software", "Labs", "Systems"),
    "Financial Services": ("Financial", "Capital", "Credit Union"),
    "Healthcare": ("Health", "Medical Group", "Care Partners"),
    "Manufacturing": ("Manufacturing", "Industries", "Components"),
    "Retail": ("Outfitters", "Market", "Retail Group"),
    "Logistics": ("Logistics", "Freight", "Supply Co."),
    "Insurance": ("Insurance", "Mutual"),
    "Media": ("Media", "Studios"),
    "Energy": ("Energy", "Power"),
}
_SIZES: list[tuple[tuple[int, int], float]] = [
    ((20, 50), 1),
    ((51, 200), 3),
    ((201, 500), 3),
    ((501, 1_000), 2),
    ((1_001, 5_000), 2),
    ((5_001, 20_000), 1),
]
_STATES: list[tuple[tuple[str, tuple[str, ...]], float]] = [
    (("NY", ("212", "646", "718", "917")), 4),
    (("MA", ("617", "781", "508")), 3),
    (("CA", ("415", "408", "650", "213", "310")), 4),
    (("TX", ("512", "214", "713")), 3),
    (("IL", ("312", "773", "630")), 2),
    (("WA", ("206", "425")), 2),
    (("GA", ("404", "678")), 1),
    (("CO", ("303", "720")), 1),
    (("NC", ("704", "919")), 1),
    (("PA", ("215", "412")), 1),
    (("FL", ("305", "407", "813")), 1),
    (("OH", ("614", "216")), 1),
    (("MN", ("612", "651")), 1),
]
# committee role → (titles, seniority, department). Titles as real committees sign them, varied
# within a role; each reads as its role under the default title rules
# (verticals/b2b/accounts/titles.py), so the demo's accounts fill several roles. Each tuple
# keeps its length: the builder's random stream (and so every event) depends on it.
_ROLES: dict[str, tuple[tuple[str, ...], str, str]] = {
    "champion": (
        (
            "Director of Data Engineering",
            "Sr. Manager, Business Intelligence",
            "Data Platform Lead",
        ),
        "director",
        "data",
    ),
    "economic_buyer": (
        ("VP of Data", "SVP, Data & Analytics", "VP of Finance & Operations"),
        "vp",
        "executive",
    ),
    "technical_evaluator": (
        (
            "Staff Data Engineer",
            "Principal Data Architect",
            "Senior Software Engineer, Data Infrastructure",
        ),
        "individual_contributor",
        "engineering",
    ),
    "user": (
        ("Data Analyst", "Product Analyst", "Senior Marketing Analyst"),
        "individual_contributor",
        "data",
    ),
    "procurement": (("Procurement Manager", "IT Procurement Specialist"), "manager", "procurement"),
    "legal": (("Senior Counsel", "Privacy & Compliance Manager"), "manager", "legal"),
    "executive_sponsor": (("CTO", "CIO", "Chief Data Officer"), "c_level", "executive"),
}
_COMMITTEE_ORDER = tuple(_ROLES)

_PAGES = {
    "pricing": ("/pricing", "Pricing"),
    "product": ("/product", "The Northwind data platform"),
    "integrations": ("/product/integrations", "Integrations"),
    "security": ("/security", "Security and compliance"),
    "compare": ("/compare/northwind-vs-snowdrift", "Northwind vs Snowdrift"),
    "docs": ("/docs/getting-started", "Docs: getting started"),
    "customers": ("/customers", "Customers"),
    "careers": ("/careers", "Careers"),
    "careers_job": ("/careers/senior-data-engineer", "Careers: Senior Data Engineer"),
}
_BLOG = (
    ("/blog/what-is-a-lakehouse", "What is a lakehouse, really?"),
    ("/blog/cutting-warehouse-costs", "Cutting warehouse spend by 40%"),
    ("/blog/reverse-etl-explained", "Reverse ETL, explained"),
    ("/blog/data-contracts-101", "Data contracts 101"),
    ("/blog/streaming-cdc-postgres", "Streaming CDC from PostgreSQL"),
    ("/blog/dbt-vs-stored-procedures", "dbt vs stored procedures"),
)
_ASSETS = {
    "comparison_guide": ("comparison-guide-2026", "Northwind vs Snowdrift vs Quarry: 2026 guide"),
    "buyers_guide": ("modern-data-platform-buyers-guide", "The modern data platform buyer's guide"),
    "report": ("state-of-data-engineering-2026", "State of Data Engineering 2026"),
    "whitepaper": ("data-contracts-whitepaper", "Data contracts in production"),
}
_WEBINARS = (
    ("wbn-live-demo-raw-to-dashboards", "Live demo: raw events to dashboards in 30 minutes", True),
    ("wbn-live-demo-streaming-cdc", "Live demo: streaming CDC into Northwind", True),
    ("wbn-data-contracts-in-practice", "Data contracts in practice", False),
    ("wbn-warehouse-spend", "How Harbor Freight cut warehouse spend by 40%", False),
)
_CASE_STUDIES = (
    ("granite-health", "Healthcare"),
    ("summit-logistics", "Logistics"),
    ("beacon-capital", "Financial Services"),
    ("redwood-outfitters", "Retail"),
)
_EMAIL_CAMPAIGNS = {
    "monthly-newsletter": ("The Northwind Dispatch: this month in data", "/blog"),
    "webinar-invite-live-demo": ("Join our live demo on Thursday", "/webinars/live-demo"),
    "comparison-guide-nurture": ("How teams compare data platforms", "/resources/comparison-guide"),
    "trial-nurture-day-3": ("Day 3: connect your first source", "/docs/connect-a-source"),
}
_LANDING: Campaigns = [
    (utm("google", "cpc", "brand-search"), 3),
    (utm("google", "cpc", "nonbrand-data-warehouse"), 3),
    (utm("linkedin", "paid_social", "abm-data-leaders-q3"), 3),
    (utm("g2", "referral", "data-platform-category"), 1),
    (utm("newsletter", "email", "monthly-newsletter"), 1),
    (utm("partner", "referral", "dbt-meetup"), 1),
]
_COMPETITORS = (
    ("Snowdrift Data", "snowdriftdata.example"),
    ("Quarry Analytics", "quarryanalytics.example"),
)


class _Builder(Builder):
    landing_campaigns = _LANDING
    email_campaigns = _EMAIL_CAMPAIGNS
    email_click_delay = timedelta(minutes=1)

    # --- companies and people --------------------------------------------------------------

    def account(self, taken: set[str]) -> tuple[AccountSeed, tuple[str, ...]]:
        rng = self.rng
        industry = rng.choice(tuple(_INDUSTRIES))
        name = ""
        while not name or name in taken:
            name = f"{rng.choice(_PREFIXES)} {rng.choice(_INDUSTRIES[industry])}"
        taken.add(name)
        low, high = pick(rng, _SIZES)
        employees = rng.randint(low, high)
        state, area_codes = pick(rng, _STATES)
        segment = (
            "smb" if employees <= 200 else "mid_market" if employees <= 1_000 else "enterprise"
        )
        account = AccountSeed(
            domain=f"{ascii_slug(name, '')}.example",
            name=name,
            industry=industry,
            employee_count=employees,
            annual_revenue=employees * rng.randrange(120_000, 420_000, 1_000),
            country="US",
            region=state,
            postal_code=self.faker.zipcode_in_state(state),
            attributes={"segment": segment},
        )
        return account, area_codes

    def member(
        self, key: str, account: AccountSeed, role: str, area_codes: tuple[str, ...]
    ) -> ContactSeed:
        rng = self.rng
        titles, seniority, department = _ROLES[role]
        style = pick(rng, [("first.last", 6), ("flast", 3), ("first", 1)])
        contact = self.new_contact(
            key, account.domain, style=style, area_codes=area_codes, phone_share=0.6
        )
        contact.title = rng.choice(titles)
        contact.company_size = account.employee_count
        contact.industry = account.industry
        contact.region, contact.postal_code = account.region, account.postal_code
        contact.account_domain = account.domain
        contact.attributes = {
            "committee_role": role,
            "seniority": seniority,
            "department": department,
        }
        return contact

    def outsider(self, key: str, persona: str) -> ContactSeed:
        rng = self.rng
        state, area_codes = pick(rng, _STATES)
        title, domain, company = {
            "student": ("Graduate Student", "stateuniversity.example", "State University"),
            "job_seeker": ("Data Engineer", rng.choice(("example.com", "example.net")), ""),
            "competitor": (
                rng.choice(("Product Marketing Manager", "Competitive Intelligence Analyst")),
                *reversed(rng.choice(_COMPETITORS)),
            ),
            "consultant": ("Independent Data Consultant", "example.org", ""),
        }[persona]
        style = pick(rng, [("first.last", 3), ("firstlast", 2)])
        contact = self.new_contact(key, domain, style=style, area_codes=area_codes, phone_share=0.3)
        contact.title = title
        contact.region, contact.postal_code = state, self.faker.zipcode_in_state(state)
        contact.attributes = {"persona": persona, **({"company": company} if company else {})}
        return contact

    # --- events ----------------------------------------------------------------------------

    def page(self, name: str) -> dict[str, Any]:
        path, title = _PAGES[name]
        return {"path": path, "title": f"{title} | Northwind Cloud"}

    def blog(self) -> dict[str, Any]:
        path, title = self.rng.choice(_BLOG)
        return {"path": path, "title": title, "content_type": "blog"}

    def journey(self, contact: ContactSeed, plan: list[tuple[str, dict[str, Any]]]) -> None:
        """Emit ``plan`` (type, properties) over a plausible span; email events go via the ESP."""
        rng = self.rng
        if not plan:
            return
        times = self.times(len(plan), span_days=rng.randint(5, 88))
        committee = contact.attributes.get("committee_role") is not None
        journey = self.begin_journey(contact, may_be_anonymous=committee)
        for i, ((type_, props), at) in enumerate(zip(plan, times, strict=True)):
            if type_ == "email":
                campaign_id, clicked = str(props["campaign_id"]), rng.random() < 0.3
                self.email_events(journey.who, contact.key, at, campaign_id, clicked=clicked)
                continue
            # Browsing before they tell us who they are; the first form names them.
            actor = journey.actor(browsing=type_ == "page_view" and i < len(plan) - 1)
            campaign = journey.landing if i == 0 and type_ == "page_view" else None
            self.emit(actor, contact.key, type_, at, props, campaign=campaign)

    def in_market_plan(self, contact: ContactSeed, lead: bool) -> list[tuple[str, dict[str, Any]]]:
        rng = self.rng
        role = contact.attributes["committee_role"]
        plan: list[tuple[str, dict[str, Any]]] = [
            ("page_view", self.page(rng.choice(("product", "pricing", "customers")))),
        ]
        plan += [("page_view", self.page("pricing"))] * rng.randint(1, 3)
        if rng.random() < 0.6:
            plan.append(("page_view", self.page("compare")))
        if role in {"technical_evaluator", "user"} or rng.random() < 0.3:
            plan += [("page_view", self.page(rng.choice(("docs", "integrations", "security"))))]
        if rng.random() < 0.5:
            slug, industry = rng.choice(_CASE_STUDIES)
            plan.append(
                ("case_study_viewed", {"case_study": slug, "industry": industry, "pages": 2})
            )
        if rng.random() < 0.55:
            asset_id, title = _ASSETS["comparison_guide"]
            plan.append(
                (
                    "form_submitted",
                    {"form": "gated_asset", "asset_id": asset_id, "path": "/resources"},
                )
            )
            plan.append(
                (
                    "asset_downloaded",
                    {"asset_id": asset_id, "title": title, "asset_type": "comparison_guide"},
                )
            )
        if rng.random() < 0.5:
            webinar_id, title, live_demo = rng.choice(_WEBINARS[:2])
            plan.append(("email", {"campaign_id": "webinar-invite-live-demo"}))
            plan.append(
                (
                    "webinar_attended",
                    {
                        "webinar_id": webinar_id,
                        "title": title,
                        "live_demo": live_demo,
                        "minutes_attended": rng.randint(12, 55),
                    },
                )
            )
        if role == "technical_evaluator" and rng.random() < 0.6:
            plan.append(
                ("trial_started", {"plan": rng.choice(("team", "business")), "trial_days": 14})
            )
            plan.append(("email", {"campaign_id": "trial-nurture-day-3"}))
        if lead:
            plan.append(
                (
                    "form_submitted",
                    {
                        "form": rng.choice(("contact_sales", "demo_request")),
                        "path": "/contact-sales",
                        "company": contact.account_domain,
                        "employees": contact.company_size,
                    },
                )
            )
        return plan

    def researching_plan(self) -> list[tuple[str, dict[str, Any]]]:
        rng = self.rng
        plan: list[tuple[str, dict[str, Any]]] = [
            ("page_view", self.blog()) for _ in range(rng.randint(2, 6))
        ]
        if rng.random() < 0.4:
            plan.append(("form_submitted", {"form": "newsletter", "path": "/blog"}))
            plan.append(("email", {"campaign_id": "monthly-newsletter"}))
        if rng.random() < 0.35:
            kind = rng.choice(("buyers_guide", "report", "whitepaper"))
            asset_id, title = _ASSETS[kind]
            form = {"form": "gated_asset", "asset_id": asset_id, "path": "/resources"}
            plan.append(("form_submitted", form))
            plan.append(
                ("asset_downloaded", {"asset_id": asset_id, "title": title, "asset_type": kind})
            )
        if rng.random() < 0.25:
            webinar_id, title, live_demo = rng.choice(_WEBINARS[2:])
            plan.append(
                (
                    "webinar_attended",
                    {
                        "webinar_id": webinar_id,
                        "title": title,
                        "live_demo": live_demo,
                        "minutes_attended": rng.randint(5, 50),
                    },
                )
            )
        if rng.random() < 0.2:
            plan.append(("page_view", self.page("pricing")))
        return plan

    def cold_plan(self, contact: ContactSeed) -> list[tuple[str, dict[str, Any]]]:
        rng = self.rng
        if rng.random() < 0.06:
            self.email_bounce(contact, "monthly-newsletter", "550 5.1.1 user unknown")
            return []
        count = rng.randint(1, 4)
        return [("email", {"campaign_id": "monthly-newsletter"})] * count

    def outsider_plan(self, persona: str) -> list[tuple[str, dict[str, Any]]]:
        rng = self.rng
        if persona == "job_seeker":
            return [("page_view", self.page("careers")), ("page_view", self.page("careers_job"))]
        if persona == "competitor":
            pages = ("pricing", "product", "compare", "customers", "pricing")
            return [("page_view", self.page(p)) for p in pages[: rng.randint(2, 5)]]
        if persona == "student":
            asset_id, title = _ASSETS["report"]
            return [
                ("page_view", self.blog()),
                ("page_view", self.blog()),
                (
                    "asset_downloaded",
                    {"asset_id": asset_id, "title": title, "asset_type": "report"},
                ),
            ]
        return self.researching_plan()

    def visitor_steps(self) -> Callable[[int], Step]:
        """An anonymous visitor reads the blog or looks at pricing."""
        return lambda n: (
            "page_view",
            self.blog() if self.rng.random() < 0.6 else self.page("pricing"),
        )

    def build(self, accounts: int, outsiders: int, visitors: int) -> Dataset:
        rng, taken = self.rng, set[str]()
        counter = 0
        for _ in range(accounts):
            account, area_codes = self.account(taken)
            self.accounts.append(account)
            stage = pick(rng, [("in_market", 3), ("researching", 4), ("cold", 3)])
            size = rng.randint(3, 7) if stage == "in_market" else rng.randint(2, 6)
            roles = list(_COMMITTEE_ORDER[:size])
            for position, role in enumerate(roles):
                counter += 1
                contact = self.member(f"c{counter:04d}", account, role, area_codes)
                self.contacts.append(contact)
                if stage == "in_market" and (position < 4 or rng.random() < 0.5):
                    plan = self.in_market_plan(contact, lead=position == 0)
                elif stage == "cold" or rng.random() < 0.3:
                    plan = self.cold_plan(contact)
                else:
                    plan = self.researching_plan()
                self.journey(contact, plan)
        for _ in range(outsiders):
            counter += 1
            persona = pick(
                rng,
                [("student", 3), ("job_seeker", 3), ("competitor", 2), ("consultant", 4)],
            )
            contact = self.outsider(f"c{counter:04d}", persona)
            self.contacts.append(contact)
            self.journey(contact, self.outsider_plan(persona))
        for i in range(1, visitors + 1):
            self.visitor(f"v{i:04d}")
        return self.dataset()


def build(
    anchor: datetime, *, accounts: int = 110, outsiders: int = 50, visitors: int = 60
) -> Dataset:
    return _Builder(SPEC, anchor).build(accounts, outsiders, visitors)
