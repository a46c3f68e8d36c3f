"""Vehicle ownership (who owns which VIN, on what terms, how it is driven) and each DMS import.

Ownership is what the dealer programs read: the service reminder its last service and miles per
day, the equity program its deal terms. The deal's own fields (number, rooftop, price, terms)
stay on the ownership and on the ``vehicle_purchased`` event, so a deal can later become a won
opportunity on the buyer with its VIN.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from como.leads.models import Contact
from como.workspaces.scoping import WorkspaceOwned

from ..inventory.models import Rooftop
from .presets import DmsKind


def _empty_counts() -> dict[str, int]:
    return {"rows": 0, "created": 0, "duplicate": 0, "rejected": 0, "ownerships": 0}


class DmsImport(WorkspaceOwned):
    """One DMS export imported into a rooftop: its counts and every bad row."""

    rooftop = models.ForeignKey(Rooftop, on_delete=models.CASCADE, related_name="dms_imports")
    kind = models.CharField(max_length=16, choices=DmsKind.choices)
    preset = models.CharField(max_length=32, blank=True, help_text="The layout read; blank: any.")
    file_name = models.CharField(max_length=255, blank=True)
    counts = models.JSONField(default=_empty_counts, blank=True)
    errors = models.JSONField(
        default=list, blank=True, help_text='Bad rows: [{"row", "field", "message"}].'
    )
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = "DMS import"

    def __str__(self) -> str:
        return f"DMS import {self.pk} ({self.kind}) of rooftop {self.rooftop_id}"


class VehicleOwnership(WorkspaceOwned):
    """A contact's vehicle: from a deal (bought here) or a repair order (serviced here)."""

    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="vehicle_ownerships"
    )
    rooftop = models.ForeignKey(
        Rooftop, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    vin = models.CharField(max_length=17)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    make = models.CharField(max_length=64, blank=True)
    model = models.CharField(max_length=64, blank=True)
    condition = models.CharField(max_length=4, blank=True, help_text="new, used or cpo.")
    purchased_on = models.DateField(null=True, blank=True, help_text="Blank: not bought here.")
    deal_number = models.CharField(max_length=64, blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    amount_financed = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    apr = models.DecimalField(
        max_digits=6,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(36)],
        help_text="Percent.",
    )
    term_months = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    first_reading_on = models.DateField(null=True, blank=True)
    first_reading_miles = models.PositiveIntegerField(null=True, blank=True)
    last_reading_on = models.DateField(null=True, blank=True)
    last_reading_miles = models.PositiveIntegerField(null=True, blank=True)
    last_service_on = models.DateField(null=True, blank=True)
    last_service_miles = models.PositiveIntegerField(null=True, blank=True)
    service_visits = models.PositiveIntegerField(default=0)
    miles_per_day = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="From the first and the latest odometer readings; blank: too few.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "contact", "vin"], name="vehicleownership_unique"
            )
        ]
        indexes = [models.Index(fields=["workspace", "vin"], name="vehicleownership_vin")]

    def __str__(self) -> str:
        what = " ".join(str(part) for part in (self.year, self.make, self.model) if part)
        return f"{what or 'vehicle'} {self.vin}"
