"""The program's rules as a compliance check: exact rule ids, nothing on a clean creative."""

from __future__ import annotations

from typing import Any

import pytest

from como.compliance.drafts import Draft, Sender
from como.compliance.engine import run_checks
from verticals.automotive.coop.check import CHECK, mentions
from verticals.automotive.coop.selectors import coop_rules_for
from verticals.automotive.coop.services import coop_program_save

from .support import WHEN, dealer, program

RULES: dict[str, Any] = {
    "key": "ford-coop",
    "name": "Ford co-op",
    "oem": "Ford",
    "brands": ["Ford", "Lincoln"],
    "eligible_channels": ["paid_social", "paid_search"],
    "required_disclaimers": {
        "*": ["See dealer for complete details."],
        "paid_social": ["Ford Credit approval required."],
    },
    "prohibited_phrases": ["below invoice", "0% APR*"],
    "forbidden_claims": ["lowest price guaranteed"],
    "required_claims": ["Built Ford Tough"],
}
CLEAN = (
    "2026 Ford F-150 XLT, $46,995. Built Ford Tough. Ford Credit approval required. "
    "See dealer for complete details."
)


def _draft(text: str, coop: Any = RULES, channel: str = "paid_social", **kw: Any) -> Draft:
    return Draft(
        channel=channel,
        sender=Sender("Lakeside Ford", "1 Lake Rd, Aurora, IL 60504"),
        at=WHEN,
        fields={"primary_text": text, "final_url": "https://lakeside.example/below-invoice"},
        vertical="automotive",
        coop=coop,
        **kw,
    )


def _rules(draft: Draft) -> list[str]:
    return [finding.rule for finding in CHECK(draft)]


def test_a_clean_creative_passes() -> None:
    assert _rules(_draft(CLEAN)) == []


def test_a_missing_disclaimer_blocks_on_its_channel_only() -> None:
    text = CLEAN.replace("Ford Credit approval required. ", "")

    findings = list(CHECK(_draft(text)))
    on_search = _rules(_draft(text, channel="paid_search"))

    assert [(f.rule, str(f.severity)) for f in findings] == [("coop.disclaimer_missing", "block")]
    assert findings[0].evidence["disclaimer"] == "Ford Credit approval required."
    assert on_search == []  # the paid_social disclaimer is not asked of a search ad


def test_the_every_channel_disclaimer_is_asked_everywhere() -> None:
    text = CLEAN.replace(" See dealer for complete details.", "")

    assert _rules(_draft(text, channel="paid_search")) == ["coop.disclaimer_missing"]


def test_disclaimers_match_across_case_and_line_breaks() -> None:
    text = CLEAN.replace("See dealer for complete details.", "SEE DEALER\nfor   complete details.")

    assert _rules(_draft(text)) == []


@pytest.mark.parametrize(
    "phrase", ["priced BELOW  INVOICE today", "Below\ninvoice!", "(below invoice)"]
)
def test_a_prohibited_phrase_blocks(phrase: str) -> None:
    findings = list(CHECK(_draft(f"{CLEAN} {phrase}")))

    assert [(f.rule, str(f.severity)) for f in findings] == [("coop.prohibited_phrase", "block")]
    assert findings[0].evidence == {"program": "ford-coop", "phrase": "below invoice"}


@pytest.mark.parametrize("near", ["below invoices", "subelow invoice", "invoice below"])
def test_phrases_match_whole_words_only(near: str) -> None:
    assert _rules(_draft(f"{CLEAN} {near}")) == []


def test_a_phrase_ending_in_a_symbol_still_matches() -> None:
    assert _rules(_draft(f"{CLEAN} 0% apr* for 60 months")) == ["coop.prohibited_phrase"]
    assert mentions("0% apr for 60 months", "0% APR*") is False


def test_the_link_is_not_ad_copy() -> None:
    # final_url holds "below-invoice": not words the reader sees in the ad.
    assert _rules(_draft(CLEAN)) == []


def test_a_forbidden_claim_and_a_missing_required_claim_block() -> None:
    text = CLEAN.replace("Built Ford Tough.", "Lowest price guaranteed.")

    assert _rules(_draft(text)) == ["coop.forbidden_claim", "coop.required_claim_missing"]


def test_a_channel_the_program_does_not_pay_for_is_a_warning() -> None:
    findings = list(CHECK(_draft(CLEAN, channel="sms")))

    assert [(f.rule, str(f.severity)) for f in findings] == [("coop.channel_ineligible", "warn")]


def test_programs_passed_by_make_apply_to_a_covered_vehicle_only() -> None:
    text = "2026 Ford F-150, below invoice"
    coop = {"programs": [RULES]}

    ford = _rules(_draft(text, coop=coop, vehicle={"make": "FORD"}))
    honda = _rules(_draft(text, coop=coop, vehicle={"make": "Honda"}))

    assert ford == [
        "coop.disclaimer_missing",
        "coop.disclaimer_missing",
        "coop.prohibited_phrase",
        "coop.required_claim_missing",
    ]
    assert honda == []


def test_a_program_named_by_the_draft_applies_whatever_the_make() -> None:
    draft = Draft(
        channel="paid_social",
        sender=Sender("Lakeside"),
        at=WHEN,
        fields={"primary_text": "below invoice", "coop_program": "FORD-COOP"},
        vertical="automotive",
        vehicle={"make": "Honda"},
        coop={"programs": [RULES]},
    )

    assert "coop.prohibited_phrase" in _rules(draft)


def test_no_coop_data_no_findings() -> None:
    assert _rules(_draft("below invoice", coop=None)) == []


def test_the_engine_runs_it_for_automotive_workspaces_only() -> None:
    automotive = run_checks(_draft("below invoice"))
    b2b = run_checks(
        Draft(
            channel="paid_social",
            sender=Sender("Acme"),
            at=WHEN,
            fields={"primary_text": "below invoice"},
            vertical="b2b",
            coop=RULES,
        )
    )

    assert "coop" in automotive.checked
    assert {f.rule for f in automotive.blocking} >= {"coop.prohibited_phrase"}
    assert "coop" not in b2b.checked


@pytest.mark.django_db
def test_the_selector_resolves_a_workspaces_programs_for_a_make_and_channel() -> None:
    workspace = dealer()
    ford = program(workspace)
    program(workspace, key="lincoln", name="Lincoln co-op", brands=["Lincoln"])
    coop_program_save(
        workspace=workspace,
        program=program(
            workspace, key="old", name="Old", active_until=WHEN.date().replace(year=2025)
        ),
        fields={},
    )

    rules = coop_rules_for(workspace, make=" ford ", channel="paid_social", today=WHEN.date())
    on_email = coop_rules_for(workspace, make="Ford", channel="email", today=WHEN.date())

    assert rules is not None
    assert [p["key"] for p in rules["programs"]] == [ford.key]
    assert rules["programs"][0]["prohibited_phrases"] == ["below invoice"]
    assert on_email is None  # the program does not pay for email
    assert coop_rules_for(workspace, make="", channel="paid_social", today=WHEN.date()) is None
