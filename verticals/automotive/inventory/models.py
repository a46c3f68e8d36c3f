"""Rooftops, their vehicles and each vehicle's history, the feeds they come from, each import.

A vehicle is never deleted by an import: a sold or removed vehicle keeps its row, and every
change an import makes to it is a ``VehicleChange`` row. The history is append-only, as the
consent ledger is (``save`` refuses an update and a database trigger refuses any other).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from como.workspaces.scoping import WorkspaceOwned

from .validators import (
    validate_brands,
    validate_country,
    validate_cron,
    validate_mapping,
    validate_text_values,
    validate_time_zone,
    validate_vdp_url_template,
)

#: A VIN's alphabet: digits and capitals without I, O and Q (ISO 3779).
VIN_PATTERN = r"^[A-HJ-NPR-Z0-9]{17}$"


class Rooftop(WorkspaceOwned):
    """A dealership location of a workspace (a dealer group has several)."""

    name = models.CharField(max_length=200)
    dealer_id = models.CharField(
        max_length=64, blank=True, help_text="The dealer's id in its DMS or inventory provider."
    )
    store_code = models.CharField(
        max_length=64, blank=True, help_text="Google Business Profile store code."
    )
    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=100, blank=True, help_text="State or province.")
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(
        max_length=2,
        default="US",
        validators=[validate_country],
        help_text="ISO 3166-1 alpha-2 code: US, CA, MX.",
    )
    time_zone = models.CharField(
        max_length=64, validators=[validate_time_zone], help_text="IANA name: America/Chicago."
    )
    brands = ArrayField(
        models.CharField(max_length=64),
        default=list,
        blank=True,
        size=50,
        validators=[validate_brands],
        help_text="The OEM brands it sells (empty: an independent used-car store).",
    )
    vdp_url_template = models.CharField(
        max_length=2000,
        blank=True,
        validators=[validate_vdp_url_template],
        help_text="A vehicle's page, e.g. https://dealer.example/inventory/{vin}.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "store_code"],
                condition=~Q(store_code=""),
                name="rooftop_unique_store_code",
            ),
            models.UniqueConstraint(
                fields=["workspace", "dealer_id"],
                condition=~Q(dealer_id=""),
                name="rooftop_unique_dealer_id",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # Field-keyed, where the conditional unique constraints would say only "violated".
        errors = {}
        others = Rooftop.objects.filter(workspace_id=self.workspace_id).exclude(pk=self.pk)
        for field, what in (("store_code", "store code"), ("dealer_id", "dealer id")):
            value = getattr(self, field)
            if value and others.filter(**{field: value}).exists():
                errors[field] = f"Another rooftop of this workspace has this {what}."
        if errors:
            raise ValidationError(errors)


class Condition(models.TextChoices):
    NEW = "new", "New"
    USED = "used", "Used"
    CPO = "cpo", "Certified pre-owned"


class VehicleStatus(models.TextChoices):
    AVAILABLE = "available", "Available"
    PENDING = "pending", "Pending (deal in progress)"
    SOLD = "sold", "Sold"
    REMOVED = "removed", "Removed (missing from a full feed)"


def _money(help_text: str = "") -> models.DecimalField[Any, Any]:
    return models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=help_text,
    )


#: Inventory rows reference each other through a composite ``(id, workspace_id)`` foreign key
#: (migration 0004), which holds the reference *and* its workspace. It implies Django's plain
#: constraint on the same column, and, through the referenced row's own ``workspace`` key, the
#: plain ``workspace`` one; so those are not created in the database (``db_constraint=False``;
#: on_delete and the index stay). Each check is a lookup at commit: an import creating 50,000
#: vehicles made ten per vehicle, now four.
_CHECKED_BY_COMPOSITE_KEY = False


def _workspace(*, db_index: bool = True) -> models.ForeignKey[Any, Any]:
    return models.ForeignKey(
        "workspaces.Workspace",
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=_CHECKED_BY_COMPOSITE_KEY,
        db_index=db_index,
    )


class Vehicle(WorkspaceOwned):
    """One unit of a rooftop's inventory, as its feeds last described it."""

    # No index of their own: (workspace, vin) and (rooftop, status) lead with them, and each
    # index more is written for every vehicle an import creates.
    workspace = _workspace(db_index=False)
    rooftop = models.ForeignKey(
        Rooftop,
        on_delete=models.RESTRICT,
        related_name="vehicles",
        db_constraint=_CHECKED_BY_COMPOSITE_KEY,
        db_index=False,
    )
    vin = models.CharField(max_length=17)
    stock_number = models.CharField(max_length=64)
    year = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )
    make = models.CharField(max_length=64, blank=True)
    model = models.CharField(max_length=100, blank=True)
    trim = models.CharField(max_length=100, blank=True)
    body_style = models.CharField(max_length=64, blank=True)
    condition = models.CharField(max_length=4, choices=Condition.choices)
    certified = models.BooleanField(default=False)
    mileage = models.PositiveIntegerField(null=True, blank=True)
    exterior_color = models.CharField(max_length=64, blank=True)
    interior_color = models.CharField(max_length=64, blank=True)
    transmission = models.CharField(max_length=64, blank=True)
    drivetrain = models.CharField(max_length=32, blank=True)
    fuel_type = models.CharField(max_length=32, blank=True)
    msrp = _money()
    price = _money()
    internet_price = _money()
    cost = _money("Confidential: never exported, never in a template's context.")
    dealer_charges = models.JSONField(
        default=list,
        blank=True,
        help_text='Mandatory dealer charges: [{"name": "Doc fee", "amount": "199.00"}].',
    )
    status = models.CharField(
        max_length=9, choices=VehicleStatus.choices, default=VehicleStatus.AVAILABLE
    )
    received_at = models.DateTimeField(null=True, blank=True, help_text="In stock since (feed).")
    first_seen_at = models.DateTimeField(default=timezone.now, help_text="First seen in a feed.")
    sold_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    photos = models.JSONField(default=list, blank=True, help_text="Photo URLs, in order.")
    vdp_url = models.CharField(max_length=2000, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_import = models.ForeignKey(
        "InventoryImport",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=_CHECKED_BY_COMPOSITE_KEY,
    )

    class Meta:
        ordering = ["rooftop_id", "stock_number", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "vin"], name="vehicle_unique_vin"),
            models.UniqueConstraint(
                fields=["rooftop", "stock_number"], name="vehicle_unique_stock_number"
            ),
            models.CheckConstraint(condition=Q(vin__regex=VIN_PATTERN), name="vehicle_vin_form"),
            models.CheckConstraint(condition=~Q(stock_number=""), name="vehicle_stock_number"),
            models.CheckConstraint(
                condition=Q(condition__in=Condition.values), name="vehicle_condition_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=VehicleStatus.values), name="vehicle_status_known"
            ),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{f}__gte": 0}) | Q(**{f"{f}__isnull": True}),
                    name=f"vehicle_{f}_not_negative",
                )
                for f in ("msrp", "price", "internet_price", "cost")
            ),
        ]
        indexes = [models.Index(fields=["rooftop", "status"], name="vehicle_rooftop_status")]

    def __str__(self) -> str:
        what = " ".join(str(p) for p in (self.year, self.make, self.model) if p)
        return f"{what or 'vehicle'} ({self.vin})"


