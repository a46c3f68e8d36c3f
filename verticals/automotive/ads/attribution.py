"""Which ads are about which vehicle, for como's VIN-level attribution
(:data:`como.campaigns.attribution.vin.VIN_ADS`): a click of a vehicle's ad is a touch about
its VIN. VehicleAd keeps the platform's ad id per vehicle and channel, across launches."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from como.workspaces.models import Workspace

from .models import VehicleAd


def vin_ads(workspace: Workspace, vins: Collection[str]) -> Mapping[str, str]:
    """{platform ad id: VIN} of the ads of these vehicles (one query)."""
    return dict(
        VehicleAd.objects.filter(workspace=workspace, vehicle__vin__in=list(vins))
        .exclude(external_id="")
        .values_list("external_id", "vehicle__vin")
    )


def register() -> None:
    from como.campaigns.attribution.vin import VIN_ADS

    VIN_ADS.register(vin_ads)
