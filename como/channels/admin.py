"""Admin pages for the channels: provider accounts per workspace, the message log, and what the
sandbox transport recorded (exactly what would have been sent, secrets as fingerprints)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models

from como.jsonsafe import JSONFormField
from como.workspaces.admin_base import ReadOnlyScopedAdmin, WorkspaceScopedAdmin
from como.workspaces.roles import Permission

from .models import ChannelAccount, Message, SandboxRequest

_WRITE_ONLY = frozenset({"webhook_secret", "credentials"})


class ChannelAccountForm(forms.ModelForm):
    """Secrets are write-only: the page shows which credentials are set, never their values.
    Typing new ones replaces them; leaving the fields empty keeps what is stored. Either way
    they must be usable (:mod:`como.channels.account_secrets`)."""

    new_credentials = JSONFormField(
        required=False,
        label="Credentials",
        help_text='Replace them all, e.g. {"auth_token": "…"}; leave empty to keep the stored '
        "ones, {} to remove them.",
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
    )
    new_webhook_secret = forms.CharField(
        required=False,
        label="Webhook secret",
        help_text="Replace it; leave empty to keep the stored one.",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )

    class Meta:
        model = ChannelAccount
        # The admin's ``fields`` choose the rest (and build them with its overrides).
        fields = ["channel"]

    def clean_new_credentials(self) -> Any:
        value = self.cleaned_data.get("new_credentials")
        if value in (None, ""):
            return None
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise forms.ValidationError("Give an object of names to text values.")
        return value

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        # The model validates the secrets it is about to store (ChannelAccount.clean, run after
        # this) and save() stores them: give it the typed ones, so one rule serves every path.
        if self.cleaned_data.get("new_webhook_secret"):
            self.instance.webhook_secret = self.cleaned_data["new_webhook_secret"]
        if self.cleaned_data.get("new_credentials") is not None:
            self.instance.credentials = self.cleaned_data["new_credentials"]
        return cleaned

    def _update_errors(self, errors: forms.ValidationError) -> None:
        # The stored secrets are write-only on this page: their errors go to the typed fields.
        if hasattr(errors, "error_dict"):
            renamed: dict[str, Any] = {}
            for field, messages in errors.error_dict.items():
                if field not in _WRITE_ONLY:
                    renamed[field] = messages
                    continue
                typed = self.cleaned_data.get(f"new_{field}") not in (None, "")
                hint = "" if typed else "The stored value is unusable; type a new one. "
                renamed[f"new_{field}"] = [hint + m for e in messages for m in e.messages]
            errors = forms.ValidationError(renamed)
        # A private hook of ModelForm, untyped in the stubs: the one place model errors land.
        super()._update_errors(errors)  # type: ignore[misc]


@admin.register(ChannelAccount)
class ChannelAccountAdmin(WorkspaceScopedAdmin):
    form = ChannelAccountForm
    write_permission = Permission.CONFIGURE_PLAYBOOK
    # Provider APIs are https; a bare host typed in the form means https, not http.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["channel", "workspace", "transport", "account_id", "sender", "updated_at"]
    list_filter = ["channel", "transport", "workspace"]
    readonly_fields = ["credentials_set", "webhook_secret_set"]
    fields = [
        "workspace",
        "channel",
        "transport",
        "base_url",
        "account_id",
        "sender",
        "credentials_set",
        "new_credentials",
        "webhook_secret_set",
        "new_webhook_secret",
        "settings",
    ]

    @admin.display(description="credentials stored")
    def credentials_set(self, obj: ChannelAccount) -> str:
        names = sorted((obj.credentials or {}).keys())
        return ", ".join(names) if names else "none"

    @admin.display(description="webhook secret stored")
    def webhook_secret_set(self, obj: ChannelAccount) -> str:
        return "yes" if obj.webhook_secret else "no"


@admin.register(Message)
class MessageAdmin(ReadOnlyScopedAdmin):
    list_display = ["created_at", "channel", "direction", "purpose", "to", "status", "workspace"]
    list_filter = ["channel", "direction", "purpose", "status", "workspace"]
    search_fields = ["to", "subject", "provider_id", "idempotency_key"]
    date_hierarchy = "created_at"
    list_select_related = ["workspace"]


@admin.register(SandboxRequest)
class SandboxRequestAdmin(ReadOnlyScopedAdmin):
    list_display = ["created_at", "channel", "method", "url", "workspace"]
    list_filter = ["channel", "workspace"]
    search_fields = ["url", "idempotency_key"]
    list_select_related = ["workspace"]