class VehicleChangeKind(models.TextChoices):
    CREATED = "created", "Created"
    CHANGED = "changed", "Changed"
    SOLD = "sold", "Sold"
    REMOVED = "removed", "Removed"
    RETURNED = "returned", "Back in stock"


class VehicleChange(WorkspaceOwned):
    """One entry of a vehicle's history: what an import changed, ``{field: [old, new]}``.

    Append-only: ``save`` refuses an update; migration 0002's trigger refuses any other (bar
    forgetting a deleted import, which ``on_delete=SET_NULL`` does)."""

    workspace = _workspace()
    vehicle = models.ForeignKey(
        Vehicle,
        on_delete=models.CASCADE,
        related_name="history",
        db_constraint=_CHECKED_BY_COMPOSITE_KEY,
        db_index=False,  # vehiclechange_history leads with it
    )
    # Not ``import``: a Python keyword cannot be an attribute.
    inventory_import = models.ForeignKey(
        "InventoryImport",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=_CHECKED_BY_COMPOSITE_KEY,
    )
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=8, choices=VehicleChangeKind.choices)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["vehicle", "-at", "-id"], name="vehiclechange_history")]

    def __str__(self) -> str:
        return f"{self.kind} vehicle {self.vehicle_id} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError("A vehicle's history is append-only: record a new change instead.")
        super().save(*args, **kwargs)


class SourceKind(models.TextChoices):
    UPLOAD = "upload", "Uploaded file (admin or API)"
    HTTPS = "https", "HTTPS URL, polled"
    SFTP = "sftp", "SFTP server, polled"
    FILE = "file", "File on the server (manage.py import_inventory)"


