# ruff: noqa: E501  (a case is one ad; its text reads best unbroken)
"""The labelled corpus: vehicle creatives and messages as an advertiser would write them, each
with the verdict the engine must reach and the rule that must say so.

``block``: the rule must fire with severity block. ``warn``: the rule must fire as a warning
and nothing may block. ``clean``: no finding at all — each family has clean cases written to
come close to its rule (the price with its fees spelled out, "trade-ins welcome", a complete
lease disclosure…), because a false alarm costs a dealer's trust as much as a miss costs a fine.

Vehicles (see ``builders``): ``USED`` is a used 2021 Toyota RAV4 XLE sold for $24,995 with a
$199 doc fee ($25,194 advertised); ``NEW`` a new 2026 Camry SE, MSRP $31,000, sold for $29,500
with a $199 doc fee and a $400 appearance package ($30,099 advertised).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from como.compliance.drafts import Recipient
from tests.como.compliance.builders import GOOD_EMAIL, GOOD_SMS, granted, person

from .builders import new_vehicle, vehicle

USED = vehicle()
NEW = new_vehicle()
VIN = "VIN 2T3P1RFV8MC123456"
NEW_VIN = "VIN 4T1G11AK5TU765432"
TAIL = "plus tax, title and license"
CA = ("US", "US-CA")
TX = ("US", "US-TX")
FL = ("US", "US-FL")
IL = ("US", "US-IL")
OH = ("US", "US-OH")
NY = ("US", "US-NY")
NJ = ("US", "US-NJ")
PA = ("US", "US-PA")
US = ("US",)
LEASE_FULL = (
    "Lease a new 2026 Camry SE for $299/mo. for 36 months with $2,999 due at signing. No "
    "security deposit. Closed-end lease; excess wear and $0.25/mile over 10,000 miles/year."
)
CREDIT_FULL = (
    "$399/mo for 72 months with $2,000 down at 6.9% APR, on approved credit: 72 monthly "
    "payments of $399"
)


@dataclass(frozen=True)
class Case:
    id: str
    family: str
    expect: str  # block, warn or clean
    rule: str  # the rule that must fire ("" for clean cases)
    fields: Mapping[str, str]
    vehicle: Mapping[str, Any] | None = None
    jurisdictions: tuple[str, ...] = US
    channel: str = "paid_social"
    recipient: Recipient | None = None


def ad(text: str) -> dict[str, str]:
    return {"primary_text": text}


def rsa(headlines: str, descriptions: str) -> dict[str, str]:
    return {
        "headlines": headlines,
        "descriptions": descriptions,
        "final_url": "https://l.example/v/1",
    }


def block(id: str, family: str, rule: str, text: str | Mapping[str, str], **kw: Any) -> Case:
    return Case(id, family, "block", rule, ad(text) if isinstance(text, str) else text, **kw)


def warn(id: str, family: str, rule: str, text: str | Mapping[str, str], **kw: Any) -> Case:
    return Case(id, family, "warn", rule, ad(text) if isinstance(text, str) else text, **kw)


def clean(id: str, family: str, text: str | Mapping[str, str], **kw: Any) -> Case:
    return Case(id, family, "clean", "", ad(text) if isinstance(text, str) else text, **kw)


FEES = "auto.price.fees_excluded"
LINT_FEES = vehicle(
    price="18995",
    dealer_charges=[],
    dealer_fees=[
        {"name": "Reconditioning fee", "amount": "995", "mandatory": True},
        {"name": "Nitrogen tires", "amount": "199", "mandatory": False},
    ],
)
OPTIONAL_ONLY = vehicle(
    price="18995",
    dealer_charges=[],
    dealer_fees=[{"name": "Paint protection", "amount": "699", "mandatory": False}],
)
GOVERNMENT_ONLY = vehicle(
    price="18995",
    dealer_charges=[],
    dealer_fees=[{"name": "Title and registration", "amount": "350", "mandatory": True}],
)
NY_175 = vehicle(dealer_charges=[{"name": "Documentation fee", "amount": "175"}])
OH_PREP = vehicle(
    dealer_charges=[
        {"name": "Doc fee", "amount": "250"},
        {"name": "Dealer prep", "amount": "499"},
    ]
)
NO_CHARGES = vehicle(dealer_charges=[])

PRICE = [
    block(
        "price-1",
        "price",
        FEES,
        f"Used 2021 Toyota RAV4 XLE, {VIN}. Only $24,995!",
        jurisdictions=FL,
    ),
    block(
        "price-2",
        "price",
        FEES,
        f"Used 2021 Toyota RAV4 XLE $24,995 plus $199 doc fee, {TAIL}. {VIN}",
        jurisdictions=TX,
    ),
    block("price-3", "price", FEES, f"This used 2021 RAV4 can be yours for 24,995 dollars. {VIN}"),
    block("price-4", "price", FEES, f"Used 2021 RAV4 XLE for just $24.9k! {VIN}"),
    block(
        "price-5",
        "price",
        FEES,
        f"New 2026 Toyota Camry SE, {NEW_VIN}: $29,500 {TAIL}.",
        vehicle=NEW,
        jurisdictions=CA,
    ),
    block(
        "price-6",
        "price",
        FEES,
        f"New 2026 Camry SE now $29,699 {TAIL}. {NEW_VIN}",
        vehicle=NEW,
        jurisdictions=("US", "US-MA"),
    ),
    block(
        "price-7",
        "price",
        FEES,
        f"New 2026 Camry SE: $29,500 plus doc fee, {TAIL}. {NEW_VIN}",
        vehicle=NEW,
        jurisdictions=IL,
    ),
    block(
        "price-8",
        "price",
        "auto.price.ny_doc_fee_cap",
        f"Used 2021 RAV4 $25,194 including $199 documentation fee. THIS IS NOT A DMV FEE. {VIN}",
        jurisdictions=NY,
    ),
    block(
        "price-9",
        "price",
        "auto.price.ny_doc_fee_statement",
        f"Used 2021 RAV4 $24,995 plus $175 documentation fee, {TAIL}. {VIN}",
        vehicle=NY_175,
        jurisdictions=NY,
    ),
    block(
        "price-10", "price", FEES, f"Used 2021 Toyota RAV4 $18,995 {TAIL}. {VIN}", vehicle=LINT_FEES
    ),
    block(
        "price-11",
        "price",
        FEES,
        f"Used 2021 RAV4: $24,995 plus doc fee, tax, title and registration. {VIN}",
        vehicle=OH_PREP,
        jurisdictions=OH,
    ),
    block(
        "price-12",
        "price",
        FEES,
        {
            "heading": "Used 2021 Toyota RAV4 XLE",
            "body": f"<p>$24,995, {TAIL}.</p><p>Stock #T1234, {VIN}.</p>",
        },
        channel="creative",
    ),
    block(
        "price-13",
        "price",
        FEES,
        rsa(
            "Used 2021 Toyota RAV4\n$24,995 Plus Tax & Tags\nAt Lakeside Toyota",
            f"2021 Toyota RAV4 XLE, Blue. {VIN}.",
        ),
        channel="paid_search",
    ),
    block(
        "price-14",
        "price",
        FEES,
        f"Used 2021 RAV4 XLE. Price: $24,995 (dealer fees extra). {VIN}",
        jurisdictions=FL,
    ),
    clean(
        "price-c1",
        "price",
        f"Used 2021 Toyota RAV4 XLE at Lakeside Toyota, 32,000 miles. $25,194 including $199 in dealer fees, {TAIL}. Stock #T1234, {VIN}.",
        jurisdictions=CA,
    ),
    clean(
        "price-c2",
        "price",
        f"Used 2021 Toyota RAV4 XLE $24,995 plus $199 doc fee, {TAIL}. {VIN}",
        jurisdictions=IL,
    ),
    clean(
        "price-c3",
        "price",
        f"Used 2021 RAV4 $24,995 plus tax, title, registration and doc fee. {VIN}",
        jurisdictions=OH,
    ),
    clean(
        "price-c4",
        "price",
        f"Used 2021 RAV4 $24,995 plus $175 documentation fee. THIS IS NOT A DMV FEE. {VIN}",
        vehicle=NY_175,
        jurisdictions=NY,
    ),
    clean("price-c5", "price", f"Used 2021 RAV4 XLE: $25,194 {TAIL}. {VIN}", jurisdictions=FL),
    clean(
        "price-c6",
        "price",
        f"Used 2021 RAV4 $18,995 {TAIL}. Paint protection available. {VIN}",
        vehicle=OPTIONAL_ONLY,
    ),
    clean(
        "price-c7",
        "price",
        f"Used 2021 RAV4 $18,995 plus title and registration. {VIN}",
        vehicle=GOVERNMENT_ONLY,
    ),
    clean(
        "price-c8",
        "price",
        f"New 2026 Camry SE. MSRP $31,000. Our price $30,099 {TAIL}. {NEW_VIN}",
        vehicle=NEW,
    ),
    clean(
        "price-c9",
        "price",
        f"Save $901 off MSRP on the new 2026 Camry SE: $30,099 {TAIL}. {NEW_VIN}",
        vehicle=NEW,
        jurisdictions=TX,
    ),
    clean(
        "price-c10",
        "price",
        f"Used 2021 RAV4 XLE $24,995 {TAIL}. {VIN}",
        vehicle=NO_CHARGES,
        jurisdictions=CA,
    ),
    clean("price-c11", "price", f"Used 2021 RAV4 XLE $25,194.00 {TAIL}. {VIN}"),
    clean(
        "price-c12",
        "price",
        rsa(
            "Used 2021 Toyota RAV4\n$25,194 Plus Tax & Tags\nAt Lakeside Toyota",
            f"2021 Toyota RAV4 XLE, Blue. {VIN}.\n$25,194 incl. dealer fees, plus tax, title & license.",
        ),
        channel="paid_search",
        jurisdictions=CA,
    ),
    clean(
        "price-c13",
        "price",
        f"Used 2021 RAV4 with a $1,500 paint and wheel package already installed: $25,194 {TAIL}. {VIN}",
        jurisdictions=TX,
    ),
]

CONDITIONAL = [
    block(
        "cond-1",
        "conditional",
        "auto.conditional.trade_in",
        f"Used 2021 Toyota RAV4 only $22,995 with trade-in! {VIN}",
        jurisdictions=TX,
    ),
    block(
        "cond-2",
        "conditional",
        "auto.conditional.financing",
        f"Used 2021 RAV4 $23,995 when you finance with us. {VIN}",
    ),
    block(
        "cond-3",
        "conditional",
        "auto.conditional.trade_in",
        f"Used 2021 RAV4 XLE $24,195 w/ trade. {VIN}",
        jurisdictions=FL,
    ),
    block(
        "cond-4",
        "conditional",
        "auto.conditional.financing",
        f"Used 2021 RAV4 $23,500 with dealer financing. {VIN}",
        jurisdictions=TX,
    ),
    block(
        "cond-5",
        "conditional",
        "auto.conditional.rebate",
        f"New 2026 Camry SE $28,099 after rebates. {NEW_VIN}",
        vehicle=NEW,
    ),
    block(
        "cond-6",
        "conditional",
        "auto.conditional.rebate",
        f"New 2026 Camry SE just $27,599 after $2,500 college grad rebate. {NEW_VIN}",
        vehicle=NEW,
    ),
    block(
        "cond-7",
        "conditional",
        "auto.conditional.rebate_placement",
        f"New 2026 Camry SE $29,099 after $1,000 factory rebate, available to all buyers. {NEW_VIN}",
        vehicle=NEW,
        jurisdictions=CA,
    ),
    block(
        "cond-8",
        "conditional",
        "auto.conditional.rebate",
        f"New 2026 Camry SE $29,099 with loyalty cash. Must qualify. {NEW_VIN}",
        vehicle=NEW,
    ),
    block(
        "cond-9",
        "conditional",
        "auto.conditional.financing",
        f"New 2026 Camry SE $28,500, requires financing through Toyota Financial Services. {NEW_VIN}",
        vehicle=NEW,
    ),
    block(
        "cond-10",
        "conditional",
        "auto.conditional.trade_in",
        f"Used 2021 RAV4: only $21,995 when you trade in your vehicle. {VIN}",
    ),
    clean(
        "cond-c1",
        "conditional",
        f"Used 2021 RAV4 $25,194 {TAIL}. Trade-ins welcome! {VIN}",
        jurisdictions=TX,
    ),
    clean(
        "cond-c2",
        "conditional",
        f"Used 2021 RAV4 $25,194 {TAIL}. Financing available on approved credit. {VIN}",
    ),
    clean(
        "cond-c3",
        "conditional",
        f"New 2026 Camry SE $30,099 {TAIL}. A $1,000 factory rebate is available to all buyers. {NEW_VIN}",
        vehicle=NEW,
        jurisdictions=CA,
    ),
    clean(
        "cond-c4",
        "conditional",
        f"New 2026 Camry SE: $30,099 - $1,000 factory rebate (available to all buyers) = $29,099 {TAIL}. {NEW_VIN}",
        vehicle=NEW,
        jurisdictions=CA,
    ),
    clean(
        "cond-c5",
        "conditional",
        f"We want your trade! Free appraisal. Used 2021 RAV4 $25,194 {TAIL}. {VIN}",
        jurisdictions=TX,
    ),
    clean("cond-c6", "conditional", f"New 2026 Camry SE {NEW_VIN}. {CREDIT_FULL}.", vehicle=NEW),
    clean(
        "cond-c7",
        "conditional",
        f"Used 2021 RAV4 $25,194 {TAIL}. Ask about financing and your trade. {VIN}",
    ),
]

IDENT = "auto.identification.specific_vehicle"
PLATED = vehicle(licence_plate="8ABC123")
IDENTIFICATION = [
    block(
        "ident-1",
        "identification",
        IDENT,
        f"Used 2021 Toyota RAV4 $25,194 {TAIL}, stock #T1234",
        jurisdictions=CA,
    ),
    block(
        "ident-2",
        "identification",
        IDENT,
        f"Used Toyota RAV4 $25,194 {TAIL}. {VIN}",
        jurisdictions=CA,
    ),
    block(
        "ident-3",
        "identification",
        IDENT,
        f"Used 2021 Toyota $25,194 {TAIL}. {VIN}",
        jurisdictions=CA,
    ),
    block(
        "ident-4",
        "identification",
        IDENT,
        "Used 2021 RAV4 XLE just arrived! Ask for stock T1234.",
        jurisdictions=CA,
    ),
    block(
        "ident-5",
        "identification",
        IDENT,
        rsa(
            "Used 2021 Toyota RAV4\n$25,194 Plus Tax & Tags\nStock #T1234",
            "Low miles, one owner. See it today at Lakeside Toyota.",
        ),
        channel="paid_search",
        jurisdictions=CA,
    ),
    clean(
        "ident-c1",
        "identification",
        f"Used 2021 Toyota RAV4 $25,194 {TAIL}, VIN ending 123456.",
        jurisdictions=CA,
    ),
    clean(
        "ident-c2",
        "identification",
        f"Used 2021 RAV4, plate 8ABC123, $25,194 {TAIL}.",
        vehicle=PLATED,
        jurisdictions=CA,
    ),
    clean(
        "ident-c3",
        "identification",
        f"New Camry SE $30,099 {TAIL}. {NEW_VIN}",
        vehicle=NEW,
        jurisdictions=CA,
    ),
    clean(
        "ident-c4",
        "identification",
        "Used RAV4s in stock now at Lakeside Toyota. Come see them!",
        jurisdictions=CA,
    ),
    clean(
        "ident-c5",
        "identification",
        f"Used 2021 Toyota RAV4 $25,194 {TAIL}, stock #T1234",
        jurisdictions=TX,
    ),
]

DEMO = new_vehicle(condition="demo", mileage=3200)
CPO = vehicle(condition="cpo", certified=True)
LABELS = [
    block("label-1", "labels", "auto.labels.used", f"2021 Toyota RAV4 XLE $25,194 {TAIL}. {VIN}"),
    block(
        "label-2",
        "labels",
        "auto.labels.used",
        f"Brand new 2021 RAV4, barely driven! Used, one owner. $25,194 {TAIL}. {VIN}",
    ),
    block(
        "label-3",
        "labels",
        "auto.labels.certified",
        f"Certified Pre-Owned 2021 RAV4 $25,194 {TAIL}. {VIN}",
    ),
    block(
        "label-4", "labels", "auto.labels.certified", f"CPO 2021 RAV4, used, $25,194 {TAIL}. {VIN}"
    ),
    block(
        "label-5",
        "labels",
        "auto.labels.demo",
        f"New 2026 Camry SE $30,099 {TAIL}. {NEW_VIN}",
        vehicle=DEMO,
    ),
    block(
        "label-6", "labels", "auto.labels.used", f"New 2021 Toyota RAV4 XLE $25,194 {TAIL}. {VIN}"
    ),
    clean(
        "label-c1", "labels", f"Certified Pre-Owned 2021 RAV4 $25,194 {TAIL}. {VIN}", vehicle=CPO
    ),
    clean(
        "label-c2",
        "labels",
        f"Pre-owned 2021 RAV4, inspected by our ASE-certified technicians. $25,194 {TAIL}. {VIN}",
    ),
    clean("label-c3", "labels", f"Like-new 2021 RAV4, used, one owner. $25,194 {TAIL}. {VIN}"),
    clean(
        "label-c4",
        "labels",
        f"Demo 2026 Camry SE, 3,200 miles, $30,099 {TAIL}. {NEW_VIN}",
        vehicle=DEMO,
    ),
    clean(
        "label-c5",
        "labels",
        f"Previously owned 2021 RAV4 with new tires and new brakes. $25,194 {TAIL}. {VIN}",
    ),
    clean(
        "label-c6",
        "labels",
        f"Used 2021 RAV4, serviced by our certified service team. $25,194 {TAIL}. {VIN}",
    ),
]

SOLD = [
    block(
        "sold-1",
        "sold",
        "auto.sold.advertised",
        f"Used 2021 RAV4 $25,194 {TAIL}. {VIN}",
        vehicle=vehicle(status="sold", sold_at="2026-06-08T15:00:00+00:00"),
    ),
    block(
        "sold-2",
        "sold",
        "auto.sold.advertised",
        f"Used 2021 RAV4 $25,194 {TAIL}. {VIN}",
        vehicle=vehicle(status="removed"),
    ),
    block(
        "sold-3",
        "sold",
        "auto.sold.advertised",
        f"Used 2021 RAV4 $25,194 {TAIL}. {VIN}",
        vehicle=vehicle(status="", sold_at="2026-06-01"),
    ),
    block(
        "sold-4",
        "sold",
        "auto.sold.advertised",
        rsa("Used 2021 Toyota RAV4\nAt Lakeside Toyota", f"{VIN}."),
        vehicle=vehicle(status="sold"),
        channel="paid_search",
    ),
    clean(
        "sold-c1",
        "sold",
        f"Used 2021 RAV4 $25,194 {TAIL}. {VIN}",
        vehicle=vehicle(status="pending"),
    ),
    clean(
        "sold-c2",
        "sold",
        f"Used 2021 RAV4 $25,194 {TAIL}. {VIN}",
        vehicle=vehicle(status="available", sold_at="2026-05-01T12:00:00+00:00"),
    ),
    clean(
        "sold-c3",
        "sold",
        f"Our last RAV4 sold in a day. This used 2021 RAV4 won't last: $25,194 {TAIL}. {VIN}",
    ),
]

MSRP_32 = new_vehicle(msrp="32000.00")
SALE = [
    block(
        "sale-1",
        "sale",
        "auto.sale.reduction",
        f"Summer sale! Used 2021 RAV4 $25,194 {TAIL}. {VIN}",
        jurisdictions=IL,
    ),
    block(
        "sale-2",
        "sale",
        "auto.sale.reduction",
        f"Sale price $30,099 on the new 2026 Camry SE! MSRP $31,000. {NEW_VIN}",
        vehicle=NEW,
        jurisdictions=PA,
    ),
    block(
        "sale-3",
        "sale",
        "auto.sale.reduction",
        f"Sale ends Sunday: used 2021 RAV4 was $25,500, now $25,194 {TAIL}. {VIN}",
        jurisdictions=IL,
    ),
    block(
        "sale-4",
        "sale",
        "auto.sale.duration",
        f"Clearance: new 2026 Camry SE $30,099, was $32,000. {NEW_VIN}",
        vehicle=NEW,
        jurisdictions=IL,
    ),
    block(
        "sale-5",
        "sale",
        "auto.sale.reduction",
        f"Price drop! Used 2021 RAV4 now $25,194 (was $25,900). {VIN}",
        jurisdictions=PA,
    ),
    clean(
        "sale-c1",
        "sale",
        f"Sale ends June 30: used 2021 RAV4 was $27,000, now $25,194 {TAIL}. {VIN}",
        jurisdictions=IL,
    ),
    clean("sale-c2", "sale", f"Used 2021 RAV4 for sale: $25,194 {TAIL}. {VIN}", jurisdictions=IL),
    clean(
        "sale-c3",
        "sale",
        f"Camry sale through 6/30: new 2026 Camry SE $30,099 {TAIL}, MSRP $32,000. {NEW_VIN}",
        vehicle=MSRP_32,
        jurisdictions=PA,
    ),
    clean(
        "sale-c4", "sale", f"Summer sale! Used 2021 RAV4 $25,194 {TAIL}. {VIN}", jurisdictions=TX
    ),
    clean(
        "sale-c5",
        "sale",
        f"Talk to our sales team about this used 2021 RAV4: $25,194 {TAIL}. {VIN}",
        jurisdictions=IL,
    ),
]

TILA = "auto.lending.trigger_terms"
LENDING = [
    block("tila-1", "lending", TILA, "New 2026 Camry SE for only $399/mo!", vehicle=NEW),
    block("tila-2", "lending", TILA, "$0 down on every new 2026 Camry this weekend!"),
    block(
        "tila-3",
        "lending",
        TILA,
        "72-month financing available on new Camrys. See dealer for details.",
    ),
    block(
        "tila-4",
        "lending",
        TILA,
        "New 2026 Camry SE: $399/mo for 72 months on approved credit.",
        vehicle=NEW,
    ),
    block(
        "tila-5", "lending", TILA, "Drive a new Camry for $2,000 down and $399 a month at 6.9% APR."
    ),
    block("tila-6", "lending", TILA, "Finance a new Camry for 60 months at 0% APR."),
    block("tila-7", "lending", "auto.lending.rate_as_apr", "1.9% financing on all new Camrys."),
    block(
        "tila-8",
        "lending",
        "auto.lending.oac_abbreviated",
        f"{CREDIT_FULL}, OAC.",
        jurisdictions=CA,
    ),
    block("tila-9", "lending", TILA, "Payments as low as $299 per month on used SUVs."),
    block(
        "tila-10",
        "lending",
        TILA,
        "Pay only $1,200 in interest over the life of your loan on a new Camry.",
    ),
    block("tila-11", "lending", TILA, "Zero down and 0% APR on a new Camry!"),
    warn(
        "tila-12",
        "lending",
        "auto.lending.nj_disclosures",
        f"New 2026 Camry SE {NEW_VIN}. {CREDIT_FULL}.",
        vehicle=NEW,
        jurisdictions=NJ,
    ),
    warn(
        "tila-13",
        "lending",
        "auto.lending.oh_placement",
        {
            "headline": "New Camry SE $399/mo",
            "primary_text": f"New 2026 Camry SE {NEW_VIN}. {CREDIT_FULL}.",
        },
        vehicle=NEW,
        jurisdictions=OH,
    ),
    clean("tila-c1", "lending", f"New 2026 Camry SE {NEW_VIN}. {CREDIT_FULL}.", vehicle=NEW),
    clean(
        "tila-c2",
        "lending",
        "0% APR for 60 months on new Camrys: 60 monthly payments of $16.67 per $1,000 financed with $0 down, on approved credit.",
    ),
    clean("tila-c3", "lending", "Financing available. See dealer for details."),
    clean("tila-c4", "lending", "6.9% APR financing available on approved credit."),
    clean(
        "tila-c5",
        "lending",
        f"Used 2021 RAV4 $25,194 {TAIL}, with a 12-month/12,000-mile warranty. {VIN}",
    ),
    clean(
        "tila-c6", "lending", f"Used 2021 RAV4 $25,194 {TAIL}. 3 months of SiriusXM included. {VIN}"
    ),
    clean(
        "tila-c7",
        "lending",
        f"New 2026 Camry SE {NEW_VIN}. {CREDIT_FULL}; total of payments $28,728.",
        vehicle=NEW,
        jurisdictions=NJ,
    ),
    clean(
        "tila-c8",
        "lending",
        f"New 2026 Camry SE {NEW_VIN}. {CREDIT_FULL}.",
        vehicle=NEW,
        jurisdictions=CA,
    ),
    clean(
        "tila-c9", "lending", f"Price down $1,000 this week: used 2021 RAV4 $25,194 {TAIL}. {VIN}"
    ),
    clean(
        "tila-c10",
        "lending",
        {
            "headline": "New Camry SE $399/mo at 6.9% APR",
            "primary_text": f"New 2026 Camry SE {NEW_VIN}. {CREDIT_FULL}.",
        },
        vehicle=NEW,
        jurisdictions=OH,
    ),
]

REG_M = "auto.leasing.disclosures"
LEASING = [
    block("lease-1", "leasing", REG_M, "Lease a new 2026 Camry SE for $299/mo!"),
    block(
        "lease-2",
        "leasing",
        REG_M,
        "Lease a new Camry: $299/mo for 36 months, $2,999 due at signing.",
    ),
    block("lease-3", "leasing", REG_M, "$0 due at signing on a new Camry lease this weekend."),
    block(
        "lease-4",
        "leasing",
        REG_M,
        "Camry lease: $299 a month for 36 months, no security deposit, $2,999 due at signing.",
    ),
    block(
        "lease-5",
        "leasing",
        REG_M,
        "Lease the new Camry: 36 months at $299/mo, no security deposit, excess wear charges apply.",
    ),
    block(
        "lease-6",
        "leasing",
        REG_M,
        "New Camry: $299/mo for 36 months, $2,999 due at signing, no security deposit. Excess wear and mileage charges apply.",
    ),
    block(
        "lease-7", "leasing", REG_M, "Lease a Camry: $299/mo, 36 months, $2,999 due at delivery."
    ),
    clean("lease-c1", "leasing", LEASE_FULL),
    clean("lease-c2", "leasing", "Ask about our lease specials on the new Camry."),
    clean(
        "lease-c3",
        "leasing",
        "Lease a new 2026 Camry SE: $0 due at signing, 36 monthly payments of $349, no security deposit. Lessee pays excess wear and $0.25/mile over 12,000 miles/year.",
    ),
    clean("lease-c4", "leasing", f"{LEASE_FULL} Or finance: {CREDIT_FULL}."),
]

EMAIL_NO_UNSUB = {
    **GOOD_EMAIL,
    "body": "The used 2021 RAV4 you viewed is $25,194 plus tax, title and license. "
    f"{VIN}.\n\nAcme Motors, 1 Main St, Springfield, IL 62701",
    "list_unsubscribe": "",
}
EMAIL_VEHICLE = {
    **GOOD_EMAIL,
    "body": "The used 2021 RAV4 you viewed is $25,194 plus tax, title and license. "
    f"{VIN}.\n\n" + GOOD_EMAIL["body"].split("\n\n", 1)[1],
}
EMAIL_NO_ADDRESS = {
    **GOOD_EMAIL,
    "body": "Service special this month.\nUnsubscribe: https://como.example/u/tok123",
}
US_PERSON = person()
SMS_PERSON = person(granted("sms"))
EU_PERSON = person(country="DE", region="", phone="+491511234567", email="eu@example.com")
GENERIC = [
    block(
        "generic-1",
        "generic",
        "canspam.unsubscribe",
        EMAIL_NO_UNSUB,
        vehicle=USED,
        channel="email",
        recipient=US_PERSON,
    ),
    block(
        "generic-2",
        "generic",
        "canspam.postal_address",
        EMAIL_NO_ADDRESS,
        channel="email",
        recipient=US_PERSON,
    ),
    warn(
        "generic-3",
        "generic",
        "canspam.subject",
        {**GOOD_EMAIL, "subject": "RE: your RAV4"},
        channel="email",
        recipient=US_PERSON,
    ),
    block(
        "generic-4", "generic", "tcpa.written_consent", GOOD_SMS, channel="sms", recipient=US_PERSON
    ),
    block(
        "generic-5",
        "generic",
        "tcpa.identification",
        {"body": "20% off service this week!"},
        channel="sms",
        recipient=SMS_PERSON,
    ),
    block("generic-6", "generic", "gdpr.consent", GOOD_EMAIL, channel="email", recipient=EU_PERSON),
    block(
        "generic-7",
        "generic",
        "auto.price.fees_excluded",
        {**EMAIL_VEHICLE, "body": EMAIL_VEHICLE["body"].replace("$25,194", "$24,995")},
        vehicle=USED,
        channel="email",
        recipient=US_PERSON,
    ),
    clean(
        "generic-c1", "generic", EMAIL_VEHICLE, vehicle=USED, channel="email", recipient=US_PERSON
    ),
    clean("generic-c2", "generic", GOOD_SMS, channel="sms", recipient=SMS_PERSON),
    clean(
        "generic-c3",
        "generic",
        {"body": "Acme Motors: new Camry lease specials this week, ask us! Reply STOP to opt out."},
        channel="sms",
        recipient=SMS_PERSON,
    ),
]

#: Phrasings added after the first run of the probes: financing conditions named by the lender,
#: savings as the former price, words that only look like payment periods.
MORE = [
    block(
        "cond-11",
        "conditional",
        "auto.conditional.financing",
        f"New 2026 Camry SE $28,500 with Toyota Financial Services financing. {NEW_VIN}",
        vehicle=NEW,
    ),
    block(
        "cond-12",
        "conditional",
        "auto.conditional.financing",
        f"Used 2021 RAV4 $23,000, price applies to financed purchases only. {VIN}",
    ),
    block(
        "sale-6",
        "sale",
        "auto.sale.reduction",
        f"Sale ends 6/30! Save $500: new 2026 Camry SE $30,099 {TAIL}. {NEW_VIN}",
        vehicle=new_vehicle(msrp=None),
        jurisdictions=IL,
    ),
    clean(
        "sale-c6",
        "sale",
        f"Sale ends 6/30! Save $2,000: new 2026 Camry SE $30,099 {TAIL}. {NEW_VIN}",
        vehicle=NEW,
        jurisdictions=IL,
    ),
    clean(
        "price-c14", "price", f"Used 2021 RAV4 $25,194 {TAIL}. Weekend special, open Mon-Sat! {VIN}"
    ),
]

CASES: list[Case] = [
    *PRICE,
    *CONDITIONAL,
    *IDENTIFICATION,
    *LABELS,
    *SOLD,
    *SALE,
    *LENDING,
    *LEASING,
    *GENERIC,
    *MORE,
]
