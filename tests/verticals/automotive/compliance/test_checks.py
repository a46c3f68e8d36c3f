"""Each automotive check on its own: the exact finding (rule, message, citation, evidence) it
reports, and the nearby text it leaves alone."""

from __future__ import annotations

from typing import Any

from como.compliance.findings import Finding, Severity
from como.compliance.registry import checks_for
from verticals.automotive.compliance import CHECKS
from verticals.automotive.compliance.conditional import ConditionalPriceCheck
from verticals.automotive.compliance.identification import SpecificVehicleCheck
from verticals.automotive.compliance.labels import VehicleLabelCheck
from verticals.automotive.compliance.leasing import ConsumerLeasingCheck
from verticals.automotive.compliance.lending import TruthInLendingCheck
from verticals.automotive.compliance.pricing import AdvertisedPriceCheck
from verticals.automotive.compliance.sale import SaleClaimCheck
from verticals.automotive.compliance.sold import SoldVehicleCheck

from .builders import draft, new_vehicle, vehicle

VIN = "VIN 2T3P1RFV8MC123456"
TAIL = "plus tax, title and license"


def only(findings: Any) -> Finding:
    findings = list(findings)
    assert len(findings) == 1, [f.as_dict() for f in findings]
    return findings[0]


def test_registered_for_the_automotive_vertical_only() -> None:
    keys = {check.key for check in CHECKS}
    auto = {c.key for c in checks_for(draft("x", jurisdictions=("US", "US-CA", "US-IL")))}
    other = {c.key for c in checks_for(draft("x", vertical="b2b", jurisdictions=("US",)))}
    assert keys <= auto
    assert keys.isdisjoint(other)
    assert {"auto.identification", "auto.sale"}.isdisjoint(
        c.key for c in checks_for(draft("x", jurisdictions=("US", "US-TX")))
    )


def test_price_without_the_doc_fee() -> None:
    finding = only(
        AdvertisedPriceCheck()(
            draft(
                f"Used 2021 RAV4 $24,995 {TAIL}. {VIN}",
                vehicle=vehicle(),
                jurisdictions=("US", "US-TX"),
            )
        )
    )
    assert finding.rule == "auto.price.fees_excluded"
    assert finding.severity is Severity.BLOCK
    assert finding.message == (
        "The creative advertises $24,995, but the vehicle costs $25,194 with its mandatory "
        "dealer charges (Doc fee $199); only taxes and government fees may be left out of an "
        "advertised price."
    )
    assert finding.citation.endswith("(2024); 43 TAC 215, Subchapter H")
    assert finding.citation.startswith("FTC Act §5 (15 U.S.C. 45)")
    assert finding.evidence == {
        "printed": 24995.0,
        "price": 24995.0,
        "mandatory_charges": {"Doc fee": 199.0},
        "advertised_price_required": 25194.0,
    }


def test_price_reads_the_lint_api_fees_and_leaves_out_optional_and_government_ones() -> None:
    inline = vehicle(
        price=18995,
        dealer_charges=[],
        dealer_fees=[
            {"name": "Reconditioning", "amount": 995, "mandatory": True},
            {"name": "Nitrogen", "amount": 199, "mandatory": False},
            {"name": "DMV registration", "amount": 300, "mandatory": True},
        ],
    )
    check = AdvertisedPriceCheck()
    finding = only(check(draft(f"Used 2021 RAV4 $18,995 {TAIL}. {VIN}", vehicle=inline)))
    assert finding.evidence["advertised_price_required"] == 19990.0
    assert finding.evidence["mandatory_charges"] == {"Reconditioning": 995.0}
    assert [*check(draft(f"Used 2021 RAV4 $19,990 {TAIL}. {VIN}", vehicle=inline))] == []
    # A payment, a fee, a rebate and an MSRP are not the vehicle's price.
    text = f"Used 2021 RAV4 $19,990 {TAIL}, MSRP $21,000, $18,995/mo? no: $1,000 off. {VIN}"
    assert [*check(draft(text, vehicle=inline))] == []


