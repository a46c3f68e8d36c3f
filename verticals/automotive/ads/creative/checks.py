"""One vehicle's creative on one channel, rendered and judged: the platform's limits (the
adapter's own request builder, so what passes here is what the platform would be sent) and
the compliance engine's checks, given the vehicle as data for the vertical's own checks.

A fragment that is not a whole message (the email vehicle block) is checked as ``creative``:
content checks apply to it, message-level ones (unsubscribe, sender identification) apply to
the message it is placed in.

:func:`vehicles_creative` does the same for many vehicles and several creatives at once, paying
what they share once (the sources joined, the rooftop and workspace made plain, each vehicle
made plain once for every creative): the inventory agent's proposals and ``bench/inventory.py``
use it; :func:`vehicle_creative` is the one-vehicle case (a preview)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from como.channels.ads import PlatformLimits, platform_limits
from como.channels.models import ChannelAccount
from como.compliance.drafts import Draft, Sender
from como.compliance.engine import run_checks
from como.compliance.findings import Finding, Severity
from como.creative import PlainContext

from .render import (
    Combined,
    FieldErrors,
    Prepared,
    render_prepared,
    shared_context,
    vehicle_context,
)
from .specs import CreativeSpec, Rendered

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
    def blocking(self) -> list[Mapping[str, Any]]:
        return [f for f in self.findings if f.get("severity") == Severity.BLOCK]

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

    def proposed(self) -> dict[str, Any]:
        """What a proposal keeps of it: :meth:`as_dict` with the copy once. An ad's rendered
        fields are all in its platform request (``payload``, what the approver is shown and
        the platform would be sent), so only a creative without one keeps ``fields``; a
        launch of 250 vehicles is then some 40 % less JSON to encode, store and read."""
        out = self.as_dict()
        if self.payload:
            del out["fields"]
        return out


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


@dataclass(frozen=True)
class _Judged:
    """What a batch shares per creative: the prepared sources, the platform's limits, the
    placement and account, and the draft's fixed parts."""

    prepared: Prepared
    limits: PlatformLimits | None
    placement: Mapping[str, Any]
    account: ChannelAccount | None
    draft_channel: str
    draft_kind: str

    @classmethod
    def of(
        cls,
        spec: CreativeSpec,
        sources: Mapping[str, str],
        placement: Mapping[str, Any] | None,
        account: ChannelAccount | None,
    ) -> _Judged:
        limits = platform_limits(spec.channel) if spec.payload is not None else None
        channel = spec.channel if limits is not None or spec.channel != "email" else FRAGMENT
        return cls(
            Prepared.of(spec, sources),
            limits,
            placement or {},
            account,
            channel,
            spec.create_kind or spec.key,
        )


def _judge(
    judged: _Judged,
    context: PlainContext,
    vehicle: Mapping[str, Any],
    sender: Sender,
    vertical: str,
    jurisdictions: frozenset[str],
    at: datetime,
    coop: Mapping[str, Any] | None = None,
    rendered: Rendered | None = None,
) -> CreativeResult:
    """``rendered``: the spec's fields when a combined render made them already."""
    spec = judged.prepared.spec
    if rendered is None:
        try:
            rendered = render_prepared(judged.prepared, context)
        except FieldErrors as error:
            findings = [f.as_dict() for f in _render_findings(error.errors)]
            return CreativeResult(spec.key, spec.channel, {}, {}, findings)
    own: list[Finding] = []
    payload: dict[str, Any] = {}
    limits = judged.limits
    if spec.payload is not None and limits is not None:
        payload = spec.payload(rendered, vehicle, judged.placement)
        own = limits.findings(payload, judged.account)
        text = limits.draft_fields(payload)
    else:
        text = {
            name: value if isinstance(value, str) else "\n".join(value)
            for name, value in rendered.items()
        }
    draft = Draft(
        channel=judged.draft_channel,
        sender=sender,
        at=at,
        kind=judged.draft_kind,
        fields=text,
        jurisdictions=jurisdictions,
        vertical=vertical,
        vehicle=vehicle,
        coop=coop,
    )
    report = run_checks(draft)
    findings = [f.as_dict() for f in (*own, *report.findings)]
    return CreativeResult(spec.key, spec.channel, rendered, payload, findings)


def _combined(judged: Sequence[_Judged]) -> list[tuple[tuple[int, ...], Combined]]:
    """The specs rendered together per vehicle: those of one autoescape mode, as one
    :class:`Combined` each (by their indices in ``judged``)."""
    by_mode: dict[bool, list[int]] = {}
    for index, one in enumerate(judged):
        by_mode.setdefault(one.prepared.spec.html, []).append(index)
    out = []
    for indices in by_mode.values():
        together = Combined.of([judged[index].prepared for index in indices])
        if together is not None:
            out.append((tuple(indices), together))
    return out


def vehicles_creative(
    specs: Sequence[CreativeSpec],
    sources: Mapping[str, Mapping[str, str]],
    *,
    vehicles: Iterable[Mapping[str, Any]],
    rooftop: Mapping[str, Any],
    workspace: Mapping[str, Any],
    sender: Sender,
    vertical: str,
    jurisdictions: frozenset[str],
    at: datetime,
    placements: Mapping[str, Mapping[str, Any]] | None = None,
    accounts: Mapping[str, ChannelAccount | None] | None = None,
    coop: Mapping[str, Mapping[str, Any] | None] | None = None,
) -> dict[str, list[CreativeResult]]:
    """Each spec rendered and judged for each vehicle of one rooftop: ``{spec key: [result per
    vehicle, in order]}``, each result exactly what :func:`vehicle_creative` gives.

    ``sources`` is ``{spec key: {field: source}}`` (:func:`.render.templates_for`; a spec
    missing from it renders its defaults); ``placements``, ``accounts`` and ``coop`` (the
    co-op programs' rules, ``Draft.coop``) are by channel. Pure but for the renders: no
    query."""
    placements = placements or {}
    accounts = accounts or {}
    coop = coop or {}
    judged = [
        _Judged.of(
            spec,
            sources.get(spec.key) or spec.defaults(),
            placements.get(spec.channel),
            accounts.get(spec.channel),
        )
        for spec in specs
    ]
    shared = shared_context(rooftop, workspace)
    combined = _combined(judged)
    results: dict[str, list[CreativeResult]] = {spec.key: [] for spec in specs}
    lists = [results[spec.key] for spec in specs]
    programs = [coop.get(spec.channel) for spec in specs]
    for vehicle in vehicles:
        context = vehicle_context(vehicle, shared)
        rendered: list[Rendered | None] = [None] * len(judged)
        for indices, together in combined:
            parts = together.render(context)  # None: each spec alone, in _judge
            if parts is not None:
                for index, part in zip(indices, parts, strict=True):
                    rendered[index] = part
        for one, out, made, program in zip(judged, lists, rendered, programs, strict=True):
            out.append(
                _judge(one, context, vehicle, sender, vertical, jurisdictions, at, program, made)
            )
    return results


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
    coop: Mapping[str, Any] | None = None,
) -> CreativeResult:
    """Render ``spec`` for one vehicle and judge it. Pure but for the render: no query (the
    caller reads the account once per channel, the vehicles in bulk)."""
    judged = _Judged.of(spec, sources, placement, account)
    context = vehicle_context(vehicle, shared_context(rooftop, workspace))
    return _judge(judged, context, vehicle, sender, vertical, jurisdictions, at, coop)
