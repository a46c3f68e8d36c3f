"""Creatives in bulk: everything one rendering needs that is the same for every vehicle of a
workspace (its rules, its templates, the channel accounts, the sender), read once, and the
vehicles and rooftops read with ``values()`` in one query each. The agent's proposals and the
executors' last check before sending both render through here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from como.agents.services import playbook_for
from como.channels.models import ChannelAccount
from como.channels.transports import channel_account
from como.compliance.drafts import Sender, jurisdictions_of
from como.rawsql import values_by_id
from como.workspaces.models import Workspace

from ..inventory.models import Rooftop, Vehicle
from .creative import (
    CreativeResult,
    rooftop_data,
    spec_for_channel,
    templates_for,
    vehicles_creative,
)
from .creative import vehicle_creative as render_vehicle_creative
from .creative.context import ROOFTOP_FIELDS, VEHICLE_FIELDS
from .rules import MerchandisingRules, Verdict, judge, rules_of


def vehicle_rows(workspace: Workspace, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The workspace's vehicles among ``ids`` as plain rows (never ``cost``), by id."""
    return values_by_id(Vehicle, VEHICLE_FIELDS, workspace_id=workspace.pk, ids=ids)


def rooftop_rows(workspace: Workspace, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    rows = Rooftop.objects.filter(workspace=workspace, pk__in=set(ids)).values(*ROOFTOP_FIELDS)
    return {row["id"]: row for row in rows}


@dataclass
class Studio:
    """One workspace's creative context, read once."""

    workspace: Workspace
    rules: MerchandisingRules
    templates: dict[str, dict[str, str]]
    jurisdictions: frozenset[str]
    sender: Sender
    workspace_data: dict[str, Any]
    _accounts: dict[str, ChannelAccount | None] = field(default_factory=dict)
    _coop: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    _programs: list[tuple[Sequence[str], dict[str, Any]]] | None = None

    @classmethod
    def of(cls, workspace: Workspace) -> Studio:
        playbook = playbook_for(workspace)
        return cls(
            workspace=workspace,
            rules=rules_of(playbook),
            templates=templates_for(workspace),
            jurisdictions=frozenset(playbook.jurisdictions or ()),
            sender=Sender.of(workspace),
            workspace_data={"name": workspace.name, "slug": workspace.slug},
        )

    def account(self, channel: str) -> ChannelAccount | None:
        if channel not in self._accounts:
            self._accounts[channel] = channel_account(self.workspace.pk, channel)
        return self._accounts[channel]

    def coop(self, channel: str) -> dict[str, Any] | None:
        """The rules of the workspace's confirmed, active co-op programs paying for
        ``channel`` (``Draft.coop``; the co-op check keeps those covering the vehicle's make).
        A program the dealer has not confirmed against its OEM's guide does not gate ads."""
        if channel not in self._coop:
            programs = [
                rules for paid, rules in self._coop_programs() if not paid or channel in paid
            ]
            self._coop[channel] = {"programs": programs} if programs else None
        return self._coop[channel]

    def _coop_programs(self) -> list[tuple[Sequence[str], dict[str, Any]]]:
        """Each confirmed active program's channels and rules, read once for every channel."""
        if self._programs is None:
            from django.utils import timezone

            from ..coop.rules import program_rules
            from ..coop.selectors import active_programs

            self._programs = [
                (p.eligible_channels or (), program_rules(p))
                for p in active_programs(self.workspace, today=timezone.localdate()).filter(
                    confirmed=True
                )
            ]
        return self._programs

    def placement(self, channel: str) -> dict[str, Any] | None:
        """Where the channel's ads go (the rules' placement), or None when not configured."""
        placement = getattr(self.rules.placements, channel, None)
        return placement.model_dump(mode="json") if placement is not None else None

    def verdict(
        self, vehicle: Mapping[str, Any], rooftop: Mapping[str, Any], now: datetime
    ) -> Verdict:
        codes = tuple(c for c in (rooftop.get("store_code"), rooftop.get("dealer_id")) if c)
        return judge(self.rules, {**vehicle, "rooftop_codes": codes}, now=now)

    def sendable(
        self, channel: str, vehicle: Mapping[str, Any], rooftop: Mapping[str, Any], now: datetime
    ) -> tuple[CreativeResult | None, str]:
        """The executors' last check before a vehicle's call: its creative as it would be sent
        now, or None and why not (the rules no longer pass, or the creative is blocked)."""
        verdict = self.verdict(vehicle, rooftop, now)
        if not verdict.ok:
            return None, "Not advertised now: " + "; ".join(verdict.reasons) + "."
        creative = self.creative(channel, vehicle, rooftop, now)
        if creative.blocked:
            why = "; ".join(str(f.get("message")) for f in creative.blocking)
            return None, f"Its creative is blocked now: {why}"
        return creative, ""

    def creative(
        self,
        channel: str,
        vehicle: Mapping[str, Any],
        rooftop: Mapping[str, Any],
        now: datetime,
        data: Mapping[str, Any] | None = None,
    ) -> CreativeResult:
        """The vehicle's creative on ``channel`` as it would be sent now. ``data``: the
        vehicle's template data when the caller built it already."""
        from .creative import vehicle_data

        spec = spec_for_channel(channel)
        return render_vehicle_creative(
            spec,
            self.templates[spec.key],
            vehicle=data if data is not None else vehicle_data(vehicle, now=now),
            **self._judging(channel, rooftop, now),
        )

    def creatives(
        self,
        channels: Sequence[str],
        rooftop: Mapping[str, Any],
        vehicles: Sequence[Mapping[str, Any]],
        now: datetime,
    ) -> dict[str, list[CreativeResult]]:
        """Many vehicles' creatives on each of ``channels`` (their template data, all of one
        rooftop): ``{channel: [result per vehicle, in order]}``, each exactly what
        :meth:`creative` gives, paying what they share once (each vehicle is made plain once
        for all the channels)."""
        if not channels:
            return {}
        specs = [spec_for_channel(channel) for channel in channels]
        judging = {channel: self._judging(channel, rooftop, now) for channel in channels}
        first = judging[channels[0]]  # the channels' share: rooftop, sender, jurisdictions
        results = vehicles_creative(
            specs,
            {spec.key: self.templates[spec.key] for spec in specs},
            vehicles=vehicles,
            rooftop=first["rooftop"],
            workspace=first["workspace"],
            sender=first["sender"],
            vertical=first["vertical"],
            jurisdictions=first["jurisdictions"],
            at=now,
            placements={c: judging[c]["placement"] or {} for c in channels},
            accounts={c: judging[c]["account"] for c in channels},
            coop={c: judging[c]["coop"] for c in channels},
        )
        return {spec.channel: results[spec.key] for spec in specs}

    def _judging(self, channel: str, rooftop: Mapping[str, Any], now: datetime) -> dict[str, Any]:
        """What a creative on ``channel`` at ``rooftop`` is rendered with and judged against."""
        return {
            "rooftop": rooftop_data(rooftop),
            "workspace": self.workspace_data,
            "sender": self.sender,
            "vertical": self.workspace.vertical,
            "jurisdictions": self.jurisdictions
            | jurisdictions_of(str(rooftop.get("country") or ""), str(rooftop.get("region") or "")),
            "at": now,
            "placement": self.placement(channel),
            "account": self.account(channel),
            "coop": self.coop(channel),
        }
