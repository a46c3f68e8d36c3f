"""Admin pages for the channels: provider accounts per workspace, the message log, and what the
sandbox transport recorded (exactly what would have been sent)."""

from __future__ import annotations

from django.contrib import admin
from django.db import models

from como.workspaces.admin_base import ReadOnlyScopedAdmin, WorkspaceScopedAdmin
from como.workspaces.roles import Permission

from .models import ChannelAccount, Message, SandboxRequest


@admin.register(ChannelAccount)
class ChannelAccountAdmin(WorkspaceScopedAdmin):
    write_permission = Permission.CONFIGURE_PLAYBOOK
    # Provider APIs are https; a bare host typed in the form means https, not http.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["channel", "workspace", "transport", "account_id", "sender", "updated_at"]
    list_filter = ["channel", "transport", "workspace"]
    fields = [
        "workspace",
        "channel",
        "transport",
        "base_url",
        "account_id",
        "sender",
        "credentials",
        "webhook_secret",
        "settings",
    ]


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
