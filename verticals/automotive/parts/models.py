"""A workspace's parts and accessories catalog: what an item is, what it costs, where to buy it
and which vehicles it fits.

Fitment is a make, a model (blank: every model of the make) and an inclusive model-year range
(either end blank: open). Matching is case-insensitive on make and model, because catalogs and
DMS exports spell "CR-V" and "Cr-V" alike (:func:`.selectors.fits`).
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from como.workspaces.scoping import WorkspaceOwned

EARLIEST_YEAR, LATEST_YEAR = 1900, 2100


def _year(help_text: str) -> models.PositiveSmallIntegerField[int | None, int | None]:
    return models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(EARLIEST_YEAR), MaxValueValidator(LATEST_YEAR)],
        help_text=help_text,
    )


class PartsItem(WorkspaceOwned):
    """One catalog item (a part or an accessory) and the vehicles it fits."""

    sku = models.CharField(max_length=64, help_text="The item's SKU: unique in the workspace.")
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=64, blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    url = models.URLField(max_length=2000, blank=True, help_text="Where to buy it (http or https).")
    make = models.CharField(max_length=64, help_text="The make it fits, e.g. Toyota.")
    model = models.CharField(
        max_length=100, blank=True, help_text="Blank: every model of the make."
    )
    year_from = _year("The first model year it fits; blank: any before year_to.")
    year_to = _year("The last model year it fits; blank: any from year_from on.")
    active = models.BooleanField(default=True, help_text="Offered in the cross-sell program.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["make", "model", "sku", "id"]
        verbose_name = "parts and accessories item"
        constraints = [
            models.UniqueConstraint(fields=["workspace", "sku"], name="partsitem_unique_sku"),
            models.CheckConstraint(condition=~Q(sku=""), name="partsitem_sku"),
            models.CheckConstraint(condition=~Q(make=""), name="partsitem_make"),
            models.CheckConstraint(condition=Q(price__gte=0), name="partsitem_price_not_negative"),
            models.CheckConstraint(
                condition=Q(year_from__isnull=True)
                | Q(year_to__isnull=True)
                | Q(year_from__lte=F("year_to")),
                name="partsitem_year_range",
            ),
        ]
        indexes = [models.Index(fields=["workspace", "make"], name="partsitem_make_idx")]

    def __str__(self) -> str:
        return f"{self.sku}: {self.name}"
