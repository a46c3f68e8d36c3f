"""API shapes of contacts, accounts, events and workspaces.

Serializers check types and shapes only; normalisation, cross-field rules and uniqueness live in
:mod:`como.leads.services`, which the views call with ``validated_data``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from como.workspaces.models import Workspace
from como.workspaces.principal import principal_for_request
from como.workspaces.serializer_fields import JSONField

from .models import Account, Contact, Event
from .ranking import SCORE_DECIMALS, account_scorer, contact_scorer
from .services import OWNER_NOT_A_MEMBER


class VisibleAccountField(serializers.PrimaryKeyRelatedField):
    """An account id the caller can see; others are reported as not existing."""

    def get_queryset(self) -> Any:
        principal = principal_for_request(self.context["request"])
        return Account.objects.visible_to(principal)


@extend_schema_field({"type": "string", "nullable": True, "example": "dana.reyes"})
class AccountOwnerField(serializers.Field):
    """A member of the account's workspace, named by username.

    Looked up among that workspace's members only, so a user of another workspace is answered
    exactly like a username nobody has. The workspace is the account's (on update) or the one
    the view settled before validating (``context["workspace"]``, on create).
    """

    default_error_messages = {
        "invalid": "Give the owner's username as a string (or null for no owner).",
        "not_a_member": OWNER_NOT_A_MEMBER,
    }

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid")
        workspace = self._workspace()
        # PostgreSQL text cannot hold NUL; no username does either.
        if workspace is None or not data or "\x00" in data:
            self.fail("not_a_member")
        user_model = get_user_model()
        member = (
            user_model._default_manager.filter(
                memberships__workspace=workspace, **{user_model.USERNAME_FIELD: data}
            )
            .distinct()
            .first()
        )
        if member is None:
            self.fail("not_a_member")
        return member

    def to_representation(self, value: Any) -> str:
        return str(value.get_username())

    def _workspace(self) -> Workspace | None:
        instance = getattr(self.parent, "instance", None)
        if isinstance(instance, Account):
            return instance.workspace
        workspace = self.context.get("workspace")
        return workspace if isinstance(workspace, Workspace) else None


class ContactListSerializer(serializers.ListSerializer):
    """Scores a whole page at once (one query), unless the view already has its scores."""

    def to_representation(self, data: Any) -> list[Any]:
        items = list(data.all() if hasattr(data, "all") else data)
        if "scores" not in self.context:
            self._context["scores"] = contact_scores(items)
        return super().to_representation(items)


def contact_scores(contacts: Iterable[Contact]) -> dict[int, float]:
    scorer = contact_scorer()
    return {} if scorer is None else scorer.scores(list(contacts), timezone.now())


class ContactSerializer(serializers.ModelSerializer):
    score = serializers.SerializerMethodField(
        help_text="The current score: fit plus intent decayed to now (or to `at` in a list "
        "ordered by score); null until the contact is first scored."
    )
    workspace = serializers.CharField(
        source="workspace.slug", read_only=True, help_text="The workspace's slug."
    )
    # Wider than the stored E.164 form: people type "+1 (312) 555-0123 ext. 4".
    phone = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text="Any common notation; stored in E.164 (+13125550123). Numbers without a "
        "country code are read in the workspace's country.",
    )
    email = serializers.CharField(
        max_length=254,
        required=False,
        allow_blank=True,
        help_text="Stored trimmed and lowercased; unique per workspace.",
    )
    account = VisibleAccountField(required=False, allow_null=True)
    attributes = JSONField(required=False, help_text="A JSON object of your own fields.")

    class Meta:
        model = Contact
        list_serializer_class = ContactListSerializer
        fields = [
            "id",
            "workspace",
            "email",
            "phone",
            "first_name",
            "last_name",
            "title",
            "company_size",
            "industry",
            "country",
            "region",
            "postal_code",
            "external_id",
            "account",
            "attributes",
            "lifecycle_stage",
            "score",
            "first_seen_at",
            "last_seen_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        # Uniqueness is per workspace and checked by the service, with field-keyed messages.
        validators: list[Any] = []

    # The contact's score row's (models.ContactScore), under their names of old.
    # Null until the contact's first event, as the model fields were (the schema says so).
    first_seen_at = serializers.DateTimeField(
        source="score.first_seen_at", read_only=True, allow_null=True
    )
    last_seen_at = serializers.DateTimeField(
        source="score.last_seen_at", read_only=True, allow_null=True
    )

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_score(self, contact: Contact) -> float | None:
        scores = self.context.get("scores")
        if scores is None:
            scores = contact_scores([contact])
        score = scores.get(contact.pk)
        return None if score is None else round(score, SCORE_DECIMALS)


class AccountListSerializer(serializers.ListSerializer):
    """Scores a whole page at once, unless the view already has its scores."""

    def to_representation(self, data: Any) -> list[Any]:
        items = list(data.all() if hasattr(data, "all") else data)
        if "scores" not in self.context:
            self._context["scores"] = account_scores(items)
        return super().to_representation(items)


def account_scores(accounts: Iterable[Account]) -> dict[int, float]:
    scorer = account_scorer()
    return {} if scorer is None else scorer.scores(list(accounts), timezone.now())


class AccountSerializer(serializers.ModelSerializer):
    score = serializers.SerializerMethodField(
        help_text="The account score now (or at `at` in a list ordered by score): ICP fit plus "
        "its members' and intent signals' decayed intent; null where accounts are not scored."
    )
    stage = serializers.CharField(
        read_only=True,
        help_text="target, aware, engaged, mqa, opportunity or customer (B2B account stages).",
    )
    workspace = serializers.CharField(
        source="workspace.slug", read_only=True, help_text="The workspace's slug."
    )
    domain = serializers.CharField(
        max_length=253,
        required=False,
        allow_blank=True,
        help_text="Stored normalised (https://www.Acme.com/ → acme.com); unique per workspace.",
    )
    attributes = JSONField(required=False, help_text="A JSON object of your own fields.")
    owner = AccountOwnerField(
        required=False,
        allow_null=True,
        help_text="Username of the sales rep who owns the account (a member of its workspace); "
        "B2B MQLs go to the owner when the playbook routes to account owners. Null for none.",
    )

    class Meta:
        model = Account
        fields = [
            "id",
            "workspace",
            "domain",
            "name",
            "industry",
            "employee_count",
            "annual_revenue",
            "country",
            "region",
            "postal_code",
            "external_id",
            "attributes",
            "owner",
            "score",
            "stage",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        list_serializer_class = AccountListSerializer
        validators: list[Any] = []

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_score(self, account: Account) -> float | None:
        scores = self.context.get("scores")
        if scores is None:
            scores = account_scores([account])
        score = scores.get(account.pk)
        return None if score is None else round(score, SCORE_DECIMALS)


class EventSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="event_id", read_only=True, help_text="The sender's id.")
    contact = serializers.IntegerField(source="contact_id", read_only=True)
    utm = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = [
            "id",
            "contact",
            "type",
            "occurred_at",
            "received_at",
            "source",
            "properties",
            "utm",
        ]
        read_only_fields = fields

    def get_utm(self, event: Event) -> dict[str, str]:
        return {
            key: value
            for key in ("source", "medium", "campaign", "term", "content")
            if (value := getattr(event, f"utm_{key}"))
        }


class WorkspaceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Workspace
        fields = [
            "id",
            "slug",
            "name",
            "vertical",
            "time_zone",
            "country",
            "postal_address",
            "created_at",
        ]
        read_only_fields = fields
