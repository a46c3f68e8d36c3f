"""The generic checks, one law at a time, on drafts built as data (no database)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from como.compliance.drafts import Recipient, Sender
from como.compliance.engine import run_checks
from como.compliance.findings import Severity
from como.compliance.registry import checks_for, registered_checks
from como.consent.state import ConsentState

from .builders import (
    ADDRESS,
    GOOD_EMAIL,
    NOON,
    SENDER,
    UNSUBSCRIBE_URL,
    draft,
    expired,
    granted,
    person,
    revoked,
)

GENERIC = {
    "suppression",
    "consent.revoked",
    "tcpa",
    "tcpa.quiet_hours",
    "canspam",
    "casl",
    "gdpr",
    "ccpa",
}
TORONTO: dict[str, Any] = {"country": "CA", "region": "ON", "phone": "+14165550123"}
BERLIN: dict[str, Any] = {"country": "DE", "region": "", "phone": "+4915123456789"}
MIAMI: dict[str, Any] = {"country": "US", "region": "FL", "phone": "+13055550123"}


def rules(*args: object, **kwargs: object) -> list[tuple[str, str]]:
    report = run_checks(draft(*args, **kwargs))  # type: ignore[arg-type]
    return sorted((f.rule, str(f.severity)) for f in report.findings)


def test_generic_checks_are_registered_with_their_scope() -> None:
    keys = {check.key for check in registered_checks()}

    us_sms = {c.key for c in checks_for(draft("sms", person()))}
    us_email = {c.key for c in checks_for(draft("email", person()))}
    ca_email = {c.key for c in checks_for(draft("email", person(**TORONTO)))}
    eu_sms = {c.key for c in checks_for(draft("sms", person(**BERLIN)))}
    ads = {c.key for c in checks_for(draft("paid_social", kind="paid_social_audience_upload"))}

    assert keys >= GENERIC
    assert us_sms & GENERIC == {"suppression", "consent.revoked", "tcpa", "tcpa.quiet_hours"}
    assert us_email & GENERIC == {"suppression", "consent.revoked", "canspam"}
    assert ca_email & GENERIC == {"suppression", "consent.revoked", "casl"}
    assert eu_sms & GENERIC == {"suppression", "consent.revoked", "gdpr"}
    assert ads & GENERIC == {"suppression", "consent.revoked", "ccpa"}


def test_every_finding_has_message_citation_fix_and_evidence() -> None:
    nobody = person(country="CA", region="ON", phone="")
    bad_email = {"subject": "RE: hi", "body": "Buy now"}
    reports = [
        run_checks(draft("email", nobody, fields=bad_email)),
        run_checks(draft("sms", person(suppressed=frozenset({"*"})), fields={"body": "hi"})),
        run_checks(draft("email", person(revoked("email")), fields=bad_email)),
        run_checks(draft("sms", person(**BERLIN))),
    ]

    findings = [f for report in reports for f in report.findings]
    assert len(findings) >= 8
    for finding in findings:
        assert finding.rule.split(".")[0] in {k.split(".")[0] for k in GENERIC}
        assert all([finding.message, finding.citation, finding.fix, finding.evidence]), finding


# --- opt-outs --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "suppressed", "blocked"),
    [
        ("email", {"email"}, True),
        ("email", {"*"}, True),
        ("email", {"sms"}, False),
        ("sms", {"sms"}, True),
        ("sms", {"email", "ads"}, False),
        ("paid_social", {"ads"}, True),
        ("linkedin", {"*"}, True),
        ("paid_search", {"email"}, False),
    ],
)
def test_suppression_blocks_the_suppressed_channel_only(
    channel: str, suppressed: set[str], blocked: bool
) -> None:
    recipient = person(granted("email"), granted("sms"), suppressed=frozenset(suppressed))

    report = run_checks(draft(channel, recipient))

    found = [f for f in report.findings if f.rule == "suppression.suppressed"]
    assert len(found) == (1 if blocked else 0)
    if blocked:
        assert found[0].severity is Severity.BLOCK
        assert found[0].evidence["suppressed_on"] == sorted(suppressed)


def test_a_revocation_blocks_that_channel_in_any_jurisdiction() -> None:
    assert rules("email", person(revoked("email"))) == [("consent.revoked.latest", "block")]
    assert rules("email", person(revoked("sms"))) == []
    assert ("consent.revoked.latest", "block") in rules("sms", person(revoked("sms"), **MIAMI))
    assert ("consent.revoked.latest", "block") in rules("email", person(revoked("email"), **BERLIN))


# --- TCPA --------------------------------------------------------------------------------------


def test_tcpa_allows_written_consent_with_identification() -> None:
    assert rules("sms", person(granted("sms"))) == []
    assert rules("sms", person(granted("sms"), **MIAMI)) == []


@pytest.mark.parametrize(
    "consent",
    [
        None,
        granted("sms", "express"),
        granted("sms", "implied_inquiry"),
        granted("email"),  # the other channel's consent does not count
        revoked("sms"),
        expired("sms", "express_written", NOON - timedelta(days=1)),
    ],
    ids=["none", "express", "implied", "email-only", "revoked", "expired"],
)
def test_tcpa_needs_express_written_sms_consent(consent: ConsentState | None) -> None:
    recipient = person(*([consent] if consent else []))

    found = [rule for rule in rules("sms", recipient) if rule[0].startswith("tcpa")]

    assert found == [("tcpa.written_consent", "block")]


@pytest.mark.parametrize(
    ("body", "sent", "identified"),
    [
        ("Acme Motors: 20% off. Reply STOP to opt out.", 0, True),
        ("ACME MOTORS: 20% off. reply stop to end.", 0, True),
        ("20% off this week. Reply STOP to opt out.", 0, False),
        ("Acme Motors: 20% off this week!", 0, False),
        ("Acme Motors: nonstop deals all week", 0, False),
        ("20% off this week!", 4, True),
    ],
)
def test_the_first_text_names_the_sender_and_how_to_stop(
    body: str, sent: int, identified: bool
) -> None:
    recipient = person(granted("sms"), messages_sent=sent)

    found = rules("sms", recipient, fields={"body": body})

    assert found == ([] if identified else [("tcpa.identification", "block")])


def test_a_text_linted_without_recipient_is_read_as_a_first_message() -> None:
    anonymous = draft("sms", fields={"body": "Big sale"}, jurisdictions=frozenset({"US"}))

    report = run_checks(anonymous)

    assert [f.rule for f in report.findings] == ["tcpa.identification"]
    assert "Acme Motors" in report.findings[0].message


# --- CAN-SPAM ----------------------------------------------------------------------------------


def test_us_email_needs_no_consent() -> None:
    assert rules("email", person()) == []
    assert rules("email", person(granted("sms"))) == []
    assert rules("email", person(**MIAMI)) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"list_unsubscribe": ""}, [("canspam.unsubscribe", "block")]),
        (
            {"body": f"Hello.\n{ADDRESS}\nTo stop these emails, reply."},
            [("canspam.unsubscribe", "block")],
        ),
        ({"body": f"Hello.\n{ADDRESS}\nUnsubscribe any time."}, [("canspam.unsubscribe", "block")]),
        (
            {"body": f'<p>{ADDRESS}</p><a href="https://x.example/u/1">Unsubscribe</a>'},
            [],
        ),
        ({"body": f"{ADDRESS}\nOpt out: https://x.example/o/1"}, []),
        ({"body": f"{ADDRESS}\nManage: {UNSUBSCRIBE_URL}"}, []),  # the header's own target
        (
            {"body": "Hello.\nUnsubscribe: https://x.example/u/1"},
            [("canspam.postal_address", "block")],
        ),
        ({"body": "1 MAIN ST\nSpringfield,  IL 62701\nUnsubscribe: https://x.example/u"}, []),
        ({"subject": "RE: your car"}, [("canspam.subject", "warn")]),
        ({"subject": "fwd: deal"}, [("canspam.subject", "warn")]),
        ({"subject": "Fw : deal"}, [("canspam.subject", "warn")]),
        ({"subject": "   "}, [("canspam.subject", "warn")]),
        ({"subject": "Regarding your car"}, []),
    ],
)
def test_canspam(changes: dict[str, str], expected: list[tuple[str, str]]) -> None:
    assert rules("email", person(), fields={**GOOD_EMAIL, **changes}) == expected


def test_canspam_without_a_postal_address_on_the_workspace() -> None:
    anonymous_sender = Sender(name="Acme Motors", postal_address="")

    found = run_checks(draft("email", person(), sender=anonymous_sender)).findings

    assert [(f.rule, f.message) for f in found] == [
        (
            "canspam.postal_address",
            "The workspace has no postal address to print in the footer.",
        )
    ]
    assert SENDER.postal_address == ADDRESS


# --- CASL and GDPR -----------------------------------------------------------------------------


@pytest.mark.parametrize("channel", ["email", "sms"])
@pytest.mark.parametrize(
    ("consent", "expected"),
    [
        ("express_written", []),
        ("express", []),
        ("implied_purchase", []),
        ("implied_inquiry", []),
        ("legitimate_interest", [("casl.consent", "block")]),
        (None, [("casl.consent", "block")]),
        ("expired_inquiry", [("casl.implied_expired", "block")]),
        ("other_channel", [("casl.consent", "block")]),
    ],
)
def test_casl(channel: str, consent: str | None, expected: list[tuple[str, str]]) -> None:
    other = "sms" if channel == "email" else "email"
    states = {
        None: [],
        "expired_inquiry": [expired(channel, "implied_inquiry", NOON - timedelta(days=3))],
        "other_channel": [granted(other)],
    }.get(consent) or [granted(channel, str(consent), expires_at=NOON + timedelta(days=9))]

    assert rules(channel, person(*states, **TORONTO)) == expected


def test_an_expired_implied_consent_names_its_expiry() -> None:
    purchase = expired("email", "implied_purchase", NOON - timedelta(days=1))
    # Read as granted earlier, but the draft goes out after the expiry.
    stale = granted("email", "implied_inquiry", expires_at=NOON - timedelta(hours=1))

    (first,) = run_checks(draft("email", person(purchase, **TORONTO))).findings
    (second,) = run_checks(draft("email", person(stale, **TORONTO))).findings

    assert first.rule == second.rule == "casl.implied_expired"
    assert first.message == (
        "Implied consent from a purchase expired on 2026-06-09 (it lasts 2 years)."
    )
    assert second.message == (
        "Implied consent from an inquiry expired on 2026-06-10 (it lasts 6 months)."
    )
    assert first.citation == "S.C. 2010, c. 23, ss. 6(1), 10(9)-(10)"


def test_a_canadian_revocation_is_blocked_twice_over() -> None:
    assert rules("sms", person(revoked("sms"), **TORONTO)) == [
        ("casl.consent", "block"),
        ("consent.revoked.latest", "block"),
    ]


@pytest.mark.parametrize("channel", ["email", "sms"])
@pytest.mark.parametrize(
    ("basis", "expected"),
    [
        ("express_written", []),
        ("express", []),
        ("legitimate_interest", [("gdpr.soft_opt_in", "warn")]),
        ("implied_purchase", [("gdpr.consent", "block")]),
        (None, [("gdpr.consent", "block")]),
    ],
)
def test_gdpr(channel: str, basis: str | None, expected: list[tuple[str, str]]) -> None:
    states = [granted(channel, basis, expires_at=NOON + timedelta(days=9))] if basis else []

    assert rules(channel, person(*states, **BERLIN)) == expected


def test_gdpr_covers_the_uk_and_the_eea() -> None:
    for country in ("GB", "NO", "FR"):
        assert rules("email", person(country=country, region="", phone="")) == [
            ("gdpr.consent", "block")
        ]


# --- CCPA --------------------------------------------------------------------------------------


def _audience() -> list[Recipient]:
    return [
        person(granted("ads"), contact_id=1),
        person(revoked("ads"), contact_id=2),
        person(contact_id=3, suppressed=frozenset({"*"})),
        person(contact_id=4, suppressed=frozenset({"email"})),
        person(revoked("email"), contact_id=5),
        person(contact_id=6, suppressed=frozenset({"ads"}), country="", region=""),
    ]


@pytest.mark.parametrize("channel", ["paid_social", "paid_search", "linkedin"])
def test_ccpa_keeps_opted_out_people_out_of_audience_uploads(channel: str) -> None:
    upload = draft(channel, kind=f"{channel}_audience_upload", audience=_audience())

    (finding,) = run_checks(upload).findings

    assert (finding.rule, finding.severity) == ("ccpa.opted_out", Severity.BLOCK)
    assert finding.evidence == {"contact_ids": [2, 3, 6], "count": 3}
    assert "contacts 2, 3, 6" in finding.message


def test_ccpa_ignores_other_kinds_and_clean_audiences() -> None:
    assert run_checks(draft("paid_social", kind="ad_launch", audience=_audience())).findings == ()
    clean = [person(granted("ads"), contact_id=n) for n in range(30)]
    assert run_checks(draft("linkedin", kind="audience_upload", audience=clean)).findings == ()


def test_ccpa_names_ten_ids_and_counts_the_rest() -> None:
    opted_out = [person(revoked("ads"), contact_id=n) for n in range(1, 26)]

    (finding,) = run_checks(
        draft("paid_social", kind="paid_social_audience_upload", audience=opted_out)
    ).findings

    assert "contacts 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 15 more." in finding.message
    assert finding.evidence["count"] == 25


# --- the consent matrix, at the engine -----------------------------------------------------------

STATES = ["none", "revoked", "other_channel", "expired_casl_implied", "valid"]
PLACES: dict[str, dict[str, Any]] = {"US": {}, "Canada": TORONTO, "EU": BERLIN, "Florida": MIAMI}


def _consents(state: str, channel: str) -> list[ConsentState]:
    other = "sms" if channel == "email" else "email"
    return {
        "none": [],
        "revoked": [revoked(channel)],
        "other_channel": [granted(other)],
        "expired_casl_implied": [expired(channel, "implied_purchase", NOON - timedelta(days=2))],
        "valid": [granted(channel, "express_written")],
    }[state]


def test_consent_matrix_allows_exactly_where_the_law_does() -> None:
    allowed = set()
    for state in STATES:
        for channel in ("email", "sms"):
            for place, where in PLACES.items():
                report = run_checks(draft(channel, person(*_consents(state, channel), **where)))
                if not report.blocking and report.defer_until is None:
                    allowed.add((state, channel, place))

    # US email is opt-out (CAN-SPAM): only a revocation stops it. Everywhere else and for
    # every text, only valid (express written) consent on that channel lets it through.
    us_email = {
        (state, "email", place)
        for state in ("none", "other_channel", "expired_casl_implied", "valid")
        for place in ("US", "Florida")
    }
    valid = {("valid", channel, place) for channel in ("email", "sms") for place in PLACES}
    assert allowed == us_email | valid
    assert len(allowed) == 14
