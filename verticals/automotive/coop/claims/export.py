"""A claim package: one HTML page per channel the campaign ran on (the creative as proof, the
run dates, the spend, the compliance report, the invoice references) and ``summary.csv``,
zipped.

The creative shown is the vertical's vehicle creative for the channel, rendered with the
workspace's templates for a sample vehicle of the program's brands (the newest one on sale,
else the newest sold), and judged by the platform limits, the compliance engine and the
program's own rules: what the OEM's auditor would see the dealer run.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Max, Min, Q, Sum
from django.template.loader import render_to_string

from como import csvsafe
from como.campaigns.models import ChannelMetric
from como.channels.models import ChannelAccount
from como.compliance.drafts import Draft, Sender, jurisdictions_of

from ...ads.creative import SPECS, rooftop_data, templates_for, vehicle_creative, vehicle_data
from ...ads.rules import rules_for
from ...inventory.models import Rooftop, Vehicle, VehicleStatus
from ..check import CHECK
from ..models import CoopClaim, CoopProgram
from ..rules import program_rules
from ..selectors import ZERO, cents

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
SUMMARY_HEADER = [
    "claim",
    "program",
    "oem",
    "campaign",
    "channel",
    "campaign_starts_on",
    "campaign_ends_on",
    "first_day",
    "last_day",
    "spend",
    "eligible",
    "reimbursement_rate",
    "claimable",
    "blocking_findings",
    "invoice_refs",
]


@dataclass(frozen=True)
class ChannelProof:
    channel: str
    first_day: date | None
    last_day: date | None
    spend: Decimal
    eligible: bool
    creative: Mapping[str, Any] | None
    vehicle: str
    findings: list[Mapping[str, Any]]

    @property
    def blocking(self) -> int:
        return sum(1 for f in self.findings if f.get("severity") == "block")


def _sample_vehicle(program: CoopProgram) -> dict[str, Any] | None:
    makes = Q()
    for brand in program.brands:
        makes |= Q(make__iexact=brand.strip())
    if not program.brands:
        return None
    vehicles = Vehicle.objects.filter(makes, workspace_id=program.workspace_id)
    rooftop_ids = [r.pk for r in program.rooftops.all()]
    if rooftop_ids:
        vehicles = vehicles.filter(rooftop_id__in=rooftop_ids)
    on_sale = vehicles.filter(status=VehicleStatus.AVAILABLE).order_by("-first_seen_at", "-id")
    row = on_sale.values().first() or vehicles.order_by("-id").values().first()
    return dict(row) if row else None


def _proof(
    claim: CoopClaim, channel: str, sample: dict[str, Any] | None, now: datetime
) -> tuple[Mapping[str, Any] | None, str, list[Mapping[str, Any]]]:
    """The creative on ``channel`` for the sample vehicle and its findings (with the
    program's rules); None when the vertical has no vehicle creative for the channel."""
    # The ad a channel launches, else the channel's other creative (the email block, the
    # direct-mail piece).
    specs = [spec for spec in SPECS.all() if spec.channel == channel]
    spec = next((s for s in specs if s.create_kind), specs[0] if specs else None)
    workspace = claim.workspace
    if spec is None or sample is None:
        return None, "", []
    rooftop_row = Rooftop.objects.filter(pk=sample["rooftop_id"]).values().first() or {}
    vehicle = vehicle_data(sample, now=now)
    placements = rules_for(workspace).placements
    placement = getattr(placements, channel, None)
    result = vehicle_creative(
        spec,
        templates_for(workspace)[spec.key],
        vehicle=vehicle,
        rooftop=rooftop_data(rooftop_row),
        workspace={"name": workspace.name, "postal_address": workspace.postal_address},
        sender=Sender.of(workspace),
        vertical=workspace.vertical,
        jurisdictions=jurisdictions_of(
            str(rooftop_row.get("country") or ""), str(rooftop_row.get("region") or "")
        ),
        at=now,
        placement=placement.model_dump() if placement is not None else None,
        account=ChannelAccount.objects.filter(workspace=workspace, channel=channel).first(),
    )
    text = {
        name: value if isinstance(value, str) else "\n".join(value)
        for name, value in result.fields.items()
    }
    draft = Draft(
        channel=spec.channel,
        sender=Sender.of(workspace),
        at=now,
        kind=spec.key,
        fields=text,
        vertical=workspace.vertical,
        vehicle=vehicle,
        coop=program_rules(claim.program),
    )
    findings = [*result.findings, *(f.as_dict() for f in CHECK(draft))]
    creative = {"kind": spec.key, "fields": sorted(text.items())}
    return creative, str(vehicle.get("name") or ""), findings


def channel_proofs(claim: CoopClaim, *, now: datetime) -> list[ChannelProof]:
    campaign = claim.campaign
    metrics = (
        ChannelMetric.objects.filter(workspace_id=claim.workspace_id, campaign=campaign)
        .values("channel")
        .annotate(first=Min("day"), last=Max("day"), spend=Sum("spend"))
    )
    by_channel = {row["channel"]: row for row in metrics}
    channels = sorted(set(by_channel) | {str(c) for c in campaign.channels or []})
    sample = _sample_vehicle(claim.program)
    eligible = set(claim.program.eligible_channels)
    proofs = []
    for channel in channels:
        row = by_channel.get(channel, {})
        creative, vehicle, findings = _proof(claim, channel, sample, now)
        proofs.append(
            ChannelProof(
                channel=channel,
                first_day=row.get("first"),
                last_day=row.get("last"),
                spend=row.get("spend") or ZERO,
                eligible=not eligible or channel in eligible,
                creative=creative,
                vehicle=vehicle,
                findings=findings,
            )
        )
    return proofs


def _summary(claim: CoopClaim, proofs: list[ChannelProof]) -> str:
    out = io.StringIO()
    writer = csvsafe.writer(out)
    writer.writerow(SUMMARY_HEADER)
    program, campaign = claim.program, claim.campaign
    rate = program.reimbursement_rate
    refs = " ".join(claim.invoice_refs)
    for proof in proofs:
        writer.writerow(
            [
                claim.pk,
                program.key,
                program.oem,
                campaign.name,
                proof.channel,
                campaign.starts_on or "",
                campaign.ends_on or "",
                proof.first_day or "",
                proof.last_day or "",
                proof.spend,
                "yes" if proof.eligible else "no",
                rate,
                cents(proof.spend * rate) if proof.eligible else ZERO,
                proof.blocking,
                refs,
            ]
        )
    return out.getvalue()


def _file_name(channel: str) -> str:
    """A channel key as a file name: a campaign's channels are data, and a name like
    ``../x`` must not climb out of the folder when the package is unzipped."""
    return _UNSAFE.sub("_", channel)[:64] or "channel"


def claim_package(claim: CoopClaim, *, now: datetime) -> bytes:
    """The claim's ZIP: ``summary.csv`` and ``proof/<channel>.html`` per channel."""
    proofs = channel_proofs(claim, now=now)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("summary.csv", _summary(claim, proofs))
        for proof in proofs:
            page = render_to_string(
                "coop/claim_proof.html",
                {
                    "claim": claim,
                    "program": claim.program,
                    "campaign": claim.campaign,
                    "channel": proof.channel,
                    "first_day": proof.first_day,
                    "last_day": proof.last_day,
                    "spend": proof.spend,
                    "eligible": proof.eligible,
                    "invoice_refs": claim.invoice_refs,
                    "creative": proof.creative,
                    "vehicle": proof.vehicle,
                    "findings": proof.findings,
                    "generated_at": now.isoformat(timespec="seconds"),
                },
            )
            archive.writestr(f"proof/{_file_name(proof.channel)}.html", page)
    return buffer.getvalue()


def package_name(claim: CoopClaim) -> str:
    return f"coop-claim-{claim.pk}-{claim.program.key}.zip"
