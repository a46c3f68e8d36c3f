"""What makes a co-op program's rules usable, field by field (the model's ``clean()`` and
``coop_program_save`` report these; the admin shows them next to each field)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from como.compliance.checks.common import KNOWN_CHANNELS

#: A disclaimer keyed "*" is required on every channel.
EVERY_CHANNEL = "*"
TEXT_LISTS = (
    "brands",
    "eligible_media",
    "prohibited_phrases",
    "required_claims",
    "forbidden_claims",
    "required_asset_ids",
)


def _channel_errors(channels: Any, allow_every: bool) -> list[str]:
    known = set(KNOWN_CHANNELS) | ({EVERY_CHANNEL} if allow_every else set())
    unknown = sorted(str(c) for c in channels if c not in known)
    if not unknown:
        return []
    return [f"Unknown channel(s) {', '.join(unknown)}; use {', '.join(sorted(known))}."]


def _disclaimer_errors(value: Any) -> list[str]:
    if not isinstance(value, dict):
        return ['Give an object of lists: {"paid_social": ["Offer ends 3/31."]}.']
    errors = _channel_errors(value, allow_every=True)
    for channel, texts in value.items():
        if not isinstance(texts, list) or not all(isinstance(t, str) and t.strip() for t in texts):
            errors.append(f"{channel}: give a list of non-blank texts.")
    return errors


def _split_errors(value: Any) -> list[str]:
    if value in ({}, None):
        return []
    if not isinstance(value, dict):
        return ['Give an object of shares: {"traditional": 0.25, "digital": 0.75}.']
    total = Decimal(0)
    for name, share in value.items():
        if not str(name).strip() or isinstance(share, bool):
            return ["Each share needs a name and a number."]
        try:
            amount = Decimal(str(share))
        except (InvalidOperation, ValueError):
            return [f"{name}: {share!r} is not a number."]
        if not amount.is_finite() or not 0 <= amount <= 1:
            return [f"{name}: a share is between 0 and 1."]
        total += amount
    if total != 1:
        return [f"The shares add up to {total}, not 1."]
    return []


def program_errors(program: Any) -> dict[str, list[str]]:
    """Field-keyed messages for what is wrong with ``program`` (a CoopProgram, unsaved or
    not); empty when it is usable. Field validators (ranges, the key's form) run as well."""
    from .models import AccrualBasis

    errors: dict[str, list[str]] = {}

    def add(field: str, messages: list[str]) -> None:
        if messages:
            errors.setdefault(field, []).extend(messages)

    add("eligible_channels", _channel_errors(program.eligible_channels or [], allow_every=False))
    add("required_disclaimers", _disclaimer_errors(program.required_disclaimers))
    add("accrual_split", _split_errors(program.accrual_split))
    for field in (*TEXT_LISTS, "eligible_channels"):
        if any(not str(text).strip() for text in getattr(program, field) or []):
            add(field, ["Remove the blank entries."])
    both = {c.casefold() for c in program.required_claims or []} & {
        c.casefold() for c in program.forbidden_claims or []
    }
    if both:
        add("forbidden_claims", [f"Also required: {', '.join(sorted(both))}."])
    if program.accrual_basis == AccrualBasis.PER_UNIT and program.accrual_amount is None:
        add("accrual_amount", ["A per-unit program needs the amount per unit."])
    if program.accrual_basis == AccrualBasis.MSRP_SHARE and program.accrual_rate is None:
        add("accrual_rate", ["An MSRP-share program needs the share of MSRP."])
    if program.accrual_basis == AccrualBasis.NONE and program.accrual_split:
        add("accrual_split", ["A program that accrues nothing here has no split."])
    if (
        program.active_from is not None
        and program.active_until is not None
        and program.active_until < program.active_from
    ):
        add("active_until", ["Ends before it starts."])
    return errors
