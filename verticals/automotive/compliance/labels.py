"""Used, certified and demonstrator labels: a used vehicle is advertised as used (Cal. Veh.
Code 11713.16(a); FTC Act §5), never as new; "certified" only for a vehicle the feed marks
certified (Cal. Veh. Code 11713.18); a demonstrator is disclosed as one (a demonstrator is a
used vehicle: Cal. Veh. Code 665)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from como.compliance.drafts import Draft
from como.compliance.findings import Finding, Severity

from .reading import condition, creative, is_certified

FTC = "FTC Act §5 (15 U.S.C. 45)"
_USED_WORDS = re.compile(
    r"\bused\b|\bpre-?\s?owned\b|\bpreviously[- ]owned\b|\bsecond[- ]?hand\b|\bcpo\b|"
    r"\bdemo(?:nstrator)?s?\b|\bloaner\b"
)
_DEMO_WORDS = re.compile(r"\bdemo(?:nstrator)?s?\b|\b(?:service |courtesy )?loaner\b")
_CERTIFIED = re.compile(r"\bcertified\b|\bcpo\b")
#: "certified technicians", "ASE-certified service": not a claim about the vehicle.
_NOT_ABOUT_VEHICLE = re.compile(
    r"\s*(?:[a-z]+\s+)?(?:technicians?|techs?|mechanics?|service|dealer(?:ship)?|collision|"
    r"staff|team|shop|repair|body|experts?|sales|professionals?|specialists?|appraisal|"
    r"appraisers?|financ)"
)
_CLAIM_WORDS = re.compile(r"\S+(?:\s+[\w-]+)?")
_NOT_BEFORE = re.compile(r"(?:ase[- ]?|factory[- ]|not\s+|non-?|un)$")


_NEW = re.compile(r"(?<!like[- ])(?<!nearly )(?<!almost )\b(?:brand[- ]new|new)\b\s*(\S*)")


def _brand_new(lower: str, vehicle_words: list[str]) -> str:
    """The words calling the vehicle new ("brand new", "new 2021 …", "new RAV4"), or ''."""
    for match in _NEW.finditer(lower):
        if match.group(0).startswith("brand"):
            return match.group(0)
        if match.group(1).strip(",.!") in vehicle_words:
            return match.group(0)
    return ""


class VehicleLabelCheck:
    key = "auto.labels"
    channels = None
    jurisdictions = frozenset({"US"})
    verticals = frozenset({"automotive"})

    def __call__(self, draft: Draft) -> Sequence[Finding]:
        vehicle = draft.vehicle
        if not vehicle:
            return ()
        lower = creative(draft).lower
        if not lower:
            return ()
        state = condition(vehicle)
        findings: list[Finding] = []
        if state in ("used", "cpo", "demo"):
            words = [str(vehicle.get(k) or "").lower() for k in ("year", "make", "model")]
            as_new = _brand_new(lower, [w for w in words if w]) if "new" in lower else ""
            if state == "demo" and not _DEMO_WORDS.search(lower):
                findings.append(
                    Finding(
                        rule="auto.labels.demo",
                        severity=Severity.BLOCK,
                        message="The vehicle is a demonstrator; the ad does not say so.",
                        citation=f"Cal. Veh. Code 665, 11713.16(a); {FTC}",
                        fix="Call it a demo (or demonstrator) and give its mileage.",
                        evidence={"condition": state},
                    )
                )
            elif as_new or not _USED_WORDS.search(lower):
                findings.append(
                    Finding(
                        rule="auto.labels.used",
                        severity=Severity.BLOCK,
                        message=(
                            f"The vehicle is used but the ad calls it new ({as_new!r})."
                            if as_new
                            else "The vehicle is used but the ad does not say so ('used', "
                            "'pre-owned' or 'previously owned')."
                        ),
                        citation=f"Cal. Veh. Code 11713.16(a); {FTC}",
                        fix="Label it 'Used' or 'Pre-Owned' (a certified vehicle: 'Certified "
                        "Pre-Owned').",
                        evidence={"condition": state, "called_new": as_new},
                    )
                )
        if not is_certified(vehicle) and ("certified" in lower or "cpo" in lower):
            claim = _certified_claim(lower)
            if claim:
                findings.append(
                    Finding(
                        rule="auto.labels.certified",
                        severity=Severity.BLOCK,
                        message="The ad calls the vehicle certified; the inventory does not "
                        "mark it certified.",
                        citation=f"Cal. Veh. Code 11713.18; {FTC}",
                        fix="Remove 'certified' or certify the vehicle (the feed's certified "
                        "flag) first.",
                        evidence={"claim": claim, "certified": False},
                    )
                )
        return findings


def _certified_claim(lower: str) -> str:
    for match in _CERTIFIED.finditer(lower):
        if _NOT_ABOUT_VEHICLE.match(lower, match.end()):
            continue
        if _NOT_BEFORE.search(lower, max(0, match.start() - 10), match.start()):
            continue
        return _CLAIM_WORDS.match(lower, match.start()).group(0)  # type: ignore[union-attr]
    return ""
