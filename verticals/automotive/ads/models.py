"""What como knows of each vehicle's ads: the live ad per (vehicle, channel), every step an
action took for one vehicle on one channel, the workspace's creative templates, and the
recorded breaches of the 48-hour rule (CA Veh. Code 11614(c))."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from como.agents.models import AgentAction
from como.workspaces.scoping import WorkspaceOwned

from ..inventory.models import Vehicle


class AdState(models.TextChoices):
    LAUNCHING = "launching", "Launching"
    LIVE = "live", "Live"
    PAUSED = "paused", "Paused"
    FAILED = "failed", "Failed"


class VehicleAd(WorkspaceOwned):
    """The ad a vehicle has on one channel: how como knows what to pause.

    One row per (vehicle, channel), kept across launches: a vehicle back in stock is launched
    again into the same row, with the new platform id."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="ads")
    channel = models.CharField(max_length=32)
    external_id = models.CharField(
        max_length=255, blank=True, help_text="The platform's ad id (or resource name)."
    )
    state = models.CharField(max_length=9, choices=AdState.choices, default=AdState.LAUNCHING)
    action = models.ForeignKey(
        AgentAction,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The action that last changed this ad.",
    )
    changed_at = models.DateTimeField(help_text="When the state last changed.")
    live_since = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["vehicle_id", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["vehicle", "channel"], name="vehiclead_one_per_channel"
            ),
            models.CheckConstraint(
                condition=Q(state__in=AdState.values), name="vehiclead_state_known"
            ),
        ]
        indexes = [
            models.Index(
                fields=["workspace", "state"],
                name="vehiclead_live",
                condition=Q(state__in=[AdState.LIVE, AdState.LAUNCHING]),
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} ad of vehicle {self.vehicle_id}: {self.state}"


class StepStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


class VehicleAdStep(WorkspaceOwned):
    """What one action did for one vehicle on one channel (``operation``: the platform call,
    e.g. ``ad``, ``catalog``): its result, its retries, and the idempotency of the whole. A step
    that is ``done`` is never sent again, so a re-run of the action after a crash or a retry
    repeats nothing and one platform error does not repeat the others."""

    action = models.ForeignKey(AgentAction, on_delete=models.CASCADE, related_name="+")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=32)
    operation = models.CharField(max_length=16, default="ad")
    status = models.CharField(max_length=7, choices=StepStatus.choices, default=StepStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    external_id = models.CharField(max_length=255, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["action_id", "vehicle_id", "channel", "operation"]
        constraints = [
            models.UniqueConstraint(
                fields=["action", "vehicle", "channel", "operation"], name="vehicleadstep_once"
            ),
            models.CheckConstraint(
                condition=Q(status__in=StepStatus.values), name="vehicleadstep_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.operation} of vehicle {self.vehicle_id} on {self.channel}: {self.status}"


class CreativeTemplate(WorkspaceOwned):
    """A workspace's own version of one of the vertical's creative templates (its ``kind``,
    e.g. ``meta_vehicle_ad``); a field it leaves out reads the vertical's default."""

    kind = models.CharField(max_length=32)
    fields = models.JSONField(default=dict, blank=True, help_text="Jinja2 source per field.")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "kind"], name="creativetemplate_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} template"


class AdBreach(WorkspaceOwned):
    """An ad still live 48 hours or more after its vehicle sold (CA Veh. Code 11614(c)),
    recorded once per ad and sale, resolved when the ad is paused."""

    vehicle_ad = models.ForeignKey(VehicleAd, on_delete=models.CASCADE, related_name="breaches")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=32)
    sold_at = models.DateTimeField()
    detected_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    action = models.ForeignKey(
        AgentAction,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The pause proposed again for it.",
    )

    class Meta:
        ordering = ["-detected_at"]
        constraints = [
            models.UniqueConstraint(fields=["vehicle_ad", "sold_at"], name="adbreach_once")
        ]

    def __str__(self) -> str:
        return f"{self.channel} ad of vehicle {self.vehicle_id} live after its sale"
