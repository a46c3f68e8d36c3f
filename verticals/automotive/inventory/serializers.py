"""API shapes of rooftops and vehicles. Types and shapes only; rules live in the models'
validators and ``services``. A vehicle's cost is confidential: no serializer here carries it."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from como.workspaces.column_limits import column_max_length

from .formats.base import CONFIDENTIAL_FIELDS
from .models import Condition, Rooftop, Vehicle, VehicleChange, VehicleStatus

#: Fields never shown outside como, not even as a change's old and new values.
CONFIDENTIAL = frozenset(CONFIDENTIAL_FIELDS)

#: The brands column (its item width and count are the model's).
_BRANDS: Any = Rooftop._meta.get_field("brands")


class RooftopSerializer(serializers.ModelSerializer):
    workspace = serializers.CharField(
        source="workspace.slug", read_only=True, help_text="The workspace's slug."
    )
    brands = serializers.ListField(
        child=serializers.CharField(max_length=_BRANDS.base_field.max_length),
        max_length=_BRANDS.size,
        required=False,
        help_text="The OEM brands it sells.",
    )

    class Meta:
        model = Rooftop
        fields = [
            "id",
            "workspace",
            "name",
            "dealer_id",
            "store_code",
            "street",
            "city",
            "region",
            "postal_code",
            "country",
            "time_zone",
            "brands",
            "vdp_url_template",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "workspace", "created_at", "updated_at"]
        # Uniqueness is checked per workspace by the model (Rooftop.clean), field by field.
        validators: list[Any] = []


class DealerChargeSerializer(serializers.Serializer):
    name = serializers.CharField()
    amount = serializers.CharField(help_text="A decimal amount: 199.00.")


class VehicleChangeSerializer(serializers.ModelSerializer):
    inventory_import = serializers.IntegerField(
        source="inventory_import_id", read_only=True, allow_null=True
    )
    changes = serializers.SerializerMethodField(help_text="{field: [old, new]}")

    class Meta:
        model = VehicleChange
        fields = ["id", "at", "kind", "changes", "inventory_import"]

    @extend_schema_field(
        serializers.DictField(child=serializers.ListField(min_length=2, max_length=2))
    )
    def get_changes(self, obj: VehicleChange) -> dict[str, Any]:
        changes = obj.changes if isinstance(obj.changes, dict) else {}
        return {k: v for k, v in changes.items() if k not in CONFIDENTIAL}


VEHICLE_FIELDS = [
    "id",
    "rooftop",
    "vin",
    "stock_number",
    "year",
    "make",
    "model",
    "trim",
    "body_style",
    "condition",
    "certified",
    "mileage",
    "exterior_color",
    "interior_color",
    "transmission",
    "drivetrain",
    "fuel_type",
    "msrp",
    "price",
    "internet_price",
    "dealer_charges",
    "status",
    "received_at",
    "first_seen_at",
    "sold_at",
    "removed_at",
    "photos",
    "vdp_url",
    "updated_at",
    "last_import",
]
assert CONFIDENTIAL.isdisjoint(VEHICLE_FIELDS)


class VehicleSerializer(serializers.ModelSerializer):
    dealer_charges = DealerChargeSerializer(many=True, read_only=True)
    photos = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Vehicle
        fields = VEHICLE_FIELDS
        read_only_fields = VEHICLE_FIELDS


class VehicleDetailSerializer(VehicleSerializer):
    history = VehicleChangeSerializer(many=True, read_only=True, help_text="Newest first.")

    class Meta(VehicleSerializer.Meta):
        fields = [*VEHICLE_FIELDS, "history"]
        read_only_fields = fields


class VehicleQuerySerializer(serializers.Serializer):
    """The list's filters; a value no vehicle could have is a 400, not an empty page."""

    rooftop = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    status = serializers.ChoiceField(choices=VehicleStatus.choices, required=False)
    condition = serializers.ChoiceField(choices=Condition.choices, required=False)
    vin = serializers.RegexField(
        r"^[A-HJ-NPR-Za-hj-npr-z0-9]{17}$",
        required=False,
        error_messages={"invalid": "A VIN is 17 letters and digits (no I, O or Q)."},
    )
    stock_number = serializers.CharField(
        required=False, max_length=column_max_length(Vehicle, "stock_number")
    )

    def validate_vin(self, value: str) -> str:
        return value.upper()