def test_price_doc_fee_exceptions_by_state() -> None:
    check = AdvertisedPriceCheck()
    said = f"Used 2021 RAV4 $24,995 plus $199 doc fee, {TAIL}. {VIN}"
    silent = f"Used 2021 RAV4 $24,995 {TAIL}. {VIN}"
    assert [*check(draft(said, vehicle=vehicle(), jurisdictions=("US", "US-IL")))] == []
    assert [*check(draft(said, vehicle=vehicle(), jurisdictions=("US", "US-CA")))] == []
    assert [*check(draft(silent, vehicle=vehicle(), jurisdictions=("US", "US-OH")))] == []
    assert [
        f.rule for f in check(draft(silent, vehicle=vehicle(), jurisdictions=("US", "US-IL")))
    ] == ["auto.price.fees_excluded"]
    ny = [f.rule for f in check(draft(said, vehicle=vehicle(), jurisdictions=("US", "US-NY")))]
    assert ny == [
        "auto.price.ny_doc_fee_cap",
        "auto.price.ny_doc_fee_statement",
        "auto.price.fees_excluded",
    ]


def test_conditional_trade_in_and_financing() -> None:
    check = ConditionalPriceCheck()
    finding = only(
        check(
            draft(
                f"Used 2021 RAV4 only $22,995 with trade-in! {VIN}",
                vehicle=vehicle(),
                jurisdictions=("US", "US-TX"),
            )
        )
    )
    assert finding.rule == "auto.conditional.trade_in"
    assert finding.message == (
        "The price $22,995 holds only with a trade-in; an advertised vehicle price must be one "
        "every buyer can pay."
    )
    assert finding.citation.endswith("43 TAC 215, Subchapter H (Texas)")
    assert finding.evidence == {
        "price": 22995.0,
        "clause": "used 2021 rav4 only $22,995 with trade-in",
    }
    financed = only(check(draft("$23,995 when you finance with us.", vehicle=vehicle())))
    assert financed.rule == "auto.conditional.financing"
    assert [*check(draft(f"$25,194 {TAIL}. Trade-ins welcome! Financing available."))] == []


def test_rebates_next_to_the_pre_rebate_price_in_california() -> None:
    check = ConditionalPriceCheck()
    ca = ("US", "US-CA")
    net = "New Camry $29,099 after $1,000 factory rebate, available to all buyers."
    assert [f.rule for f in check(draft(net, vehicle=new_vehicle(), jurisdictions=ca))] == [
        "auto.conditional.rebate_placement"
    ]
    assert [*check(draft(net, vehicle=new_vehicle(), jurisdictions=("US",)))] == []
    beside = "New Camry $30,099 - $1,000 factory rebate (available to all buyers) = $29,099."
    assert [*check(draft(beside, vehicle=new_vehicle(), jurisdictions=ca))] == []
    restricted = only(check(draft("New Camry $28,599 after $1,500 military rebate.")))
    assert restricted.rule == "auto.conditional.rebate"
    assert restricted.evidence["condition"] == "military rebate"


def test_identification_in_california() -> None:
    check = SpecificVehicleCheck()
    finding = only(
        check(
            draft(
                f"Used RAV4 $25,194 {TAIL}, stock #T1234",
                vehicle=vehicle(),
                jurisdictions=("US", "US-CA"),
            )
        )
    )
    assert finding.message == (
        "An ad for a specific vehicle must identify it; missing: the model year, the licence "
        "number or the VIN's distinguishing part (its last 6). A stock number alone does not "
        "identify it in California."
    )
    assert finding.evidence["stock_number_only"] is True
    assert [*check(draft("Used 2021 RAV4 $25,194, VIN ...123456", vehicle=vehicle()))] == []
    plated = vehicle(licence_plate="8ABC 123")
    assert [*check(draft("Used 2021 RAV4, plate 8ABC123, $25,194", vehicle=plated))] == []
    assert [*check(draft("Used RAV4s in stock now!", vehicle=vehicle()))] == []