class InventorySource(WorkspaceOwned):
    """Where a rooftop's feed comes from, how it is read, and how often it is fetched."""

    rooftop = models.ForeignKey(Rooftop, on_delete=models.CASCADE, related_name="sources")
    name = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=6, choices=SourceKind.choices)
    url = models.CharField(max_length=2000, blank=True, help_text="For HTTPS sources.")
    host = models.CharField(max_length=253, blank=True, help_text="For SFTP sources.")
    port = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(65535)]
    )
    username = models.CharField(max_length=200, blank=True)
    credentials = models.JSONField(
        default=dict,
        blank=True,
        validators=[validate_text_values],
        help_text="password, private_key, known_host_key, or an HTTP authorization header.",
    )
    path = models.CharField(max_length=1000, blank=True, help_text="The file's path (SFTP, file).")
    format_key = models.CharField(
        max_length=32, blank=True, help_text="A feed format's key; blank: recognise the file."
    )
    mapping = models.JSONField(
        default=dict,
        blank=True,
        validators=[validate_mapping],
        help_text="A custom mapping: canonical field → column or path.",
    )
    full = models.BooleanField(
        default=False, help_text="The feed lists the whole inventory: vehicles missing are removed."
    )
    schedule = models.CharField(
        max_length=100,
        blank=True,
        validators=[validate_cron],
        help_text="Cron (min hour day month weekday); blank: never.",
    )
    enabled = models.BooleanField(default=True)
    last_fetched_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["rooftop_id", "id"]

    def __str__(self) -> str:
        return self.name or f"{self.get_kind_display()} feed of rooftop {self.rooftop_id}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        rooftop = Rooftop.objects.filter(pk=self.rooftop_id).first()
        if rooftop is not None and self.workspace_id and rooftop.workspace_id != self.workspace_id:
            errors["rooftop"] = "The rooftop belongs to another workspace."
        needed = {
            "https": ("url",),
            "sftp": ("host", "username", "path"),
            "file": ("path",),
        }.get(self.kind, ())
        for field in needed:
            if not getattr(self, field):
                errors[field] = f"A {self.get_kind_display()} source needs it."
        try:  # a form may leave credentials out of its fields (write-only): check them here too
            validate_text_values(self.credentials)
        except ValidationError as bad:
            errors["credentials"] = " ".join(bad.messages)
        if (
            isinstance(self.mapping, dict)
            and "records" in self.mapping
            and self.format_key.startswith("csv")
        ):
            errors["mapping"] = 'A CSV mapping names columns: "records" is for XML and JSON.'
        scheme_ok = self.url.lower().startswith(("https://", "http://"))
        if self.kind == SourceKind.HTTPS and self.url and not scheme_ok:
            errors["url"] = "Give an https:// URL."
        if errors:
            raise ValidationError(errors)


class ImportStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    HELD = "held", "Removals held for approval"


def _empty_counts() -> dict[str, int]:
    return dict.fromkeys(
        ("rows", "created", "changed", "sold", "removed", "returned", "unchanged", "rejected"), 0
    )


class InventoryImport(WorkspaceOwned):
    """One run of a feed into a rooftop: its counts, each phase's seconds and every bad row."""

    rooftop = models.ForeignKey(Rooftop, on_delete=models.CASCADE, related_name="imports")
    source = models.ForeignKey(
        InventorySource, null=True, blank=True, on_delete=models.SET_NULL, related_name="imports"
    )
    status = models.CharField(
        max_length=9, choices=ImportStatus.choices, default=ImportStatus.RUNNING
    )
    full = models.BooleanField(default=False)
    format_key = models.CharField(max_length=32, blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    counts = models.JSONField(default=_empty_counts, blank=True)
    errors = models.JSONField(
        default=list, blank=True, help_text='Bad rows: [{"row", "field", "message"}].'
    )
    phases = models.JSONField(default=dict, blank=True, help_text="Seconds per phase.")
    progress = models.PositiveIntegerField(default=0, help_text="Rows done so far.")
    message = models.TextField(blank=True, help_text="Why it failed or was held.")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    held_removals = models.JSONField(
        default=list, blank=True, help_text="Ids of vehicles whose removal awaits approval."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["rooftop", "-started_at"], name="inventoryimport_recent")]

    def __str__(self) -> str:
        return f"import {self.pk} of rooftop {self.rooftop_id} ({self.status})"
