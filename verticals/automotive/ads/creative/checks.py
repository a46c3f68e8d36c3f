"""One vehicle's creative on one channel, rendered and judged: the platform's limits (the
adapter's own request builder, so what passes here is what the platform would be sent) and
the compliance engine's checks, given the vehicle as data for the vertical's own checks.

A fragment that is not a whole message (the email vehicle block) is checked as ``creative``:
content checks apply to it, message-level ones (unsubscribe, sender identification) apply to
the message it is placed in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from como.channels.ads import platform_limits
from como.channels.models import ChannelAccount
from como.compliance.drafts import Draft, Sender
from como.compliance.engine import run_checks
from como.compliance.findings import Finding, Severity

from .render import FieldErrors, render_fields
from .specs import CreativeSpec

#: The draft channel of a fragment of a message.
FRAGMENT = "creative"
RENDER_RULE = "creative.render"


@dataclass(frozen=True)
class CreativeResult:
    """A rendered creative, the payload its adapter would send, and its findings."""

    kind: str
    channel: str
    fields: Mapping[str, str | list[str]]
    payload: Mapping[str, Any] = field(default_factory=dict)
    findings: Sequence[Mapping[str, Any]] = ()

    @property
    def blocked(self) -> bool:
        return any(f.get("severity") == Severity.BLOCK for f in self.findings)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "channel": self.channel,
            "fields": dict(self.fields),
            "payload": dict(self.payload),
            "findings": list(self.findings),
            "blocked": self.blocked,
        }


def _render_findings(errors: Mapping[str, str]) -> list[Finding]:
    return [
        Finding(
            rule=RENDER_RULE,
            severity=Severity.BLOCK,
            message=f"{name}: {message}",
            fix="Fix the template in the admin (Creative templates).",
            evidence={"field": name},
        )
        for name, message in errors.items()
    ]


def vehicle_creative(
    spec: CreativeSpec,
    sources: Mapping[str, str],
    *,
    vehicle: Mapping[str, Any],
    rooftop: Mapping[str, Any],
    workspace: Mapping[str, Any],
    sender: Sender,
    vertical: str,
    jurisdictions: frozenset[str],
    at: datetime,
    placement: Mapping[str, Any] | None = None,
    account: ChannelAccount | None = None,
) -> CreativeResult:
    """Render ``spec`` for one vehicle and judge it. Pure but for the render: no query (the
    caller reads the account once per channel, the vehicles in bulk)."""
    context = {"vehicle": vehicle, "rooftop": rooftop, "workspace": workspace}
    try:
        rendered = render_fields(spec, sources, context)
    except FieldErrors as error:
        findings = [f.as_dict() for f in _render_findings(error.errors)]
        return CreativeResult(spec.key, spec.channel, {}, {}, findings)
    own: list[Finding] = []
    payload: dict[str, Any] = {}
    limits = platform_limits(spec.channel)
    if spec.payload is not None and limits is not None:
        payload = spec.payload(rendered, vehicle, placement or {})
        own = limits.findings(payload, account)
        text = limits.draft_fields(payload)
        channel = spec.channel
    else:
        text = {
            name: value if isinstance(value, str) else "\n".join(value)
            for name, value in rendered.items()
        }
        channel = spec.channel if spec.channel != "email" else FRAGMENT
    draft = Draft(
        channel=channel,
        sender=sender,
        at=at,
        kind=spec.create_kind or spec.key,
        fields=text,
        jurisdictions=jurisdictions,
        vertical=vertical,
        vehicle=vehicle,
    )
    report = run_checks(draft)
    findings = [f.as_dict() for f in (*own, *report.findings)]
    return CreativeResult(spec.key, spec.channel, rendered, payload, findings)