def test_labels() -> None:
    check = VehicleLabelCheck()
    unlabelled = only(check(draft(f"2021 RAV4 $25,194 {TAIL}. {VIN}", vehicle=vehicle())))
    assert unlabelled.message == (
        "The vehicle is used but the ad does not say so ('used', 'pre-owned' or 'previously "
        "owned')."
    )
    certified = only(check(draft("Certified used 2021 RAV4", vehicle=vehicle())))
    assert (certified.rule, certified.evidence) == (
        "auto.labels.certified",
        {"claim": "certified used", "certified": False},
    )
    assert [*check(draft("Certified Pre-Owned 2021 RAV4", vehicle=vehicle(condition="cpo")))] == []
    assert [*check(draft("Used 2021 RAV4, ASE-certified technicians", vehicle=vehicle()))] == []
    assert [*check(draft("Like-new used 2021 RAV4 with new tires", vehicle=vehicle()))] == []
    demo = only(check(draft("New 2026 Camry SE", vehicle=new_vehicle(condition="demo"))))
    assert demo.rule == "auto.labels.demo"


def test_sold_and_removed() -> None:
    check = SoldVehicleCheck()
    finding = only(check(draft("Used 2021 RAV4", vehicle=vehicle(status="removed"))))
    assert finding.message == (
        "The vehicle is removed; a vehicle the dealer cannot sell may not be advertised."
    )
    assert [*check(draft("Used 2021 RAV4", vehicle=vehicle(status="pending")))] == []
    returned = vehicle(status="available", sold_at="2026-05-01T00:00:00+00:00")
    assert [*check(draft("Used 2021 RAV4", vehicle=returned))] == []


def test_sale_claims() -> None:
    check = SaleClaimCheck()
    il = ("US", "US-IL")
    findings = check(
        draft("Sale! New Camry $30,099, MSRP $31,000.", vehicle=new_vehicle(), jurisdictions=il)
    )
    assert [f.rule for f in findings] == ["auto.sale.reduction", "auto.sale.duration"]
    assert findings[0].message == (
        "The ad claims a 'sale': $30,099 is 2.9 % below the former price $31,000; a sale needs "
        "a bona fide reduction of at least 5 %."
    )
    fine = "Sale ends 6/30: new Camry was $32,000, now $30,099."
    assert [*check(draft(fine, vehicle=new_vehicle(), jurisdictions=il))] == []
    assert [
        *check(draft("Used 2021 RAV4 for sale: $25,194", vehicle=vehicle(), jurisdictions=il))
    ] == []


def test_truth_in_lending() -> None:
    check = TruthInLendingCheck()
    finding = only(check(draft("New Camry: $399/mo for 72 months on approved credit.")))
    assert finding.evidence == {
        "triggers": ["72 months", "$399/mo"],
        "missing": ["the down payment", "the annual percentage rate (APR)"],
    }
    full = "$399/mo for 72 months with $2,000 down at 6.9% APR, on approved credit."
    assert [*check(draft(full))] == []
    assert [*check(draft("6.9% APR financing available on approved credit."))] == []
    assert [*check(draft("12-month/12,000-mile warranty; 3 months of SiriusXM."))] == []
    zero = only(check(draft("$0 down on every new Camry!")))
    assert zero.evidence["triggers"] == ["$0 down"]
    oac = only(check(draft(f"{full} OAC", jurisdictions=("US", "US-CA"))))
    assert oac.rule == "auto.lending.oac_abbreviated"


def test_consumer_leasing() -> None:
    check = ConsumerLeasingCheck()
    finding = only(check(draft("Lease a new Camry for $299/mo!")))
    assert finding.evidence == {
        "triggers": ["$299/mo"],
        "missing": [
            "the total due at lease signing",
            "the number, amount and schedule of the payments",
            "whether a security deposit is required",
            "the end-of-term liability (excess wear and mileage)",
        ],
    }
    full = (
        "Lease a new Camry for $299/mo. for 36 months, $2,999 due at signing, no security "
        "deposit; excess wear and $0.25/mile over 10,000 miles/year."
    )
    assert [*check(draft(full))] == []
    # A lease ad is Reg M's, not Reg Z's.
    assert [*TruthInLendingCheck()(draft(full))] == []
