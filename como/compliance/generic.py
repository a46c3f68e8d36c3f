"""The generic checks: opt-outs, TCPA, CAN-SPAM, GDPR, CASL, CCPA. ``ComplianceConfig.ready``
registers them; a vertical adds its own from its app, never here."""

from __future__ import annotations

from .checks.canspam import CanSpamCheck
from .checks.ccpa import CcpaAudienceCheck
from .checks.consent_laws import CaslCheck, GdprCheck
from .checks.suppression import RevokedConsentCheck, SuppressionCheck
from .checks.tcpa import QuietHoursCheck, TcpaCheck
from .registry import Check

GENERIC_CHECKS: tuple[Check, ...] = (
    SuppressionCheck(),
    RevokedConsentCheck(),
    TcpaCheck(),
    QuietHoursCheck(),
    CanSpamCheck(),
    CaslCheck(),
    GdprCheck(),
    CcpaAudienceCheck(),
)
