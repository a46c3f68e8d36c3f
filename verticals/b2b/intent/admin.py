"""Admin pages of intent data: the signals' list (the account's page draws them as its intent
timeline, :mod:`..accounts.admin_page`), and the providers' webhooks with write-only secrets
rotated in place."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from como.workspaces.admin_base import ReadOnlyScopedAdmin, WorkspaceScopedAdmin
from como.workspaces.roles import Permission

from .admin_upload import IntentUploadMixin
from .models import IntentSignal, IntentWebhook


@admin.register(IntentSignal)
class IntentSignalAdmin(IntentUploadMixin, ReadOnlyScopedAdmin):
    list_display = ["week", "domain", "provider", "topic", "score", "buying_stage", "account"]
    list_filter = ["workspace", "provider", "buying_stage", "week"]
    list_select_related = ["account"]
    search_fields = ["=domain", "topic", "account__name"]
    date_hierarchy = "occurred_at"


class IntentWebhookForm(forms.ModelForm):
    """The secret is write-only: typing a new one rotates it (the stored one becomes the
    previous secret, still accepted until "end rotation" is ticked), so a provider can move to
    the new key without a failed delivery."""

    new_secret = forms.CharField(
        required=False,
        label="New secret",
        help_text="whsec_ and base64 of 24+ random bytes; the current one stays accepted as the "
        "previous secret until the rotation ends.",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    end_rotation = forms.BooleanField(
        required=False, help_text="Forget the previous secret: only the current one verifies."
    )

    class Meta:
        model = IntentWebhook
        fields = ["provider"]

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        typed = self.cleaned_data.get("new_secret")
        if typed:
            if self.instance.secret and typed != self.instance.secret:
                self.instance.previous_secret = self.instance.secret
            self.instance.secret = typed
        elif not self.instance.secret:
            self.add_error("new_secret", "A webhook needs a secret.")
        if self.cleaned_data.get("end_rotation"):
            self.instance.previous_secret = ""
        return cleaned

    def _update_errors(self, errors: forms.ValidationError) -> None:
        # The stored secrets are write-only here: their errors go to the typed field.
        if hasattr(errors, "error_dict"):
            renamed: dict[str, Any] = {}
            for field, messages in errors.error_dict.items():
                target = "new_secret" if field in ("secret", "previous_secret") else field
                renamed.setdefault(target, []).extend(m for e in messages for m in e.messages)
            errors = forms.ValidationError(renamed)
        super()._update_errors(errors)  # type: ignore[misc]


@admin.register(IntentWebhook)
class IntentWebhookAdmin(WorkspaceScopedAdmin):
    form = IntentWebhookForm
    write_permission = Permission.CONFIGURE_PLAYBOOK
    list_display = ["provider", "name", "enabled", "rotating", "workspace", "created_at"]
    list_filter = ["workspace", "enabled"]
    readonly_fields = ["delivery_url", "rotating"]
    fields = [
        "workspace",
        "provider",
        "name",
        "enabled",
        "delivery_url",
        "new_secret",
        "rotating",
        "end_rotation",
    ]

    @admin.display(description="rotating (previous secret accepted)", boolean=True)
    def rotating(self, obj: IntentWebhook) -> bool:
        return bool(obj.previous_secret)

    @admin.display(description="delivery URL")
    def delivery_url(self, obj: IntentWebhook) -> str:
        return f"/api/v1/intent/webhooks/{obj.pk}/deliveries" if obj.pk else "(after saving)"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "workspace"] if obj is not None else readonly
